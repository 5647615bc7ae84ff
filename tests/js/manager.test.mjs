// TokenManager in Node with a fake fetch: single-flight, backoff on 5xx keeping the refresh
// token, invalid_grant -> reauthenticate with tokens cleared, cross-instance adoption.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenManager, MemoryStorage } from "rotor";

const client = { tokenEndpoint: "http://127.0.0.1:9/token", clientId: "spa", authMethod: "none" };

// The real client core (buildRefreshRequest/parseTokenResponse) builds and reads the wire.

/** A token endpoint in a function: rotating refresh tokens, scripted failures. */
function fakeServer({ failures = [] } = {}) {
  const state = { requests: [], current: "rt-0", generation: 0, failures: [...failures] };
  state.fetch = async (url, init) => {
    const params = new URLSearchParams(init.body);
    state.requests.push({ url, init, refreshToken: params.get("refresh_token") });
    await new Promise((r) => setTimeout(r, 5));
    const fail = state.failures.shift();
    if (fail === "network") throw new TypeError("fetch failed");
    if (fail === 503) {
      return new Response(JSON.stringify({ error: "server_error" }), { status: 503, headers: { "content-type": "application/json" } });
    }
    if (fail === "invalid_grant" || params.get("refresh_token") !== state.current) {
      return new Response(JSON.stringify({ error: "invalid_grant" }), { status: 400, headers: { "content-type": "application/json" } });
    }
    state.generation += 1;
    state.current = `rt-${state.generation}`;
    return new Response(
      JSON.stringify({ access_token: `at-${state.generation}`, token_type: "Bearer", expires_in: 300, refresh_token: state.current }),
      { status: 200, headers: { "content-type": "application/json", date: new Date().toUTCString() } },
    );
  };
  return state;
}

const expiredSet = (refreshToken = "rt-0") => ({
  accessToken: "at-0",
  tokenType: "Bearer",
  expiresAt: Date.now() - 1000,
  refreshToken,
  refreshExpiresAt: null,
  scope: null,
  idToken: null,
  rotated: false,
  receivedAt: Date.now() - 301_000,
});

function record(manager) {
  const events = [];
  for (const type of ["renewed", "rotated", "retrying", "reauthenticate", "error", "refresh-expiring"]) {
    manager.addEventListener(type, (e) => events.push({ type, detail: e.detail }));
  }
  return events;
}

test("100 concurrent getAccessToken calls make one request", async () => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  const events = record(m);
  const tokens = await Promise.all(Array.from({ length: 100 }, () => m.getAccessToken()));
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].refreshToken, "rt-0");
  assert.equal(server.requests[0].init.method, "POST");
  assert.equal(server.requests[0].url, "http://127.0.0.1:9/token");
  assert.equal(server.requests[0].init.body, "grant_type=refresh_token&refresh_token=rt-0&client_id=spa");
  assert.equal(server.requests[0].init.headers["content-type"], "application/x-www-form-urlencoded");
  assert.ok(tokens.every((t) => t === "at-1"));
  assert.equal((await storage.get()).refreshToken, "rt-1");
  assert.deepEqual(events.map((e) => e.type), ["renewed", "rotated"]);
  // A fresh token is served without a request.
  assert.equal(await m.getAccessToken(), "at-1");
  assert.equal(server.requests.length, 1);
  assert.equal(m.state, "scheduled");
});

test("a page loaded with an expired access token renews at once on start()", async () => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  const renewed = new Promise((r) => m.addEventListener("renewed", r, { once: true }));
  await m.start();
  await renewed;
  m.stop();
  assert.equal(server.requests.length, 1);
  assert.equal((await storage.get()).accessToken, "at-1");
});

