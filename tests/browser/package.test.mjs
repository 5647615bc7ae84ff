// The wasm package in headless Chromium: `await init()` then the API works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, serveStatic } from "../support/browser.mjs";

let server, browser;
before(async () => {
  server = await serveStatic({
    routes: {
      "/page.html": (req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<!doctype html><title>rotor</title><script type="module">
          import init, * as rotor from "/pkg/entry/browser.js";
          const a = init(); const b = init();
          window.sameInit = a === b;
          await a;
          window.rotorVersion = rotor.version();
        </script>`);
      },
    },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("Chromium: init() loads the module once and the API answers", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url + "/page.html");
  await page.waitForFunction(() => window.rotorVersion !== undefined, null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.rotorVersion), "0.1.0");
  assert.equal(await page.evaluate(() => window.sameInit), true);
  assert.deepEqual(errors, []);
});
