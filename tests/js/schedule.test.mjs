// Scheduling through the wasm package: nextRefreshAt, backoffDelay, estimateClockSkew and
// the RenewalMachine class.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nextRefreshAt, backoffDelay, estimateClockSkew, RenewalMachine } from "rotor";

const NOW = 1_700_000_000_000;
const set = (receivedAt, lifetimeS, extra = {}) => ({
  accessToken: "at",
  tokenType: "Bearer",
  expiresAt: receivedAt + lifetimeS * 1000,
  refreshToken: "rt",
  refreshExpiresAt: null,
  scope: null,
  idToken: null,
  rotated: false,
  receivedAt,
  ...extra,
});

test("nextRefreshAt: adaptive lead, explicit lead, jitter earlier only, due now, null", () => {
  const table = [
    [set(NOW, 300), {}, NOW + 225_000],
    [set(NOW, 14_400), {}, NOW + 14_100_000],
    [set(NOW, 10), {}, NOW + 5_000],
    [set(NOW, 300), { leadSeconds: 60 }, NOW + 240_000],
    [set(NOW, 300), { leadSeconds: 3600 }, NOW + 150_000],
    [set(NOW, 300), { jitter: 0.5 }, NOW + 206_250],
    [set(NOW - 600_000, 300), {}, NOW],
    [set(NOW, 300, { expiresAt: null }), {}, null],
  ];
  for (const [tokenSet, opts, expected] of table) {
    assert.equal(nextRefreshAt(tokenSet, { now: NOW, ...opts }), expected, JSON.stringify(opts));
  }
});

test("nextRefreshAt: skew applies to a JWT exp and only moves earlier", () => {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "HS256" })}.${b64({ exp: (NOW + 300_000) / 1000 })}.${b64("sig")}`;
  const t = set(NOW, 300, { accessToken: jwt });
  assert.equal(nextRefreshAt(t, { now: NOW, skewMs: 60_000 }), NOW + 180_000);
  assert.equal(nextRefreshAt(t, { now: NOW, skewMs: -60_000 }), NOW + 225_000);
});

test("nextRefreshAt/backoffDelay: bad input is invalid_argument", () => {
  const bad = [
    () => nextRefreshAt(set(NOW, 300), { now: NaN }),
    () => nextRefreshAt(set(NOW, 300), { now: -1 }),
    () => nextRefreshAt(set(NOW, 300), { now: NOW, jitter: 1 }),
    () => nextRefreshAt(set(NOW, 300), { now: NOW, jitter: -0.5 }),
    () => nextRefreshAt(set(NOW, 300), { now: NOW, leadSeconds: -3 }),
    () => nextRefreshAt(set(NOW, 300), { now: NOW, leadSeconds: "5" }),
    () => nextRefreshAt(set(NOW, 300, { expiresAt: NaN }), { now: NOW }),
    () => nextRefreshAt("tokens", { now: NOW }),
    () => backoffDelay(NaN, {}),
    () => backoffDelay(-1, {}),
    () => backoffDelay(0.5, {}),
    () => backoffDelay(0, { jitter: 1 }),
    () => backoffDelay(0, { baseMs: 0 }),
    () => backoffDelay(0, { baseMs: 1000, capMs: 10 }),
    () => backoffDelay(0, { retryAfter: -1 }),
  ];
  for (const f of bad) {
    assert.throws(f, (e) => e.name === "RotorError" && e.code === "invalid_argument", f.toString());
  }
});

test("backoffDelay: doubles from attempt 0, caps, honours retryAfter, jitter shortens", () => {
  const o = { baseMs: 500, capMs: 10_000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o)),
    [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  assert.equal(backoffDelay(2, { ...o, jitter: 0.5 }), 1500);
  assert.equal(backoffDelay(0, { ...o, retryAfter: 60_000 }), 60_000);
  assert.equal(backoffDelay(0, {}), 1000);
  let prev = 0;
  for (let a = 0; a < 40; a++) {
    const d = backoffDelay(a, { jitter: 0.3 });
    assert.ok(d >= prev && d <= 300_000);
    prev = d;
  }
});

test("estimateClockSkew: Date header and JWT iat", () => {
  const date = "Tue, 14 Nov 2023 22:13:20 GMT"; // 1_700_000_000 s
  assert.equal(estimateClockSkew({ date, now: NOW - 10_000 }), 10_500);
  assert.equal(estimateClockSkew({ date, now: NOW - 9_800, requestSentAt: NOW - 10_200 }), 10_500);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "HS256" })}.${b64({ iat: 1_700_000_000 })}.${b64("s")}`;
  assert.equal(estimateClockSkew({ accessToken: jwt, now: NOW + 5_000 }), -4_500);
  assert.equal(estimateClockSkew({ accessToken: "opaque", now: NOW }), 0);
  assert.throws(() => estimateClockSkew({ date: "not a date", now: NOW }), { code: "invalid_argument" });
});

