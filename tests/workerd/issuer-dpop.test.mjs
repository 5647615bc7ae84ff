// oauth4webapi's DPoP client (a real peer) against rotor's issuer in the real workerd: Worker
// front + one Durable Object per family, DPoP required and server nonces on (RFC 9449 §5, §8).
// Every refused proof gets its exact error and leaves the family intact: the same refresh token
// then works with a good proof. The clock is the test's (x-rotor-test-now, and the proofs' iat).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as jose from "jose";
import * as oauth from "oauth4webapi";
import { freePort, startWorkerd } from "../support/workerd.mjs";

const ENTRY = fileURLToPath(new URL("./issuer-worker.js", import.meta.url));
const KEY = new Uint8Array(32).fill(5);
const T0 = 1_900_000_000_000;
const client = { client_id: "spa" };
const insecure = { [oauth.allowInsecureRequests]: true };

let server;
let as;
before(async () => {
  const port = await freePort();
  // The issuer identifier is the loopback URL the clients call: htu is the token endpoint as
  // the metadata names it.
  server = await startWorkerd(ENTRY, {
    port,
    durableObjects: ["ROTOR_FAMILY:RotorFamily"],
    text: {
      ROTOR_ISSUER: `http://127.0.0.1:${port}`,
      ROTOR_AUDIENCE: "https://api.example.com",
      ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "edge-1", key: jose.base64url.encode(KEY) }]),
      ROTOR_CLIENTS: JSON.stringify([{ clientId: "spa", scope: "openid api.read", dpop: "required" }]),
      ROTOR_DPOP_NONCE_SECONDS: "300",
      ROTOR_TEST_CLOCK: "1",
    },
  });
  const issuer = new URL(server.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }));
});
after(() => server?.stop());

/** An oauth4webapi DPoP handle whose proofs take `iat` from the test clock (and an optional change). */
async function prover() {
  const keyPair = await oauth.generateKeyPair("ES256");
  const state = { at: T0, change: null };
  const dpop = oauth.DPoP(client, keyPair, {
    [oauth.modifyAssertion]: (header, payload) => {
      payload.iat = Math.floor(state.at / 1000);
      state.change?.(payload);
    },
  });
  return { dpop, state, jkt: await dpop.calculateThumbprint() };
}

async function signIn(p, now) {
  p.state.at = now;
  const url = new URL("/test/session", server.url);
  const headers = new Headers({ "x-rotor-test-now": String(now), "content-type": "application/json" });
  await p.dpop.addProof(url, headers, "POST");
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ clientId: "spa", subject: "alice" }) });
  assert.equal(res.status, 200, (await res.clone().text()) + server.output().slice(-3000));
  return res.json();
}

/** oauth4webapi's refresh, with its DPoP handle; `change` edits the proof's claims; `capture` gets the sent proof. */
async function refresh(p, token, now, { change = null, proof = null, capture = null } = {}) {
  p.state.at = now;
  p.state.change = change;
  const options = {
    DPoP: p.dpop,
    headers: { "x-rotor-test-now": String(now) },
    ...insecure,
    [oauth.customFetch]: (url, init) => {
      if (proof) init.headers.dpop = proof;
      capture?.(init.headers.dpop);
      return fetch(url, init);
    },
  };
  try {
    return await oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, options);
  } finally {
    p.state.change = null;
  }
}

async function refused(res, code, description) {
  assert.equal(res.status, 400);
  const err = await oauth.processRefreshTokenResponse(as, client, res).then(() => null, (e) => e);
  assert.ok(err instanceof oauth.ResponseBodyError, String(err));
  assert.equal(err.error, code);
  assert.equal(err.error_description, description);
  return err;
}

test("workerd: oauth4webapi's DPoP client — nonce challenge, retry, bound tokens, refused proofs, family intact", async () => {
  const meta = await (await fetch(new URL("/.well-known/oauth-authorization-server", server.url))).json();
  assert.deepEqual(meta.dpop_signing_alg_values_supported, ["ES256", "EdDSA", "RS256"]);
  const key = await prover();
  const other = await prover();
  const first = await signIn(key, T0);
  assert.equal(first.token_type, "DPoP");
  assert.deepEqual(jose.decodeJwt(first.access_token).cnf, { jkt: key.jkt });
  const rt = first.refresh_token;

  // 1. No nonce yet: use_dpop_nonce with DPoP-Nonce (RFC 9449 §8); oauth4webapi keeps it.
  const challenge = await refresh(key, rt, T0 + 1000);
  assert.match(challenge.headers.get("dpop-nonce"), /^[A-Za-z0-9_-]{22}$/);
  const nonceError = await refused(challenge, "use_dpop_nonce", "a DPoP nonce is required");
  assert.ok(oauth.isDPoPNonceError(nonceError));
  await refused(await refresh(key, rt, T0 + 1000, { change: (p) => delete p.nonce }), "use_dpop_nonce", "a DPoP nonce is required");

  // 2. Refused proofs, each with its exact error; none consumes the token.
  await refused(await refresh(other, rt, T0 + 1000), "use_dpop_nonce", "a DPoP nonce is required"); // other's first: no nonce cached
  await refused(await refresh(other, rt, T0 + 1000), "invalid_dpop_proof", "the DPoP proof's key is not the refresh token's");
  await refused(await refresh(key, rt, T0 + 1000, { change: (p) => (p.iat -= 120) }), "invalid_dpop_proof", "iat is too old");
  await refused(await refresh(key, rt, T0 + 1000, { change: (p) => (p.htu = `${server.url}/other`) }), "invalid_dpop_proof", "htu does not match the request");
  const noProof = await fetch(as.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-rotor-test-now": String(T0 + 1000) },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: rt, client_id: "spa" }),
  });
  await refused(noProof, "invalid_dpop_proof", "this client must send a DPoP proof");

  // 3. The same token, a good proof: accepted; the proof is captured for the replay below.
  let sent;
  const ok = await refresh(key, rt, T0 + 2000, { capture: (p) => (sent = p) });
  const tokens = await oauth.processRefreshTokenResponse(as, client, ok);
  assert.equal(tokens.token_type, "dpop"); // oauth4webapi lower-cases it
  const { payload } = await jose.jwtVerify(tokens.access_token, KEY, { typ: "at+jwt", audience: "https://api.example.com" });
  assert.deepEqual(payload.cnf, { jkt: key.jkt });
  assert.notEqual(tokens.refresh_token, rt);

  // 4. Replayed jti (the proof just accepted, sent again with the successor): refused, and the
  // retired token with a refused proof is no reuse — the family lives.
  await refused(await refresh(key, tokens.refresh_token, T0 + 3000, { proof: sent }), "invalid_dpop_proof", "the DPoP proof was used before (jti)");
  await refused(await refresh(other, rt, T0 + 3000), "invalid_dpop_proof", "the DPoP proof's key is not the refresh token's");
  const again = await oauth.processRefreshTokenResponse(as, client, await refresh(key, tokens.refresh_token, T0 + 4000));
  assert.equal(again.token_type, "dpop");
});
