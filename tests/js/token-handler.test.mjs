// The token handler of rotor/worker (createTokenHandler) against a real OpenID Provider
// (panva/oidc-provider) on loopback: the authorization code flow with PKCE driven over HTTP
// through the provider's development login and consent pages, renewals with upstream
// rotation, single flight, invalid_grant, cross-site refusals, sign-out revoking upstream.
// The harness: tests/support/token-handler-app.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { parseTokenResponse, OAuthError } from "rotor";
import { createTokenHandler } from "rotor/worker";
import { startTokenHandlerApp, jar, signIn as signInAt, openSealed, CLIENT_ID, SCOPE } from "../support/token-handler-app.mjs";

let t;
before(async () => {
  t = await startTokenHandlerApp();
});
after(() => t.close());

const signIn = (cookies, options) => signInAt(t.app, cookies, options);

const PAGE = () => ({ origin: t.app, "x-rotor-csrf": "1" });

function refresh(cookies, headers = PAGE()) {
  return fetch(`${t.app}/auth/token`, { method: "POST", headers: { ...headers, cookie: cookies.header() } });
}

/** What the handler stored in a sealed cookie (opened with the test's copy of the keys). */
const sessionOf = (cookies, name = "__Host-rotor-session") => openSealed(t.keys, name, cookies.cookies.get(name));

test("sign-in: authorization code + PKCE S256 + state + nonce, exchanged by the handler; the page gets cookies only", async () => {
  const cookies = jar();
  const before = { ...t.upstream };
  const seen = await signIn(cookies);
  const auth = new URL(seen[0].location);
  assert.equal(seen[0].status, 302);
  assert.equal(auth.origin + auth.pathname, `${t.issuer}/auth`);
  const p = Object.fromEntries(auth.searchParams);
  assert.deepEqual(Object.keys(p).sort(), ["client_id", "code_challenge", "code_challenge_method", "nonce", "prompt", "redirect_uri", "response_type", "scope", "state"]);
  assert.equal(p.response_type, "code");
  assert.equal(p.client_id, CLIENT_ID);
  assert.equal(p.redirect_uri, `${t.app}/auth/callback`);
  assert.equal(p.scope, SCOPE);
  assert.equal(p.code_challenge_method, "S256");
  assert.match(p.code_challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.match(p.state, /^[A-Za-z0-9_-]{43}$/);
  assert.match(p.nonce, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(seen[0].setCookie.length, 1);
  assert.match(seen[0].setCookie[0], /^__Host-rotor-login=k2\.[A-Za-z0-9_-]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
  // The callback: code exchanged once, the login cookie cleared, the session cookie set, 303 to return_to.
  const cb = seen.find((s) => s.url.startsWith(`${t.app}/auth/callback`));
  assert.equal(cb.status, 303);
  assert.equal(cb.location, `${t.app}/app`);
  assert.equal(cb.setCookie[0], "__Host-rotor-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
  assert.match(cb.setCookie[1], /^__Host-rotor-session=k2\.[A-Za-z0-9_-]+; Path=\/; Max-Age=(43200|4319\d); HttpOnly; Secure; SameSite=Strict$/);
  assert.equal(t.upstream.authorization_code, before.authorization_code + 1);
  assert.ok(!cookies.cookies.has("__Host-rotor-login"));
  const session = await sessionOf(cookies);
  assert.equal((await t.introspect(session.rt)).active, true, "the cookie holds the provider's live refresh token");
  // The callback URL once more (a replayed code, the login cookie gone): refused.
  const replay = await fetch(cb.url, { redirect: "manual", headers: { cookie: cookies.header() } });
  assert.equal(replay.status, 400);
  assert.match(await replay.text(), /no sign-in in progress/);
  // Signing in again in the same browser replaces the session cookie. The replaced refresh token
  // is not revoked: a server may hand both sign-ins the same grant (oidc-provider does, for one
  // browser session at the provider), and revoking it would end the new session too.
  await signIn(cookies);
  assert.notEqual((await sessionOf(cookies)).sid, session.sid);
  assert.equal((await t.introspect((await sessionOf(cookies)).rt)).active, true);
});

test("renewals: access token and lifetimes only, upstream rotation adopted and the cookie rewritten; the API accepts each token", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "bob" });
  const client = { tokenEndpoint: `${t.app}/auth/token`, clientId: "page" };
  let previous = await sessionOf(cookies);
  for (let i = 0; i < 4; i++) {
    const before = t.upstream.refresh_token;
    const res = await refresh(cookies);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
    assert.equal(body.token_type, "Bearer");
    assert.ok(body.expires_in > 55 && body.expires_in <= 60, String(body.expires_in));
    assert.equal(body.scope, SCOPE);
    // What rotor's client reads from it: no refresh token.
    const set = parseTokenResponse(client, { status: res.status, headers: res.headers, body: text });
    assert.equal(set.refreshToken, null);
    assert.equal(set.idToken, null);
    assert.equal(t.upstream.refresh_token, before + 1);
    const [setCookie] = res.headers.getSetCookie();
    assert.match(setCookie, /^__Host-rotor-session=k2\.[A-Za-z0-9_-]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    cookies.store(res);
    const now = await sessionOf(cookies);
    assert.equal(now.sid, previous.sid, "one session");
    assert.notEqual(now.rt, previous.rt, "rotated upstream");
    assert.equal((await t.introspect(previous.rt)).active, false, "the retired refresh token is dead upstream");
    assert.equal((await t.introspect(now.rt)).active, true);
    previous = now;
    const api = await fetch(`${t.app}/api/hello`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(api.status, 200);
    assert.deepEqual(await api.json(), { hello: "bob" });
  }
});

test("single flight: concurrent refreshes of one session redeem the upstream token once; a late request with the old cookie gets the same answer", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "carol" });
  const stale = jar();
  for (const [k, v] of cookies.cookies) stale.cookies.set(k, v);
  const before = t.upstream.refresh_token;
  const answers = await Promise.all(Array.from({ length: 8 }, () => refresh(cookies)));
  const bodies = await Promise.all(answers.map((r) => r.json()));
  assert.deepEqual(answers.map((r) => r.status), Array(8).fill(200));
  assert.equal(t.upstream.refresh_token, before + 1, "one upstream redemption");
  assert.equal(new Set(bodies.map((b) => b.access_token)).size, 1);
  const cookieValues = new Set(answers.map((r) => r.headers.getSetCookie()[0]));
  assert.equal(cookieValues.size, 1, "every answer sets the same successor cookie");
  cookies.store(answers[0]);
  // A tab whose request left with the old cookie before the new one was stored.
  const late = await refresh(stale);
  assert.equal(late.status, 200);
  assert.equal((await late.json()).access_token, bodies[0].access_token);
  assert.equal(late.headers.getSetCookie()[0], answers[0].headers.getSetCookie()[0]);
  assert.equal(t.upstream.refresh_token, before + 1, "still one redemption: the retired token never went upstream again");
  // The next refresh with the new cookie is a new redemption.
  const next = await refresh(cookies);
  assert.equal(next.status, 200);
  assert.equal(t.upstream.refresh_token, before + 2);
});

