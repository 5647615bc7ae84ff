// TokenManager in Node with a fake token endpoint on a fake clock (injected now/random/timers):
// single-flight, backoff on 5xx keeping the refresh token, invalid_grant -> reauthenticate with
// tokens cleared, cross-instance adoption, call order, rejected tokens, demands during backoff.
// No test sleeps: time only moves when a test advances the fake clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenManager, MemoryStorage } from "rotor";

const client = { tokenEndpoint: "http://127.0.0.1:9/token", clientId: "spa", authMethod: "none" };

// The real client core (buildRefreshRequest/parseTokenResponse) builds and reads the wire.

const T0 = 1_700_000_000_000;

/** Lets promise chains run (no timers, no time). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/**
 * A fake clock: `now()`, `random()` and a `setTimeout`/`clearTimeout` pair for TokenManager;
 * `advance(ms)` runs the timers due in order, letting promises settle after each.
 */
function fakeClock({ start = T0, random = () => 0 } = {}) {
  let now = start;
  let seq = 0;
  const timers = new Map();
  const clock = {
    now: () => now,
    timers: {
      setTimeout: (fn, ms) => {
        seq += 1;
        timers.set(seq, { at: now + Math.max(0, ms), fn });
        return seq;
      },
      clearTimeout: (id) => timers.delete(id),
    },
    /** Instants (relative to `start`) of the timers armed, in order. */
    pending: () => [...timers.values()].map((t) => t.at - start).sort((a, b) => a - b),
    /** The wall clock jumps `ms` while timers (monotonic, suspended) fall behind by as much. */
    jump(ms) {
      now += ms;
      for (const t of timers.values()) t.at += ms;
    },
    async advance(ms) {
      const to = now + ms;
      for (;;) {
        await settle();
        const due = [...timers].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
        if (due.length === 0) break;
        const [id, t] = due[0];
        timers.delete(id);
        now = t.at;
        t.fn();
      }
      now = to;
      await settle();
    },
  };
  clock.options = { now: clock.now, random, timers: clock.timers };
  return clock;
}

/** A token endpoint in a function on a fake clock: rotating refresh tokens, scripted failures,
 * `latency` ms per request (a fake timer), a minimal Response. */
function clockedServer(clock, { failures = [], latency = 0, lifetime = 300, retryAfter } = {}) {
  const state = { requests: [], current: "rt-0", generation: 0, failures: [...failures] };
  const answer = (status, json, headers = {}) => ({
    status,
    headers: new Headers({ "content-type": "application/json", ...headers }),
    arrayBuffer: async () => new TextEncoder().encode(JSON.stringify(json)).buffer,
  });
  state.fetch = async (url, init) => {
    const params = new URLSearchParams(init.body);
    state.requests.push({ url, init, at: clock.now(), refreshToken: params.get("refresh_token") });
    if (latency > 0) await new Promise((r) => clock.timers.setTimeout(r, latency));
    const fail = state.failures.shift();
    if (fail === "network") throw new TypeError("fetch failed");
    if (fail === 503) return answer(503, { error: "server_error" }, retryAfter ? { "retry-after": String(retryAfter) } : {});
    if (fail === "invalid_grant" || params.get("refresh_token") !== state.current) return answer(400, { error: "invalid_grant" });
    state.generation += 1;
    state.current = `rt-${state.generation}`;
    return answer(200, { access_token: `at-${state.generation}`, token_type: "Bearer", expires_in: lifetime, refresh_token: state.current });
  };
  return state;
}

/** A set whose access token expired a second ago (received 301 s ago), refresh token live. */
const expiredSetAt = (now, refreshToken = "rt-0") => ({
  accessToken: "at-0",
  tokenType: "Bearer",
  expiresAt: now - 1000,
  refreshToken,
  refreshExpiresAt: null,
  scope: null,
  idToken: null,
  rotated: false,
  receivedAt: now - 301_000,
});
/** A set received at `now`: `at-<name>` / `rt-<name>`, `lifetime` seconds. */
const freshSetAt = (now, name = "0", lifetime = 300) => ({
  ...expiredSetAt(now, `rt-${name}`),
  accessToken: `at-${name}`,
  expiresAt: now + lifetime * 1000,
  receivedAt: now,
});

