// DPoP (RFC 9449) and private_key_jwt (RFC 7523 §2.2) against a certified OpenID Provider
// (panva/oidc-provider) on loopback, nonces required: rotor builds the proofs and assertions
// (the core writes them, WebCrypto signs), fetch sends them, the provider checks them.
//
// One test runs the real authorization code flow, whose code exchange carries rotor's proof
// (the provider binds the refresh token there). The others mint refresh tokens through the
// provider's own RefreshToken model bound to the key's thumbprint (`jkt`), as that grant does,
// to stay fast; every refresh goes through its real token endpoint and DPoP validation, and
// the access tokens through its real userinfo endpoint (routed to /api/me).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import * as jose from "jose";
import { installSilentRenewal } from "rotor/sw";
import { createClient, createDpop, generateDpopKey, sendWithDpop, dpopFetch, OAuthError } from "rotor";

const SCOPE = "openid offline_access";
let server;
let provider;
let issuer;
let clientKeys;
let lastSignInAccessToken;
/** Every request the provider received: [method, path, has a DPoP header, nonce in the proof]. */
const seen = [];

before(async () => {
  clientKeys = await generateDpopKey();
  const publicJwk = { ...(await crypto.subtle.exportKey("jwk", clientKeys.publicKey)), kid: "client-key-1", alg: "ES256", use: "sig" };
  delete publicJwk.key_ops;
  delete publicJwk.ext;
  server = http.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  const base = { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], redirect_uris: ["https://rp.example/cb"] };
  provider = new Provider(issuer, {
    clients: [
      { ...base, client_id: "spa", token_endpoint_auth_method: "none" },
      {
        ...base,
        client_id: "backend",
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "ES256",
        jwks: { keys: [publicJwk] },
      },
    ],
    findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId }) }),
    claims: { openid: ["sub"] },
    scopes: ["openid", "offline_access"],
    rotateRefreshToken: true,
    ttl: { AccessToken: 600, RefreshToken: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      userinfo: { enabled: true },
    },
    cookies: { keys: ["interop-dpop-cookie-key"] },
    routes: { userinfo: "/api/me" },
  });
  server.on("request", (req) => {
    const proof = req.headers.dpop;
    const nonce = proof ? JSON.parse(Buffer.from(proof.split(".")[1], "base64url")).nonce : undefined;
    seen.push([req.method, req.url, Boolean(proof), nonce ?? null]);
  });
  const callback = provider.callback();
  server.on("request", (req, res) => (req.url === "/signin" ? signIn(req, res) : callback(req, res)));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * The test's own sign-in endpoint (what an app's login does after the code exchange): checks
 * the DPoP proof with jose and answers with a token pair bound to its key, minted through the
 * provider's models exactly as its grants mint them.
 */
async function signIn(req, res) {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(req.headers.dpop, jose.EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256", "EdDSA"] });
    assert.equal(payload.htm, "POST");
    assert.equal(payload.htu, `${issuer}/signin`);
    const jkt = await jose.calculateJwkThumbprint(protectedHeader.jwk, "sha256");
    const refreshToken = await mintRefreshToken("spa", jkt);
    const client = await provider.Client.find("spa");
    const at = new provider.AccessToken({ accountId: "user-1", client, grantId: (await provider.RefreshToken.find(refreshToken)).grantId, scope: SCOPE, gty: "authorization_code" });
    at.setThumbprint("jkt", jkt);
    lastSignInAccessToken = await at.save();
    const body = { access_token: lastSignInAccessToken, token_type: "DPoP", expires_in: 600, refresh_token: refreshToken, scope: SCOPE };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  } catch (err) {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_dpop_proof", error_description: String(err.message) }));
  }
}

/** A refresh token minted the way the authorization_code grant mints one, bound to `jkt`. */
async function mintRefreshToken(clientId, jkt) {
  const grant = new provider.Grant({ accountId: "user-1", clientId });
  grant.addOIDCScope(SCOPE);
  const grantId = await grant.save();
  const client = await provider.Client.find(clientId);
  const rt = new provider.RefreshToken({ accountId: "user-1", client, grantId, scope: SCOPE, gty: "authorization_code", rotations: 0, ...(jkt ? { jkt } : {}) });
  return rt.save();
}

