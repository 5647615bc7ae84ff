// rotor/sw in Node with a fake ServiceWorkerGlobalScope: header only on the API prefixes,
// one renewal + retry after 401 invalid_token, same-origin messages only, no token to pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "rotor";
import { installSilentRenewal } from "rotor/sw";

const ORIGIN = "https://app.example";
const client = { tokenEndpoint: "https://auth.example/token", clientId: "spa", authMethod: "none" };

function fakeScope() {
  const listeners = {};
  const posted = [];
  const network = [];
  const redirects = [];
  let generation = 0;
  let validAccess = "at-0";
  // The clients this worker sees: a controlled tab of its origin, and a dedicated worker.
  const tab = { id: "tab-1", type: "window", url: `${ORIGIN}/app`, frameType: "top-level", postMessage: (m) => posted.push(m) };
  const clientList = [tab, { id: "worker-1", type: "worker", url: `${ORIGIN}/worker.js`, postMessage: () => {} }];
  const scope = {
    location: { href: `${ORIGIN}/sw.js`, origin: ORIGIN },
    clients: {
      claim: async () => {},
      matchAll: async (options) => clientList.filter((c) => !options?.type || c.type === options.type),
      get: async (id) => clientList.find((c) => c.id === id),
    },
    skipWaiting: async () => {},
    addEventListener: (type, fn) => {
      listeners[type] = fn;
    },
    async fetch(input, init) {
      const req = new Request(input, init);
      network.push({ url: req.url, authorization: req.headers.get("authorization") });
      redirects.push(req.redirect);
      if (req.url === `${ORIGIN}/api/moved`) {
        return new Response(null, { status: 302, headers: { location: `${ORIGIN}/elsewhere` } });
      }
      if (req.url.split("?")[0] === `${ORIGIN}/signin`) {
        const body = await req.text();
        if (body === "bad") return Response.json({ error: "access_denied" }, { status: 401 });
        if (body === "odd") return Response.json({ session: "rt-odd-shape" });
        validAccess = "at-signin";
        return Response.json({ access_token: "at-signin", token_type: "Bearer", expires_in: 300, refresh_token: "rt-signin", scope: "api" });
      }
      if (req.url === client.tokenEndpoint) {
        generation += 1;
        validAccess = `at-${generation}`;
        return Response.json({ access_token: validAccess, token_type: "Bearer", expires_in: 300, refresh_token: `rt-${generation}` });
      }
      if (req.url.startsWith(`${ORIGIN}/api/`) && req.headers.get("authorization") !== `Bearer ${validAccess}`) {
        return new Response("{}", { status: 401, headers: { "www-authenticate": 'Bearer realm="api", error="invalid_token"' } });
      }
      return new Response("ok");
    },
  };
  // `event`: what the browser adds to the fetch event: the clientId (default: the tab's), and
  // the request's mode and referrer (which `new Request` cannot set to "navigate").
  const dispatchFetch = async (url, init, event = {}) => {
    let responded = null;
    const request = new Request(url, init);
    if (event.mode) Object.defineProperty(request, "mode", { value: event.mode });
    if (event.referrer !== undefined) Object.defineProperty(request, "referrer", { value: event.referrer });
    const clientId = "clientId" in event ? event.clientId : tab.id;
    listeners.fetch({ request, clientId, respondWith: (p) => (responded = p) });
    return responded ? await responded : null; // null: the browser handles it (no SW involvement)
  };
  // `source`: the sender as the worker sees it (default: the controlled tab).
  const dispatchMessage = async (data, origin = ORIGIN, source = tab) => {
    const replies = [];
    let done;
    listeners.message({
      data,
      origin,
      source,
      ports: [{ postMessage: (m) => replies.push(m) }],
      waitUntil: (p) => (done = p),
    });
    await done;
    return replies;
  };
  return {
    scope,
    posted,
    network,
    redirects,
    dispatchFetch,
    dispatchMessage,
    invalidate: () => {
      validAccess = "none";
    },
  };
}

const tokenSet = () => ({
  accessToken: "at-0",
  tokenType: "Bearer",
  expiresAt: Date.now() + 300_000,
  refreshToken: "rt-0",
  refreshExpiresAt: null,
  scope: "api",
  idToken: null,
  rotated: false,
  receivedAt: Date.now(),
});