function record(manager) {
  const events = [];
  for (const type of ["renewed", "rotated", "retrying", "reauthenticate", "error", "refresh-expiring"]) {
    manager.addEventListener(type, (e) => events.push({ type, detail: e.detail }));
  }
  return events;
}

test("100 concurrent getAccessToken calls make one request", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { latency: 5 });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const events = record(m);
  const all = Promise.all(Array.from({ length: 100 }, () => m.getAccessToken()));
  await clock.advance(5);
  const tokens = await all;
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
  const clock = fakeClock();
  const server = clockedServer(clock);
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  await m.start();
  await clock.advance(0);
  m.stop();
  assert.deepEqual(server.requests.map((r) => r.at - T0), [0]);
  assert.equal((await storage.get()).accessToken, "at-1");
});

test("5xx and network errors keep the refresh token and retry with backoff (fake clock, exact delays)", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: [503, "network", 503] });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { baseMs: 20, capMs: 200 }, ...clock.options });
  const events = record(m);
  await m.start();
  // The access token is expired and the refresh failing, but each retry is due within
  // maxDemandWaitMs: the demand waits for them instead of rejecting with a stale error.
  const token = m.getAccessToken();
  await clock.advance(200);
  assert.equal(await token, "at-1");
  m.stop();
  assert.deepEqual(
    server.requests.map((r) => [r.at - T0, r.refreshToken]),
    [
      [0, "rt-0"],
      [20, "rt-0"],
      [60, "rt-0"],
      [140, "rt-0"],
    ],
  );
  assert.deepEqual(
    events.filter((e) => e.type === "retrying").map((e) => e.detail),
    [
      { attempt: 1, delayMs: 20, retryAt: T0 + 20, code: "server_error" },
      { attempt: 2, delayMs: 40, retryAt: T0 + 60, code: "network_error" },
      { attempt: 3, delayMs: 80, retryAt: T0 + 140, code: "server_error" },
    ],
  );
  assert.equal(events.filter((e) => e.type === "reauthenticate").length, 0);
  assert.equal(await m.getAccessToken(), "at-1");
  assert.equal((await storage.get()).refreshToken, "rt-1");
});

test("invalid_grant: reauthenticate event, tokens cleared, getAccessToken rejects", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: ["invalid_grant"] });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const events = record(m);
  await assert.rejects(m.getAccessToken(), (e) => e.code === "invalid_grant" && e.kind === "reauthenticate");
  await clock.advance(0);
  assert.deepEqual(events.map((e) => [e.type, e.detail.code]), [["reauthenticate", "invalid_grant"]]);
  assert.equal(await storage.get(), null);
  assert.equal(m.state, "needs-reauthentication");
  await assert.rejects(m.getAccessToken(), (e) => e.kind === "reauthenticate");
  assert.equal(server.requests.length, 1);
});

/** An in-process lock standing in for navigator.locks between "tabs"; `order` logs it. */
function installLocks(order = []) {
  let chain = Promise.resolve();
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
  const had = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true });
  return () => {
    if (had) Object.defineProperty(globalThis, "navigator", had);
    else delete globalThis.navigator;
  };
}

test("two managers on one shared storage: the loser adopts the rotated set, one redemption", async (t) => {
  const clock = fakeClock();
  const server = clockedServer(clock, { latency: 5 });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  t.after(installLocks());
  const a = new TokenManager({ client, fetch: server.fetch, storage, name: "shared", ...clock.options });
  const b = new TokenManager({ client, fetch: server.fetch, storage, name: "shared", ...clock.options });
  const events = record(b);
  const both = Promise.all([a.getAccessToken(), b.getAccessToken()]);
  await clock.advance(5);
  assert.deepEqual(await both, ["at-1", "at-1"]);
  assert.equal(server.requests.length, 1, "one redemption");
  // The loser adopted the winner's set (the machine's tokens-seen) as its renewal.
  assert.deepEqual(events, [{ type: "renewed", detail: { expiresAt: T0 + 5 + 300_000 } }]);
  assert.equal(b.state, "scheduled");
});

