// rotor's issuer with DPoP (RFC 9449 §5, §8): proofs made by oauth4webapi's DPoP client (a real
// peer; `modifyAssertion` only sets `iat` from the test's clock, or breaks one claim on purpose),
// families bound at sign-in, every refused proof with its exact error and the family intact.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as jose from "jose";
import * as oauth from "oauth4webapi";
import { Issuer } from "rotor/issuer";

const T0 = 1_800_000_000_000;
const ISS = "https://id.example.com";
const TOKEN_URL = `${ISS}/token`;
const SIGN_IN_URL = "https://app.example.com/sign-in";
const KEY = new Uint8Array(32).fill(7);

function config(extra = {}) {
  return {
    issuer: ISS,
    audience: "https://api.example.com",
    keys: [{ kid: "k1", key: KEY }],
    clients: [
      { clientId: "spa", scope: "openid api.read", dpop: "required", allowedOrigins: ["https://app.example.com"] },
      { clientId: "mixed", scope: "openid", dpop: "allowed" },
      { clientId: "plain", scope: "openid" },
    ],
    ...extra,
  };
}

/** oauth4webapi's DPoP client for one key, its proofs' `iat` from the test clock. */
async function prover(alg = "ES256") {
  const keyPair = await oauth.generateKeyPair(alg, { extractable: false });
  let at = T0;
  let tweak = null;
  const handle = oauth.DPoP({ client_id: "spa" }, keyPair, {
    [oauth.modifyAssertion]: (header, payload) => {
      payload.iat = Math.floor(at / 1000);
      tweak?.(header, payload);
    },
  });
  const jkt = await jose.calculateJwkThumbprint(await crypto.subtle.exportKey("jwk", keyPair.publicKey));
  return {
    jkt,
    async proof(url, now, change = null, htm = "POST") {
      at = now;
      tweak = change;
      const headers = new Headers();
      await handle.addProof(new URL(url), headers, htm);
      tweak = null;
      return headers.get("dpop");
    },
  };
}

const signIn = (proof) => new Request(SIGN_IN_URL, { method: "POST", headers: proof ? { dpop: proof } : {} });

function refresh(issuer, token, now, proof, { clientId = "spa", headers = {} } = {}) {
  return issuer.handle(
    new Request(TOKEN_URL, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(proof ? { dpop: proof } : {}), ...headers },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId }),
    }),
    { now },
  );
}

async function expectError(res, code, description) {
  const body = await res.json();
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.deepEqual(body, { error: code, error_description: description });
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("www-authenticate"), null, "RFC 9449 §5: the token endpoint answers with a body, no challenge");
  return res;
}

async function bound(issuer, key, now = T0, clientId = "spa") {
  const session = await issuer.startSession({ clientId, subject: "alice", dpop: signIn(await key.proof(SIGN_IN_URL, now)) }, { now });
  return session;
}

test("config: dpop values are checked and named; metadata advertises the algorithms", () => {
  assert.throws(() => new Issuer(config({ clients: [{ clientId: "spa", dpop: "yes" }] })), {
    code: "invalid_config",
    message: /clients\[0\]\.dpop: unsupported value "yes" \(expected "required" or "allowed", RFC 9449\)/,
  });
  assert.throws(() => new Issuer(config({ clients: [{ clientId: "spa", dpop: true }] })), { code: "invalid_config", message: /clients\[0\]\.dpop/ });
  assert.throws(() => new Issuer(config({ dpopNonceSeconds: 5 })), { code: "invalid_config", message: /dpopNonceSeconds must be a whole number of seconds between 10 and 3600/ });
  assert.throws(() => new Issuer(config({ dpopRotation: "never" })), { code: "invalid_config", message: /dpopRotation must be "rotate" or "reuse"/ });
  assert.deepEqual(new Issuer(config()).metadata().dpop_signing_alg_values_supported, ["ES256", "EdDSA", "RS256"]);
  assert.equal(new Issuer(config({ clients: [{ clientId: "plain" }] })).metadata().dpop_signing_alg_values_supported, undefined);
});

