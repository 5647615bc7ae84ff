// DPoP proofs (RFC 9449 §4.2) and private_key_jwt assertions (RFC 7523 §2.2) made by the core
// (src/jws.rs) and signed by WebCrypto: exact headers and claims with an injected clock and
// jti source, signatures checked by jose, thumbprints against jose's RFC 7638.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as jose from "jose";
import { createClient, buildRefreshRequestAsync, parseTokenResponse, createDpop, generateDpopKey, sendWithDpop, DPoP } from "rotor";

const NOW = 1_700_000_000_987;
const client = { tokenEndpoint: "https://as.example/token", clientId: "spa" };

function parts(jwt) {
  const [h, c] = jwt.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url")), claims: JSON.parse(Buffer.from(c, "base64url")) };
}

function counter() {
  let n = 0;
  return () => `jti-${++n}`;
}

for (const alg of ["ES256", "EdDSA", "RS256"]) {
  test(`${alg}: a proof's exact header and claims, verified by jose, thumbprint as jose's`, async () => {
    const keyPair = await generateDpopKey({ alg });
    assert.equal(keyPair.privateKey.extractable, false);
    await assert.rejects(crypto.subtle.exportKey("jwk", keyPair.privateKey));
    const dpop = await createDpop(keyPair, { now: () => NOW, jti: counter() });
    assert.equal(dpop.alg, alg);
    const jwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
    assert.equal(dpop.thumbprint, await jose.calculateJwkThumbprint(jwk, "sha256"));

    const proof = await dpop.proof({ method: "POST", url: "https://as.example/token?x=1#frag" });
    const { header, claims } = parts(proof);
    const members = alg === "ES256" ? ["crv", "kty", "x", "y"] : alg === "EdDSA" ? ["crv", "kty", "x"] : ["e", "kty", "n"];
    assert.deepEqual(header, { alg, jwk: Object.fromEntries(members.map((m) => [m, jwk[m]])), typ: "dpop+jwt" });
    assert.deepEqual(Object.keys(header.jwk), members, "RFC 7638 order");
    assert.deepEqual(claims, { htm: "POST", htu: "https://as.example/token", iat: 1_700_000_000, jti: "jti-1" });
    const verified = await jose.jwtVerify(proof, jose.EmbeddedJWK, { typ: "dpop+jwt", algorithms: [alg] });
    assert.equal(verified.payload.jti, "jti-1");
  });
}

test("resource proofs: ath is base64url(SHA-256(access token)), the nonce of that server only", async () => {
  const dpop = await createDpop(await generateDpopKey(), { now: () => NOW, jti: counter() });
  assert.equal(dpop.rememberNonce("https://api.example/x", new Headers({ "dpop-nonce": "n-1" })), true);
  assert.equal(dpop.rememberNonce("https://api.example/y", { "DPoP-Nonce": "n-1" }), false, "same value");
  assert.equal(dpop.rememberNonce("https://api.example/y", { "dpop-nonce": "bad nonce" }), false, "not NQCHAR");
  const headers = await dpop.headers({ method: "GET", url: "https://api.example/items?page=2", accessToken: "at.1~" });
  assert.equal(headers.authorization, "DPoP at.1~");
  assert.deepEqual(parts(headers.dpop).claims, {
    ath: createHash("sha256").update("at.1~").digest("base64url"),
    htm: "GET",
    htu: "https://api.example/items",
    iat: 1_700_000_000,
    jti: "jti-1",
    nonce: "n-1",
  });
  const other = parts(await dpop.proof({ method: "POST", url: "https://as.example/token" })).claims;
  assert.equal(other.nonce, undefined, "another server's nonce is not sent");
  assert.equal(parts(await dpop.proof({ method: "POST", url: "https://as.example/token", nonce: "given" })).claims.nonce, "given");
  // Without an injected jti: 16 random bytes, base64url, new every time.
  const plain = await createDpop(dpop.keyPair);
  const a = parts(await plain.proof({ method: "GET", url: "https://api.example/" })).claims.jti;
  const b = parts(await plain.proof({ method: "GET", url: "https://api.example/" })).claims.jti;
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a, b);
});

test("bad inputs: typed errors", async () => {
  const dpop = await createDpop(await generateDpopKey(), { now: () => NOW });
  for (const [args, code] of [
    [{ method: "POST", url: "/relative" }, "invalid_argument"],
    [{ method: "PO ST", url: "https://as.example/" }, "invalid_argument"],
    [{ method: "POST", url: "https://as.example/", nonce: "a\"b" }, "invalid_argument"],
    [{ method: "POST", url: "https://as.example/", now: -1 }, "invalid_argument"],
    [{ method: 1, url: "https://as.example/" }, "invalid_argument"],
  ]) {
    await assert.rejects(dpop.proof(args), (err) => err.code === code && err.name === "RotorError", JSON.stringify(args));
  }
  const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  await assert.rejects(createDpop({ privateKey: hmac, publicKey: hmac }), { code: "invalid_config" });
  const p384 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);
  await assert.rejects(createDpop(p384), { code: "invalid_config" });
  await assert.rejects(generateDpopKey({ alg: "HS256" }), { code: "invalid_config" });
});