test("invalid_grant upstream: the session cookie is cleared and the page is told to reauthenticate", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "dave" });
  const { rt } = await sessionOf(cookies);
  // The provider ends the grant (an administrator, another device's sign-out, ...).
  const client = { tokenEndpoint: `${t.issuer}/token`, clientId: CLIENT_ID };
  const revoke = await fetch(`${t.issuer}/token/revocation`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${encodeURIComponent("bff client secret +/:%")}`).toString("base64")}` },
    body: new URLSearchParams({ token: rt, token_type_hint: "refresh_token" }),
  });
  assert.equal(revoke.status, 200, JSON.stringify(client));
  const res = await refresh(cookies);
  const text = await res.text();
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(text), { error: "invalid_grant", error_description: "the session has ended: sign in again" });
  assert.deepEqual(res.headers.getSetCookie(), ["__Host-rotor-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"]);
  assert.throws(
    () => parseTokenResponse({ tokenEndpoint: `${t.app}/auth/token`, clientId: "page" }, { status: res.status, headers: res.headers, body: text }),
    (err) => err instanceof OAuthError && err.code === "invalid_grant" && err.kind === "reauthenticate",
  );
  cookies.store(res);
  const again = await refresh(cookies);
  assert.equal(again.status, 400);
  assert.deepEqual(await again.json(), { error: "invalid_grant", error_description: "no session: sign in" });
});