test("sign-in binds the family: cnf.jkt (RFC 9449 §6.1), token_type DPoP; refresh needs the same key", async () => {
  const issuer = new Issuer(config());
  const key = await prover();
  const first = await bound(issuer, key);
  assert.equal(first.token_type, "DPoP");
  const claims = jose.decodeJwt(first.access_token);
  assert.deepEqual(claims.cnf, { jkt: key.jkt });
  const res = await refresh(issuer, first.refresh_token, T0 + 1000, await key.proof(TOKEN_URL, T0 + 1000));
  assert.equal(res.status, 200);
  const next = await res.json();
  assert.equal(next.token_type, "DPoP");
  assert.notEqual(next.refresh_token, first.refresh_token, "dpopRotation defaults to rotate");
  const { payload } = await jose.jwtVerify(next.access_token, KEY, { issuer: ISS, typ: "at+jwt" });
  assert.deepEqual(payload.cnf, { jkt: key.jkt });
  // Introspection reports the binding (RFC 9449 §6.2).
  const introspect = new Issuer(config({ clients: [...config().clients, { clientId: "rs", clientSecret: "rs-secret", introspect: true }] }));
  const viaRs = await introspect.startSession({ clientId: "spa", subject: "bob", dpop: signIn(await key.proof(SIGN_IN_URL, T0)) }, { now: T0 });
  const answer = await introspect.handle(
    new Request(`${ISS}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("rs:rs-secret")}` },
      body: new URLSearchParams({ token: viaRs.access_token }),
    }),
    { now: T0 },
  );
  const info = await answer.json();
  assert.equal(info.active, true);
  assert.equal(info.token_type, "DPoP");
  assert.deepEqual(info.cnf, { jkt: key.jkt });
});

test("startSession: a required client without a proof, or with a bad one, is refused (invalid_dpop_proof)", async () => {
  const issuer = new Issuer(config());
  const key = await prover();
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "a" }, { now: T0 }), { name: "RotorError", code: "invalid_dpop_proof", kind: "protocol", message: "startSession: this client requires a DPoP proof (dpop: the sign-in request)" });
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "a", dpop: signIn(null) }, { now: T0 }), { code: "invalid_dpop_proof" });
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "a", dpop: signIn(await key.proof("https://app.example.com/other", T0)) }, { now: T0 }), {
    code: "invalid_dpop_proof",
    message: "startSession: htu does not match the request",
  });
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "a", dpop: signIn(await key.proof(SIGN_IN_URL, T0 - 120_000)) }, { now: T0 }), {
    code: "invalid_dpop_proof",
    message: "startSession: iat is too old",
  });
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "a", dpop: { url: SIGN_IN_URL } }, { now: T0 }), { code: "invalid_argument" });
  // "allowed" without a proof: a bearer family; "plain" ignores a proof.
  const mixed = await issuer.startSession({ clientId: "mixed", subject: "a" }, { now: T0 });
  assert.equal(mixed.token_type, "Bearer");
  assert.equal(jose.decodeJwt(mixed.access_token).cnf, undefined);
  const plain = await issuer.startSession({ clientId: "plain", subject: "a", dpop: signIn(await key.proof(SIGN_IN_URL, T0)) }, { now: T0 });
  assert.equal(plain.token_type, "Bearer");
});

test("refused proofs never consume the refresh token: each exact error, then the same token works", async () => {
  const issuer = new Issuer(config());
  const key = await prover();
  const other = await prover();
  const first = await bound(issuer, key);
  const t = T0 + 2000;
  const token = first.refresh_token;
  await expectError(await refresh(issuer, token, t, null), "invalid_dpop_proof", "this client must send a DPoP proof");
  await expectError(await refresh(issuer, token, t, await other.proof(TOKEN_URL, t)), "invalid_dpop_proof", "the DPoP proof's key is not the refresh token's");
  await expectError(await refresh(issuer, token, t, await key.proof(TOKEN_URL, t - 61_000)), "invalid_dpop_proof", "iat is too old");
  await expectError(await refresh(issuer, token, t, await key.proof(TOKEN_URL, t + 6000)), "invalid_dpop_proof", "iat is in the future");
  await expectError(await refresh(issuer, token, t, await key.proof(`${ISS}/other`, t)), "invalid_dpop_proof", "htu does not match the request");
  await expectError(await refresh(issuer, token, t, await key.proof(TOKEN_URL, t, null, "GET")), "invalid_dpop_proof", "htm does not match the request");
  // (oauth4webapi keeps the header it changed: a prover of its own.)
  const untyped = await prover();
  await expectError(await refresh(issuer, token, t, await untyped.proof(TOKEN_URL, t, (h) => (h.typ = "JWT"))), "invalid_dpop_proof", "typ must be dpop+jwt");
  // A proof whose claims were changed after signing (the signature covers them).
  const good = await key.proof(TOKEN_URL, t);
  const [h, , s] = good.split(".");
  const forged = `${h}.${jose.base64url.encode(JSON.stringify({ ...jose.decodeJwt(good), jti: "x" }))}.${s}`;
  await expectError(await refresh(issuer, token, t, forged), "invalid_dpop_proof", "the signature does not verify");
  await expectError(await refresh(issuer, token, t, `${good}, ${good}`), "invalid_dpop_proof", "the DPoP proof is not a compact JWS");
  const res = await refresh(issuer, token, t, good);
  assert.equal(res.status, 200, "the family is intact after every refused proof");
  const next = await res.json();
  // The retired token with a proof of another key is refused as a proof, not as reuse: whoever
  // copied an old token cannot end the family.
  await expectError(await refresh(issuer, token, t + 1000, await other.proof(TOKEN_URL, t + 1000)), "invalid_dpop_proof", "the DPoP proof's key is not the refresh token's");
  const after = await refresh(issuer, next.refresh_token, t + 2000, await key.proof(TOKEN_URL, t + 2000));
  assert.equal(after.status, 200);
});

