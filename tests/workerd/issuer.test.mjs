// The issuer in the real workerd: Worker front + one Durable Object per family, over HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as jose from "jose";
import { startWorkerd } from "../support/workerd.mjs";
import { deliveryClients, deliveryFetch } from "../support/delivery.mjs";

// ROTOR_REFRESH_DELIVERY=cookie runs this suite with "spa" delivering refresh tokens by cookie.
const CLIENTS = [
  { clientId: "spa", scope: "openid api.read" },
  { clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "api.read" },
  { clientId: "off", clientSecretEnv: "WEB_SECRET", scope: "api.read", disabled: true },
];
const fetch = deliveryFetch(CLIENTS);

const ENTRY = fileURLToPath(new URL("./issuer-worker.js", import.meta.url));
const KEY = new Uint8Array(32).fill(5);
const T0 = Date.now();

function bindings(extra = {}) {
  return {
    ROTOR_ISSUER: "https://id.example.com",
    ROTOR_AUDIENCE: "https://api.example.com",
    ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "edge-1", key: jose.base64url.encode(KEY) }]),
    ROTOR_CLIENTS: JSON.stringify(deliveryClients(CLIENTS)),
    WEB_SECRET: "edge-s3cret",
    ROTOR_REUSE_GRACE_SECONDS: "5",
    ROTOR_REFRESH_TOKEN_TTL: "3600",
    ROTOR_REFRESH_IDLE_TTL: "600",
    ROTOR_TEST_CLOCK: "1",
    ...extra,
  };
}

let server;
before(async () => {
  server = await startWorkerd(ENTRY, { durableObjects: ["ROTOR_FAMILY:RotorFamily"], text: bindings() });
});
after(() => server?.stop());

async function session(now = T0, clientId = "spa") {
  const res = await fetch(server.url + "/test/session", {
    method: "POST",
    headers: { "x-rotor-test-now": String(now) },
    body: JSON.stringify({ clientId, subject: "alice" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

function refresh(token, now, params = {}, headers = {}) {
  return fetch(server.url + "/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-rotor-test-now": String(now), ...headers },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa", ...params }),
  });
}

async function expectError(res, status, code) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error, code);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return body;
}

test("workerd: metadata and unknown paths", async () => {
  const res = await fetch(server.url + "/.well-known/oauth-authorization-server");
  assert.equal(res.status, 200);
  const meta = await res.json();
  assert.equal(meta.issuer, "https://id.example.com");
  assert.equal(meta.introspection_endpoint, "https://id.example.com/introspect");
  assert.equal((await fetch(server.url + "/nope")).status, 404);
  assert.equal((await fetch(server.url + "/token")).status, 405);
});

test("workerd: rotation chain, access tokens verified by jose, then reuse revokes the family", async () => {
  let token = (await session()).refresh_token;
  const seen = [token];
  for (let i = 1; i <= 3; i++) {
    const res = await refresh(token, T0 + i * 1000);
    assert.equal(res.status, 200);
    const body = await res.json();
    const { payload, protectedHeader } = await jose.jwtVerify(body.access_token, KEY, {
      typ: "at+jwt",
      issuer: "https://id.example.com",
      audience: "https://api.example.com",
      currentDate: new Date(T0 + i * 1000),
    });
    assert.equal(protectedHeader.kid, "edge-1");
    assert.equal(payload.client_id, "spa");
    token = body.refresh_token;
    assert.ok(!seen.includes(token));
    seen.push(token);
  }
  // Two generations back, outside nothing: reuse.
  await expectError(await refresh(seen[1], T0 + 4000), 400, "invalid_grant");
  await expectError(await refresh(token, T0 + 5000), 400, "invalid_grant");
});

test("workerd: grace retry returns the same successor; after the grace it is reuse", async () => {
  const t0 = (await session()).refresh_token;
  const t1 = (await (await refresh(t0, T0 + 1000)).json()).refresh_token;
  const retry = await refresh(t0, T0 + 3000);
  assert.equal(retry.status, 200);
  assert.equal((await retry.json()).refresh_token, t1);
  await expectError(await refresh(t0, T0 + 6001), 400, "invalid_grant");
  await expectError(await refresh(t1, T0 + 6002), 400, "invalid_grant");
});

test("workerd: 50 concurrent redemptions of one token yield exactly one successor", async () => {
  const t0 = (await session()).refresh_token;
  const results = await Promise.all(Array.from({ length: 50 }, () => refresh(t0, T0 + 500)));
  const bodies = await Promise.all(results.map((r) => r.json()));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const successors = new Set(bodies.map((b) => b.refresh_token));
  assert.equal(successors.size, 1);
  const [t1] = successors;
  assert.notEqual(t1, t0);
  const t2 = (await (await refresh(t1, T0 + 1000)).json()).refresh_token;
  assert.ok(t2 && t2 !== t1);
});

test("workerd: idle and absolute expiry with the test clock", async () => {
  const a = (await session()).refresh_token;
  await expectError(await refresh(a, T0 + 600_000), 400, "invalid_grant");
  let b = (await session()).refresh_token;
  for (let t = 500_000; t < 3_600_000; t += 500_000) {
    const res = await refresh(b, T0 + t);
    assert.equal(res.status, 200, `at +${t}`);
    b = (await res.json()).refresh_token;
  }
  await expectError(await refresh(b, T0 + 3_600_000), 400, "invalid_grant");
});

test("workerd: client mismatch, disabled client, revocation, introspection", async () => {
  const t0 = (await session()).refresh_token;
  const web = "Basic " + btoa("web:edge-s3cret");
  await expectError(await refresh(t0, T0, { client_id: "" }, { authorization: web }), 400, "invalid_grant");
  const off = await refresh(t0, T0, { client_id: "" }, { authorization: "Basic " + btoa("off:edge-s3cret") });
  await expectError(off, 401, "invalid_client");
  assert.match(off.headers.get("www-authenticate"), /^Basic realm="https:\/\/id\.example\.com"/);
  // The family survived the mismatch.
  const t1 = (await (await refresh(t0, T0 + 10)).json()).refresh_token;
  assert.ok(t1);
  const s = await session(T0, "web");
  const post = (path, token) =>
    fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: web, "x-rotor-test-now": String(T0) },
      body: new URLSearchParams({ token }),
    });
  assert.equal((await (await post("/introspect", s.refresh_token)).json()).active, true);
  assert.equal((await (await post("/introspect", s.access_token)).json()).active, true);
  assert.equal((await post("/revoke", s.refresh_token)).status, 200);
  assert.deepEqual(await (await post("/introspect", s.refresh_token)).json(), { active: false });
});