test("cross-site requests are refused before the session is touched", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "erin" });
  const before = t.upstream.refresh_token;
  const cases = [
    [{ origin: "https://evil.example", "x-rotor-csrf": "1" }, "cross-site request refused (Origin)"],
    [{ origin: "null", "x-rotor-csrf": "1" }, "cross-site request refused (Origin)"],
    [{ "x-rotor-csrf": "1" }, "cross-site request refused (Origin)"],
    [{ origin: t.app }, "cross-site request refused (missing x-rotor-csrf)"],
    [{ origin: t.app.replace("127.0.0.1", "localhost"), "x-rotor-csrf": "1" }, "cross-site request refused (Origin)"],
  ];
  for (const path of ["/auth/token", "/auth/logout"]) {
    for (const [headers, description] of cases) {
      const res = await fetch(`${t.app}${path}`, { method: "POST", headers: { ...headers, cookie: cookies.header() } });
      assert.equal(res.status, 403, `${path} ${JSON.stringify(headers)}`);
      assert.deepEqual(await res.json(), { error: "access_denied", error_description: description });
      assert.deepEqual(res.headers.getSetCookie(), []);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    }
    // A foreign preflight is refused; GET is not a refresh.
    const pre = await fetch(`${t.app}${path}`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "x-rotor-csrf" } });
    assert.equal(pre.status, 403);
    assert.equal(pre.headers.get("access-control-allow-origin"), null);
    const get = await fetch(`${t.app}${path}`, { headers: { ...PAGE(), cookie: cookies.header() } });
    assert.equal(get.status, 405);
  }
  assert.equal(t.upstream.refresh_token, before, "nothing went upstream");
  assert.equal((await refresh(cookies)).status, 200, "the session survived");
});

test("callback forgery: a code without this browser's login cookie, a wrong state, a login cookie sent as the session", async () => {
  const victim = jar();
  // The attacker starts a sign-in in their own browser: their state and login cookie.
  const attacker = jar();
  const start = await fetch(`${t.app}/auth/login`, { redirect: "manual" });
  attacker.store(start);
  const state = new URL(start.headers.get("location")).searchParams.get("state");
  const forged = `${t.app}/auth/callback?code=abc&state=${state}`;
  const noLogin = await fetch(forged, { redirect: "manual", headers: { cookie: victim.header() } });
  assert.equal(noLogin.status, 400);
  assert.match(await noLogin.text(), /no sign-in in progress/);
  // The victim's own sign-in in progress, with the attacker's state: refused.
  const own = await fetch(`${t.app}/auth/login`, { redirect: "manual" });
  victim.store(own);
  const wrong = await fetch(forged, { redirect: "manual", headers: { cookie: victim.header() } });
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /state mismatch/);
  assert.deepEqual(wrong.headers.getSetCookie(), ["__Host-rotor-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"]);
  // The login cookie's sealed value under the session cookie's name does not open (AAD = name).
  const swapped = await fetch(`${t.app}/auth/token`, { method: "POST", headers: { ...PAGE(), cookie: `__Host-rotor-session=${attacker.cookies.get("__Host-rotor-login")}` } });
  assert.equal(swapped.status, 400);
  assert.equal((await swapped.json()).error_description, "no session: sign in");
  // return_to never leaves the origin.
  for (const evil of ["//evil.example/", "/\\evil.example", "https://evil.example/"]) {
    const r = await fetch(`${t.app}/auth/login?return_to=${encodeURIComponent(evil)}`, { redirect: "manual" });
    const c = jar();
    c.store(r);
    await r.body?.cancel();
    assert.equal(r.status, 302);
    assert.equal((await sessionOf(c, "__Host-rotor-login")).returnTo, "/", evil);
  }
  const fine = jar();
  fine.store(await fetch(`${t.app}/auth/login?return_to=${encodeURIComponent("/app?tab=2#x")}`, { redirect: "manual" }));
  assert.equal((await sessionOf(fine, "__Host-rotor-login")).returnTo, "/app?tab=2#x");
});

test("key rotation: a cookie sealed by an older key is accepted and re-sealed by the first; altered or unknown-kid cookies are no session", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "frank" });
  const session = await sessionOf(cookies);
  // Re-seal the same session under k1 (the second, older key), as a cookie from before the rotation.
  const k1 = t.keys.find((k) => k.kid === "k1");
  const key = await crypto.subtle.importKey("raw", Buffer.from(k1.key, "base64url"), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const { kid, ...payload } = session;
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: Buffer.from("__Host-rotor-session") }, key, Buffer.from(JSON.stringify(payload))));
  const old = `k1.${Buffer.concat([iv, ct]).toString("base64url")}`;
  assert.equal(kid, "k2");
  const tampered = old.slice(0, -2) + (old.endsWith("A") ? "BA" : "AA");
  for (const bad of [tampered, `k9.${old.slice(3)}`, "k1.", "garbage"]) {
    const r = await fetch(`${t.app}/auth/token`, { method: "POST", headers: { ...PAGE(), cookie: `__Host-rotor-session=${bad}` } });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error_description, "no session: sign in");
  }
  cookies.cookies.set("__Host-rotor-session", old);
  const res = await refresh(cookies);
  assert.equal(res.status, 200);
  cookies.store(res);
  assert.equal((await sessionOf(cookies)).kid, "k2", "re-sealed by the first key");
});