test("RenewalMachine: schedule, refresh, retry with backoff, reauthenticate", () => {
  const m = new RenewalMachine({ baseMs: 1000, capMs: 4000 });
  assert.equal(m.state, "idle");
  assert.deepEqual(m.step({ type: "tokens-stored", tokenSet: set(NOW, 300) }, { now: NOW, jitter: 0 }), [
    { type: "wake-at", at: NOW + 225_000 },
  ]);
  assert.equal(m.state, "scheduled");
  assert.equal(m.refreshAt, NOW + 225_000);
  assert.deepEqual(m.step({ type: "tick" }, { now: NOW + 225_000, jitter: 0 }), [
    { type: "cancel-timer" },
    { type: "send-refresh" },
  ]);
  const err = { name: "OAuthError", code: "server_error", kind: "retry", status: 503, retryAfter: null };
  assert.deepEqual(m.step({ type: "refresh-failed", error: err }, { now: NOW + 225_000, jitter: 0 }), [
    {
      type: "emit",
      event: { type: "retrying", attempt: 1, delayMs: 1000, retryAt: NOW + 226_000, code: "server_error" },
    },
    { type: "wake-at", at: NOW + 226_000 },
  ]);
  assert.equal(m.state, "retry-wait");
  m.step({ type: "tick" }, { now: NOW + 226_000, jitter: 0 });
  const out = m.step(
    { type: "refresh-succeeded", tokenSet: set(NOW + 226_000, 300, { rotated: true }) },
    { now: NOW + 226_000, jitter: 0 },
  );
  assert.deepEqual(out, [
    { type: "emit", event: { type: "renewed", expiresAt: NOW + 526_000 } },
    { type: "emit", event: { type: "rotated" } },
    { type: "wake-at", at: NOW + 451_000 },
  ]);
  m.step({ type: "tick" }, { now: NOW + 451_000, jitter: 0 });
  assert.deepEqual(
    m.step({ type: "refresh-failed", error: { code: "invalid_grant", kind: "reauthenticate" } }, { now: NOW + 451_000, jitter: 0 }),
    [{ type: "cancel-timer" }, { type: "drop-tokens" }, { type: "emit", event: { type: "reauthenticate", code: "invalid_grant" } }],
  );
  assert.equal(m.state, "needs-reauthentication");
  assert.throws(() => m.step({ type: "bogus" }, {}), { code: "invalid_argument" });
  assert.throws(() => m.step({ type: "tick" }, { jitter: 2 }), { code: "invalid_argument" });
  assert.throws(() => new RenewalMachine({ capMs: -1 }), { code: "invalid_argument" });
});

test("RenewalMachine: draws its own jitter when none is given (earlier only)", () => {
  for (let i = 0; i < 20; i++) {
    const m = new RenewalMachine({});
    const [a] = m.step({ type: "tokens-stored", tokenSet: set(NOW, 300) }, { now: NOW });
    assert.equal(a.type, "wake-at");
    assert.ok(a.at <= NOW + 225_000 && a.at >= NOW + 187_500, String(a.at));
  }
});

// The shared scheduling cases, also run in Deno and Bun (tests/runtimes).
test("tests/vectors/schedule/timing.json", () => {
  const cases = JSON.parse(readFileSync(new URL("../vectors/schedule/timing.json", import.meta.url), "utf8"));
  const run = (fn) => {
    try {
      return fn();
    } catch (e) {
      return { error: e.code };
    }
  };
  for (const c of cases.nextRefreshAt) assert.deepEqual(run(() => nextRefreshAt(c.tokenSet, c.options)), c.expect, c.name);
  for (const c of cases.backoffDelay) assert.deepEqual(run(() => backoffDelay(c.attempt, c.options)), c.expect, c.name);
  for (const c of cases.estimateClockSkew) assert.deepEqual(run(() => estimateClockSkew(c.input)), c.expect, c.name);
});

