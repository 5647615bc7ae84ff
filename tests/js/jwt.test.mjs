// signJwt / verifyJwt through the wasm package: known answer, exact wire, option handling and
// error shapes (shared API.md, "JWT (HS256)").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createVerifier, signJwt, verifyJwt } from "rotor";
import { codeOf } from "../support/code-of.mjs";

const A1_KEY = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const A1_TOKEN =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_EXP_MS = 1_300_819_380_000;
const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
const keyB64 = Buffer.from(key).toString("base64url");
const NOW = 1_700_000_000;
const NOW_MS = NOW * 1000;


test("RFC 7515 Appendix A.1 verifies with a fixed clock", () => {
  const out = verifyJwt(A1_TOKEN, { keys: A1_KEY, now: A1_EXP_MS - 1 });
  assert.deepEqual(out, {
    header: { typ: "JWT", alg: "HS256" },
    claims: { iss: "joe", exp: 1300819380, "http://example.com/is_root": true },
  });
  assert.equal(codeOf(() => verifyJwt(A1_TOKEN, { keys: A1_KEY, now: A1_EXP_MS })), "JwtError:expired");
  assert.equal(codeOf(() => verifyJwt(A1_TOKEN, { keys: A1_KEY, now: A1_EXP_MS, leewaySeconds: 1 })), "ok");
  assert.equal(codeOf(() => verifyJwt(A1_TOKEN, { keys: A1_KEY, issuer: "joe", now: 0 })), "ok");
  assert.equal(codeOf(() => verifyJwt(A1_TOKEN, { keys: key, now: 0 })), "JwtError:bad_signature");
  // Without `now`, Date.now() is used: the 2011 token is long expired.
  assert.equal(codeOf(() => verifyJwt(A1_TOKEN, { keys: A1_KEY })), "JwtError:expired");
});

test("signJwt writes the exact compact JWS: header, JSON.stringify payload, HMAC-SHA-256", () => {
  const claims = { sub: "alice", exp: NOW + 60, scope: "a b", n: 1.5 };
  const token = signJwt(claims, { key, kid: "k1", typ: "at+jwt" });
  const [h, p, s] = token.split(".");
  assert.equal(Buffer.from(h, "base64url").toString(), '{"alg":"HS256","kid":"k1","typ":"at+jwt"}');
  assert.equal(Buffer.from(p, "base64url").toString(), JSON.stringify(claims));
  assert.equal(s, createHmac("sha256", key).update(`${h}.${p}`).digest("base64url"));
  assert.equal(signJwt(claims, { key: keyB64, kid: "k1", typ: "at+jwt" }), token);
  assert.equal(Buffer.from(signJwt({}, { key }).split(".")[0], "base64url").toString(), '{"alg":"HS256"}');
  const out = verifyJwt(token, { keys: [{ kid: "k1", key: keyB64 }], typ: "at+jwt", now: NOW_MS });
  assert.deepEqual(out.claims, claims);
  assert.deepEqual(out.header, { alg: "HS256", kid: "k1", typ: "at+jwt" });
});

test("signJwt takes plain objects only and checks time claims", () => {
  class Claims {
    constructor() {
      this.sub = "a";
    }
  }
  const cyclic = { exp: NOW };
  cyclic.self = cyclic;
  for (const bad of [null, undefined, "x", 1, [1], new Date(), new Map(), new Claims(), () => 1, cyclic, { a: 1n }]) {
    assert.equal(codeOf(() => signJwt(bad, { key })), "RotorError:invalid_argument", String(bad));
  }
  for (const exp of [NaN, Infinity, -1, "1", null, 1e300, true]) {
    assert.equal(codeOf(() => signJwt({ exp }, { key })), "RotorError:invalid_argument", String(exp));
  }
  assert.equal(codeOf(() => signJwt({ deep: JSON.parse("[".repeat(64) + "]".repeat(64)) }, { key })), "RotorError:invalid_argument");
  // Null-prototype objects are plain; Dates inside claims are written by JSON.stringify.
  const bare = Object.assign(Object.create(null), { sub: "b", exp: NOW + 1 });
  assert.equal(codeOf(() => signJwt(bare, { key })), "ok");
  const t = signJwt({ at: new Date(0), exp: NOW + 1 }, { key });
  assert.equal(verifyJwt(t, { keys: key, now: NOW_MS }).claims.at, "1970-01-01T00:00:00.000Z");
});