test("workerd: without grace, 50 concurrent redemptions give one winner and revoke the family", async () => {
  const strict = await startWorkerd(ENTRY, { durableObjects: ["ROTOR_FAMILY:RotorFamily"], text: bindings({ ROTOR_REUSE_GRACE_SECONDS: "0" }) });
  try {
    const start = await fetch(strict.url + "/test/session", {
      method: "POST",
      headers: { "x-rotor-test-now": String(T0) },
      body: JSON.stringify({ clientId: "spa", subject: "bob" }),
    });
    const t0 = (await start.json()).refresh_token;
    const redeem = (token) =>
      fetch(strict.url + "/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-rotor-test-now": String(T0 + 100) },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
      });
    const results = await Promise.all(Array.from({ length: 50 }, () => redeem(t0)));
    const bodies = await Promise.all(results.map((r) => r.json()));
    const winners = bodies.filter((b) => b.refresh_token);
    assert.equal(winners.length, 1);
    assert.equal(bodies.filter((b) => b.error === "invalid_grant").length, 49);
    // The losers' attempts were reuse of a retired token: the whole family is revoked.
    const after = await redeem(winners[0].refresh_token);
    assert.equal(after.status, 400);
    assert.equal((await after.json()).error, "invalid_grant");
  } finally {
    await strict.stop();
  }
});

test("workerd: a weak or missing signing key is a clear configuration error in the log, a generic 500 to callers", async () => {
  for (const [extra, pattern] of [
    [{ ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "a", key: jose.base64url.encode(new Uint8Array(16)) }]) }, /at least 32 bytes/],
    [{ ROTOR_SIGNING_KEYS: "" }, /no signing key/],
  ]) {
    const bad = await startWorkerd(ENTRY, { durableObjects: ["ROTOR_FAMILY:RotorFamily"], text: bindings(extra) });
    try {
      const res = await fetch(bad.url + "/.well-known/oauth-authorization-server");
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: "server_error", error_description: "internal error" });
      // The operator reads the reason in the worker's log (workerd's output here).
      const deadline = Date.now() + 5000;
      while (!pattern.test(bad.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(bad.output(), /rotor\/worker: issuer configuration: /);
      assert.match(bad.output(), pattern);
      assert.doesNotMatch(bad.output(), new RegExp(jose.base64url.encode(KEY)), "never the key");
    } finally {
      await bad.stop();
    }
  }
});

test("workerd: a chunked body (no Content-Length) that never ends is answered 400 after 64 KiB, not read to its end", async () => {
  const { request } = await import("node:http");
  const answer = await new Promise((resolve, reject) => {
    const req = request(server.url + "/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    // 80 KiB and the stream left open: a server that reads to the end would never answer.
    req.write("grant_type=refresh_token&refresh_token=" + "a".repeat(80 * 1024));
    const timer = setTimeout(() => resolve({ status: "no answer within 10 s" }), 10_000);
    timer.unref();
  });
  assert.equal(answer.status, 400);
  assert.equal(JSON.parse(answer.body).error, "invalid_request");
  assert.match(JSON.parse(answer.body).error_description, /larger than 65536 bytes/);
});
