// The shared client vectors in headless Chromium: the page loads the package's browser entry,
// awaits init(), runs every case, and Node compares the results with the expectations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { launchChromium, serveStatic } from "../support/browser.mjs";
import { checkRequestResults, checkResponseResults } from "../support/client-vectors.mjs";

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
          import { runClientVectors } from "/tests/support/client-vectors-runner.mjs";
          await init();
          const load = async (n) => (await fetch("/tests/vectors/client/" + n)).json();
          const [requests, responses] = await Promise.all([load("requests.json"), load("responses.json")]);
          window.results = runClientVectors(rotor, requests, responses);
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

test("request vectors in Chromium", { skip }, () => checkRequestResults(results));

test("response vectors in Chromium (plain objects, and Headers + Uint8Array bodies)", { skip }, () =>
  checkResponseResults(results));