test("rotor/sw: Authorization only on API prefixes; 401 invalid_token renews once and retries", async () => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: ["/api/"], storage });
  const [reply] = await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() });
  assert.deepEqual(Object.keys(reply).sort(), ["active", "expiresAt", "refreshExpiresAt", "state", "type"]);
  assert.equal(reply.active, true);

  assert.equal((await f.dispatchFetch(`${ORIGIN}/api/items`)).status, 200);
  assert.equal(await f.dispatchFetch(`${ORIGIN}/apiary/items`), null);
  assert.equal(await f.dispatchFetch(`https://other.example/api/items`), null);
  assert.deepEqual(f.network, [{ url: `${ORIGIN}/api/items`, authorization: "Bearer at-0" }]);

  // The API refuses the token: one renewal, one retry with the new token.
  f.invalidate();
  f.network.length = 0;
  const res = await f.dispatchFetch(`${ORIGIN}/api/items`, { method: "POST", body: "payload" });
  assert.equal(res.status, 200);
  assert.deepEqual(
    f.network.map((n) => [n.url, n.authorization]),
    [
      [`${ORIGIN}/api/items`, "Bearer at-0"],
      [client.tokenEndpoint, null],
      [`${ORIGIN}/api/items`, "Bearer at-1"],
    ],
  );
  assert.equal((await storage.get()).refreshToken, "rt-1");
  // Pages heard about it, without any token.
  assert.ok(f.posted.some((m) => m.type === "rotor:renewed"));
  assert.doesNotMatch(JSON.stringify(f.posted), /rt-|at-/);
  await sw.stop();
});

test("rotor/sw: messages from another origin are ignored; bad options are invalid_config", async () => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: [`${ORIGIN}/api/`], storage });
  assert.deepEqual(await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() }, "https://evil.example"), []);
  assert.equal(await storage.get(), null);
  const [status] = await f.dispatchMessage({ type: "rotor:status" });
  assert.equal(status.active, false);
  // Without a session the API request goes out without a header.
  assert.equal((await f.dispatchFetch(`${ORIGIN}/api/x`)).status, 401);
  assert.equal(f.network.at(-1).authorization, null);
  await sw.stop();

  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: [] }), { code: "invalid_config" });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["http://api.example/"] }), {
    code: "invalid_config",
  });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { apiPrefixes: ["/api/"] }), { code: "invalid_config" });
});

test("rotor/sw sessionUrls: the worker keeps the sign-in token set; the page gets no token", async (t) => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], storage });
  t.after(() => sw.stop());
  const before = Date.now();
  const res = await f.dispatchFetch(`${ORIGIN}/signin?next=/home`, { method: "POST", body: "alice" });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("cache-control"), "no-store");
  const text = await res.text();
  assert.doesNotMatch(text, /rt-signin|at-signin/);
  const session = JSON.parse(text);
  assert.deepEqual(Object.keys(session).sort(), ["expiresAt", "receivedAt", "refreshExpiresAt", "scope", "tokenType", "type"]);
  assert.equal(session.type, "rotor:session");
  assert.equal(session.tokenType, "Bearer");
  assert.equal(session.scope, "api");
  assert.equal(session.expiresAt, session.receivedAt + 300_000);
  assert.ok(session.receivedAt >= before);
  // The worker holds the set and uses it on the API prefix.
  assert.equal((await storage.get()).refreshToken, "rt-signin");
  f.network.length = 0;
  await f.dispatchFetch(`${ORIGIN}/api/items`);
  assert.deepEqual(f.network[0], { url: `${ORIGIN}/api/items`, authorization: "Bearer at-signin" });
  // A GET to the sign-in URL is not captured; an error answer passes through unchanged.
  assert.equal(await f.dispatchFetch(`${ORIGIN}/signin`), null);
  const denied = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "bad" });
  assert.equal(denied.status, 401);
  assert.deepEqual(await denied.json(), { error: "access_denied" });
  // A 2xx that is not a token response: 502, body dropped (it might hold a token), set kept.
  const kept = (await storage.get()).refreshToken;
  const odd = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "odd" });
  assert.equal(odd.status, 502);
  const oddBody = await odd.text();
  assert.doesNotMatch(oddBody, /rt-odd-shape/);
  assert.equal(JSON.parse(oddBody).error, "invalid_response");
  assert.equal((await storage.get()).refreshToken, kept);
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/"], sessionUrls: "/signin" }), {
    code: "invalid_config",
  });
  await sw.stop();
});