test("5xx and network errors keep the refresh token and retry with backoff", async () => {
  const server = fakeServer({ failures: [503, "network", 503] });
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { baseMs: 20, capMs: 200 } });
  const events = record(m);
  const done = new Promise((r) => m.addEventListener("renewed", r, { once: true }));
  await m.start();
  // While the access token is expired and the refresh is failing, callers get the error.
  await assert.rejects(m.getAccessToken(), (e) => e.code === "server_error" || e instanceof TypeError);
  await done;
  m.stop();
  assert.equal(server.requests.length, 4);
  assert.deepEqual(
    server.requests.map((r) => r.refreshToken),
    ["rt-0", "rt-0", "rt-0", "rt-0"],
  );
  const retrying = events.filter((e) => e.type === "retrying").map((e) => e.detail);
  assert.deepEqual(
    retrying.map((d) => [d.attempt, d.code]),
    [
      [1, "server_error"],
      [2, "network_error"],
      [3, "server_error"],
    ],
  );
  // Backoff grows (jitter shortens by at most half).
  assert.ok(retrying[0].delayMs >= 10 && retrying[0].delayMs <= 20);
  assert.ok(retrying[1].delayMs >= 20 && retrying[1].delayMs <= 40);
  assert.ok(retrying[2].delayMs >= 40 && retrying[2].delayMs <= 80);
  assert.equal(events.filter((e) => e.type === "reauthenticate").length, 0);
  assert.equal(await m.getAccessToken(), "at-1");
  assert.equal((await storage.get()).refreshToken, "rt-1");
});

test("invalid_grant: reauthenticate event, tokens cleared, getAccessToken rejects", async () => {
  const server = fakeServer({ failures: ["invalid_grant"] });
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  const events = record(m);
  await assert.rejects(m.getAccessToken(), (e) => e.code === "invalid_grant" && e.kind === "reauthenticate");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events.map((e) => [e.type, e.detail.code]), [["reauthenticate", "invalid_grant"]]);
  assert.equal(await storage.get(), null);
  assert.equal(m.state, "needs-reauthentication");
  await assert.rejects(m.getAccessToken(), (e) => e.kind === "reauthenticate");
  assert.equal(server.requests.length, 1);
});

test("two managers on one shared storage: the loser adopts the rotated set, one redemption", async () => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  // A shared in-process lock standing in for navigator.locks between the two "tabs".
  let chain = Promise.resolve();
  const locks = {
    request: (_name, fn) => {
      const run = chain.then(fn);
      chain = run.catch(() => {});
      return run;
    },
  };
  const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true });
  try {
    const a = new TokenManager({ client, fetch: server.fetch, storage, name: "shared" });
    const b = new TokenManager({ client, fetch: server.fetch, storage, name: "shared" });
    const [ta, tb] = await Promise.all([a.getAccessToken(), b.getAccessToken()]);
    assert.equal(server.requests.length, 1, "one redemption");
    assert.equal(ta, "at-1");
    assert.equal(tb, "at-1");
  } finally {
    if (hadNavigator) Object.defineProperty(globalThis, "navigator", hadNavigator);
    else delete globalThis.navigator;
  }
});

test("setTokens/clear and argument checks", async () => {
  const server = fakeServer();
  const m = new TokenManager({ client, fetch: server.fetch });
  await assert.rejects(m.getAccessToken(), { code: "no_session" });
  await assert.rejects(m.setTokens({}), { code: "invalid_argument" });
  await m.setTokens({ ...expiredSet(), expiresAt: Date.now() + 300_000, receivedAt: Date.now() });
  assert.equal(await m.getAccessToken(), "at-0");
  assert.equal(m.state, "scheduled");
  await m.clear();
  assert.equal(m.state, "idle");
  await assert.rejects(m.getAccessToken(), { code: "no_session" });
  assert.equal(server.requests.length, 0);
  assert.throws(() => new TokenManager({}), { code: "invalid_config" });
  assert.throws(() => new TokenManager({ client, policy: { baseMs: -1 } }), { code: "invalid_argument" });
});

