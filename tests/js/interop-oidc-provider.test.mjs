// Interoperability with a certified OpenID Provider (panva/oidc-provider) on loopback:
// rotor builds the refresh requests, fetch sends them, rotor parses the answers.
//
// The main test obtains its refresh token through the real authorization code flow (PKCE,
// the provider's development login and consent pages, code exchange at /token). The other
// tests mint refresh tokens through the provider's own Grant and RefreshToken models (the same
// objects its authorization_code grant creates) to stay fast. Every refresh exercises the
// provider's real token endpoint: client authentication, rotation, reuse detection, scope.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import { buildRefreshRequest, parseTokenResponse, unverifiedJwtTimes } from "rotor";
import { interact, jar } from "../support/oidc-login.mjs";

const FULL_SCOPE = "openid offline_access profile email";
// Space, +, /, : and % exercise RFC 6749 §2.3.1 (form-urlencode before base64): the provider
// form-decodes Basic credentials, so a raw "+" would arrive as a space. VSCHAR only, as
// oidc-provider's client_secret syntax requires.
const BASIC_SECRET = "b4sic s3cr3t!+/:%~";
const POST_SECRET = "post-client-secret";
const JWT_SECRET = "jwt-client-secret-that-is-long-enough-for-hs256";
const ACCESS_TOKEN_TTL = 600;

let server;
let provider;
let issuer;

before(async () => {
  server = http.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  const client = (client_id, client_secret, token_endpoint_auth_method) => ({
    client_id,
    client_secret,
    token_endpoint_auth_method,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: ["https://rp.example/cb"],
  });
  provider = new Provider(issuer, {
    clients: [
      client("basic-client", BASIC_SECRET, "client_secret_basic"),
      client("post-client", POST_SECRET, "client_secret_post"),
      client("jwt-client", JWT_SECRET, "client_secret_jwt"),
    ],
    findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId, email: "u@example.com" }) }),
    claims: { openid: ["sub"], email: ["email"], profile: [] },
    scopes: ["openid", "offline_access", "profile", "email"],
    // post-client has reuse (non-rotating) refresh tokens; the others rotate on every use.
    rotateRefreshToken: (ctx) => ctx.oidc.client.clientId !== "post-client",
    ttl: { AccessToken: ACCESS_TOKEN_TTL, RefreshToken: 3600, IdToken: 300, Grant: 3600 },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["interop-test-cookie-key"] },
  });
  server.on("request", provider.callback());
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Mints a refresh token the way the authorization_code grant does (Grant + RefreshToken). */
async function mintRefreshToken(clientId, scope = FULL_SCOPE) {
  const grant = new provider.Grant({ accountId: "user-1", clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const client = await provider.Client.find(clientId);
  const rt = new provider.RefreshToken({ accountId: "user-1", client, grantId, scope, gty: "authorization_code", rotations: 0 });
  return rt.save();
}

/**
 * Runs the authorization code flow with PKCE through oidc-provider's development interactions
 * (login, then consent) and redeems the code; returns the token endpoint's JSON.
 */
async function authorizationCodeFlow(clientId, secret, scope) {
  const cookies = jar();
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const redirectUri = "https://rp.example/cb";
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope,
    prompt: "consent",
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const { target, prompts } = await interact(auth.href, cookies, { user: "user-1", done: (t) => t.href.startsWith(redirectUri) });
  assert.equal(target.searchParams.get("error"), null, target.searchParams.get("error_description"));
  const token = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: target.searchParams.get("code"), redirect_uri: redirectUri, code_verifier: verifier }),
  });
  const json = await token.json();
  assert.equal(token.status, 200, JSON.stringify(json));
  assert.deepEqual(prompts, ["login", "consent"], "went through the login and consent pages");
  return json;
}

/** One refresh round trip: rotor request -> fetch -> rotor parse. */
async function refresh(client, previous, scope) {
  const now = Date.now();
  const params = { refreshToken: previous.refreshToken, now };
  if (scope !== undefined) params.scope = scope;
  const req = buildRefreshRequest(client, params);
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  const body = await res.text();
  const set = parseTokenResponse(
    client,
    { status: res.status, headers: res.headers, body },
    { now, previous, requestedScope: scope },
  );
  return { req, set, now };
}

async function refreshFails(client, previous) {
  try {
    await refresh(client, previous);
  } catch (err) {
    return err;
  }
  assert.fail("expected the refresh to fail");
}