test("keys: Uint8Array or base64url string of at least 32 bytes", () => {
  assert.equal(codeOf(() => signJwt({}, { key: key.subarray(0, 31) })), "JwtError:weak_key");
  assert.equal(codeOf(() => signJwt({}, { key: Buffer.from(key).subarray(0, 31).toString("base64url") })), "JwtError:weak_key");
  assert.equal(codeOf(() => signJwt({}, { key: Buffer.from(key) })), "ok");
  assert.equal(codeOf(() => signJwt({}, { key: `${keyB64}=` })), "RotorError:invalid_argument");
  assert.equal(codeOf(() => signJwt({}, { key: Buffer.from(key).toString("base64") + "+/" })), "RotorError:invalid_argument");
  for (const bad of [undefined, 42, {}, [key], key.buffer]) {
    assert.equal(codeOf(() => signJwt({}, { key: bad })), "RotorError:invalid_argument");
  }
  assert.equal(codeOf(() => signJwt({}, null)), "RotorError:invalid_argument");
  assert.equal(codeOf(() => signJwt({}, { key, kid: 1 })), "RotorError:invalid_argument");
  assert.equal(codeOf(() => signJwt({}, { key, kid: "" })), "RotorError:invalid_argument");
  assert.equal(codeOf(() => signJwt({}, { key, typ: {} })), "RotorError:invalid_argument");
  // Error messages never contain the key.
  try {
    signJwt({}, { key: "c2VjcmV0LXNlY3JldA" });
  } catch (e) {
    assert.ok(!e.message.includes("c2VjcmV0"));
  }
});

test("verifyJwt options: wrong types are clear invalid_argument errors", () => {
  const token = signJwt({ exp: NOW + 60 }, { key, kid: "a" });
  const ok = { keys: key, now: NOW_MS };
  assert.equal(codeOf(() => verifyJwt(token, ok)), "ok");
  const bad = [
    [undefined],
    [null],
    [{}],
    [{ ...ok, keys: [] }],
    [{ ...ok, keys: [{ kid: "a" }] }],
    [{ ...ok, keys: [{ key }] }],
    [{ ...ok, keys: [{ kid: 1, key }] }],
    [{ ...ok, keys: [{ kid: "a", key }, { kid: "a", key }] }],
    [{ ...ok, issuer: 1 }],
    [{ ...ok, audience: [1] }],
    [{ ...ok, audience: [] }],
    [{ ...ok, audience: {} }],
    [{ ...ok, typ: true }],
    [{ ...ok, leewaySeconds: -1 }],
    [{ ...ok, leewaySeconds: 1.5 }],
    [{ ...ok, leewaySeconds: "60" }],
    [{ ...ok, now: "now" }],
    [{ ...ok, now: NaN }],
    [{ ...ok, now: -1 }],
    [{ ...ok, requiredClaims: "exp" }],
    [{ ...ok, requiredClaims: [1] }],
    [{ ...ok, maxTokenBytes: 0 }],
    [{ ...ok, maxTokenBytes: Infinity }],
  ];
  for (const [options] of bad) {
    assert.equal(codeOf(() => verifyJwt(token, options)), "RotorError:invalid_argument", JSON.stringify(options));
  }
  for (const t of [undefined, null, 1, {}, new String(token)]) {
    assert.equal(codeOf(() => verifyJwt(t, ok)), "RotorError:invalid_argument");
  }
  const e = (() => {
    try {
      verifyJwt(token, { ...ok, leewaySeconds: "60" });
    } catch (err) {
      return err;
    }
  })();
  assert.match(e.message, /leewaySeconds/);
});

