// The token handler's upstream requests in every dialect, byte for byte: the authorization
// code exchange (RFC 6749 §4.1.3 + RFC 7636 §4.5) that the handler derives from the client
// core's request (client authentication, TokenIDP's camelCase JSON, Curity's order), and the
// refresh (the core's own). The upstream answers here are recorded in each family's response
// shape (tests/vectors/client/responses.json); the live server runs are
// tests/js/token-handler.test.mjs (oidc-provider), tests/workerd and tests/browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { buildRefreshRequest } from "rotor";
import { createTokenHandler } from "rotor/worker";
import { jar, openSealed } from "../support/token-handler-app.mjs";

const APP = "https://app.example";
const KEYS = [{ kid: "d1", key: randomBytes(32).toString("base64url") }];
const NOW = 1_700_000_000_000;

const ANSWERS = {
  // Keycloak: no token_type, refresh_expires_in.
  keycloak: (rt) => ({ access_token: `at-${rt}`, expires_in: 300, refresh_expires_in: 1800, refresh_token: rt, scope: "offline_access api" }),
  // TokenIDP: the { isSuccess, data } envelope, camelCase, lifetimes as strings.
  tokenidp: (rt) => ({ isSuccess: true, data: { accessToken: `at-${rt}`, tokenType: "Bearer", expiresIn: "300", refreshToken: rt } }),
  rfc6749: (rt) => ({ access_token: `at-${rt}`, token_type: "Bearer", expires_in: 300, refresh_token: rt, scope: "offline_access api" }),
};

function handlerFor(client, answer) {
  const sent = [];
  let n = 0;
  const handler = createTokenHandler({
    client,
    authorizationEndpoint: "https://idp.example/auth",
    redirectUri: `${APP}/auth/callback`,
    scope: "offline_access api",
    keys: KEYS,
    now: () => NOW,
    fetch: async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body, redirect: init.redirect });
      return Response.json(answer(`rt-${++n}`));
    },
  });
  return { handler, sent };
}

async function signInAndRefresh(handler) {
  const cookies = jar();
  const login = await handler.fetch(new Request(`${APP}/auth/login`), {});
  cookies.store(login);
  const { state, codeVerifier } = await openSealed(KEYS, "__Host-rotor-login", cookies.cookies.get("__Host-rotor-login"));
  assert.equal(new URL(login.headers.get("location")).searchParams.get("state"), state);
  const cb = await handler.fetch(new Request(`${APP}/auth/callback?code=the+code&state=${state}`, { headers: { cookie: cookies.header() } }), {});
  assert.equal(cb.status, 303, await cb.clone().text());
  cookies.store(cb);
  const res = await handler.fetch(new Request(`${APP}/auth/token`, { method: "POST", headers: { origin: APP, "x-rotor-csrf": "1", cookie: cookies.header() } }), {});
  return { codeVerifier, res, cookies };
}

