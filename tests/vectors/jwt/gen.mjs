// Generates tests/vectors/jwt/adversarial.json, the adversarial JWT corpus that both
// tests/jwt_adversarial.rs (native) and tests/js/jwt-adversarial.test.mjs (wasm in Node) run.
//   node tests/vectors/jwt/gen.mjs > tests/vectors/jwt/adversarial.json
// Only node:crypto is used, so the corpus does not depend on rotor's own signer. The output is
// committed; re-running it changes only the RSA key-confusion case (a fresh RSA key pair).
import { createHmac, createHash, generateKeyPairSync } from "node:crypto";

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const key = createHash("sha256").update("rotor adversarial corpus key").digest();
const otherKey = createHash("sha256").update("rotor adversarial corpus other key").digest();
const b64u = (buf) => Buffer.from(buf).toString("base64url");
const K = b64u(key);
const K2 = b64u(otherKey);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const seg = (x) => b64u(Buffer.isBuffer(x) ? x : Buffer.from(typeof x === "string" ? x : JSON.stringify(x)));
const mac = (input, k = key, hash = "sha256") => createHmac(hash, k).update(input).digest();
/** header and payload (objects, raw JSON strings or Buffers) signed with HMAC over the segments. */
const token = (header, payload, k = key, hash = "sha256") => {
  const input = `${seg(header)}.${seg(payload)}`;
  return `${input}.${b64u(mac(input, k, hash))}`;
};
/** Already-encoded segments, signed as they are. */
const signSegments = (h, p, k = key) => `${h}.${p}.${b64u(mac(`${h}.${p}`, k))}`;

const H = { alg: "HS256", typ: "JWT" };
const claims = (extra = {}) => ({
  iss: "https://issuer.example",
  sub: "alice",
  aud: "api",
  iat: NOW - 10,
  exp: NOW + 600,
  ...extra,
});

/** Sets a stray (non-zero unused) bit in the last character of a segment whose length % 4 != 0. */
const stray = (s) => {
  if (s.length % 4 === 0) throw new Error("segment has no unused bits");
  const i = ALPHABET.indexOf(s.at(-1));
  if (i % 4 !== 0 && s.length % 4 === 3) throw new Error("already stray");
  return s.slice(0, -1) + ALPHABET[i + 1];
};
/** Pads a JSON payload with a filler claim until its length satisfies `ok`. */
const payloadWhere = (ok, base = claims()) => {
  for (let n = 0; n < 200; n++) {
    const text = JSON.stringify({ ...base, f: "x".repeat(n) });
    if (ok(text, seg(text))) return text;
  }
  throw new Error("no payload found");
};
const headerWhere = (ok) => {
  for (let n = 0; n < 200; n++) {
    const text = JSON.stringify({ ...H, f: "y".repeat(n) });
    if (ok(text, seg(text))) return text;
  }
  throw new Error("no header found");
};
const toStd = (s) => s.replaceAll("-", "+").replaceAll("_", "/");
const nested = (n) => "[".repeat(n) + "]".repeat(n);

const base = token(H, claims());
const [bh, bp, bs] = base.split(".");
const keyed = [{ kid: "k1", key: K }, { kid: "k2", key: K2 }];
const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = publicKey.export({ type: "spki", format: "pem" });

const cases = [];
const add = (name, tok, expect, options = {}) => cases.push({ name, token: tok, options: { keys: K, ...options }, expect });

// Positive controls: the corpus must not pass by refusing everything.
add("control: valid token", base, "ok");
add("control: valid token with kid in a keyed set", token({ ...H, kid: "k2" }, claims(), otherKey), "ok", { keys: keyed });
add("control: single key ignores an unknown kid", token({ ...H, kid: "anything" }, claims()), "ok");
add("control: exp as a float is a NumericDate", token(H, claims({ exp: NOW + 0.5 })), "ok");
add("control: typ application/at+jwt matches at+jwt", token({ ...H, typ: "application/AT+JWT" }, claims()), "ok", { typ: "at+jwt" });
add("control: aud array containing the audience", token(H, claims({ aud: ["other", "api"] })), "ok", { audience: "api" });
add("control: exp just passed but within leeway", token(H, claims({ exp: NOW - 5 })), "ok", { leewaySeconds: 5 + 1 });

