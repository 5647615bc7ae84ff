// Renewal in headless Chromium against a loopback token server with 3-second access tokens:
// several tabs share one rotating refresh token; the service worker attaches the header only
// on the API prefix, survives a restart, and reports invalid_grant as `reauthenticate`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { launchChromium } from "../support/browser.mjs";
import { startTokenServer, ROOT } from "../support/token-server.mjs";

const SHOTS = resolve(ROOT, "test-results");
const html = (script) => `<!doctype html><meta charset="utf-8"><title>rotor renewal</title><script type="module" src="${script}"></script><p>rotor</p>`;

let server;
let browser;
before(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startTokenServer({
    accessTtl: 3,
    pages: { "/tabs.html": html("/page.js"), "/sw.html": html("/sw-page.js") },
    bundles: {
      "/page.js": "tests/browser/fixtures/page.js",
      "/sw.js": "tests/browser/fixtures/sw.js",
      "/sw-page.js": "tests/browser/fixtures/sw-page.js",
    },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openTab(path, readyFlag) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url + path);
  await page.waitForFunction((flag) => window[flag] === true, readyFlag, { timeout: 15_000 });
  return { page, errors };
}

test("four tabs share one rotating refresh token: one redemption per rotation", async (t) => {
  const tabs = [await openTab("/tabs.html", "rotorReady")];
  t.after(async () => {
    // Closed whatever happened, so no tab keeps renewing during the next tests.
    for (const { page } of tabs) await page.close().catch(() => {});
  });
  await tabs[0].page.evaluate((json) => window.rotorTest.signIn(json), server.startSession());
  for (let i = 0; i < 3; i++) tabs.push(await openTab("/tabs.html", "rotorReady"));
  const before = server.stats.redemptions.length;
  // 3 s tokens renew about every 1.5-2 s; let several rotations happen with every tab's timer
  // and with getAccessToken bursts from every tab at once.
  const deadline = Date.now() + 7_000;
  const seen = new Set();
  while (Date.now() < deadline) {
    const tokens = await Promise.all(
      tabs.map(({ page }) => page.evaluate(() => Promise.all([1, 2, 3].map(() => window.rotorTest.manager.getAccessToken())))),
    );
    for (const t of tokens.flat()) seen.add(t);
    await sleep(300);
  }
  const rotations = server.stats.redemptions.length - before;
  assert.ok(rotations >= 3, `expected several rotations, saw ${rotations}`);
  assert.equal(server.stats.reuse, 0, "no rotated refresh token was replayed");
  assert.equal(server.stats.rejected, 0);
  assert.ok(server.redeemedOncePerRotation());
  // Every tab holds a working access token (tokens of consecutive rotations may differ).
  const finals = await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.rotorTest.manager.getAccessToken())));
  for (const token of finals) {
    const res = await fetch(`${server.url}/api/check`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
  }
  await tabs[1].page.screenshot({ path: resolve(SHOTS, "renewal-tabs.png") });
  for (const { errors } of tabs) assert.deepEqual(errors, []);
});