const CASES = [
  {
    name: "rfc6749, client_secret_basic",
    client: { tokenEndpoint: "https://idp.example/token", clientId: "bff app", clientSecret: "s3cret +/" },
    answer: ANSWERS.rfc6749,
    code: (v) => `grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback&code_verifier=${v}`,
    headers: { accept: "application/json", authorization: `Basic ${Buffer.from("bff+app:s3cret+%2B%2F").toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
  },
  {
    name: "keycloak, client_secret_post",
    client: { tokenEndpoint: "https://idp.example/token", clientId: "bff", clientSecret: "s3cret", authMethod: "client_secret_post", dialect: "keycloak" },
    answer: ANSWERS.keycloak,
    code: (v) => `grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback&code_verifier=${v}&client_id=bff&client_secret=s3cret`,
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    refreshTokenExpiresIn: 1800,
  },
  {
    name: "curity, client_secret_post",
    client: { tokenEndpoint: "https://idp.example/token", clientId: "bff", clientSecret: "s3cret", authMethod: "client_secret_post", dialect: "curity" },
    answer: ANSWERS.rfc6749,
    code: (v) => `grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback&code_verifier=${v}&client_id=bff&client_secret=s3cret`,
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
  },
  {
    name: "pingfederate, public client (none)",
    client: { tokenEndpoint: "https://idp.example/as/token.oauth2", clientId: "bff", dialect: "pingfederate" },
    answer: ANSWERS.rfc6749,
    code: (v) => `grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback&code_verifier=${v}&client_id=bff`,
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
  },
  {
    name: "tokenidp, camelCase JSON",
    client: { tokenEndpoint: "https://idp.example/api/token", clientId: "bff", clientSecret: "s3cret", authMethod: "client_secret_post", dialect: "tokenidp" },
    answer: ANSWERS.tokenidp,
    code: (v) => JSON.stringify({ grantType: "authorization_code", clientId: "bff", clientSecret: "s3cret", code: "the code", redirectUri: `${APP}/auth/callback`, codeVerifier: v }),
    headers: { accept: "application/json", "content-type": "application/json" },
  },
];

for (const c of CASES) {
  test(`dialect ${c.name}: the code exchange and the refresh, exactly`, async () => {
    const { handler, sent } = handlerFor(c.client, c.answer);
    const { codeVerifier, res, cookies } = await signInAndRefresh(handler);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0], { url: c.client.tokenEndpoint, method: "POST", headers: c.headers, body: c.code(codeVerifier), redirect: "manual" });
    // The refresh is the core's request for the refresh token the exchange returned.
    const expected = buildRefreshRequest(c.client, { refreshToken: "rt-1", now: NOW });
    assert.deepEqual(sent[1], { url: expected.url, method: "POST", headers: expected.headers, body: expected.body, redirect: "manual" });
    assert.equal(res.status, 200);
    const body = await res.json();
    // TokenIDP's answer has no scope: the requested one is kept (RFC 6749 §5.1).
    const want = { access_token: "at-rt-2", token_type: "Bearer", expires_in: 300, scope: "offline_access api" };
    if (c.refreshTokenExpiresIn) want.refresh_token_expires_in = c.refreshTokenExpiresIn;
    assert.deepEqual(body, want);
    cookies.store(res);
    assert.equal((await openSealed(KEYS, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"))).rt, "rt-2");
  });
}

test("client_secret_jwt: the code exchange carries the core's RFC 7523 assertion for the token endpoint", async () => {
  const client = { tokenEndpoint: "https://idp.example/token", clientId: "bff", clientSecret: "a-client-secret-of-at-least-32-bytes!", authMethod: "client_secret_jwt" };
  const { handler, sent } = handlerFor(client, ANSWERS.rfc6749);
  const { codeVerifier } = await signInAndRefresh(handler);
  const form = [...new URLSearchParams(sent[0].body)];
  assert.deepEqual(form.map(([k]) => k), ["grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_assertion_type", "client_assertion"]);
  const params = Object.fromEntries(form);
  assert.equal(params.code_verifier, codeVerifier);
  assert.equal(params.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  const claims = JSON.parse(Buffer.from(params.client_assertion.split(".")[1], "base64url"));
  assert.equal(claims.aud, client.tokenEndpoint);
  assert.equal(claims.iss, "bff");
  assert.equal(claims.sub, "bff");
  assert.equal(claims.exp, NOW / 1000 + 60);
});

// ---- The ID token and upstream failures, with recorded answers ----------------------------
const unsigned = (claims) => `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

function oidcHandler(answer) {
  const sent = [];
  const logs = [];
  const handler = createTokenHandler({
    client: { tokenEndpoint: "https://idp.example/token", clientId: "bff", clientSecret: "s3cret" },
    authorizationEndpoint: "https://idp.example/auth",
    issuer: "https://idp.example",
    redirectUri: `${APP}/auth/callback`,
    scope: "openid offline_access",
    keys: KEYS,
    now: () => NOW,
    fetch: async (url, init) => {
      sent.push(init.body);
      return answer(sent.length);
    },
  });
  return { handler, sent, logs };
}

async function callbackWith(handler, { tamper = (p) => p } = {}) {
  const cookies = jar();
  cookies.store(await handler.fetch(new Request(`${APP}/auth/login`), {}));
  const txn = await openSealed(KEYS, "__Host-rotor-login", cookies.cookies.get("__Host-rotor-login"));
  const params = tamper({ code: "c", state: txn.state, iss: "https://idp.example" });
  const res = await handler.fetch(new Request(`${APP}/auth/callback?${new URLSearchParams(params)}`, { headers: { cookie: cookies.header() } }), {});
  return { res, txn, cookies };
}

test("ID token checks at the callback: nonce, aud, iss, exp, presence; RFC 9207 iss; the error response", async () => {
  const good = (txn) => ({ iss: "https://idp.example", aud: "bff", sub: "u", nonce: txn.nonce, exp: NOW / 1000 + 300, iat: NOW / 1000 });
  const cases = [
    ["accepted", (txn) => good(txn), 303, null],
    ["nonce mismatch", (txn) => ({ ...good(txn), nonce: "other" }), 400, "sign-in refused: ID token nonce mismatch"],
    ["no nonce", (txn) => ({ ...good(txn), nonce: undefined }), 400, "sign-in refused: ID token nonce mismatch"],
    ["audience", (txn) => ({ ...good(txn), aud: ["other"] }), 502, "sign-in failed: ID token audience is not this client"],
    ["issuer", (txn) => ({ ...good(txn), iss: "https://other.example" }), 502, "sign-in failed: ID token issuer mismatch"],
    ["expired", (txn) => ({ ...good(txn), exp: NOW / 1000 }), 502, "sign-in failed: ID token expired"],
    ["absent", () => null, 502, "sign-in failed: no ID token although openid was requested"],
  ];
  for (const [name, claims, status, text] of cases) {
    let txnOf;
    const { handler } = oidcHandler(() => {
      const c = claims(txnOf);
      return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 60, refresh_token: "rt-1", ...(c ? { id_token: unsigned(c) } : {}) });
    });
    const cookies = jar();
    cookies.store(await handler.fetch(new Request(`${APP}/auth/login`), {}));
    txnOf = await openSealed(KEYS, "__Host-rotor-login", cookies.cookies.get("__Host-rotor-login"));
    const res = await handler.fetch(new Request(`${APP}/auth/callback?code=c&state=${txnOf.state}`, { headers: { cookie: cookies.header() } }), {});
    assert.equal(res.status, status, name);
    if (text) {
      assert.equal(await res.text(), text, name);
      assert.deepEqual(res.headers.getSetCookie(), ["__Host-rotor-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"], name);
    }
  }
  // RFC 9207: a different `iss` in the authorization response is refused before any exchange.
  const { handler, sent } = oidcHandler(() => Response.json({}));
  const mixUp = await callbackWith(handler, { tamper: (p) => ({ ...p, iss: "https://attacker.example" }) });
  assert.equal(mixUp.res.status, 400);
  assert.equal(await mixUp.res.text(), "sign-in refused: wrong issuer (RFC 9207)");
  // An error response from the authorization server (RFC 6749 §4.1.2.1).
  const denied = await callbackWith(handler, { tamper: ({ state }) => ({ state, error: "access_denied", error_description: "no" }) });
  assert.equal(denied.res.status, 400);
  assert.equal(await denied.res.text(), "sign-in failed at the authorization server: access_denied");
  assert.equal(sent.length, 0, "nothing was exchanged");
});

test("upstream failures: a code exchange refused, no refresh token, 503 with Retry-After, a non-JSON proxy page", async () => {
  const log = console.error;
  const logged = [];
  console.error = (m) => logged.push(m);
  try {
    const refused = oidcHandler(() => Response.json({ error: "invalid_grant", error_description: "code used" }, { status: 400 }));
    const r1 = await callbackWith(refused.handler);
    assert.equal(r1.res.status, 502);
    assert.equal(await r1.res.text(), "sign-in failed: the authorization server refused the code exchange");
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^rotor\/worker token handler: code exchange: OAuthError invalid_grant: /);
    assert.ok(!logged[0].includes("rt-") && !logged[0].includes("s3cret"));
    const noRt = oidcHandler(() => Response.json({ access_token: "at", token_type: "Bearer", expires_in: 60 }));
    const r2 = await callbackWith(noRt.handler);
    assert.equal(await r2.res.text(), "sign-in failed: the authorization server issued no refresh token (offline_access?)");
    // A session, then the server's outage: 503 with its Retry-After, the cookie kept.
    const plain = createTokenHandler({
      client: { tokenEndpoint: "https://idp.example/token", clientId: "bff" },
      authorizationEndpoint: "https://idp.example/auth",
      redirectUri: `${APP}/auth/callback`,
      scope: "offline_access",
      keys: KEYS,
      now: () => NOW,
      fetch: async (_url, init) => {
        const grant = new URLSearchParams(init.body).get("grant_type");
        if (grant === "authorization_code") return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 60, refresh_token: "rt-1" });
        return outage();
      },
    });
    let outage = () => new Response(JSON.stringify({ error: "temporarily_unavailable" }), { status: 503, headers: { "content-type": "application/json", "retry-after": "7" } });
    const { res, cookies } = await callbackWith(plain, { tamper: ({ code, state }) => ({ code, state }) });
    assert.equal(res.status, 303);
    cookies.store(res);
    const post = () => plain.fetch(new Request(`${APP}/auth/token`, { method: "POST", headers: { origin: APP, "x-rotor-csrf": "1", cookie: cookies.header() } }), {});
    const down = await post();
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "7");
    assert.deepEqual(await down.json(), { error: "temporarily_unavailable", error_description: "the authorization server is unavailable; try again" });
    assert.deepEqual(down.headers.getSetCookie(), [], "the session is kept");
    outage = () => new Response("<html>bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } });
    const proxy = await post();
    assert.equal(proxy.status, 503);
    assert.equal(proxy.headers.get("retry-after"), "1");
    outage = () => { throw new TypeError("fetch failed"); };
    assert.equal((await post()).status, 503);
    outage = () => Response.json({ access_token: "at-2", token_type: "Bearer", expires_in: 60 });
    const back = await post();
    assert.equal(back.status, 200, "the same cookie works once the server is back");
    assert.deepEqual(back.headers.getSetCookie(), [], "no rotation, no new cookie");
  } finally {
    console.error = log;
  }
});

