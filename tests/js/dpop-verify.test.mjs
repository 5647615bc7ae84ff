// A resource server with rotor/issuer's DPoP verifier (RFC 9449 §7.1) on loopback, called by
// oauth4webapi's DPoP client (a real peer) and by rotor's dpopFetch: bound HS256 access tokens
// (cnf.jkt), nonces, and every refusal with its exact WWW-Authenticate answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import * as oauth from "oauth4webapi";
import { createVerifier, signJwt, createDpop, generateDpopKey, dpopFetch } from "rotor";
import { createDpopVerifier, MemoryReplayCache } from "rotor/issuer";

const KEY = new Uint8Array(32).fill(7);
const ISSUER = "https://as.example";
let server;
let base;
let clock = null; // a fixed server clock (ms) when set
let nonces = null; // ["current", ...accepted] when nonces are required
const tokens = createVerifier({ keys: KEY, issuer: ISSUER, audience: "api", typ: "at+jwt" });
const verifier = () =>
  createDpopVerifier({
    accessToken: (token) => tokens.verify(token).claims,
    replay: new MemoryReplayCache(),
    now: () => clock ?? Date.now(),
    ...(nonces ? { nonce: { current: () => nonces[0], accepts: () => nonces } } : {}),
  });
let current = verifier();

before(async () => {
  server = http.createServer(async (req, res) => {
    const request = new Request(`${base}${req.url}`, { method: req.method, headers: req.headers });
    try {
      const { claims } = await current.verify(request);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sub: claims.sub }));
    } catch (err) {
      if (err?.name !== "DpopError") throw err;
      res.writeHead(err.status, err.headers).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function accessToken(jkt, exp = Math.floor(Date.now() / 1000) + 300) {
  return signJwt({ iss: ISSUER, aud: "api", sub: "alice", exp, iat: exp - 300, ...(jkt ? { cnf: { jkt } } : {}) }, { key: KEY, typ: "at+jwt" });
}

async function challenge(res) {
  return [res.status, res.headers.get("www-authenticate")];
}

test("oauth4webapi's DPoP client: accepted, then its nonce challenge and retry", async () => {
  current = verifier();
  const keyPair = await oauth.generateKeyPair("ES256");
  const dpop = oauth.DPoP({ client_id: "c" }, keyPair);
  const jkt = await dpop.calculateThumbprint();
  const at = accessToken(jkt);
  const res = await oauth.protectedResourceRequest(at, "GET", new URL(`${base}/items?x=1`), new Headers(), null, { DPoP: dpop, [oauth.allowInsecureRequests]: true });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { sub: "alice" });

  nonces = ["n-1"];
  current = verifier();
  let err;
  try {
    await oauth.protectedResourceRequest(at, "GET", new URL(`${base}/items`), new Headers(), null, { DPoP: dpop, [oauth.allowInsecureRequests]: true });
  } catch (e) {
    err = e;
  }
  assert.ok(oauth.isDPoPNonceError(err), "use_dpop_nonce");
  const again = await oauth.protectedResourceRequest(at, "GET", new URL(`${base}/items`), new Headers(), null, { DPoP: dpop, [oauth.allowInsecureRequests]: true });
  assert.equal(again.status, 200);
  nonces = null;
});

test("rotor's dpopFetch: accepted; a nonce challenge is retried once", async () => {
  const dpop = await createDpop(await generateDpopKey());
  const at = accessToken(dpop.thumbprint);
  current = verifier();
  assert.equal((await dpopFetch(dpop, at, `${base}/items`)).status, 200);
  nonces = ["n-7"];
  current = verifier();
  const res = await dpopFetch(dpop, at, `${base}/items`);
  assert.equal(res.status, 200);
  assert.equal(dpop.nonce(base), "n-7");
  nonces = null;
});

test("refusals: each with its RFC 9449 §7.1 answer", async () => {
  current = verifier();
  const dpop = await createDpop(await generateDpopKey());
  const other = await createDpop(await generateDpopKey());
  const at = accessToken(dpop.thumbprint);
  const url = `${base}/items`;
  const send = (headers) => fetch(url, { headers });
  const algs = 'algs="ES256 EdDSA"';
  const answer = (code, description) => `DPoP error="${code}", error_description="${description}", ${algs}`;

  // Replay: the same proof twice.
  const h = await dpop.headers({ method: "GET", url, accessToken: at });
  assert.deepEqual(await challenge(await send(h)), [200, null]);
  assert.deepEqual(await challenge(await send(h)), [401, answer("invalid_dpop_proof", "the proof was already used (jti)")]);
  // Another key than the token's (a copied access token with the thief's proof).
  assert.deepEqual(await challenge(await send(await other.headers({ method: "GET", url, accessToken: at }))), [401, answer("invalid_token", "the access token is not bound to the DPoP proof's key")]);
  // A proof for another URL, another method, another token.
  assert.deepEqual(await challenge(await send(await dpop.headers({ method: "GET", url: `${base}/other`, accessToken: at }))), [401, answer("invalid_dpop_proof", "htu does not match the request")]);
  assert.deepEqual(await challenge(await send(await dpop.headers({ method: "POST", url, accessToken: at }))), [401, answer("invalid_dpop_proof", "htm does not match the request")]);
  const forOther = await dpop.headers({ method: "GET", url, accessToken: accessToken(dpop.thumbprint, Math.floor(Date.now() / 1000) + 600) });
  assert.deepEqual(await challenge(await send({ ...forOther, authorization: `DPoP ${at}` })), [401, answer("invalid_dpop_proof", "ath does not match the access token")]);
  // A stale proof (the server's clock 61 s later).
  const stale = await dpop.headers({ method: "GET", url, accessToken: at });
  clock = Date.now() + 61_000;
  assert.deepEqual(await challenge(await send(stale)), [401, answer("invalid_dpop_proof", "iat is too old")]);
  clock = null;
  // A missing nonce: use_dpop_nonce with the nonce to use.
  nonces = ["n-9"];
  current = verifier();
  const res = await send(await dpop.headers({ method: "GET", url, accessToken: at }));
  assert.deepEqual(await challenge(res), [401, answer("use_dpop_nonce", "a DPoP nonce is required")]);
  assert.equal(res.headers.get("dpop-nonce"), "n-9");
  nonces = null;
  current = verifier();
  // Bearer scheme, no proof, no credentials, a token without cnf, a bad signature.
  assert.deepEqual(await challenge(await send({ authorization: `Bearer ${at}` })), [401, answer("invalid_token", "the access token must be sent with the DPoP scheme")]);
  assert.deepEqual(await challenge(await send({ authorization: `DPoP ${at}` })), [401, answer("invalid_dpop_proof", "no DPoP proof")]);
  assert.deepEqual(await challenge(await send({})), [401, `DPoP ${algs}`]);
  const unbound = accessToken(null);
  assert.deepEqual(await challenge(await send(await dpop.headers({ method: "GET", url, accessToken: unbound }))), [401, answer("invalid_token", "the access token is not DPoP-bound")]);
  const good = await dpop.headers({ method: "GET", url, accessToken: at });
  const [head, body, sig] = good.dpop.split(".");
  const flipped = `${head}.${body}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
  assert.deepEqual(await challenge(await send({ ...good, dpop: flipped })), [401, answer("invalid_dpop_proof", "the signature does not verify")]);
});