// alg
add("alg none, empty signature", `${seg({ alg: "none" })}.${bp}.`, "alg_not_allowed");
add("alg none, with a valid HS256 signature", token({ alg: "none" }, claims()), "alg_not_allowed");
add("alg None", token({ alg: "None" }, claims()), "alg_not_allowed");
add("alg NONE", token({ alg: "NONE" }, claims()), "alg_not_allowed");
add("alg nOnE", token({ alg: "nOnE" }, claims()), "alg_not_allowed");
add("alg empty string", token({ alg: "" }, claims()), "alg_not_allowed");
add("alg missing", token({ typ: "JWT" }, claims()), "alg_not_allowed");
add("alg null", token({ alg: null }, claims()), "alg_not_allowed");
add("alg as an array", token({ alg: ["HS256"] }, claims()), "alg_not_allowed");
add("alg lower-case hs256", token({ alg: "hs256" }, claims()), "alg_not_allowed");
add("alg HS256 with trailing space", token({ alg: "HS256 " }, claims()), "alg_not_allowed");
add("alg HS384 (really HMAC-SHA-384)", token({ alg: "HS384" }, claims(), key, "sha384"), "alg_not_allowed");
add("alg HS512 (really HMAC-SHA-512)", token({ alg: "HS512" }, claims(), key, "sha512"), "alg_not_allowed");
for (const alg of ["RS256", "ES256", "PS256", "EdDSA"]) {
  add(`alg ${alg}`, `${seg({ alg })}.${bp}.${b64u(Buffer.alloc(64, 7))}`, "alg_not_allowed");
}

// RS-to-HS key confusion (RFC 8725 §2.1): HMAC keyed with the RSA public key's PEM text.
add("key confusion: HS256 signed with an RSA public key PEM as secret", token(H, claims(), Buffer.from(pem)), "bad_signature");
add("key confusion: RS256 header, HMAC with the PEM as secret", token({ alg: "RS256" }, claims(), Buffer.from(pem)), "alg_not_allowed");

// Signatures
add("wrong key", token(H, claims(), otherKey), "bad_signature");
add("missing signature segment", `${bh}.${bp}`, "malformed");
add("empty signature", `${bh}.${bp}.`, "bad_signature");
add("truncated signature", `${bh}.${bp}.${bs.slice(0, 40)}`, "bad_signature");
add("signature of another token", `${bh}.${seg(claims({ sub: "mallory" }))}.${bs}`, "bad_signature");
add("signature with one flipped bit", `${bh}.${bp}.${ALPHABET[(ALPHABET.indexOf(bs[0]) ^ 1)]}${bs.slice(1)}`, "bad_signature");
add("HMAC-SHA-512 signature under an HS256 header", `${bh}.${bp}.${b64u(mac(`${bh}.${bp}`, key, "sha512"))}`, "bad_signature");

// Canonical base64url (RFC 7515 §2): padding, stray bits, standard alphabet.
{
  const h = headerWhere((_, s) => s.length % 4 !== 0);
  const hs = seg(h);
  add("padded header", signSegments(`${hs}${"=".repeat(4 - (hs.length % 4))}`, bp), "malformed");
  add("header with stray trailing bits", signSegments(stray(hs), bp), "malformed");
  const p = payloadWhere((_, s) => s.length % 4 !== 0);
  const ps = seg(p);
  add("padded payload", signSegments(bh, `${ps}${"=".repeat(4 - (ps.length % 4))}`), "malformed");
  add("payload with stray trailing bits", signSegments(bh, stray(ps)), "malformed");
  add("padded signature", `${bh}.${bp}.${bs}=`, "malformed");
  add("signature with stray trailing bits", `${bh}.${bp}.${stray(bs)}`, "malformed");
  const pStd = seg(payloadWhere((_, s) => /[-_]/.test(s), claims({ sub: "\u00ff\u00fe>>>???" })));
  add("payload in the standard base64 alphabet", signSegments(bh, toStd(pStd)), "malformed");
  let sigStd;
  for (let n = 0; !sigStd; n++) {
    const t = token(H, claims({ n }));
    if (/[-_]/.test(t.split(".")[2])) sigStd = t.split(".").slice(0, 2).join(".") + "." + toStd(t.split(".")[2]);
  }
  add("signature in the standard base64 alphabet", sigStd, "malformed");
  add("header with an impossible base64 length", signSegments(`${bh}A`.slice(0, bh.length - (bh.length % 4)) + "A", bp), "malformed");
}

// Segments and whitespace
add("four segments", `${base}.`, "malformed");
add("five segments (JWE shape)", `${bh}.${bp}.${bs}.AAAA.AAAA`, "malformed");
add("one segment", bh, "malformed");
add("empty token", "", "malformed");
add("only dots", "..", "malformed");
add("leading space", ` ${base}`, "malformed");
add("trailing newline", `${base}\n`, "malformed");
add("space inside the payload", `${bh}.${bp.slice(0, 10)} ${bp.slice(10)}.${bs}`, "malformed");
add("Bearer prefix left on", `Bearer ${base}`, "malformed");