test("sessionBinding: refreshes and sign-outs of a session run in its Durable Object (idFromName(sid)); a missing binding is a logged 500", async () => {
  const routed = [];
  let n = 0;
  const handler = createTokenHandler({
    client: { tokenEndpoint: "https://idp.example/token", revocationEndpoint: "https://idp.example/revoke", clientId: "bff" },
    authorizationEndpoint: "https://idp.example/auth",
    redirectUri: `${APP}/auth/callback`,
    scope: "offline_access",
    keys: KEYS,
    sessionBinding: "BFF_SESSIONS",
    fetch: async (url) => (url.endsWith("/revoke") ? new Response(null, { status: 200 }) : Response.json({ access_token: `at-${++n}`, token_type: "Bearer", expires_in: 60, refresh_token: `rt-${n}` })),
  });
  // The namespace's shape as workerd gives it; the object is the handler's own class.
  const env = {
    BFF_SESSIONS: {
      idFromName: (name) => ({ name }),
      get: (id) => ({
        fetch: (request) => {
          routed.push([id.name, new URL(request.url).pathname]);
          return new handler.TokenHandlerSession({ storage: null }, env).fetch(request);
        },
      }),
    },
  };
  const cookies = jar();
  cookies.store(await handler.fetch(new Request(`${APP}/auth/login`), env));
  const { state } = await openSealed(KEYS, "__Host-rotor-login", cookies.cookies.get("__Host-rotor-login"));
  cookies.store(await handler.fetch(new Request(`${APP}/auth/callback?code=c&state=${state}`, { headers: { cookie: cookies.header() } }), env));
  const { sid } = await openSealed(KEYS, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"));
  const post = (path, e = env, headers = {}) => handler.fetch(new Request(`${APP}${path}`, { method: "POST", headers: { origin: APP, "x-rotor-csrf": "1", cookie: cookies.header(), ...headers } }), e);
  const r = await post("/auth/token");
  assert.equal(r.status, 200);
  cookies.store(r);
  assert.equal((await post("/auth/token", env, { origin: "https://evil.example" })).status, 403, "refused before any object is called");
  const log = console.error;
  const logged = [];
  console.error = (m) => logged.push(m);
  try {
    const missing = await post("/auth/token", {});
    assert.equal(missing.status, 500);
    assert.deepEqual(logged, ["rotor/worker token handler: RotorError invalid_config: the Durable Object binding BFF_SESSIONS (class TokenHandlerSession) is missing"]);
  } finally {
    console.error = log;
  }
  const out = await post("/auth/logout");
  assert.deepEqual(await out.json(), { signedOut: true, revoked: true });
  assert.deepEqual(routed, [[sid, "/auth/token"], [sid, "/auth/logout"]]);
  // Without a session cookie nothing is routed: the front answers.
  const none = await handler.fetch(new Request(`${APP}/auth/token`, { method: "POST", headers: { origin: APP, "x-rotor-csrf": "1" } }), env);
  assert.equal(none.status, 400);
  assert.equal(routed.length, 2);
});