test("RenewalMachine: tokens-seen adopts another, newer set; a stale one or the same one is ignored", () => {
  const m = new RenewalMachine({});
  const a = set(NOW, 300, { accessToken: "at-a", refreshToken: "rt-a" });
  assert.deepEqual(m.step({ type: "tokens-seen", tokenSet: a, current: null }, { now: NOW, jitter: 0 }), [
    { type: "adopt-tokens" },
    { type: "wake-at", at: NOW + 225_000 },
  ]);
  assert.deepEqual(m.step({ type: "tokens-seen", tokenSet: { ...a }, current: a }, { now: NOW, jitter: 0 }), []);
  const older = set(NOW - 1, 300, { accessToken: "at-old", refreshToken: "rt-old" });
  assert.deepEqual(m.step({ type: "tokens-seen", tokenSet: older, current: a }, { now: NOW, jitter: 0 }), []);
  const newer = set(NOW + 1000, 300, { accessToken: "at-b", refreshToken: "rt-b" });
  assert.deepEqual(m.step({ type: "tokens-seen", tokenSet: newer, current: a }, { now: NOW + 1000, jitter: 0 }), [
    { type: "adopt-tokens" },
    { type: "wake-at", at: NOW + 226_000 },
  ]);
  assert.throws(() => m.step({ type: "tokens-seen", tokenSet: "x", current: a }, { now: NOW }), { code: "invalid_argument" });
});

test("RenewalMachine: answer and usable (rejected token, skew, near and far retries)", () => {
  const m = new RenewalMachine({ baseMs: 1000, capMs: 60_000, maxDemandWaitMs: 2000 });
  const live = set(NOW, 300, { accessToken: "at-1" });
  assert.deepEqual(m.answer(null, { now: NOW }), { type: "no-session" });
  m.step({ type: "tokens-stored", tokenSet: live }, { now: NOW, jitter: 0 });
  assert.deepEqual(m.answer(live, { now: NOW }), { type: "use" });
  assert.equal(m.usable(live, { now: NOW + 299_999 }), true);
  assert.equal(m.usable(live, { now: NOW + 300_000 }), false);
  assert.equal(m.usable(live, { now: NOW, rejectedToken: "at-1" }), false);
  assert.equal(m.usable(live, { now: NOW, rejectedToken: "at-0" }), true, "another token was rejected");
  // A rejection of a token that is no longer the current one is a plain demand.
  assert.deepEqual(m.step({ type: "token-rejected", rejectedToken: "at-0", current: live }, { now: NOW, jitter: 0 }), [
    { type: "wake-at", at: NOW + 225_000 },
  ]);
  assert.deepEqual(m.step({ type: "token-rejected", rejectedToken: "at-1", current: live }, { now: NOW, jitter: 0 }), [
    { type: "cancel-timer" },
    { type: "send-refresh" },
  ]);
  assert.deepEqual(m.answer(live, { now: NOW, rejectedToken: "at-1" }), { type: "wait" });
  m.step({ type: "network-failed" }, { now: NOW, jitter: 0 });
  assert.deepEqual(m.answer(live, { now: NOW, rejectedToken: "at-1" }), { type: "wait-until", at: NOW + 1000 });
  assert.deepEqual(m.answer(live, { now: NOW }), { type: "use" }, "the live token is used meanwhile");
  m.step({ type: "tick" }, { now: NOW + 1000, jitter: 0 });
  m.step({ type: "refresh-failed", error: { kind: "retry", code: "temporarily_unavailable", retryAfter: 10_000 } }, { now: NOW + 1000, jitter: 0 });
  assert.deepEqual(m.answer(live, { now: NOW + 1000, rejectedToken: "at-1" }), { type: "retry-later", retryAt: NOW + 11_000 });
  assert.deepEqual(m.answer(live, { now: NOW + 9000, rejectedToken: "at-1" }), { type: "wait-until", at: NOW + 11_000 });
  assert.throws(() => m.answer(live, { now: NOW, bogus: 1 }), { code: "invalid_argument" });
  assert.throws(() => new RenewalMachine({ maxDemandWaitMs: -1 }), { code: "invalid_argument" });
  // Skew moves a JWT exp earlier.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "HS256" })}.${b64({ exp: (NOW + 300_000) / 1000 })}.c2ln`;
  const s = new RenewalMachine({});
  const withJwt = set(NOW, 600, { accessToken: jwt });
  s.setSkew(10_000);
  assert.equal(s.usable(withJwt, { now: NOW + 289_999 }), true);
  assert.equal(s.usable(withJwt, { now: NOW + 290_000 }), false);
});