/** rotor's refresh: the async builder inside sendWithDpop (one use_dpop_nonce retry), then parse. */
async function refresh(client, dpop, previous) {
  const { response, body } = await sendWithDpop(fetch, dpop, () => client.buildRefreshRequestAsync({ refreshToken: previous.refreshToken, dpop }));
  return client.parseTokenResponse({ status: response.status, headers: response.headers, body }, { previous });
}

for (const alg of ["ES256", "EdDSA"]) {
  test(`${alg}: a DPoP-bound refresh token, the nonce retry, then the remembered nonce`, async () => {
    const dpop = await createDpop(await generateDpopKey({ alg }));
    const client = createClient({ tokenEndpoint: `${issuer}/token`, clientId: "spa" });
    const first = { refreshToken: await mintRefreshToken("spa", dpop.thumbprint), scope: SCOPE };
    seen.length = 0;
    const second = await refresh(client, dpop, first);
    assert.equal(second.tokenType, "DPoP", "token_type DPoP kept");
    assert.equal(second.rotated, true);
    assert.notEqual(second.refreshToken, first.refreshToken);
    // First try without a nonce (400 use_dpop_nonce with DPoP-Nonce), one retry with it.
    assert.equal(seen.length, 2);
    assert.deepEqual(seen.map(([m, p, d]) => [m, p, d]), [["POST", "/token", true], ["POST", "/token", true]]);
    assert.equal(seen[0][3], null);
    assert.equal(typeof seen[1][3], "string");
    // The nonce is remembered for this server: the next refresh is one request.
    seen.length = 0;
    const third = await refresh(client, dpop, second);
    assert.equal(seen.length, 1);
    assert.equal(third.tokenType, "DPoP");
    // The access token at a resource (the provider's userinfo): Authorization: DPoP + a proof with ath.
    const me = await dpopFetch(dpop, third.accessToken, `${issuer}/api/me`);
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { sub: "user-1" });
    // The same token as a bearer token is refused: it is bound to the key.
    const bearer = await fetch(`${issuer}/api/me`, { headers: { authorization: `Bearer ${third.accessToken}` } });
    assert.equal(bearer.status, 401);
  });
}

test("a copied refresh token is useless without the key: another key, or none, is invalid_grant", async () => {
  const owner = await createDpop(await generateDpopKey());
  const thief = await createDpop(await generateDpopKey());
  const client = createClient({ tokenEndpoint: `${issuer}/token`, clientId: "spa" });
  const stolen = { refreshToken: await mintRefreshToken("spa", owner.thumbprint) };
  await assert.rejects(refresh(client, thief, stolen), (err) => err instanceof OAuthError && err.code === "invalid_grant" && err.kind === "reauthenticate");
  const { response, body } = await sendWithDpop(fetch, null, () => client.buildRefreshRequestAsync({ refreshToken: stolen.refreshToken }));
  assert.throws(() => client.parseTokenResponse({ status: response.status, headers: response.headers, body }), { code: "invalid_grant" });
  // The owner still refreshes.
  assert.equal((await refresh(client, owner, stolen)).tokenType, "DPoP");
});

test("a nonce the server no longer accepts: one retry, no loop", async () => {
  const dpop = await createDpop(await generateDpopKey());
  const client = createClient({ tokenEndpoint: `${issuer}/token`, clientId: "spa" });
  const rt = await mintRefreshToken("spa", dpop.thumbprint);
  seen.length = 0;
  // A proof with a nonce the provider never issued: 400 use_dpop_nonce with a fresh DPoP-Nonce, one retry.
  const { response, body } = await sendWithDpop(fetch, dpop, async () => {
    const req = client.buildRefreshRequest({ refreshToken: rt });
    req.headers.dpop = await dpop.proof({ method: "POST", url: req.url, nonce: seen.length === 0 ? "not-a-provider-nonce" : undefined });
    return req;
  });
  assert.equal(response.status, 200, new TextDecoder().decode(body));
  assert.equal(seen.length, 2);
});