test("verifyJwt options change the outcome as documented", () => {
  const token = signJwt({ iss: "https://as", aud: ["a", "b"], exp: NOW + 60, iat: NOW }, { key, kid: "k", typ: "JWT" });
  const base = { keys: key, now: NOW_MS };
  const cases = [
    [{}, "ok"],
    [{ audience: "b" }, "ok"],
    [{ audience: ["x", "a"] }, "ok"],
    [{ audience: "c" }, "JwtError:claim_mismatch"],
    [{ issuer: "https://as" }, "ok"],
    [{ issuer: "https://as/" }, "JwtError:claim_mismatch"],
    [{ typ: "jwt" }, "ok"],
    [{ typ: "application/JWT" }, "ok"],
    [{ typ: "at+jwt" }, "JwtError:claim_mismatch"],
    [{ requiredClaims: ["sub"] }, "JwtError:missing_claim"],
    [{ requiredClaims: ["iat", "aud"] }, "ok"],
    [{ now: (NOW + 60) * 1000 }, "JwtError:expired"],
    [{ now: (NOW + 60) * 1000, leewaySeconds: 1 }, "ok"],
    [{ now: (NOW - 1) * 1000 }, "JwtError:issued_in_future"],
    [{ now: (NOW - 1) * 1000, leewaySeconds: 1 }, "ok"],
    [{ maxTokenBytes: token.length }, "ok"],
    [{ maxTokenBytes: token.length - 1 }, "JwtError:too_large"],
    [{ keys: [{ kid: "k", key: keyB64 }] }, "ok"],
    [{ keys: [{ kid: "K", key }] }, "JwtError:unknown_kid"],
    [{ keys: new Uint8Array(32) }, "JwtError:bad_signature"],
  ];
  for (const [options, expect] of cases) {
    assert.equal(codeOf(() => verifyJwt(token, { ...base, ...options })), expect, JSON.stringify(options));
  }
  // The default size limit is 16 KiB.
  const big = signJwt({ exp: NOW + 60, pad: "x".repeat(13_000) }, { key });
  assert.ok(big.length > 16_384);
  assert.equal(codeOf(() => verifyJwt(big, base)), "JwtError:too_large");
  assert.equal(codeOf(() => verifyJwt(big, { ...base, maxTokenBytes: 20_000 })), "ok");
});

test("JwtError objects carry name and code, and no token text", () => {
  const token = signJwt({ exp: NOW - 1, secret: "do-not-log-me" }, { key });
  try {
    verifyJwt(token, { keys: key, now: NOW_MS });
    assert.fail("must throw");
  } catch (e) {
    assert.ok(e instanceof Error);
    assert.equal(e.name, "JwtError");
    assert.equal(e.code, "expired");
    assert.ok(!e.message.includes("do-not-log-me") && !e.message.includes(token.slice(0, 20)));
  }
});

test("returned header and claims are fresh plain objects", () => {
  const claims = { exp: NOW + 60, __proto__x: 1, list: [1, { a: null }] };
  const token = signJwt(claims, { key });
  const a = verifyJwt(token, { keys: key, now: NOW_MS });
  const b = verifyJwt(token, { keys: key, now: NOW_MS });
  assert.notEqual(a.claims, b.claims);
  assert.equal(Object.getPrototypeOf(a.claims), Object.prototype);
  assert.deepEqual(a.claims, claims);
  // A "__proto__" member is data, not a prototype.
  const proto = createHmac("sha256", key);
  const h = Buffer.from('{"alg":"HS256"}').toString("base64url");
  const p = Buffer.from(`{"exp":${NOW + 60},"__proto__":{"admin":true}}`).toString("base64url");
  const t = `${h}.${p}.${proto.update(`${h}.${p}`).digest("base64url")}`;
  const out = verifyJwt(t, { keys: key, now: NOW_MS });
  assert.equal(out.claims.admin, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out.claims, "__proto__").value, { admin: true });
});