test("sign-out revokes upstream (introspection: inactive) and clears both cookies", async () => {
  const cookies = jar();
  await signIn(cookies, { user: "grace" });
  const first = await refresh(cookies);
  const { access_token } = await first.json();
  cookies.store(first);
  const { rt } = await sessionOf(cookies);
  assert.equal((await t.introspect(rt)).active, true);
  const before = t.upstream.revoke;
  const res = await fetch(`${t.app}/auth/logout`, { method: "POST", headers: { ...PAGE(), cookie: cookies.header() } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { signedOut: true, revoked: true });
  assert.deepEqual(res.headers.getSetCookie(), [
    "__Host-rotor-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
    "__Host-rotor-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
  ]);
  assert.equal(t.upstream.revoke, before + 1);
  assert.equal((await t.introspect(rt)).active, false, "the refresh token is revoked upstream");
  assert.equal((await t.introspect(access_token)).active, false, "and with it the grant's access token");
  const stale = await refresh(cookies); // the old cookie, replayed after sign-out
  assert.equal(stale.status, 400);
  assert.equal((await stale.json()).error, "invalid_grant");
});

test("configuration: unknown options, short keys, non-origins are invalid_config", async () => {
  const base = {
    client: { tokenEndpoint: `${t.issuer}/token`, clientId: CLIENT_ID },
    authorizationEndpoint: `${t.issuer}/auth`,
    redirectUri: `${t.app}/auth/callback`,
    scope: "openid",
    keys: [{ kid: "k", key: Buffer.alloc(32).toString("base64url") }],
  };
  assert.throws(() => createTokenHandler({ ...base, scop: "x" }), { code: "invalid_config" });
  assert.throws(() => createTokenHandler({ ...base, allowedOrigins: ["https://app.example/"] }), { code: "invalid_config" });
  assert.throws(() => createTokenHandler({ ...base, authorizationEndpoint: "http://idp.example/auth" }), { code: "invalid_config" });
  assert.throws(() => createTokenHandler({ ...base, authorizationParams: { state: "x" } }), { code: "invalid_config" });
  const short = createTokenHandler({ ...base, keys: [{ kid: "k", key: Buffer.alloc(16).toString("base64url") }] });
  const errors = [];
  const log = console.error;
  console.error = (m) => errors.push(m);
  try {
    const r = await short.fetch(new Request(`${t.app}/auth/login`), {});
    assert.equal(r.status, 500);
    assert.deepEqual(await r.json(), { error: "server_error", error_description: "internal error" });
  } finally {
    console.error = log;
  }
  assert.deepEqual(errors, ["rotor/worker token handler: configuration: RotorError invalid_config: keys[0].key: the base64url of exactly 32 random bytes"]);
  assert.equal((await short.fetch(new Request(`${t.app}/other`), {})).status, 404);
});

test("sign-out while a refresh is in flight: the successor is revoked too, and no cookie of the session refreshes again", async () => {
  for (let round = 0; round < 3; round++) {
    const cookies = jar();
    await signIn(cookies, { user: "heidi" });
    const before = t.upstream.refresh_token;
    const revokes = t.upstream.revoke;
    const pending = refresh(cookies);
    while (t.upstream.refresh_token === before) await new Promise((r) => setTimeout(r, 1)); // the redemption has left
    const out = await fetch(`${t.app}/auth/logout`, { method: "POST", headers: { ...PAGE(), cookie: cookies.header() } });
    assert.deepEqual(await out.json(), { signedOut: true, revoked: true });
    const res = await pending;
    // The refresh either saw the sign-out (400, cookie cleared) or settled just before it (200);
    // either way its successor is revoked: by the refresh itself or by the sign-out awaiting it.
    if (res.status === 400) {
      assert.deepEqual(await res.json(), { error: "invalid_grant", error_description: "the session has ended: sign in again" });
      assert.deepEqual(res.headers.getSetCookie(), ["__Host-rotor-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"]);
    } else {
      assert.equal(res.status, 200);
    }
    assert.equal(t.upstream.revoke, revokes + 2, "the successor and the cookie's token");
    assert.equal((await t.introspect(t.upstream.issued)).active, false, "the successor minted during sign-out is revoked");
    // Either cookie of the session, replayed: refused in this isolate without going upstream.
    const successor = jar();
    successor.store(res);
    const refreshes = t.upstream.refresh_token;
    for (const c of [cookies, successor]) {
      if (!c.cookies.has("__Host-rotor-session")) continue;
      const again = await refresh(c);
      assert.equal(again.status, 400);
    }
    assert.equal(t.upstream.refresh_token, refreshes);
  }
});