test("setTokens/clear and argument checks", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock);
  const m = new TokenManager({ client, fetch: server.fetch, ...clock.options });
  await assert.rejects(m.getAccessToken(), { code: "no_session" });
  await assert.rejects(m.setTokens({}), { code: "invalid_argument" });
  await m.setTokens(freshSetAt(clock.now()));
  assert.equal(await m.getAccessToken(), "at-0");
  assert.equal(m.state, "scheduled");
  await m.clear();
  assert.equal(m.state, "idle");
  await assert.rejects(m.getAccessToken(), { code: "no_session" });
  assert.equal(server.requests.length, 0);
  assert.throws(() => new TokenManager({}), { code: "invalid_config" });
  assert.throws(() => new TokenManager({ client, policy: { baseMs: -1 } }), { code: "invalid_argument" });
  assert.throws(() => new TokenManager({ client, policy: { maxDemandWaitMs: -1 } }), { code: "invalid_argument" });
});

test("a due token is refreshed lazily even when the timer never fired (throttled or asleep)", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock);
  const storage = new MemoryStorage();
  await storage.set(freshSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  await m.start();
  assert.equal(await m.getAccessToken(), "at-0");
  assert.equal(server.requests.length, 0);
  // The clock jumps 290 s (laptop lid closed): no timer has fired, the token is due.
  clock.jump(290_000);
  assert.equal(await m.getAccessToken(), "at-1");
  assert.deepEqual(server.requests.map((r) => r.at - T0), [290_000]);
  m.stop();
});

test("a sign-in during a failing refresh keeps the new token set", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: ["invalid_grant"], latency: 10 });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const events = record(m);
  const first = m.getAccessToken().catch((e) => e);
  await clock.advance(1); // the refresh is in flight
  const signedIn = m.setTokens(freshSetAt(clock.now(), "new"));
  await clock.advance(10);
  await signedIn;
  await first;
  assert.equal((await storage.get())?.accessToken, "at-new");
  assert.equal(await m.getAccessToken(), "at-new");
  assert.equal(m.state, "scheduled");
  assert.deepEqual(events.filter((e) => e.type === "reauthenticate"), []);
});

test("with Web Locks, a sign-in during a failing redemption waits for it and is kept", async (t) => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: ["invalid_grant"], latency: 10 });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const order = [];
  t.after(installLocks(order));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const events = record(m);
  const first = m.getAccessToken().catch((e) => e);
  await clock.advance(1);
  const signedIn = m.setTokens(freshSetAt(clock.now(), "new"));
  await clock.advance(10);
  await signedIn;
  await first;
  assert.deepEqual(order, ["lock", "unlock", "lock", "unlock"]);
  assert.equal((await storage.get())?.refreshToken, "rt-new");
  assert.equal(await m.getAccessToken(), "at-new");
  assert.equal(m.state, "scheduled");
  assert.deepEqual(events.map((e) => e.type), []);
});

test("a refresh token expiring before the access token's renewal is announced (refresh-expiring)", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock);
  const storage = new MemoryStorage();
  await storage.set({ ...freshSetAt(clock.now()), refreshExpiresAt: T0 + 60_000 });
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const events = record(m);
  await m.start();
  m.stop();
  assert.deepEqual(events, [{ type: "refresh-expiring", detail: { refreshExpiresAt: T0 + 60_000 } }]);
  assert.equal(server.requests.length, 0);
});

test("a sign-out while a refresh is in flight is not undone by its answer", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { latency: 10 });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const first = m.getAccessToken().catch((e) => e);
  await clock.advance(1);
  const cleared = m.clear();
  await clock.advance(10);
  await cleared;
  assert.equal((await first).code, "no_session");
  assert.equal(await storage.get(), null);
  assert.equal(m.state, "idle");
  await assert.rejects(m.getAccessToken(), { code: "no_session" });
});

