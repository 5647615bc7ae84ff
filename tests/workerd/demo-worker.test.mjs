// The demo's worker (www/worker.js) in the real workerd, over HTTP: what its sign-in step
// accepts. The browser suites (tests/browser/demo*.test.mjs) drive the same worker through
// the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../support/workerd.mjs";
import { startDemo } from "../../www/demo.mjs";

let server;
before(async () => {
  server = await startDemo({ port: await freePort() });
});
after(() => server?.stop());

function signIn(body, headers = { origin: server.url, "content-type": "application/json" }) {
  return fetch(`${server.url}/signin`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

test("demo /signin: only this origin's page, with a JSON body (no login CSRF from another site's form)", async () => {
  const good = { username: "alice", password: "demo" };
  const cases = [
    ["no Origin header", { "content-type": "application/json" }, 403, "access_denied"],
    ["another site's Origin", { origin: "https://evil.example", "content-type": "application/json" }, 403, "access_denied"],
    ["the opaque Origin of a sandboxed frame", { origin: "null", "content-type": "application/json" }, 403, "access_denied"],
    // What an HTML form can send cross-site without a preflight:
    ["a form body", { origin: server.url, "content-type": "application/x-www-form-urlencoded" }, 415, "invalid_request"],
    ["text/plain", { origin: server.url, "content-type": "text/plain" }, 415, "invalid_request"],
    ["no Content-Type", { origin: server.url }, 415, "invalid_request"],
  ];
  for (const [what, headers, status, error] of cases) {
    const res = await signIn(good, headers);
    assert.equal(res.status, status, what);
    assert.equal(res.headers.get("cache-control"), "no-store", what);
    const body = await res.json();
    assert.equal(body.error, error, what);
    assert.equal(body.access_token, undefined, what);
  }
  const stats = await (await fetch(`${server.url}/demo/stats`)).json();
  assert.equal(stats.signins, 0, "none of them started a session");

  const ok = await signIn(good, { origin: server.url, "content-type": "application/json; charset=utf-8" });
  assert.equal(ok.status, 200);
  const tokens = await ok.json();
  assert.equal(tokens.token_type, "Bearer");
  assert.equal(typeof tokens.refresh_token, "string");
});
