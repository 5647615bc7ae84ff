// The JSON-text / number boundary of the client and schedule exports (pkg/lib/client.js,
// pkg/lib/schedule.js): what JSON cannot carry (NaN, Headers, bytes) still reaches the core or
// is refused with the same codes, arrays are not read as objects, the configuration cache never
// changes a result, and no value given in the wrong place is echoed in a message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, buildRefreshRequest, parseTokenResponse, nextRefreshAt, backoffDelay, estimateClockSkew, RenewalMachine } from "rotor";

const NOW = 1_700_000_000_000;
const client = { tokenEndpoint: "https://as.example/token", clientId: "c", clientSecret: "s3cret-value-0123456789" };
const ok = JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 60 });

function code(fn) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Error);
    return err.code;
  }
  return "no error";
}

test("arrays are not objects: a client, params or options given as an array are refused", () => {
  assert.equal(code(() => buildRefreshRequest(["https://as.example/token", "c"], { refreshToken: "r" })), "invalid_config");
  assert.equal(code(() => buildRefreshRequest(client, ["r"])), "invalid_argument");
  assert.equal(code(() => parseTokenResponse(client, { status: 200, body: ok }, [NOW])), "invalid_argument");
});

test("a bad configuration is reported before a bad response, as before", () => {
  const bad = { ...client, tokenEndpoint: "http://as.example/token" };
  assert.equal(code(() => parseTokenResponse(bad, null)), "invalid_config");
  assert.equal(code(() => parseTokenResponse(bad, { status: 200, body: 42 })), "invalid_config");
  assert.equal(code(() => parseTokenResponse(bad, { status: 200, headers: "x", body: ok })), "invalid_config");
  assert.equal(code(() => parseTokenResponse(client, { status: 200, headers: "x", body: ok })), "invalid_argument");
});

test("the cached configuration follows the client object: a changed secret changes the request", () => {
  const c = { ...client };
  const a = buildRefreshRequest(c, { refreshToken: "r", now: NOW }).headers.authorization;
  c.clientSecret = "another-secret-value-0123456789";
  const b = buildRefreshRequest(c, { refreshToken: "r", now: NOW }).headers.authorization;
  assert.notEqual(a, b);
  assert.equal(b, `Basic ${Buffer.from(`c:${c.clientSecret}`).toString("base64")}`);
  c.tokenEndpoint = "ftp://as.example/token";
  assert.equal(code(() => buildRefreshRequest(c, { refreshToken: "r", now: NOW })), "invalid_config");
  c.tokenEndpoint = client.tokenEndpoint;
  assert.equal(buildRefreshRequest(c, { refreshToken: "r", now: NOW }).headers.authorization, b);
});

test("a plain configuration is read on every call (added and removed keys, getters); a Client keeps what it read", () => {
  const c = { ...client };
  assert.equal(code(() => buildRefreshRequest(c, { refreshToken: "r", now: NOW })), "no error");
  c.tokenEndpiont = "https://as.example/token";
  assert.equal(code(() => buildRefreshRequest(c, { refreshToken: "r", now: NOW })), "invalid_config");
  delete c.tokenEndpiont;
  delete c.clientSecret;
  assert.equal(buildRefreshRequest(c, { refreshToken: "r", now: NOW }).headers.authorization, undefined);
  let id = "first";
  const g = { tokenEndpoint: client.tokenEndpoint, get clientId() { return id; } };
  assert.match(buildRefreshRequest(g, { refreshToken: "r", now: NOW }).body, /client_id=first/);
  id = "second";
  assert.match(buildRefreshRequest(g, { refreshToken: "r", now: NOW }).body, /client_id=second/);
  // A Client reads its configuration once, when it is made (shared API.md: createClient).
  const held = { ...client };
  const made = createClient(held);
  held.clientSecret = "changed-after-the-client-was-made-0123";
  assert.equal(made.buildRefreshRequest({ refreshToken: "r", now: NOW }).headers.authorization, buildRefreshRequest(client, { refreshToken: "r", now: NOW }).headers.authorization);
  assert.equal(buildRefreshRequest(made, { refreshToken: "r", now: NOW }).body, made.buildRefreshRequest({ refreshToken: "r", now: NOW }).body);
});

test("a string given where something else is expected is not echoed", () => {
  const secret = "rt_do-not-echo-0123456789";
  const errors = [];
  for (const fn of [
    () => buildRefreshRequest(client, { refreshToken: "r", now: secret }),
    () => buildRefreshRequest(client, { refreshToken: "r", extraParams: secret }),
    () => buildRefreshRequest({ ...client, clientId: ["x"], grantedScope: 5 }, { refreshToken: secret }),
    () => parseTokenResponse(client, { status: 200, body: ok }, { previous: secret }),
    () => parseTokenResponse(client, { status: 200, body: ok }, { now: NOW, requestedScope: { secret } }),
    () => parseTokenResponse(client, { status: 200, body: ok, headers: { "x-a": [secret] } }),
    () => parseTokenResponse(client, { status: 200, body: ok, headers: [[secret]] }),
  ]) {
    try {
      fn();
    } catch (err) {
      errors.push(err);
    }
  }
  assert.equal(errors.length, 7);
  for (const err of errors) {
    assert.equal(err.code, err.message.startsWith("client") ? "invalid_config" : "invalid_argument", err.message);
    assert.ok(!err.message.includes(secret), err.message);
  }
});