test("calls take effect in call order: getAccessToken after an un-awaited setTokens or clear answers from it", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock);
  // A storage whose writes take 50 ms of (fake) time, like IndexedDB under load.
  const inner = new MemoryStorage();
  const storage = {
    get: () => inner.get(),
    set: (t) => new Promise((r) => clock.timers.setTimeout(r, 50)).then(() => inner.set(t)),
    delete: () => new Promise((r) => clock.timers.setTimeout(r, 50)).then(() => inner.delete()),
  };
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const results = [];
  const note = (p) => p.then((t) => t, (e) => e.code);
  m.setTokens(freshSetAt(clock.now(), "a"));
  results.push(note(m.getAccessToken()));
  m.setTokens(freshSetAt(clock.now(), "b"));
  results.push(note(m.getAccessToken()));
  m.clear();
  results.push(note(m.getAccessToken()));
  m.setTokens(freshSetAt(clock.now(), "c"));
  results.push(note(m.getAccessToken()));
  await clock.advance(200);
  assert.deepEqual(await Promise.all(results), ["at-a", "at-b", "no_session", "at-c"]);
  assert.equal((await inner.get()).accessToken, "at-c");
  assert.deepEqual(server.requests, []);
  // The first demand after a setTokens on a fresh manager is not "expired" (the case).
  const n = new TokenManager({ client, fetch: server.fetch, storage: new MemoryStorage(), ...clock.options });
  n.setTokens(freshSetAt(clock.now(), "d"));
  assert.equal(await n.getAccessToken(), "at-d");
});

test("rejectedToken is never handed back: it renews, waits for a near retry, or rejects with kind retry and retryAt", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: [503], retryAfter: 30 });
  const storage = new MemoryStorage();
  await storage.set(freshSetAt(clock.now(), "0"));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  // The API refused at-0; the refresh answers 503 with Retry-After: 30 (beyond the 5 s bound).
  const first = m.getAccessToken({ rejectedToken: "at-0" }).catch((e) => e);
  await clock.advance(0);
  const err = await first;
  assert.equal(err.name, "RotorError");
  assert.equal(err.code, "renewal_backoff");
  assert.equal(err.kind, "retry");
  assert.equal(err.retryAt, T0 + 30_000);
  assert.equal(err.cause.code, "server_error");
  assert.equal(m.state, "retry-wait");
  // Again during the back-off: the same typed error, never the rejected token.
  await assert.rejects(m.getAccessToken({ rejectedToken: "at-0" }), { code: "renewal_backoff", retryAt: T0 + 30_000 });
  // A caller that was not refused may still use the (unexpired) token.
  assert.equal(await m.getAccessToken(), "at-0");
  assert.equal(server.requests.length, 1);
  // 5 s before the retry: the demand waits for it and gets the renewed token.
  await clock.advance(25_000);
  const waiting = m.getAccessToken({ rejectedToken: "at-0" });
  await clock.advance(5_000);
  assert.equal(await waiting, "at-1");
  assert.deepEqual(server.requests.map((r) => r.at - T0), [0, 30_000]);
  // A late report of the old token's rejection answers with the current one, no request.
  assert.equal(await m.getAccessToken({ rejectedToken: "at-0" }), "at-1");
  assert.equal(server.requests.length, 2);
});

test("rejectedToken with a renewal in flight waits for it (one request)", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { latency: 100 });
  const storage = new MemoryStorage();
  await storage.set(freshSetAt(clock.now(), "0"));
  const m = new TokenManager({ client, fetch: server.fetch, storage, ...clock.options });
  const a = m.getAccessToken({ rejectedToken: "at-0" });
  const b = m.getAccessToken({ rejectedToken: "at-0" });
  await clock.advance(100);
  assert.deepEqual(await Promise.all([a, b]), ["at-1", "at-1"]);
  assert.equal(server.requests.length, 1);
});

test("a demand during retry-wait waits for a retry within maxDemandWaitMs, else rejects with retryAt", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock, { failures: ["network", "network"] });
  const storage = new MemoryStorage();
  await storage.set(expiredSetAt(clock.now()));
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { baseMs: 1000, maxDemandWaitMs: 1500 }, ...clock.options });
  const events = record(m);
  // Expired token: the demand refreshes, fails (retry in 1 s: near), waits, fails again
  // (retry in 2 s: beyond 1.5 s) and rejects with the time of that attempt.
  const first = m.getAccessToken().catch((e) => e);
  await clock.advance(1000);
  const err = await first;
  assert.equal(err.code, "renewal_backoff");
  assert.equal(err.kind, "retry");
  assert.equal(err.retryAt, T0 + 3000);
  assert.equal(err.cause.name, "TypeError");
  assert.deepEqual(server.requests.map((r) => r.at - T0), [0, 1000]);
  // 1.5 s before the attempt the next demand waits for it.
  await clock.advance(500);
  const second = m.getAccessToken();
  await clock.advance(1500);
  assert.equal(await second, "at-1");
  assert.deepEqual(server.requests.map((r) => r.at - T0), [0, 1000, 3000]);
  assert.deepEqual(
    events.map((e) => [e.type, e.detail.retryAt ?? null]),
    [
      ["retrying", T0 + 1000],
      ["retrying", T0 + 3000],
      ["renewed", null],
      ["rotated", null],
    ],
  );
});