// Extensions
add("crit with an unknown extension", token({ ...H, crit: ["urn:example:ext"], "urn:example:ext": 1 }, claims()), "crit_unsupported");
add("crit naming exp", token({ ...H, crit: ["exp"] }, claims()), "crit_unsupported");
add("crit empty array", token({ ...H, crit: [] }, claims()), "crit_unsupported");
add("crit b64 with b64 false (RFC 7797)", token({ ...H, b64: false, crit: ["b64"] }, claims()), "crit_unsupported");
add("b64 false without crit", token({ ...H, b64: false }, claims()), "crit_unsupported");
{
  // RFC 7797 unencoded payload: the signing input is the raw payload text.
  const h = seg({ alg: "HS256", b64: false, crit: ["b64"] });
  const raw = JSON.stringify(claims());
  // Structure is checked before crit: a detached or raw payload never reaches the crit check.
  add("unencoded payload detached (RFC 7797)", `${h}..${b64u(mac(`${h}.${raw}`))}`, "malformed");
  add("unencoded payload inline (RFC 7797)", `${h}.${raw}.${b64u(mac(`${h}.${raw}`))}`, "malformed");
}

// kid
add("kid with path traversal", token({ ...H, kid: "../../../../etc/passwd" }, claims()), "unknown_kid", { keys: keyed });
add("kid with SQL", token({ ...H, kid: "k1' OR '1'='1" }, claims()), "unknown_kid", { keys: keyed });
add("kid with a NUL byte", token({ ...H, kid: "k1\u0000" }, claims()), "unknown_kid", { keys: keyed });
add("kid of another case", token({ ...H, kid: "K1" }, claims()), "unknown_kid", { keys: keyed });
add("kid missing with a keyed set", token(H, claims()), "unknown_kid", { keys: keyed });
add("kid as a number", token({ ...H, kid: 1 }, claims()), "malformed", { keys: keyed });
add("kid selects k1 but signed with k2", token({ ...H, kid: "k1" }, claims(), otherKey), "bad_signature", { keys: keyed });
add("very long kid", token({ ...H, kid: "k".repeat(4000) }, claims()), "unknown_kid", { keys: keyed });

// Duplicate names (RFC 7515 §5.2, RFC 8725 §3.1 via RFC 7519 §4)
add("duplicate exp claim", token(H, `{"sub":"alice","exp":${NOW - 100},"exp":${NOW + 600}}`), "malformed");
add("duplicate sub claim", token(H, `{"sub":"alice","sub":"admin","exp":${NOW + 600}}`), "malformed");
add("duplicate alg header", token('{"alg":"none","alg":"HS256"}', claims()), "malformed");
add("duplicate alg header, HS256 first", token('{"alg":"HS256","alg":"none"}', claims()), "malformed");
add("duplicate via escaped name", token(H, `{"exp":${NOW + 600},"\\u0065xp":${NOW - 100}}`), "malformed");

// exp, nbf, iat (RFC 7519 §4.1.4–§4.1.6)
add("exp as a string", token(H, claims({ exp: String(NOW + 600) })), "claim_mismatch");
add("exp huge (1e300)", token(H, `{"sub":"alice","exp":1e300}`), "claim_mismatch");
add("exp beyond year 9999", token(H, claims({ exp: 253402300800 })), "claim_mismatch");
add("exp negative", token(H, claims({ exp: -1 })), "claim_mismatch");
add("exp boolean", token(H, claims({ exp: true })), "claim_mismatch");
add("exp null", token(H, claims({ exp: null })), "claim_mismatch");
add("exp an object", token(H, claims({ exp: { $gt: 0 } })), "claim_mismatch");
add("exp missing", token(H, { sub: "alice" }), "missing_claim");
add("exp in the past", token(H, claims({ exp: NOW - 1 })), "expired");
add("exp equal to now (RFC 7519: on or after)", token(H, claims({ exp: NOW })), "expired");
add("exp float just passed", token(H, claims({ exp: NOW - 0.5 })), "expired");
add("exp past beyond leeway", token(H, claims({ exp: NOW - 61 })), "expired", { leewaySeconds: 60 });
add("nbf in the future", token(H, claims({ nbf: NOW + 60 })), "not_yet_valid");
add("nbf in the future beyond leeway", token(H, claims({ nbf: NOW + 61 })), "not_yet_valid", { leewaySeconds: 60 });
add("nbf as a string", token(H, claims({ nbf: "0" })), "claim_mismatch");
add("iat in the future", token(H, claims({ iat: NOW + 3600 })), "issued_in_future");
add("iat as a string", token(H, claims({ iat: "yesterday" })), "claim_mismatch");