test("header values: numbers as JS writes them, null refused; pairs from any iterable", () => {
  const r = (headers) => code(() => parseTokenResponse(client, { status: 503, headers, body: "" }, { now: NOW }));
  assert.equal(r({ "Retry-After": null }), "invalid_argument");
  assert.equal(r([["retry-after", 3]]), "invalid_argument");
  const retry = (headers) => {
    try {
      parseTokenResponse(client, { status: 503, headers, body: "" }, { now: NOW });
    } catch (err) {
      return err.retryAfter;
    }
  };
  assert.equal(retry({ "Retry-After": 7 }), 7000);
  assert.equal(retry(new Map([["Retry-After", "8"]])), 8000);
  assert.equal(retry(new Headers([["Retry-After", "9"]])), 9000);
});

test("NaN and infinities still reach the core and are refused (JSON would make them null)", () => {
  const set = { accessToken: "at", expiresAt: NOW + 300_000, refreshToken: "rt", receivedAt: NOW };
  const bad = [
    () => buildRefreshRequest(client, { refreshToken: "r", now: Infinity }),
    () => parseTokenResponse(client, { status: 200, body: ok }, { now: NaN }),
    () => parseTokenResponse(client, { status: NaN, body: ok }, { now: NOW }),
    () => nextRefreshAt({ ...set, refreshExpiresAt: Infinity }, { now: NOW }),
    () => nextRefreshAt({ ...set, receivedAt: NaN }, { now: NOW }),
    () => nextRefreshAt(set, { now: NOW, skewMs: NaN }),
    () => nextRefreshAt(set, { now: NOW, leadSeconds: NaN }),
    () => nextRefreshAt(set, { now: NOW, jitter: NaN }),
    () => backoffDelay(0, { capMs: Infinity }),
    () => backoffDelay(0, { retryAfter: NaN }),
    () => estimateClockSkew({ now: NaN }),
    () => estimateClockSkew({ now: NOW, requestSentAt: Infinity }),
    () => new RenewalMachine({ leadSeconds: NaN }),
    () => new RenewalMachine({ baseMs: NaN }),
    () => new RenewalMachine().step({ type: "tick" }, { now: NaN }),
    () => new RenewalMachine().step({ type: "tokens-stored", tokenSet: { ...set, expiresAt: NaN } }, { now: NOW }),
    () => new RenewalMachine().setSkew(NaN),
    () => new RenewalMachine().isDue(NaN),
  ];
  for (const f of bad) assert.equal(code(f), "invalid_argument", f.toString());
});

test("RenewalMachine: the JS class reports every state, instants and failures of the core", () => {
  const m = new RenewalMachine({ baseMs: 1000, capMs: 4000, leadSeconds: 60 });
  const set = { accessToken: "at", expiresAt: NOW + 300_000, refreshToken: "rt", receivedAt: NOW };
  assert.equal(m.state, "idle");
  assert.equal(m.refreshAt, undefined);
  assert.equal(m.isDue(NOW), false);
  m.step({ type: "tokens-stored", tokenSet: set }, { now: NOW, jitter: 0 });
  assert.equal(m.state, "scheduled");
  assert.equal(m.refreshAt, NOW + 240_000);
  assert.equal(m.isDue(NOW + 240_000), true);
  m.step({ type: "tick" }, { now: NOW + 240_000, jitter: 0 });
  assert.equal(m.state, "refreshing");
  m.step({ type: "network-failed" }, { now: NOW + 240_000, jitter: 0 });
  assert.equal(m.state, "retry-wait");
  assert.equal(m.failures, 1);
  assert.equal(m.retryAt, NOW + 241_000);
  assert.deepEqual(m.step({ type: "session-ended" }, { now: NOW + 240_500, jitter: 0 }).at(-1), {
    type: "emit",
    event: { type: "reauthenticate", code: "session_ended" },
  });
  assert.equal(m.state, "needs-reauthentication");
  assert.equal(code(() => m.step({ type: "refresh-failed", error: { kind: "bogus" } }, { now: NOW })), "invalid_argument");
  assert.equal(code(() => m.step({ type: 5 }, { now: NOW })), "invalid_argument");
  assert.equal(code(() => m.step({}, { now: NOW })), "invalid_argument");
  assert.equal(typeof m[Symbol.dispose], "function");
  m.free();
});
