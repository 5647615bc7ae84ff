// The shared client vectors in headless Chromium: the page loads the package's browser entry,
// awaits init(), runs every case, and Node compares the results with the expectations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, serveStatic, ROOT } from "../support/browser.mjs";

const load = (name) => JSON.parse(readFileSync(join(ROOT, "tests/vectors/client", name), "utf8"));
const requests = load("requests.json");
const responses = load("responses.json");

// `make test` installs Chromium only in its browser step, after the Node tests: without it
// these tests are reported as skipped (tests/browser covers the package in Chromium anyway).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

let server, browser, results;
before(async () => {
  if (skip) return;
  server = await serveStatic({
    routes: {
      "/client-vectors.html": (req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<!doctype html><title>rotor client vectors</title><script type="module">
          import init, * as rotor from "/pkg/entry/browser.js";
          await init();
          const load = async (n) => (await fetch("/tests/vectors/client/" + n)).json();
          const [requests, responses] = await Promise.all([load("requests.json"), load("responses.json")]);
          const pick = (e) => ({ name: e.name, code: e.code, kind: e.kind, status: e.status, description: e.description, retryAfter: e.retryAfter, isError: e instanceof Error });
          const run = (fn) => { try { return { ok: fn() }; } catch (e) { return { error: pick(e) }; } };
          window.results = {
            requests: requests.map((v) => run(() => rotor.buildRefreshRequest(v.client, v.params))),
            responses: responses.map((v) => run(() => rotor.parseTokenResponse(
              v.client,
              { ...v.response, headers: new Headers(v.response.headers), body: new TextEncoder().encode(v.response.body) },
              v.options,
            ))),
          };
        </script>`);
      },
    },
  });
  browser = await launchChromium();
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url + "/client-vectors.html");
  await page.waitForFunction(() => window.results !== undefined, null, { timeout: 20_000 });
  results = await page.evaluate(() => window.results);
  assert.deepEqual(errors, []);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

function check(got, expect, name) {
  if (expect.error) {
    assert.ok(got.error, `${name}: expected an error, got ${JSON.stringify(got)}`);
    assert.equal(got.error.isError, true, name);
    for (const [k, v] of Object.entries(expect.error)) assert.deepEqual(got.error[k], v, `${name}: ${k}`);
    return undefined;
  }
  assert.ok(got.ok, `${name}: ${JSON.stringify(got.error)}`);
  return got.ok;
}

test("request vectors in Chromium", { skip }, () => {
  assert.equal(results.requests.length, requests.length);
  requests.forEach((v, i) => {
    const got = check(results.requests[i], v.expect, v.name);
    if (!got) return;
    if (!v.random) return assert.deepEqual(got, v.expect, v.name);
    const strip = (body) => [...new URLSearchParams(body)].filter(([k]) => k !== "client_assertion");
    assert.deepEqual(strip(got.body), strip(v.expect.body), v.name);
    assert.match(new URLSearchParams(got.body).get("client_assertion"), /^eyJ[\w-]+\.[\w-]+\.[\w-]{43}$/);
  });
});

test("response vectors in Chromium (Headers instances and Uint8Array bodies)", { skip }, () => {
  assert.equal(results.responses.length, responses.length);
  responses.forEach((v, i) => {
    const got = check(results.responses[i], v.expect, v.name);
    if (got) assert.deepEqual(got, v.expect.tokenSet, v.name);
  });
});