// JSON shape and bounds
add("header depth bomb (65 levels)", token(`{"alg":"HS256","x":${nested(64)}}`, claims()), "malformed");
add("payload depth bomb (65 levels)", token(H, `{"exp":${NOW + 600},"x":${nested(64)}}`), "malformed");
add("payload depth bomb (5000 levels)", token(H, `{"exp":${NOW + 600},"x":${nested(5000)}}`), "malformed");
add("payload depth bomb of objects", token(H, `{"exp":${NOW + 600},"x":${'{"a":'.repeat(100)}1${"}".repeat(100)}}`), "malformed");
add("non-UTF-8 payload bytes", token(H, Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xff, 0xfe]), Buffer.from(`","exp":${NOW + 600}}`)])), "malformed");
add("overlong UTF-8 in the header", token(Buffer.concat([Buffer.from('{"alg":"HS256","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), claims()), "malformed");
add("lone surrogate escape in the payload", token(H, `{"sub":"\\ud800","exp":${NOW + 600}}`), "malformed");
add("UTF-8 BOM before the header", token(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(H))]), claims()), "malformed");
add("header is a JSON array", token('["HS256"]', claims()), "malformed");
add("payload is a JSON array", token(H, "[1,2,3]"), "malformed");
add("payload is a JSON string", token(H, '"alice"'), "malformed");
add("payload is null", token(H, "null"), "malformed");
add("payload is empty", token(H, ""), "malformed");
add("trailing garbage after the payload JSON", token(H, `${JSON.stringify(claims())} x`), "malformed");
add("two header objects", token(`${JSON.stringify(H)}{}`, claims()), "malformed");
add("payload with a trailing comma", token(H, `{"exp":${NOW + 600},}`), "malformed");
add("payload with a NaN literal", token(H, `{"exp":NaN}`), "malformed");

// Size
cases.push({
  name: "1 MB token",
  tokenRepeat: { prefix: `${bh}.`, repeat: "A", count: 1 << 20, suffix: `.${bs}` },
  options: { keys: K },
  expect: "too_large",
});
add("one byte over maxTokenBytes", base, "too_large", { maxTokenBytes: base.length - 1 });
add("exactly maxTokenBytes", base, "ok", { maxTokenBytes: base.length });

// Claims
add("typ mismatch", token(H, claims()), "claim_mismatch", { typ: "at+jwt" });
add("typ missing when required", token({ alg: "HS256" }, claims()), "claim_mismatch", { typ: "at+jwt" });
add("typ with a different media type prefix", token({ alg: "HS256", typ: "text/at+jwt" }, claims()), "claim_mismatch", { typ: "at+jwt" });
add("iss mismatch", token(H, claims()), "claim_mismatch", { issuer: "https://evil.example" });
add("iss differs only in a trailing slash", token(H, claims()), "claim_mismatch", { issuer: "https://issuer.example/" });
add("iss missing", token(H, claims({ iss: undefined })), "missing_claim", { issuer: "https://issuer.example" });
add("iss not a string", token(H, claims({ iss: ["https://issuer.example"] })), "claim_mismatch", { issuer: "https://issuer.example" });
add("aud mismatch", token(H, claims()), "claim_mismatch", { audience: "billing" });
add("aud array without a match", token(H, claims({ aud: ["billing", "admin"] })), "claim_mismatch", { audience: ["api", "web"] });
add("aud array with a non-string", token(H, claims({ aud: ["api", 1] })), "claim_mismatch", { audience: "api" });
add("aud empty array", token(H, claims({ aud: [] })), "claim_mismatch", { audience: "api" });
add("aud missing", token(H, claims({ aud: undefined })), "missing_claim", { audience: "api" });
add("required jti missing", token(H, claims()), "missing_claim", { requiredClaims: ["exp", "jti"] });

// Keys
add("weak verification key (16 bytes)", base, "weak_key", { keys: b64u(key.subarray(0, 16)) });
add("weak key in a keyed set", base, "weak_key", { keys: [{ kid: "k1", key: b64u(key.subarray(0, 31)) }] });

const names = new Set();
for (const c of cases) {
  if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
  names.add(c.name);
}
process.stdout.write(
  JSON.stringify(
    {
      description:
        "Adversarial HS256 JWT corpus for rotor (RFC 7515, 7519, 8725, 9068). Each case: token (or tokenRepeat: prefix + repeat*count + suffix), verifyJwt options (keys as base64url), and the expected error code or \"ok\". Generated by gen.mjs with node:crypto.",
      now: NOW_MS,
      cases,
    },
    null,
    1,
  ) + "\n",
);