test("rotor/sw sessionUrls: only a same-origin page's fetch is captured, never a cross-site form post (login CSRF)", async (t) => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], storage });
  t.after(() => sw.stop());
  const victim = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "victim" }, { referrer: `${ORIGIN}/app` });
  assert.equal(victim.status, 200);
  assert.equal((await storage.get()).refreshToken, "rt-signin");
  await storage.set({ ...(await storage.get()), refreshToken: "rt-victim" });
  f.network.length = 0;

  const refused = [
    // A cross-site page auto-submitting a form to /signin: a navigation with no client.
    ["cross-site form post", { mode: "navigate", clientId: "", referrer: "https://evil.example/" }],
    ["same-origin form post (any navigation)", { mode: "navigate", clientId: "", referrer: `${ORIGIN}/app` }],
    ["no client", { clientId: "" }],
    ["an unknown client", { clientId: "gone" }],
    ["a dedicated worker, not a window", { clientId: "worker-1" }],
    ["a cross-origin referrer", { referrer: "https://evil.example/page" }],
  ];
  for (const [what, event] of refused) {
    const res = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "attacker" }, event);
    assert.equal(res?.status, 403, what);
    assert.equal(res.headers.get("cache-control"), "no-store", what);
    assert.deepEqual(await res.json(), { error: "access_denied", error_description: "sign-in is only accepted from a page of this origin" }, what);
  }
  const withOrigin = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "attacker", headers: { origin: "https://evil.example" } });
  assert.equal(withOrigin.status, 403, "a cross-origin Origin header");
  // None of them reached the network, and the victim's session is untouched.
  assert.deepEqual(f.network, []);
  assert.equal((await storage.get()).refreshToken, "rt-victim");

  // A same-origin Origin header is fine.
  const ok = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "again", headers: { origin: ORIGIN } });
  assert.equal(ok.status, 200);
  // A session URL of another origin is a configuration error.
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["https://evil.example/signin"] }), {
    code: "invalid_config",
    message: /own origin/,
  });
});

test("rotor/sw apiPrefixes: a '/' boundary, same-origin unless allowed, tokens never follow a redirect", async (t) => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  // No trailing slash: normalised to "/api/", which "/apiary" and "/api-admin" are not under.
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: [`${ORIGIN}/api`], storage });
  t.after(() => sw.stop());
  await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() });
  assert.equal(await f.dispatchFetch(`${ORIGIN}/apiary/items`), null);
  assert.equal(await f.dispatchFetch(`${ORIGIN}/api-admin`), null);
  assert.equal(await f.dispatchFetch(`${ORIGIN}/api`), null);
  assert.deepEqual(f.network, []);
  assert.equal((await f.dispatchFetch(`${ORIGIN}/api/items`)).status, 200);
  assert.deepEqual(f.network, [{ url: `${ORIGIN}/api/items`, authorization: "Bearer at-0" }]);
  // Every request that carries the token is sent with redirect: "manual".
  assert.deepEqual(f.redirects, ["manual"]);
  const moved = await f.dispatchFetch(`${ORIGIN}/api/moved`);
  assert.equal(moved.status, 302, "the redirect is handed back, not followed with the token");
  assert.deepEqual(f.network.map((n) => n.url), [`${ORIGIN}/api/items`, `${ORIGIN}/api/moved`]);
  assert.deepEqual(f.redirects, ["manual", "manual"]);

  // A cross-origin prefix is refused unless explicitly allowed.
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["https://api.other.example/v1/"], storage }), {
    code: "invalid_config",
    message: /allowCrossOriginApi/,
  });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/?x=1"], storage }), { code: "invalid_config" });
  const g = fakeScope();
  const other = installSilentRenewal(g.scope, {
    client,
    apiPrefixes: ["https://api.other.example/v1"],
    allowCrossOriginApi: true,
    storage: new MemoryStorage(),
  });
  t.after(() => other.stop());
  await g.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() });
  await g.dispatchFetch("https://api.other.example/v1/items");
  assert.equal(await g.dispatchFetch("https://api.other.example/v10/items"), null);
  assert.equal(await g.dispatchFetch(`${ORIGIN}/api/items`), null);
  assert.deepEqual(g.network, [{ url: "https://api.other.example/v1/items", authorization: "Bearer at-0" }]);
});

