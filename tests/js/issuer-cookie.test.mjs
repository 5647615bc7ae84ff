// Refresh tokens delivered as an HttpOnly cookie (issue 16 parts 1 and 2), over real HTTP:
// rotor's Issuer behind node:http on loopback, and rotor's own client and TokenManager in
// front of it with a cookie jar that behaves like a browser's for these cookies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Issuer } from "rotor/issuer";
import { createClient, TokenManager, MemoryStorage, RotorError } from "rotor";

const KEY = new Uint8Array(32).fill(3);
const APP = "https://app.example.com";
const EVIL = "https://evil.example";
const TOKEN = /^[A-Za-z0-9_-]{86}$/;

let server;
let base;
let clock = 1_800_000_000_000;
let issuer;

function config(extra = {}) {
  return {
    issuer: base,
    audience: "https://api.example.com",
    keys: [{ kid: "k1", key: KEY }],
    accessTokenTtl: 60,
    refreshTokenTtl: 3600,
    refreshIdleTtl: 600,
    reuseGraceSeconds: 5,
    clients: [
      { clientId: "spa", scope: "openid api.read", allowedOrigins: [APP], refreshTokenDelivery: "cookie" },
      { clientId: "body", scope: "api.read", allowedOrigins: [APP] },
    ],
    ...extra,
  };
}