test("service worker: Authorization only on the API prefix, survives a restart, reports reauthenticate", async () => {
  const { page, errors } = await openTab("/sw.html", "swReady");
  const session = server.startSession();
  const reply = await page.evaluate(async (json) => {
    const now = Date.now();
    const tokenSet = {
      accessToken: json.access_token,
      tokenType: "Bearer",
      expiresAt: now + json.expires_in * 1000,
      refreshToken: json.refresh_token,
      refreshExpiresAt: null,
      scope: json.scope,
      idToken: null,
      rotated: false,
      receivedAt: now,
    };
    return window.swAsk({ type: "rotor:set-tokens", tokenSet });
  }, session);
  assert.equal(reply.type, "rotor:status");
  assert.equal(reply.active, true);
  assert.equal(JSON.stringify(reply).includes(session.refresh_token), false);
  // What SECURITY.md says: the worker never sends the token to pages, but its default storage
  // is the origin's IndexedDB, which any script of this origin can read.
  const stolen = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("rotor-sw");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction("tokens").objectStore("tokens").get("session");
          get.onsuccess = () => resolve(get.result?.refreshToken ?? null);
          get.onerror = () => reject(get.error);
        };
      }),
  );
  assert.equal(stolen, session.refresh_token, "same-origin page script reads the refresh token from IndexedDB");

  const call = (path) =>
    page.evaluate(async (p) => {
      const r = await fetch(p);
      return { status: r.status, body: await r.json() };
    }, path);
  const apiCount = () => server.stats.api.length;

  let mark = apiCount();
  assert.deepEqual(await call("/api/data"), { status: 200, body: { path: "/api/data", ok: true } });
  assert.deepEqual(await call("/public/data"), { status: 200, body: { path: "/public/data", sawAuthorization: false } });
  assert.deepEqual(await call("/apiary/data"), { status: 200, body: { path: "/apiary/data", sawAuthorization: false } });
  const seen = server.stats.api.slice(mark);
  assert.match(seen[0].authorization, /^Bearer at_/);
  assert.equal(seen[1].authorization, null);
  assert.equal(seen[2].authorization, null);

  // The API refuses the access token (invalid_token): the worker renews once and retries.
  server.expireAccessTokens();
  const family = server.familyOf(session.refresh_token);
  const redemptions = server.redemptionsOf(family);
  assert.equal((await call("/api/after-reject")).status, 200);
  assert.equal(server.redemptionsOf(family), redemptions + 1);

  // Stop the worker (DevTools protocol); the next API call starts it again, and it still has
  // the session from IndexedDB. Waiting past the 3 s expiry makes it renew on demand too.
  const cdp = await page.context().newCDPSession(page);
  const statuses = [];
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
    for (const v of versions) statuses.push(v.runningStatus);
  });
  await cdp.send("ServiceWorker.enable");
  const redemptionsBeforeStop = server.redemptionsOf(family);
  await cdp.send("ServiceWorker.stopAllWorkers");
  const stopDeadline = Date.now() + 5_000;
  while (!statuses.includes("stopped") && Date.now() < stopDeadline) await sleep(50);
  assert.ok(statuses.includes("stopped"), `worker stopped (saw ${statuses.join(",")})`);
  await sleep(3_200);
  mark = apiCount();
  assert.equal((await call("/api/after-restart")).status, 200);
  assert.ok(server.stats.api.slice(mark).some((a) => a.ok && a.path === "/api/after-restart"));
  assert.equal(statuses.at(-1), "running", "the browser started the worker again");
  // The restarted worker renewed the expired token with the refresh token from IndexedDB.
  assert.equal(server.redemptionsOf(family), redemptionsBeforeStop + 1);
  assert.ok(server.redeemedOncePerRotation());
  assert.equal(server.stats.reuse, 0);

  // The session is revoked: the next renewal gets invalid_grant, the page hears reauthenticate.
  server.revokeAll();
  await page.evaluate(() => window.swAsk({ type: "rotor:renew" }));
  await page.waitForFunction(() => window.swMessages.some((m) => m.type === "rotor:reauthenticate"), null, { timeout: 10_000 });
  const status = await page.evaluate(() => window.swAsk({ type: "rotor:status" }));
  assert.equal(status.active, false);
  assert.equal((await call("/api/after-revoke")).status, 401);
  await page.screenshot({ path: resolve(SHOTS, "renewal-sw.png") });

  // Nothing sensitive ever reached the page.
  const messages = await page.evaluate(() => JSON.stringify(window.swMessages));
  assert.doesNotMatch(messages, /rt_|at_/);
  assert.match(messages, /rotor:renewed/);
  assert.deepEqual(errors, []);
  await cdp.detach();
  await page.close();
});

test("tab: a page loaded with an expired access token and a live refresh token renews at once", async (t) => {
  const first = await openTab("/tabs.html", "rotorReady");
  const session = server.startSession();
  const family = server.familyOf(session.refresh_token);
  await first.page.evaluate((json) => window.rotorTest.signIn(json), session);
  await first.page.close();
  await sleep(3_300); // no page open: nothing renews, the access token expires
  const redeemed = server.redemptionsOf(family);
  const opened = Date.now();
  const { page, errors } = await openTab("/tabs.html", "rotorReady");
  const ready = Date.now();
  await page
    .waitForFunction(() => window.rotorTest.events.some((e) => e.type === "renewed"), null, { timeout: 5_000 })
    .catch(async (err) => {
      const state = await page.evaluate(() => ({ events: window.rotorTest.events, state: window.rotorTest.manager.state }));
      throw new Error(`${err.message}: ${JSON.stringify(state)} redemptions ${server.redemptionsOf(family) - redeemed}`);
    });
  t.diagnostic(`page ready after ${ready - opened} ms, renewed after ${Date.now() - ready} ms more`);
  assert.equal(server.redemptionsOf(family), redeemed + 1);
  const token = await page.evaluate(() => window.rotorTest.manager.getAccessToken());
  assert.equal((await fetch(`${server.url}/api/check`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.deepEqual(errors, []);
  await page.close();
});

test("tab: invalid_grant reaches the page as a reauthenticate event", async () => {
  const { page, errors } = await openTab("/tabs.html", "rotorReady");
  await page.evaluate(async (json) => {
    await window.rotorTest.signIn(json);
    window.rotorTest.events.length = 0; // forget whatever the previous tests' session did
  }, server.startSession());
  server.revokeAll();
  await page.waitForFunction(() => window.rotorTest.events.some((e) => e.type === "reauthenticate"), null, { timeout: 10_000 });
  const result = await page.evaluate(async () => {
    try {
      await window.rotorTest.manager.getAccessToken();
      return "resolved";
    } catch (e) {
      return e.kind;
    }
  });
  assert.equal(result, "reauthenticate");
  assert.deepEqual(errors, []);
  await page.close();
});