test("now() and random() drive every time and jitter decision", async () => {
  const clock = fakeClock({ random: () => 0.5 });
  const server = clockedServer(clock, { failures: [503] });
  const storage = new MemoryStorage();
  await storage.set(freshSetAt(clock.now(), "0"));
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { heartbeatMs: 60_000 }, ...clock.options });
  const events = record(m);
  await m.start();
  // Lead for 300 s is 75 s; jitter 0.5 moves the refresh 18.75 s earlier: T0 + 206 250 (floored).
  assert.deepEqual(clock.pending(), [60_000, 206_250]);
  await clock.advance(206_250);
  assert.deepEqual(server.requests.map((r) => r.at - T0), [206_250]);
  // Backoff jitter 0.5 shortens the 1 s base delay by a quarter.
  assert.deepEqual(events.at(-1), { type: "retrying", detail: { attempt: 1, delayMs: 750, retryAt: T0 + 207_000, code: "server_error" } });
  await clock.advance(750);
  assert.deepEqual(server.requests.map((r) => r.at - T0), [206_250, 207_000]);
  // The renewed set's receivedAt is the injected clock's.
  assert.equal((await storage.get()).receivedAt, T0 + 207_000);
  assert.equal((await storage.get()).expiresAt, T0 + 507_000);
  m.stop();
  assert.deepEqual(clock.pending(), []);
  assert.throws(() => new TokenManager({ client, now: 5 }), { code: "invalid_config" });
  assert.throws(() => new TokenManager({ client, timers: { setTimeout() {} } }), { code: "invalid_config" });
});

test("a clock jump seen by the heartbeat (fake timers) triggers the refresh", async () => {
  const clock = fakeClock();
  const server = clockedServer(clock);
  const storage = new MemoryStorage();
  await storage.set(freshSetAt(clock.now(), "0"));
  const m = new TokenManager({ client, fetch: server.fetch, storage, policy: { heartbeatMs: 30_000 }, ...clock.options });
  await m.start();
  await clock.advance(60_000);
  assert.equal(server.requests.length, 0);
  // The machine slept for two hours (timers suspended): the next heartbeat sees the drift.
  clock.jump(7_200_000);
  await clock.advance(30_000);
  assert.deepEqual(server.requests.map((r) => r.at - T0), [60_000 + 7_200_000 + 30_000]);
  m.stop();
});

test("clear({ revoke: true }) revokes the refresh token first (RFC 7009), then forgets the set; a failed revocation is an error event", async () => {
  for (const status of [200, 503]) {
    const requests = [];
    const fetch = async (url, init) => {
      requests.push({ url, body: init.body, method: init.method });
      return new Response("", { status });
    };
    const storage = new MemoryStorage();
    const m = new TokenManager({ client: { ...client, revocationEndpoint: "http://127.0.0.1:9/revoke" }, fetch, storage, now: () => T0 });
    const errors = [];
    m.addEventListener("error", (e) => errors.push(e.detail.code));
    await m.setTokens({ accessToken: "at-1", tokenType: "Bearer", expiresAt: T0 + 300_000, refreshToken: "rt-live-123", refreshExpiresAt: null, scope: null, idToken: null, rotated: false, receivedAt: T0 });
    await m.clear({ revoke: true });
    assert.deepEqual(requests, [{ url: "http://127.0.0.1:9/revoke", method: "POST", body: "token=rt-live-123&token_type_hint=refresh_token&client_id=spa" }]);
    assert.equal(await storage.get(), null);
    assert.deepEqual(errors, status === 200 ? [] : ["revocation_failed"]);
    await assert.rejects(m.getAccessToken(), { code: "no_session" });
  }
});