test("oversized tokens are refused before being copied into wasm", () => {
  const huge = "a".repeat(32 * 1024 * 1024);
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    assert.equal(codeOf(() => verifyJwt(huge, { keys: key, now: NOW_MS })), "JwtError:too_large");
  }
  // Copying 32 MB twenty times would take far longer than this.
  assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
  // Multi-byte characters: 6000 UTF-16 units but 18000 UTF-8 bytes is still too large.
  assert.equal(codeOf(() => verifyJwt("€".repeat(6000), { keys: key, now: NOW_MS })), "JwtError:too_large");
  assert.equal(codeOf(() => verifyJwt("€".repeat(100), { keys: key, now: NOW_MS })), "JwtError:malformed");
});

test("one Verifier, keys by kid whose tokens share their first 64 bytes: each verified with its own key", () => {
  const keyA = new Uint8Array(32).fill(1);
  const keyB = new Uint8Array(32).fill(2);
  // The kid comes after 64 bytes of the encoded header: the tokens' first block is the same.
  const mint = (kid, signer, claims) => {
    const h = Buffer.from(JSON.stringify({ alg: "HS256", x: "p".repeat(60), kid })).toString("base64url");
    const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${h}.${p}.${createHmac("sha256", signer).update(`${h}.${p}`).digest("base64url")}`;
  };
  const a = mint("a", keyA, { n: 1 });
  const b = mint("b", keyB, { n: 2 });
  const forged = mint("b", keyA, { n: 3 });
  assert.equal(a.slice(0, 64), b.slice(0, 64));
  const verifier = createVerifier({ keys: [{ kid: "a", key: keyA }, { kid: "b", key: keyB }], requiredClaims: [], now: NOW_MS });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(verifier.verify(a).claims, { n: 1 });
    assert.deepEqual(verifier.verify(b).claims, { n: 2 });
    assert.equal(codeOf(() => verifier.verify(forged)), "JwtError:bad_signature");
    assert.equal(codeOf(() => verifier.verify(a.slice(0, -2) + (a.endsWith("AA") ? "AB" : "AA"))), "JwtError:bad_signature");
  }
  verifier.free();
});

test("one Verifier, tokens of one header: each result has its own header object, equal to a fresh parse", () => {
  const mint = (header, claims) => {
    const h = Buffer.from(JSON.stringify(header)).toString("base64url");
    const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${h}.${p}.${createHmac("sha256", key).update(`${h}.${p}`).digest("base64url")}`;
  };
  const verifier = createVerifier({ keys: key, requiredClaims: [], now: NOW_MS });
  // A flat header (its object is copied for the next token of the same encoded header), one
  // with "__proto__" (an own data member in the copy too) and one with an object value (never
  // shared between results), each verified in turn, with a refused token in between.
  const headers = [
    { alg: "HS256", typ: "at+jwt", kid: "k1" },
    JSON.parse('{"alg":"HS256","__proto__":"x","n":1}'),
    { alg: "HS256", jwk: { kty: "oct" }, list: [1] },
  ];
  for (const header of headers) {
    const first = verifier.verify(mint(header, { n: 1 }));
    first.header.mutated = true;
    if (first.header.jwk) first.header.jwk.kty = "changed";
    for (let n = 2; n < 5; n++) {
      const token = mint(header, { n, s: "é".repeat(n) });
      const out = verifier.verify(token);
      assert.deepEqual(out, verifyJwt(token, { keys: key, requiredClaims: [], now: NOW_MS }));
      assert.deepEqual(Object.keys(out), ["header", "claims"]);
      assert.deepEqual(Object.keys(out.header), Object.keys(header));
      assert.equal(JSON.stringify(out.header), JSON.stringify(header));
      assert.deepEqual(out.claims, { n, s: "é".repeat(n) });
      assert.equal(Object.getPrototypeOf(out.header), Object.prototype);
      assert.equal(Object.hasOwn(out.header, "__proto__"), Object.hasOwn(header, "__proto__"));
      out.header.mutated = true;
      assert.equal(codeOf(() => verifier.verify(token.slice(0, -2) + (token.endsWith("AA") ? "AB" : "AA"))), "JwtError:bad_signature");
    }
  }
  verifier.free();
});