test("a replayed jti is refused within the window (state in the family record), and the family lives on", async () => {
  const issuer = new Issuer(config({ dpopRotation: "reuse" }));
  const key = await prover();
  const first = await bound(issuer, key);
  const t = T0 + 1000;
  const proof = await key.proof(TOKEN_URL, t);
  const one = await refresh(issuer, first.refresh_token, t, proof);
  assert.equal(one.status, 200);
  const body = await one.json();
  assert.equal(body.refresh_token, first.refresh_token, "dpopRotation reuse: a bound family keeps its refresh token");
  await expectError(await refresh(issuer, first.refresh_token, t + 30_000, proof), "invalid_dpop_proof", "the DPoP proof was used before (jti)");
  const two = await refresh(issuer, first.refresh_token, t + 30_000, await key.proof(TOKEN_URL, t + 30_000));
  assert.equal(two.status, 200);
  // Bearer families of the same issuer still rotate (rotation: "rotate").
  const bearer = await issuer.startSession({ clientId: "mixed", subject: "b" }, { now: T0 });
  const rotated = await (await refresh(issuer, bearer.refresh_token, t, null, { clientId: "mixed" })).json();
  assert.notEqual(rotated.refresh_token, bearer.refresh_token);
  assert.equal(rotated.token_type, "Bearer");
});

test("an allowed client's bearer family becomes bound by its first refresh with a proof", async () => {
  const issuer = new Issuer(config());
  const key = await prover();
  const session = await issuer.startSession({ clientId: "mixed", subject: "m" }, { now: T0 });
  const res = await refresh(issuer, session.refresh_token, T0 + 1000, await key.proof(TOKEN_URL, T0 + 1000), { clientId: "mixed" });
  const body = await res.json();
  assert.equal(body.token_type, "DPoP");
  assert.deepEqual(jose.decodeJwt(body.access_token).cnf, { jkt: key.jkt });
  await expectError(await refresh(issuer, body.refresh_token, T0 + 2000, null, { clientId: "mixed" }), "invalid_dpop_proof", "the refresh token is DPoP-bound: a proof is required");
  assert.equal((await refresh(issuer, body.refresh_token, T0 + 2000, await key.proof(TOKEN_URL, T0 + 2000), { clientId: "mixed" })).status, 200);
});

test("server nonces (RFC 9449 §8): use_dpop_nonce with DPoP-Nonce, oauth4webapi retries with it", async () => {
  const issuer = new Issuer(config({ dpopNonceSeconds: 60 }));
  const key = await prover();
  const first = await bound(issuer, key);
  const t = T0 + 1000;
  const origin = { origin: "https://app.example.com" };
  const challenge = await expectError(await refresh(issuer, first.refresh_token, t, await key.proof(TOKEN_URL, t), { headers: origin }), "use_dpop_nonce", "a DPoP nonce is required");
  const nonce = challenge.headers.get("dpop-nonce");
  assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(challenge.headers.get("access-control-expose-headers"), "DPoP-Nonce");
  const wrong = await refresh(issuer, first.refresh_token, t, await key.proof(TOKEN_URL, t, (_, p) => (p.nonce = "AAAAAAAAAAAAAAAAAAAAAA")));
  await expectError(wrong, "use_dpop_nonce", "a DPoP nonce is required");
  const ok = await refresh(issuer, first.refresh_token, t, await key.proof(TOKEN_URL, t, (_, p) => (p.nonce = nonce)));
  assert.equal(ok.status, 200, "the family is intact after the nonce challenge");
  assert.equal(ok.headers.get("dpop-nonce"), null, "a nonce comes with use_dpop_nonce only");
  const next = await ok.json();
  // The nonce is accepted in its period and the next, then answered with a new one.
  assert.equal((await refresh(issuer, next.refresh_token, T0 + 61_000, await key.proof(TOKEN_URL, T0 + 61_000, (_, p) => (p.nonce = nonce)))).status, 200);
  const later = T0 + 200_000;
  const stale = await refresh(issuer, next.refresh_token, later, await key.proof(TOKEN_URL, later, (_, p) => (p.nonce = nonce)));
  await expectError(stale, "use_dpop_nonce", "a DPoP nonce is required");
  assert.notEqual(stale.headers.get("dpop-nonce"), nonce);
});