test("private_key_jwt: rotor's assertion signed by the configured CryptoKey, with and without DPoP", async () => {
  const client = createClient({
    tokenEndpoint: `${issuer}/token`,
    clientId: "backend",
    authMethod: "private_key_jwt",
    clientKey: { privateKey: clientKeys.privateKey, kid: "client-key-1" },
  });
  const plain = await refresh(client, null, { refreshToken: await mintRefreshToken("backend") });
  assert.equal(plain.tokenType, "Bearer");
  const dpop = await createDpop(await generateDpopKey());
  const bound = await refresh(client, dpop, { refreshToken: await mintRefreshToken("backend", dpop.thumbprint) });
  assert.equal(bound.tokenType, "DPoP");
  // Another key than the registered one: invalid_client.
  const other = await generateDpopKey();
  const wrong = createClient({ tokenEndpoint: `${issuer}/token`, clientId: "backend", authMethod: "private_key_jwt", clientKey: { privateKey: other.privateKey, kid: "client-key-1" } });
  await assert.rejects(refresh(wrong, null, { refreshToken: await mintRefreshToken("backend") }), { code: "invalid_client" });
});

test("TokenManager with dpop: one key for every refresh and API call, dropped with the session", async () => {
  const { TokenManager } = await import("rotor");
  const client = { tokenEndpoint: `${issuer}/token`, clientId: "spa" };
  const tokens = new TokenManager({ client, dpop: true });
  const dpop = await tokens.dpop();
  assert.equal(dpop.keyPair.privateKey.extractable, false);
  assert.equal((await tokens.dpop()).thumbprint, dpop.thumbprint, "created once");
  const now = Date.now();
  await tokens.setTokens({
    accessToken: "expired", tokenType: "DPoP", expiresAt: now - 1, refreshToken: await mintRefreshToken("spa", dpop.thumbprint),
    refreshExpiresAt: null, scope: SCOPE, idToken: null, rotated: false, receivedAt: now - 600_000,
  });
  seen.length = 0;
  const accessToken = await tokens.getAccessToken();
  assert.notEqual(accessToken, "expired");
  assert.deepEqual(seen.map(([m, p, d, n]) => [m, p, d, n !== null]), [["POST", "/token", true, false], ["POST", "/token", true, true]], "nonce retry");
  const headers = await tokens.authorize({ method: "GET", url: `${issuer}/api/me` });
  assert.equal(headers.authorization, `DPoP ${accessToken}`);
  const me = await fetch(`${issuer}/api/me`, { headers });
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { sub: "user-1" });
  await tokens.clear();
  assert.notEqual((await tokens.dpop()).thumbprint, dpop.thumbprint, "a new session gets a new key");
  tokens.stop();
});

test("TokenManager with dpop: invalid_grant from the provider ends the session and drops its key", async () => {
  const { TokenManager } = await import("rotor");
  const tokens = new TokenManager({ client: { tokenEndpoint: `${issuer}/token`, clientId: "spa" }, dpop: { alg: "EdDSA" } });
  const dpop = await tokens.dpop();
  assert.equal(dpop.alg, "EdDSA");
  const otherKey = await createDpop(await generateDpopKey());
  const now = Date.now();
  await tokens.setTokens({
    accessToken: "expired", tokenType: "DPoP", expiresAt: now - 1, refreshToken: await mintRefreshToken("spa", otherKey.thumbprint),
    refreshExpiresAt: null, scope: SCOPE, idToken: null, rotated: false, receivedAt: now - 600_000,
  });
  const ended = new Promise((resolve) => tokens.addEventListener("reauthenticate", (e) => resolve(e.detail), { once: true }));
  await assert.rejects(tokens.getAccessToken(), (err) => err.code === "invalid_grant" || err.code === "no_session");
  assert.equal((await ended).code, "invalid_grant");
  assert.notEqual((await tokens.dpop()).thumbprint, dpop.thumbprint);
  tokens.stop();
});