before(async () => {
  server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const url = base + req.url;
    let answer;
    if (req.url === "/signin") {
      answer = await issuer.sessionResponse({ clientId: "spa", subject: "alice", scope: "openid api.read" }, { now: clock });
    } else {
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
      answer = await issuer.handle(new Request(url, { method: req.method, headers, body }), { now: clock });
    }
    const out = {};
    answer.headers.forEach((v, k) => {
      if (k !== "set-cookie") out[k] = v;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) out["set-cookie"] = cookies;
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${server.address().port}`;
  issuer = new Issuer(config());
});
after(() => server?.close());

/** A browser's cookie jar for one host: Path prefix matching, Max-Age, HttpOnly kept from script. */
class Jar {
  cookies = new Map(); // `${name} ${path}` -> { name, value, path, expiresAt, attrs }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split("; ");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      const path = attrs.find((a) => a.startsWith("Path="))?.slice(5) ?? "/";
      const maxAge = Number(attrs.find((a) => a.startsWith("Max-Age="))?.slice(8));
      const key = `${name} ${path}`;
      if (maxAge <= 0) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, expiresAt: clock + maxAge * 1000, attrs });
    }
  }
  header(path) {
    const live = [...this.cookies.values()].filter((c) => c.expiresAt > clock && (path === c.path || path.startsWith(c.path + "/")));
    return live.length ? live.map((c) => `${c.name}=${c.value}`).join("; ") : null;
  }
  /** What `document.cookie` would show: nothing HttpOnly. */
  scriptVisible() {
    return [...this.cookies.values()].filter((c) => !c.attrs.includes("HttpOnly"));
  }
}

/** `fetch` from a page of `origin` with `jar` (credentials: "include" sends and keeps cookies). */
function browserFetch(jar, origin = APP) {
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("origin", origin);
    const path = new URL(url).pathname;
    const cookie = init.credentials === "include" ? jar.header(path) : null;
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers });
    if (init.credentials === "include" || init.keep) jar.take(res);
    return res;
  };
}

async function signIn(jar) {
  const res = await browserFetch(jar)(base + "/signin", { method: "POST", keep: true });
  assert.equal(res.status, 200);
  return res;
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const cookieHeaders = (cookie, origin = APP, extra = {}) => ({ ...form, origin, "x-rotor-csrf": "1", ...(cookie ? { cookie } : {}), ...extra });

test("sign-in: the token response has no refresh_token; the cookie is HttpOnly, Secure, SameSite=Strict, one per endpoint path, Max-Age the family's lifetime", async () => {
  issuer = new Issuer(config());
  const jar = new Jar();
  const res = await signIn(jar);
  const body = await res.json();
  assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const set = res.headers.getSetCookie();
  assert.equal(set.length, 2);
  const value = set[0].split(";")[0].split("=")[1];
  assert.match(value, TOKEN);
  // refreshIdleTtl (600 s) ends the family before refreshTokenTtl (3600 s).
  assert.deepEqual(set, [
    `__Secure-rotor-refresh=${value}; Path=/token; Max-Age=600; HttpOnly; Secure; SameSite=Strict`,
    `__Secure-rotor-refresh=${value}; Path=/revoke; Max-Age=600; HttpOnly; Secure; SameSite=Strict`,
  ]);
  assert.equal(JSON.stringify(body).includes(value), false);
  assert.deepEqual(jar.scriptVisible(), []);
  await assert.rejects(issuer.startSession({ clientId: "spa", subject: "alice" }), (e) => e instanceof RotorError && e.code === "invalid_argument" && /sessionResponse/.test(e.message));
});

test("refresh from the cookie: rotation sets the successor's cookie, credentials CORS for the allowed origin, reuse of the old cookie ends the family and expires the cookie", async () => {
  issuer = new Issuer(config({ reuseGraceSeconds: 0 }));
  const jar = new Jar();
  await signIn(jar);
  const first = jar.header("/token");
  clock += 10_000;
  const res = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(first), body: "grant_type=refresh_token&client_id=spa" });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal("refresh_token" in body, false);
  assert.equal(res.headers.get("access-control-allow-origin"), APP);
  assert.equal(res.headers.get("access-control-allow-credentials"), "true");
  assert.equal(res.headers.get("vary"), "Origin");
  jar.take(res);
  const second = jar.header("/token");
  assert.notEqual(second, first);
  // Idle lifetime restarts at the redemption: 600 s again.
  assert.match(res.headers.getSetCookie()[0], /; Path=\/token; Max-Age=600; HttpOnly; Secure; SameSite=Strict$/);
  // The old cookie again (a stolen copy): reuse, family revoked, cookie expired.
  const reuse = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(first), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal(reuse.status, 400);
  assert.equal((await reuse.json()).error, "invalid_grant");
  assert.deepEqual(reuse.headers.getSetCookie(), [
    "__Secure-rotor-refresh=; Path=/token; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
    "__Secure-rotor-refresh=; Path=/revoke; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
  ]);
  const after = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(second), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal((await after.json()).error, "invalid_grant");
});

test("CSRF: no Origin, a foreign Origin, a cross-site fetch or no x-rotor-csrf header is refused before the token is used; preflights grant credentials to the allowed origin only", async () => {
  issuer = new Issuer(config());
  const jar = new Jar();
  await signIn(jar);
  const cookie = jar.header("/token");
  const cases = [
    { ...form, cookie }, // a form post from nowhere (no Origin)
    cookieHeaders(cookie, EVIL),
    cookieHeaders(cookie, APP, { "sec-fetch-site": "cross-site" }),
    { ...form, origin: APP, cookie }, // no x-rotor-csrf (a simple request)
  ];
  for (const headers of cases) {
    for (const [path, body] of [["/token", "grant_type=refresh_token&client_id=spa"], ["/revoke", "client_id=spa"]]) {
      const res = await fetch(base + path, { method: "POST", headers, body });
      const answer = await res.json();
      assert.equal(res.status, 403, `${path} ${JSON.stringify(headers.origin)}`);
      assert.equal(answer.error, "invalid_request");
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.deepEqual(res.headers.getSetCookie(), []);
    }
  }
  // The family is untouched: the cookie still refreshes.
  const ok = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(cookie), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal(ok.status, 200);
  const preflight = (origin) =>
    fetch(base + "/token", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-rotor-csrf" } });
  const granted = await preflight(APP);
  assert.equal(granted.status, 204);
  assert.equal(granted.headers.get("access-control-allow-origin"), APP);
  assert.equal(granted.headers.get("access-control-allow-credentials"), "true");
  assert.equal(granted.headers.get("access-control-allow-headers"), "authorization, content-type, dpop, x-rotor-csrf");
  const refused = await preflight(EVIL);
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-credentials"), null);
  // A body-delivery client's answers never carry credentials CORS.
  const bodyClient = await issuer.sessionResponse({ clientId: "body", subject: "bob" }, { now: clock });
  assert.deepEqual(bodyClient.headers.getSetCookie(), []);
  const rt = (await bodyClient.json()).refresh_token;
  assert.match(rt, TOKEN);
  const plain = await fetch(base + "/token", { method: "POST", headers: { ...form, origin: APP }, body: `grant_type=refresh_token&client_id=body&refresh_token=${rt}` });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("access-control-allow-credentials"), null);
  assert.match((await plain.json()).refresh_token, TOKEN);
});

test("no cookie is invalid_grant (sign in again); a malformed cookie value is no cookie; /revoke expires the cookie and ends the family", async () => {
  issuer = new Issuer(config());
  const none = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(null), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal(none.status, 400);
  assert.deepEqual(await none.json(), { error: "invalid_grant", error_description: "no refresh-token cookie: sign in again" });
  const injected = await fetch(base + "/token", {
    method: "POST",
    headers: cookieHeaders("__Secure-rotor-refresh=x%26scope%3Dadmin"),
    body: "grant_type=refresh_token&client_id=spa",
  });
  assert.equal((await injected.json()).error_description, "no refresh-token cookie: sign in again");
  const jar = new Jar();
  await signIn(jar);
  const cookie = jar.header("/revoke");
  const revoked = await fetch(base + "/revoke", { method: "POST", headers: cookieHeaders(cookie), body: "token_type_hint=refresh_token&client_id=spa" });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.headers.getSetCookie().every((c) => c.includes("Max-Age=0")), true);
  const dead = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(cookie), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal((await dead.json()).error, "invalid_grant");
});

test("configuration: cookie delivery is for public clients with allowedOrigins and a __Secure- name; client refreshTokenIn likewise", () => {
  const bad = [
    [{ clientId: "a", scope: "x", allowedOrigins: [APP], refreshTokenDelivery: "header" }, /must be "body" or "cookie"/],
    [{ clientId: "a", scope: "x", refreshTokenDelivery: "cookie" }, /needs allowedOrigins/],
    [{ clientId: "a", clientSecret: "s", scope: "x", allowedOrigins: [APP], refreshTokenDelivery: "cookie" }, /public browser clients/],
    [{ clientId: "a", scope: "x", allowedOrigins: [APP], refreshTokenDelivery: "cookie", refreshTokenCookie: "__Host-rt" }, /__Secure-/],
    [{ clientId: "a", scope: "x", allowedOrigins: [APP], refreshTokenCookie: "__Secure-rt" }, /needs refreshTokenDelivery "cookie"/],
  ];
  for (const [client, message] of bad) {
    assert.throws(() => new Issuer({ ...config(), clients: [client] }), (e) => e instanceof RotorError && e.code === "invalid_config" && message.test(e.message));
  }
  const endpoint = "https://id.example.com/token";
  assert.throws(() => createClient({ tokenEndpoint: endpoint, clientId: "a", refreshTokenIn: "jar" }), (e) => e.code === "invalid_config");
  assert.throws(() => createClient({ tokenEndpoint: endpoint, clientId: "a", clientSecret: "s", refreshTokenIn: "cookie" }), (e) => e.code === "invalid_config");
  const client = createClient({ tokenEndpoint: endpoint, revocationEndpoint: "https://id.example.com/revoke", clientId: "spa", refreshTokenIn: "cookie" });
  assert.equal(client.refreshTokenIn, "cookie");
  assert.deepEqual(client.buildRefreshRequest({ scope: "api.read" }), {
    url: endpoint,
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "x-rotor-csrf": "1" },
    body: "grant_type=refresh_token&scope=api.read&client_id=spa",
    credentials: "include",
  });
  assert.throws(() => client.buildRefreshRequest({ refreshToken: "x" }), (e) => e.code === "invalid_argument");
  assert.equal(client.buildRevocationRequest({ tokenTypeHint: "refresh_token" }).body, "token_type_hint=refresh_token&client_id=spa");
  const set = client.parseTokenResponse({ status: 200, headers: {}, body: '{"access_token":"a","token_type":"Bearer","expires_in":60}' }, { now: 0 });
  assert.equal(set.refreshToken, null);
  assert.equal(set.rotated, false);
});

test("TokenManager with refreshTokenIn \"cookie\": renewals over HTTP with credentials, no refresh token in the stored set, concurrent demands redeem once, reuse ends in reauthenticate, clear({ revoke }) expires the cookie", async () => {
  issuer = new Issuer(config({ reuseGraceSeconds: 0 }));
  const jar = new Jar();
  const signin = await signIn(jar);
  const client = { tokenEndpoint: base + "/token", revocationEndpoint: base + "/revoke", clientId: "spa", refreshTokenIn: "cookie" };
  const storage = new MemoryStorage();
  let calls = 0;
  const f = browserFetch(jar);
  const counting = (url, init) => {
    calls++;
    assert.equal(init.credentials, "include");
    return f(url, init);
  };
  const events = [];
  const manager = new TokenManager({ client, storage, fetch: counting, now: () => clock });
  for (const e of ["renewed", "rotated", "reauthenticate"]) manager.addEventListener(e, () => events.push(e));
  const set = createClient(client).parseTokenResponse({ status: 200, headers: signin.headers, body: await signin.text() }, { now: clock });
  await manager.setTokens(set);
  assert.equal((await storage.get()).refreshToken, null);
  let token = await manager.getAccessToken();
  assert.equal(token, set.accessToken);
  for (let i = 0; i < 3; i++) {
    clock += 61_000; // the access token expired: the next demand renews
    const before = jar.header("/token");
    const tokens = await Promise.all([manager.getAccessToken(), manager.getAccessToken(), manager.getAccessToken()]);
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], token);
    token = tokens[0];
    assert.notEqual(jar.header("/token"), before, "the cookie rotated");
    const stored = await storage.get();
    assert.equal(stored.refreshToken, null);
    assert.equal(stored.accessToken, token);
  }
  assert.equal(calls, 3);
  assert.equal(events.filter((e) => e === "renewed").length, 3);
  // Another party redeems the current cookie first: ours is then a retired token (reuse).
  const stolen = jar.header("/token");
  await fetch(base + "/token", { method: "POST", headers: cookieHeaders(stolen), body: "grant_type=refresh_token&client_id=spa" });
  clock += 61_000;
  await assert.rejects(manager.getAccessToken(), (e) => e.code === "invalid_grant" && e.kind === "reauthenticate");
  assert.ok(events.includes("reauthenticate"));
  assert.equal(jar.header("/token"), null, "the issuer expired the cookie");
  assert.equal(await storage.get(), null);
  // Sign in again, then sign out with revocation: the cookie is gone and the family ended.
  const again = await signIn(jar);
  await manager.setTokens(createClient(client).parseTokenResponse({ status: 200, headers: again.headers, body: await again.text() }, { now: clock }));
  const live = jar.header("/revoke");
  await manager.clear({ revoke: true });
  assert.equal(jar.header("/revoke"), null);
  const dead = await fetch(base + "/token", { method: "POST", headers: cookieHeaders(live), body: "grant_type=refresh_token&client_id=spa" });
  assert.equal((await dead.json()).error, "invalid_grant");
  manager.stop();
});
