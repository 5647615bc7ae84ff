// The demo's worker (www/worker.js) in the real workerd, over HTTP: what its sign-in step
// accepts (login CSRF, password handling, rate limits), what it serves (no password, a strict
// CSP) and what the deployable template (www/wrangler.toml) leaves out. The browser suites
// (tests/browser/demo*.test.mjs, firefox.test.mjs) drive the same worker through the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/workerd.mjs";
import { startDemo, WWW } from "../../www/demo.mjs";

const PASSWORD = "correct-Horse-7f3a"; // not the local default: the test looks for it in answers
const T0 = 1_900_000_000_000;
let server;
before(async () => {
  server = await startDemo({ port: await freePort(), password: PASSWORD, testClock: true });
});
after(() => server?.stop());

let nextIp = 1;
/** A fresh client IP (CF-Connecting-IP) per test, so that rate limits do not leak between tests. */
const freshIp = () => `198.51.100.${nextIp++}`;

function signIn(body, { ip = freshIp(), now, headers } = {}) {
  return fetch(`${server.url}/signin`, {
    method: "POST",
    headers: headers ?? {
      origin: server.url,
      "content-type": "application/json",
      "cf-connecting-ip": ip,
      ...(now !== undefined ? { "x-rotor-test-now": String(now) } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

test("demo /signin: only this origin's page, with a JSON body (no login CSRF from another site's form)", async () => {
  const good = { username: "alice", password: PASSWORD };
  const cases = [
    ["no Origin header", { "content-type": "application/json" }, 403, "access_denied"],
    ["another site's Origin", { origin: "https://evil.example", "content-type": "application/json" }, 403, "access_denied"],
    ["the opaque Origin of a sandboxed frame", { origin: "null", "content-type": "application/json" }, 403, "access_denied"],
    // What an HTML form can send cross-site without a preflight:
    ["a form body", { origin: server.url, "content-type": "application/x-www-form-urlencoded" }, 415, "invalid_request"],
    ["text/plain", { origin: server.url, "content-type": "text/plain" }, 415, "invalid_request"],
    ["no Content-Type", { origin: server.url }, 415, "invalid_request"],
  ];
  const before = (await (await fetch(`${server.url}/demo/stats`)).json()).signins;
  for (const [what, headers, status, error] of cases) {
    const res = await signIn(good, { headers });
    assert.equal(res.status, status, what);
    assert.equal(res.headers.get("cache-control"), "no-store", what);
    const body = await res.json();
    assert.equal(body.error, error, what);
    assert.equal(body.access_token, undefined, what);
  }
  const stats = await (await fetch(`${server.url}/demo/stats`)).json();
  assert.equal(stats.signins, before, "none of them started a session");

  const ok = await signIn(good, { headers: { origin: server.url, "content-type": "application/json; charset=utf-8" } });
  assert.equal(ok.status, 200);
  const tokens = await ok.json();
  assert.equal(tokens.token_type, "Bearer");
  assert.equal(typeof tokens.refresh_token, "string");
});

test("demo: the password is never served nor echoed", async () => {
  const config = await (await fetch(`${server.url}/demo/config`)).json();
  assert.equal("password" in config, false);
  for (const path of ["/", "/demo/config", "/app.js", "/sw.js", "/style.css"]) {
    const text = await (await fetch(server.url + path)).text();
    assert.ok(!text.includes(PASSWORD), `${path} does not contain the password`);
  }
  const denied = await signIn({ username: "eve", password: "guess" });
  assert.equal(denied.status, 401);
  assert.deepEqual(await denied.json(), { error: "access_denied", error_description: "unknown user or wrong password" });
  // The comparison takes whole strings: a prefix, a longer string, another case all fail.
  for (const password of [PASSWORD.slice(0, -1), PASSWORD + "x", PASSWORD.toUpperCase(), ""]) {
    assert.equal((await signIn({ username: "eve", password })).status, 401, JSON.stringify(password));
  }
});

test("demo /signin: 5 failures per 5 minutes per IP and per user name, then 429 with Retry-After (fake clock)", async () => {
  // Per IP: five wrong passwords for five different users from one address.
  const ip = freshIp();
  for (let i = 0; i < 5; i++) {
    const res = await signIn({ username: `user${i}`, password: "wrong" }, { ip, now: T0 + i * 1000 });
    assert.equal(res.status, 401, `failure ${i + 1}`);
  }
  // The sixth attempt from that IP is refused before the password is checked, even a right one.
  const limited = await signIn({ username: "newuser", password: PASSWORD }, { ip, now: T0 + 10_000 });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "290"); // the first failure leaves the window at T0 + 300 s
  const body = await limited.json();
  assert.equal(body.error, "temporarily_unavailable");
  assert.match(body.error_description, /too many failed sign-ins; try again in 290 s/);
  // Another IP is not affected.
  assert.equal((await signIn({ username: "newuser", password: PASSWORD }, { now: T0 + 10_000 })).status, 200);
  // Once the first failure is 5 minutes old, one more attempt is allowed.
  assert.equal((await signIn({ username: "newuser", password: PASSWORD }, { ip, now: T0 + 299_999 })).status, 429);
  assert.equal((await signIn({ username: "newuser", password: PASSWORD }, { ip, now: T0 + 300_000 })).status, 200);

  // Per user: five wrong passwords for one user from five addresses, then a sixth address.
  for (let i = 0; i < 5; i++) {
    assert.equal((await signIn({ username: "Mallory", password: "wrong" }, { now: T0 + i })).status, 401);
  }
  const perUser = await signIn({ username: "mallory", password: PASSWORD }, { now: T0 + 60_000 });
  assert.equal(perUser.status, 429, "user names are compared case-insensitively");
  assert.equal(perUser.headers.get("retry-after"), "240");
  assert.equal((await signIn({ username: "mallory", password: PASSWORD }, { now: T0 + 300_004 })).status, 200);
  // A success clears the user's failures (not the IP's).
  assert.equal((await signIn({ username: "mallory", password: "wrong" }, { now: T0 + 300_005 })).status, 401);
});

test("demo: pages and scripts carry a strict Content-Security-Policy and no inline script or style", async () => {
  const expected = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  for (const path of ["/", "/index.html", "/app.js", "/sw.js", "/style.css"]) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-security-policy"), expected, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
  }
  const html = await (await fetch(server.url + "/")).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, "no inline <script>");
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, "no inline style or event handler attributes");
});

test("www/wrangler.toml, the deployable template, has no password, no signing key and no demo controls", () => {
  const toml = readFileSync(join(WWW, "wrangler.toml"), "utf8");
  const assignments = toml.split("\n").filter((l) => /^\s*[A-Z_]+\s*=/.test(l)).map((l) => l.split("=")[0].trim());
  for (const name of ["DEMO_CONTROLS", "DEMO_PASSWORD", "ROTOR_SIGNING_KEYS", "ROTOR_SIGNING_KEY"]) {
    assert.ok(!assignments.includes(name), `${name} is not set in wrangler.toml`);
  }
});

test("demo: without DEMO_PASSWORD (a deployment that forgot the secret) sign-in is off, not open with a default", async () => {
  const bare = await startDemo({ port: await freePort(), password: "" });
  try {
    const res = await fetch(`${bare.url}/signin`, {
      method: "POST",
      headers: { origin: bare.url, "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "demo" }),
    });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: "temporarily_unavailable", error_description: "sign-in is not configured on this deployment" });
  } finally {
    await bare.stop();
  }
});

