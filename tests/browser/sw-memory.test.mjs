// rotor/sw with `persist: false` in headless Chromium: the token set lives in the worker's
// memory only, so page script finds nothing in IndexedDB; when the browser stops the worker
// the session is gone: the next API call goes out without a token and the page is told
// `rotor:reauthenticate` with code "no_session". (The default, persisted mode is
// tests/browser/renewal.test.mjs, which also shows that page script CAN read that storage.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.mjs";
import { startTokenServer } from "../support/token-server.mjs";

const html = (script) => `<!doctype html><meta charset="utf-8"><title>rotor sw memory</title><script type="module" src="${script}"></script><p>rotor</p>`;

let server;
let browser;
before(async () => {
  server = await startTokenServer({
    accessTtl: 30,
    pages: { "/mem.html": html("/sw-page.js") },
    bundles: { "/sw.js": "tests/browser/fixtures/sw-memory.js", "/sw-page.js": "tests/browser/fixtures/sw-page.js" },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("service worker, persist: false: nothing in IndexedDB; a stopped worker loses the session and the page is told", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url + "/mem.html");
  await page.waitForFunction(() => window.swReady === true, null, { timeout: 15_000 });
  const session = server.startSession();
  const reply = await page.evaluate(async (json) => {
    const now = Date.now();
    const tokenSet = {
      accessToken: json.access_token, tokenType: "Bearer", expiresAt: now + json.expires_in * 1000,
      refreshToken: json.refresh_token, refreshExpiresAt: null, scope: json.scope, idToken: null, rotated: false, receivedAt: now,
    };
    return window.swAsk({ type: "rotor:set-tokens", tokenSet });
  }, session);
  assert.equal(reply.active, true);
  const call = (path) =>
    page.evaluate(async (p) => {
      const r = await fetch(p);
      return r.status;
    }, path);
  assert.equal(await call("/api/data"), 200);
  // Page script looking for the token in the origin's storage finds no database of the worker.
  const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.ok(!databases.includes("rotor-sw"), `databases: ${databases.join(", ")}`);

  // The browser stops the worker (DevTools protocol, as when it is idle).
  const cdp = await page.context().newCDPSession(page);
  const statuses = [];
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
    for (const v of versions) statuses.push(v.runningStatus);
  });
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  const deadline = Date.now() + 5_000;
  while (!statuses.includes("stopped") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statuses.includes("stopped"), `worker stopped (saw ${statuses.join(",")})`);

  // Next use: the restarted worker has no session.
  const mark = server.stats.api.length;
  assert.equal(await call("/api/after-stop"), 401);
  const seen = server.stats.api.slice(mark).find((a) => a.path === "/api/after-stop");
  assert.equal(seen.authorization, null, "sent without a token");
  await page.waitForFunction(() => window.swMessages.some((m) => m.type === "rotor:reauthenticate" && m.code === "no_session"), null, { timeout: 5_000 });
  const status = await page.evaluate(() => window.swAsk({ type: "rotor:status" }));
  assert.equal(status.active, false);
  assert.deepEqual(errors, []);
  await page.close();
});