test("rotor/sw messages: only from a window client of this origin (not a worker, not without a source)", async (t) => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: ["/api/"], storage });
  t.after(() => sw.stop());
  const senders = [
    ["no source", null],
    ["a dedicated worker of this origin", { id: "worker-1", type: "worker", url: `${ORIGIN}/worker.js`, postMessage: () => {} }],
    ["a window of another origin", { id: "x", type: "window", url: "https://evil.example/", postMessage: () => {} }],
  ];
  for (const [what, source] of senders) {
    assert.deepEqual(await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() }, ORIGIN, source), [], what);
    assert.equal(await storage.get(), null, what);
  }
  const [reply] = await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() });
  assert.equal(reply.active, true, "the controlled tab may");
});

test("rotor/sw persist: false: tokens in the worker's memory only; a stopped worker loses the session and pages are told", async (t) => {
  // The worker as the browser first starts it: a sign-in through sessionUrls.
  const first = fakeScope();
  const sw1 = installSilentRenewal(first.scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], persist: false });
  t.after(() => sw1.stop());
  assert.equal((await first.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "alice" })).status, 200);
  await first.dispatchFetch(`${ORIGIN}/api/items`);
  assert.equal(first.network.at(-1).authorization, "Bearer at-signin");
  const [running] = await first.dispatchMessage({ type: "rotor:status" });
  assert.equal(running.active, true);
  await sw1.stop();

  // The browser stops the idle worker and starts it again for the next event: the script
  // runs anew on a fresh global, and nothing of the session was stored anywhere.
  const restarted = fakeScope();
  const sw2 = installSilentRenewal(restarted.scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], persist: false });
  t.after(() => sw2.stop());
  const [status] = await restarted.dispatchMessage({ type: "rotor:status" });
  assert.equal(status.active, false, "no session after the restart");
  assert.equal(status.expiresAt, null);
  const res = await restarted.dispatchFetch(`${ORIGIN}/api/items`);
  assert.equal(res.status, 401, "the API request went out without a token");
  assert.equal(restarted.network.at(-1).authorization, null);
  assert.deepEqual(restarted.posted, [{ type: "rotor:reauthenticate", code: "no_session" }], "pages are told to sign in again");
  await restarted.dispatchFetch(`${ORIGIN}/api/items`);
  assert.equal(restarted.posted.length, 1, "told once, not on every request");
  // Signing in again works, and a later loss is announced again.
  assert.equal((await restarted.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "alice" })).status, 200);
  assert.equal((await restarted.dispatchFetch(`${ORIGIN}/api/items`)).status, 200);

  // With storage that outlives the worker (IndexedDB, the default) the session survives.
  const idb = new MemoryStorage(); // a stand-in for the origin's IndexedDB
  const a = fakeScope();
  const swA = installSilentRenewal(a.scope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], storage: idb });
  await a.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "alice" });
  await swA.stop();
  const b = fakeScope();
  const swB = installSilentRenewal(b.scope, { client, apiPrefixes: ["/api/"], storage: idb });
  t.after(() => swB.stop());
  await b.dispatchFetch(`${ORIGIN}/api/items`);
  assert.deepEqual(b.network[0], { url: `${ORIGIN}/api/items`, authorization: "Bearer at-signin" });
  assert.ok(!b.posted.some((m) => m.type === "rotor:reauthenticate"));

  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/"], persist: false, storage: idb }), {
    code: "invalid_config",
  });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/"], persist: "no" }), { code: "invalid_config" });
});

test("rotor/sw now/random/timers: sign-in receipt, renewal instant and jitter come from the injected clock", async (t) => {
  const T0 = 1_700_000_000_000;
  let now = T0;
  const timers = new Map();
  let seq = 0;
  const fake = {
    now: () => now,
    random: () => 0.5,
    timers: {
      setTimeout: (fn, ms) => (timers.set(++seq, { at: now + ms, fn }), seq),
      clearTimeout: (id) => timers.delete(id),
    },
  };
  const settle = async () => {
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  };
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, {
    client,
    apiPrefixes: ["/api/"],
    sessionUrls: ["/signin"],
    storage,
    policy: { heartbeatMs: 3_600_000 },
    ...fake,
  });
  t.after(() => sw.stop());
  const session = await (await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "alice" })).json();
  assert.equal(session.receivedAt, T0);
  assert.equal(session.expiresAt, T0 + 300_000);
  await settle();
  // Lead 75 s for 300 s, jitter 0.5 moves it 18.75 s earlier: the one renewal timer.
  const renewAt = T0 + 206_250;
  assert.deepEqual([...timers.values()].map((x) => x.at).sort(), [renewAt, T0 + 3_600_000]);
  const [id, timer] = [...timers].find(([, x]) => x.at === renewAt);
  timers.delete(id);
  now = renewAt;
  timer.fn();
  await settle();
  assert.equal(f.network.at(-1).url, client.tokenEndpoint);
  assert.equal((await storage.get()).receivedAt, renewAt);
  assert.ok(f.posted.some((m) => m.type === "rotor:renewed" && m.expiresAt === renewAt + 300_000));
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["/api/"], now: 1 }), { code: "invalid_config" });
});