test("a due token is refreshed lazily even when the timer never fired (throttled or asleep)", async (t) => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  const realNow = Date.now();
  t.mock.timers.enable({ apis: ["Date"], now: realNow });
  const fresh = { ...expiredSet(), expiresAt: realNow + 300_000, receivedAt: realNow };
  await storage.set(fresh);
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  await m.start();
  assert.equal(await m.getAccessToken(), "at-0");
  assert.equal(server.requests.length, 0);
  // The clock jumps 290 s (laptop lid closed): no timer has fired, the token is due.
  t.mock.timers.setTime(realNow + 290_000);
  assert.equal(await m.getAccessToken(), "at-1");
  assert.equal(server.requests.length, 1);
  m.stop();
});

test("timer drift (sleep) is detected by the heartbeat and triggers the refresh", async (t) => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  const realNow = Date.now();
  t.mock.timers.enable({ apis: ["Date"], now: realNow });
  await storage.set({ ...expiredSet(), expiresAt: realNow + 300_000, receivedAt: realNow });
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { heartbeatMs: 30 } });
  const renewed = new Promise((r) => m.addEventListener("renewed", r, { once: true }));
  await m.start();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.requests.length, 0, "no refresh before the jump");
  // Wall clock jumps 2 h while the process was suspended; the long refresh timer has not fired.
  t.mock.timers.setTime(realNow + 7_200_000);
  await renewed;
  m.stop();
  assert.equal(server.requests.length, 1);
});

test("a sign-in during a failing refresh keeps the new token set", async () => {
  const server = fakeServer({ failures: ["invalid_grant"] });
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  const events = record(m);
  const first = m.getAccessToken().catch((e) => e);
  await new Promise((r) => setTimeout(r, 1)); // the refresh is in flight
  const fresh = { ...expiredSet("rt-new"), accessToken: "at-new", expiresAt: Date.now() + 300_000, receivedAt: Date.now() };
  await m.setTokens(fresh);
  await first;
  assert.equal((await storage.get())?.accessToken, "at-new");
  assert.equal(await m.getAccessToken(), "at-new");
  assert.equal(m.state, "scheduled");
  assert.deepEqual(events.filter((e) => e.type === "reauthenticate"), []);
});

test("with Web Locks, a sign-in during a failing redemption waits for it and is kept", async () => {
  const server = fakeServer({ failures: ["invalid_grant"] });
  const storage = new MemoryStorage();
  await storage.set(expiredSet());
  let chain = Promise.resolve();
  const order = [];
  const locks = {
    request: (_name, fn) => {
      const run = chain.then(async () => {
        order.push("lock");
        try {
          return await fn();
        } finally {
          order.push("unlock");
        }
      });
      chain = run.catch(() => {});
      return run;
    },
  };
  const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true });
  try {
    const m = new TokenManager({ client, fetch: server.fetch, storage });
    const events = record(m);
    const first = m.getAccessToken().catch((e) => e);
    await new Promise((r) => setTimeout(r, 1));
    const fresh = { ...expiredSet("rt-new"), accessToken: "at-new", expiresAt: Date.now() + 300_000, receivedAt: Date.now() };
    await m.setTokens(fresh);
    await first;
    assert.deepEqual(order, ["lock", "unlock", "lock", "unlock"]);
    assert.equal((await storage.get())?.refreshToken, "rt-new");
    assert.equal(await m.getAccessToken(), "at-new");
    assert.equal(m.state, "scheduled");
    assert.deepEqual(events.map((e) => e.type), []);
  } finally {
    if (hadNavigator) Object.defineProperty(globalThis, "navigator", hadNavigator);
    else delete globalThis.navigator;
  }
});

test("a refresh token expiring before the access token's renewal is announced (refresh-expiring)", async () => {
  const server = fakeServer();
  const storage = new MemoryStorage();
  const now = Date.now();
  await storage.set({ ...expiredSet(), expiresAt: now + 300_000, receivedAt: now, refreshExpiresAt: now + 60_000 });
  const m = new TokenManager({ client, fetch: server.fetch, storage });
  const events = record(m);
  await m.start();
  m.stop();
  assert.deepEqual(events, [{ type: "refresh-expiring", detail: { refreshExpiresAt: now + 60_000 } }]);
  assert.equal(server.requests.length, 0);
});