test("buildRefreshRequestAsync: the dpop header for the token endpoint, the body unchanged", async () => {
  const dpop = await createDpop(await generateDpopKey(), { now: () => 1, jti: counter() });
  const c = createClient(client);
  const req = await c.buildRefreshRequestAsync({ refreshToken: "rt-1", dpop, now: NOW });
  assert.equal(req.body, "grant_type=refresh_token&refresh_token=rt-1&client_id=spa");
  assert.deepEqual(Object.keys(req.headers).sort(), ["accept", "content-type", "dpop"]);
  assert.deepEqual(parts(req.headers.dpop).claims, { htm: "POST", htu: "https://as.example/token", iat: 1_700_000_000, jti: "jti-1" });
  const plain = await buildRefreshRequestAsync(client, { refreshToken: "rt-1", now: NOW });
  assert.equal(plain.headers.dpop, undefined);
  await assert.rejects(c.buildRefreshRequestAsync({ refreshToken: "rt-1", dpop: {} }), { code: "invalid_argument" });
});

test('token_type "DPoP" is accepted and kept', () => {
  const set = parseTokenResponse(client, { status: 200, headers: {}, body: JSON.stringify({ access_token: "a", token_type: "DPoP", expires_in: 60, refresh_token: "r" }) }, { now: NOW });
  assert.equal(set.tokenType, "DPoP");
});

test("private_key_jwt: the assertion's exact header and claims, verified by jose", async () => {
  const { privateKey, publicKey } = await generateDpopKey();
  const c = createClient({ ...client, authMethod: "private_key_jwt", clientKey: { privateKey, kid: "k-1" }, revocationEndpoint: "https://as.example/revoke" });
  const req = await c.buildRefreshRequestAsync({ refreshToken: "rt-1", now: NOW });
  const form = new URLSearchParams(req.body);
  assert.deepEqual([...form.keys()], ["grant_type", "refresh_token", "client_id", "client_assertion_type", "client_assertion"]);
  assert.equal(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  const assertion = form.get("client_assertion");
  const { header, claims } = parts(assertion);
  assert.deepEqual(header, { alg: "ES256", kid: "k-1", typ: "JWT" });
  assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual({ ...claims, jti: "x" }, { aud: "https://as.example/token", exp: 1_700_000_060, iat: 1_700_000_000, iss: "spa", jti: "x", sub: "spa" });
  await jose.jwtVerify(assertion, publicKey, { algorithms: ["ES256"], audience: "https://as.example/token", issuer: "spa", subject: "spa", currentDate: new Date(NOW) });
  const revoke = new URLSearchParams((await c.buildRevocationRequestAsync({ token: "rt-1", now: NOW })).body);
  assert.equal(parts(revoke.get("client_assertion")).claims.aud, "https://as.example/revoke");
  // The sync path has no key to sign with; a key without the method, the method without a key.
  assert.throws(() => c.buildRefreshRequest({ refreshToken: "rt-1" }), { code: "invalid_argument" });
  assert.throws(() => createClient({ ...client, clientKey: { privateKey } }), { code: "invalid_config" });
  assert.throws(() => createClient({ ...client, authMethod: "private_key_jwt" }), { code: "invalid_config" });
  assert.throws(() => createClient({ ...client, authMethod: "private_key_jwt", clientKey: { privateKey: publicKey } }), { code: "invalid_config" });
});

test("sendWithDpop: one retry with a new nonce on use_dpop_nonce, none without a new nonce", async () => {
  const dpop = await createDpop(await generateDpopKey(), { now: () => NOW, jti: counter() });
  const seen = [];
  const answers = [
    new Response(JSON.stringify({ error: "use_dpop_nonce" }), { status: 400, headers: { "dpop-nonce": "n-1" } }),
    new Response("{}", { status: 200, headers: { "dpop-nonce": "n-2" } }),
  ];
  const fetch = async (url, init) => {
    seen.push(parts(init.headers.dpop).claims);
    return answers.shift();
  };
  const build = async () => ({ url: "https://as.example/token", method: "POST", headers: { dpop: await dpop.proof({ method: "POST", url: "https://as.example/token" }) }, body: "" });
  const { response } = await sendWithDpop(fetch, dpop, build);
  assert.equal(response.status, 200);
  assert.deepEqual(seen.map((c) => [c.jti, c.nonce]), [["jti-1", undefined], ["jti-2", "n-1"]]);
  assert.equal(dpop.nonce("https://as.example/other"), "n-2", "the last nonce is remembered per server");
  // The same nonce again: no retry loop.
  answers.push(new Response(JSON.stringify({ error: "use_dpop_nonce" }), { status: 400, headers: { "dpop-nonce": "n-2" } }));
  const again = await sendWithDpop(fetch, dpop, build);
  assert.equal(again.response.status, 400);
  assert.equal(seen.length, 3);
  assert.ok(dpop instanceof DPoP);
});

test("TokenManager's dpop option: bad values are invalid_config", async () => {
  const { TokenManager } = await import("rotor");
  for (const dpop of [null, "yes", { alg: "HS256" }, { keyStore: {} }, { typo: 1 }]) {
    assert.throws(() => new TokenManager({ client, dpop }), { code: "invalid_config" }, JSON.stringify(dpop));
  }
  const store = { map: new Map(), async get(n) { return this.map.get(n) ?? null; }, async set(n, v) { this.map.set(n, v); }, async delete(n) { this.map.delete(n); } };
  const a = new TokenManager({ client, dpop: { keyStore: store }, name: "shared" });
  const b = new TokenManager({ client, dpop: { keyStore: store }, name: "shared" });
  const ka = await a.dpop();
  assert.equal((await b.dpop()).thumbprint, ka.thumbprint, "one key for the managers of one session");
  await b.clear();
  assert.notEqual((await a.dpop()).thumbprint, ka.thumbprint, "a sign-out elsewhere is noticed");
  assert.equal(await new TokenManager({ client }).dpop(), null);
});