test("demo \"page + DPoP\" client: sign-in needs a proof and binds the family; the API takes the bound token with a proof only", async () => {
  const oauth = await import("oauth4webapi");
  const jose = await import("jose");
  const refused = await signIn({ username: "dora", password: PASSWORD, mode: "dpop" });
  assert.equal(refused.status, 400);
  assert.deepEqual(await refused.json(), { error: "invalid_dpop_proof", error_description: "startSession: this client requires a DPoP proof (dpop: the sign-in request)" });
  // oauth4webapi's DPoP client (a real peer) makes the proofs.
  const dpop = oauth.DPoP({ client_id: "demo-spa-dpop" }, await oauth.generateKeyPair("ES256"));
  const headers = new Headers({ origin: server.url, "content-type": "application/json", "cf-connecting-ip": freshIp() });
  await dpop.addProof(new URL(`${server.url}/signin`), headers, "POST");
  const res = await signIn({ username: "dora", password: PASSWORD, mode: "dpop" }, { headers });
  assert.equal(res.status, 200);
  const tokens = await res.json();
  assert.equal(tokens.token_type, "DPoP");
  const jkt = await dpop.calculateThumbprint();
  assert.deepEqual(jose.decodeJwt(tokens.access_token).cnf, { jkt });
  // As a bearer token it is refused (RFC 9449 §7.1); with a proof of the key it is accepted.
  const bearer = await fetch(`${server.url}/api/hello`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(bearer.status, 401);
  assert.equal((await bearer.json()).error_description, "a DPoP-bound token must be sent with Authorization: DPoP");
  const api = await oauth.protectedResourceRequest(tokens.access_token, "GET", new URL(`${server.url}/api/hello`), new Headers(), null, { DPoP: dpop, [oauth.allowInsecureRequests]: true });
  assert.equal(api.status, 200);
  const body = await api.json();
  assert.equal(body.hello, "dora");
  assert.equal(body.dpop, jkt);
});