test("client_secret_basic with rotation, scope narrowing, then reuse detection", async () => {
  const client = {
    tokenEndpoint: `${issuer}/token`,
    clientId: "basic-client",
    clientSecret: BASIC_SECRET,
    grantedScope: FULL_SCOPE,
  };
  const initial = await authorizationCodeFlow("basic-client", BASIC_SECRET, FULL_SCOPE);
  assert.equal(typeof initial.refresh_token, "string", "offline_access + consent gives a refresh token");
  const rt0 = initial.refresh_token;
  let previous = { refreshToken: rt0, scope: initial.scope, idToken: initial.id_token };

  // Round 1: no scope parameter; the server keeps the granted scope and rotates.
  const r1 = await refresh(client, previous);
  assert.match(r1.req.headers.authorization, /^Basic /);
  assert.ok(!r1.req.body.includes("client_secret"));
  assert.equal(r1.set.tokenType, "Bearer");
  assert.equal(r1.set.rotated, true);
  assert.notEqual(r1.set.refreshToken, rt0);
  assert.equal(r1.set.scope, FULL_SCOPE);
  assert.equal(r1.set.expiresAt, r1.now + ACCESS_TOKEN_TTL * 1000);
  assert.equal(r1.set.receivedAt, r1.now);
  assert.equal(typeof r1.set.idToken, "string");
  const idTimes = unverifiedJwtTimes(r1.set.idToken);
  assert.equal(idTimes.exp - idTimes.iat, 300, "the ID token is a JWT with iat/exp");
  assert.equal(unverifiedJwtTimes(r1.set.accessToken), null, "oidc-provider's access tokens are opaque");
  previous = r1.set;

  // Round 2: narrow the scope (RFC 6749 §6); the server grants the narrower scope and rotates.
  const r2 = await refresh(client, previous, "openid profile");
  assert.match(r2.req.body, /&scope=openid\+profile(&|$)/);
  assert.equal(r2.set.scope, "openid profile");
  assert.equal(r2.set.rotated, true);
  assert.notEqual(r2.set.refreshToken, r1.set.refreshToken);
  previous = r2.set;

  // Widening is refused locally, before any request.
  assert.throws(
    () => buildRefreshRequest(client, { refreshToken: previous.refreshToken, scope: "openid admin" }),
    (err) => err.name === "RotorError" && err.code === "scope_widening" && err.kind === "scope",
  );

  // Reuse: the consumed rt0 presented again is invalid_grant -> reauthenticate, and the
  // provider revokes the whole grant, so the newest token dies too.
  const reused = await refreshFails(client, { refreshToken: rt0 });
  assert.equal(reused.name, "OAuthError");
  assert.equal(reused.code, "invalid_grant");
  assert.equal(reused.kind, "reauthenticate");
  assert.equal(reused.status, 400);
  assert.equal(typeof reused.description, "string");
  const revoked = await refreshFails(client, previous);
  assert.equal(revoked.code, "invalid_grant");
  assert.equal(revoked.kind, "reauthenticate");
});

test("server-side invalid_scope for a scope the refresh token does not carry", async () => {
  const client = { tokenEndpoint: `${issuer}/token`, clientId: "basic-client", clientSecret: BASIC_SECRET };
  const rt = await mintRefreshToken("basic-client", "openid offline_access");
  const err = await (async () => {
    try {
      await refresh(client, { refreshToken: rt }, "openid email");
    } catch (e) {
      return e;
    }
  })();
  assert.equal(err.name, "OAuthError");
  assert.equal(err.code, "invalid_scope");
  assert.equal(err.kind, "scope");
});

test("client_secret_post without rotation: the same refresh token comes back, not rotated", async () => {
  const client = {
    tokenEndpoint: `${issuer}/token`,
    clientId: "post-client",
    clientSecret: POST_SECRET,
    authMethod: "client_secret_post",
  };
  const rt = await mintRefreshToken("post-client");
  let previous = { refreshToken: rt, scope: FULL_SCOPE };
  for (let round = 0; round < 3; round++) {
    const { req, set } = await refresh(client, previous);
    assert.equal(req.headers.authorization, undefined);
    assert.match(req.body, /&client_id=post-client&client_secret=post-client-secret$/);
    assert.equal(set.refreshToken, rt);
    assert.equal(set.rotated, false);
    assert.equal(typeof set.accessToken, "string");
    previous = set;
  }
});

test("client_secret_jwt: the provider accepts rotor's RFC 7523 assertion", async () => {
  const client = {
    tokenEndpoint: `${issuer}/token`,
    clientId: "jwt-client",
    clientSecret: JWT_SECRET,
    authMethod: "client_secret_jwt",
  };
  let previous = { refreshToken: await mintRefreshToken("jwt-client") };
  for (let round = 0; round < 2; round++) {
    const { set } = await refresh(client, previous);
    assert.equal(set.rotated, true);
    previous = set;
  }
});

test("a wrong client secret is invalid_client -> config", async () => {
  const rt = await mintRefreshToken("basic-client");
  const err = await refreshFails(
    { tokenEndpoint: `${issuer}/token`, clientId: "basic-client", clientSecret: "wrong" },
    { refreshToken: rt },
  );
  assert.equal(err.code, "invalid_client");
  assert.equal(err.kind, "config");
  assert.equal(err.status, 401);
});