test("rotor/sw with dpop: the sign-in, every refresh and API request carry proofs of one key", async () => {
  const listeners = {};
  const network = [];
  const tab = { id: "tab-1", type: "window", url: `${issuer}/app`, postMessage: () => {} };
  const scope = {
    location: { href: `${issuer}/sw.js`, origin: issuer },
    clients: { claim: async () => {}, matchAll: async () => [tab], get: async (id) => (id === tab.id ? tab : undefined) },
    skipWaiting: async () => {},
    addEventListener: (type, fn) => (listeners[type] = fn),
    async fetch(input, init) {
      const req = new Request(input, init);
      network.push([new URL(req.url).pathname, req.headers.get("authorization")?.split(" ")[0] ?? null, req.headers.has("dpop")]);
      return fetch(req);
    },
  };
  const dispatch = async (url, init) => {
    let responded = null;
    listeners.fetch({ request: new Request(url, init), clientId: tab.id, respondWith: (p) => (responded = p) });
    return responded;
  };
  const sw = installSilentRenewal(scope, {
    client: { tokenEndpoint: `${issuer}/token`, clientId: "spa" },
    apiPrefixes: [`${issuer}/api/`],
    sessionUrls: [`${issuer}/signin`],
    persist: false,
    dpop: true,
  });
  const session = await (await dispatch(`${issuer}/signin`, { method: "POST", body: "{}" })).json();
  assert.equal(session.type, "rotor:session");
  assert.equal(session.tokenType, "DPoP");
  // The API: a nonce challenge from the provider, one retry, then 200.
  const me = await dispatch(`${issuer}/api/me`);
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { sub: "user-1" });
  assert.deepEqual(network, [
    ["/signin", null, true],
    ["/api/me", "DPoP", true],
    ["/api/me", "DPoP", true],
  ]);
  // The provider refuses the token (revoked): the worker renews once with a proof, and retries.
  network.length = 0;
  await (await provider.AccessToken.find(lastSignInAccessToken)).destroy();
  const again = await dispatch(`${issuer}/api/me`);
  assert.equal(again.status, 200);
  assert.deepEqual(network, [
    ["/api/me", "DPoP", true],
    ["/token", null, true],
    ["/api/me", "DPoP", true],
  ]);
  await sw.stop();
});

/** The authorization code flow with PKCE through the provider's development login and consent
 * pages; the code exchange carries rotor's DPoP proof (nonce retry included), so the provider
 * binds the refresh token to the key (RFC 9449 §5). Returns the token endpoint's answer. */
async function codeFlowWithDpop(dpop) {
  const cookies = new Map();
  const store = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = "https://rp.example/cb";
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: "spa", response_type: "code", redirect_uri: redirectUri, scope: SCOPE, prompt: "consent", state: "st",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"), code_challenge_method: "S256",
  });
  let next = auth.href;
  for (let step = 0; step < 12; step++) {
    let res = await fetch(next, { redirect: "manual", headers: { cookie: cookie() } });
    store(res);
    let location = res.headers.get("location");
    if (res.status === 200) {
      const page = await res.text();
      const prompt = page.includes('name="login"') ? "login" : "consent";
      const form = prompt === "login" ? { prompt, login: "user-1", password: "any" } : { prompt };
      res = await fetch(next, { method: "POST", redirect: "manual", headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
      store(res);
      location = res.headers.get("location");
    }
    const target = new URL(location, next);
    if (target.href.startsWith(redirectUri)) {
      const url = `${issuer}/token`;
      const body = new URLSearchParams({ grant_type: "authorization_code", code: target.searchParams.get("code"), redirect_uri: redirectUri, code_verifier: verifier, client_id: "spa" }).toString();
      const { response, body: bytes } = await sendWithDpop(fetch, dpop, async () => ({
        url, method: "POST", body,
        headers: { "content-type": "application/x-www-form-urlencoded", dpop: await dpop.proof({ method: "POST", url }) },
      }));
      const json = JSON.parse(new TextDecoder().decode(bytes));
      assert.equal(response.status, 200, JSON.stringify(json));
      return json;
    }
    next = target.href;
  }
  assert.fail("the authorization code flow did not reach the redirect URI");
}

test("the real code flow: the code exchange's proof binds the refresh token; rotor refreshes it, a copy with another key fails", async () => {
  const dpop = await createDpop(await generateDpopKey());
  const initial = await codeFlowWithDpop(dpop);
  assert.equal(initial.token_type, "DPoP");
  assert.equal(typeof initial.refresh_token, "string");
  const client = createClient({ tokenEndpoint: `${issuer}/token`, clientId: "spa" });
  const thief = await createDpop(await generateDpopKey());
  await assert.rejects(refresh(client, thief, { refreshToken: initial.refresh_token }), { code: "invalid_grant" });
  const next = await refresh(client, dpop, { refreshToken: initial.refresh_token, scope: initial.scope });
  assert.equal(next.tokenType, "DPoP");
  assert.equal(next.rotated, true);
  const me = await dpopFetch(dpop, next.accessToken, `${issuer}/api/me`);
  assert.deepEqual(await me.json(), { sub: "user-1" });
});