test("rotor/sw with refreshTokenIn \"cookie\" against rotor's issuer (cookie delivery): sign-in, renewal after a 401, status, revoke-and-clear — no refresh token in the worker's storage", async (t) => {
  const { Issuer } = await import("rotor/issuer");
  const issuer = new Issuer({
    issuer: ORIGIN,
    audience: `${ORIGIN}/api`,
    keys: [{ kid: "k", key: new Uint8Array(32).fill(4) }],
    clients: [{ clientId: "spa", scope: "api", allowedOrigins: [ORIGIN], refreshTokenDelivery: "cookie" }],
  });
  const f = fakeScope();
  const jar = new Map(); // path -> token: what the browser keeps for this origin
  let validAccess = null;
  const seen = [];
  f.scope.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path === "/api/items") {
      return req.headers.get("authorization") === `Bearer ${validAccess}`
        ? new Response("ok")
        : new Response("{}", { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    }
    // The browser adds Origin to a same-origin POST, and the cookie when credentials allow.
    const headers = new Headers(req.headers);
    headers.set("origin", ORIGIN);
    if (req.credentials === "include" && jar.has(path)) headers.set("cookie", `__Secure-rotor-refresh=${jar.get(path)}`);
    seen.push({ path, body: req.method === "POST" ? await req.clone().text() : "", credentials: req.credentials });
    const res = path === "/signin" ? await issuer.sessionResponse({ clientId: "spa", subject: "alice" }) : await issuer.handle(new Request(req.url, { method: req.method, headers, body: req.body, duplex: "half" }));
    for (const line of res.headers.getSetCookie()) {
      const [, value, cookiePath, maxAge] = line.match(/^__Secure-rotor-refresh=([^;]*); Path=(\S+); Max-Age=(\d+);/);
      if (maxAge === "0") jar.delete(cookiePath);
      else jar.set(cookiePath, value);
    }
    const text = await res.text();
    if (res.status === 200 && text) validAccess = JSON.parse(text).access_token;
    return new Response(text || null, { status: res.status, headers: res.headers });
  };
  const storage = new MemoryStorage();
  const cookieClient = { tokenEndpoint: `${ORIGIN}/token`, revocationEndpoint: `${ORIGIN}/revoke`, clientId: "spa", refreshTokenIn: "cookie" };
  const sw = installSilentRenewal(f.scope, { client: cookieClient, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], storage });
  t.after(() => sw.stop());
  const signin = await f.dispatchFetch(`${ORIGIN}/signin`, { method: "POST", body: "alice" });
  assert.equal(signin.status, 200);
  assert.equal((await signin.json()).type, "rotor:session");
  const first = jar.get("/token");
  assert.match(first, /^[A-Za-z0-9_-]{86}$/);
  assert.equal((await storage.get()).refreshToken, null);
  const [status] = await f.dispatchMessage({ type: "rotor:status" });
  assert.equal(status.active, true);
  // The API refuses the token: the worker renews once with the cookie and retries.
  validAccess = "revoked-elsewhere";
  const res = await f.dispatchFetch(`${ORIGIN}/api/items`);
  assert.equal(res.status, 200);
  const refresh = seen.find((s) => s.path === "/token");
  assert.deepEqual(refresh, { path: "/token", body: "grant_type=refresh_token&client_id=spa", credentials: "include" });
  assert.notEqual(jar.get("/token"), first, "the cookie rotated");
  assert.equal((await storage.get()).refreshToken, null);
  assert.ok(f.posted.some((m) => m.type === "rotor:renewed"));
  assert.ok(f.posted.every((m) => !JSON.stringify(m).includes(jar.get("/token"))));
  // Sign-out with revocation: the cookie is sent to /revoke, whose answer expires it.
  const [after] = await f.dispatchMessage({ type: "rotor:clear", revoke: true });
  assert.equal(after.active, false);
  assert.deepEqual(seen.at(-1), { path: "/revoke", body: "token_type_hint=refresh_token&client_id=spa", credentials: "include" });
  assert.equal(jar.size, 0);
  await sw.stop();
});
