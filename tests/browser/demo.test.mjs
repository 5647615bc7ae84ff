// The demo end to end: the real worker (issuer + Durable Objects + protected API + embedded
// page) on workerd, driven by headless Chromium. Short lifetimes (4 s access tokens) so that
// renewals come every ~2 s. Saves test-results/demo-timeline.png (UPDATE_SCREENSHOT=1 also
// copies it to www/screenshot.png for the README).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/workerd.mjs";
import { launchChromium, assertRefreshCookie, pageStorageScan, ROOT } from "../support/browser.mjs";
import { startDemo } from "../../www/demo.mjs";

const ACCESS_TTL = 4;
let server;
let browser;

before(async () => {
  server = await startDemo({
    port: await freePort(),
    accessTokenTtl: ACCESS_TTL,
    refreshTokenTtl: 300,
    refreshIdleTtl: 60,
    apiIntervalMs: 400,
    timelineSeconds: 21,
    outageSeconds: 5, // longer than a renewal interval: at least two refused attempts
  });
  browser = await launchChromium();
  // The demo sends a strict Content-Security-Policy (www/worker.js): record any violation.
  await browser.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function stats() {
  return (await fetch(`${server.url}/demo/stats`)).json();
}

const demoState = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.demo)));

async function waitFor(page, predicate, arg, timeout = 15_000) {
  await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
  return demoState(page);
}

async function open(path) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(server.url + path);
  await page.waitForFunction(() => window.demo?.ready === true, null, { timeout: 15_000 });
  page.errors = errors;
  return page;
}

async function signIn(page, user) {
  await page.fill("#username", user);
  await page.fill("#password", "demo");
  await page.click("#signin button[type=submit]");
  await page.waitForFunction(() => window.demo.active === true, null, { timeout: 10_000 });
}

async function count(page, selector) {
  return page.locator(`#timeline ${selector}`).count();
}

/** Waits until the timeline (redrawn a few times a second) has `n` elements matching `selector`. */
async function drawn(page, selector, n, message) {
  try {
    await page.waitForFunction(([sel, min]) => document.querySelectorAll(`#timeline ${sel}`).length >= min, [selector, n], { timeout: 3000 });
  } catch {
    assert.fail(`${message}: ${await count(page, selector)} of ${n} "${selector}" drawn`);
  }
}

test("page mode: silent renewals with rotation, a shared second tab, outage and revocation", async () => {
  const a = await open("/?mode=page");
  assert.equal((await demoState(a)).mode, "page");
  await signIn(a, "alice");

  // Three renewals, each rotating the refresh token, while the API is called every 400 ms.
  let s = await waitFor(a, () => window.demo.counts.rotations >= 3 && window.demo.counts.renewals >= 3);
  assert.equal(s.counts.apiFail, 0, `API failures: ${JSON.stringify(s.events.filter((e) => e.kind === "error"))}`);
  assert.ok(s.counts.apiOk >= 5, `API calls answered: ${s.counts.apiOk}`);
  assert.equal(s.counts.retries, 0);
  assert.equal(s.lastApi.status, 200);
  assert.equal(s.lastApi.body.hello, "alice");
  await drawn(a, ".tl-rotated", 3, "the timeline marks the rotations");
  await drawn(a, ".tl-renewed", 3, "the timeline marks the renewals");
  await drawn(a, ".tl-bar", 4, "the timeline draws each access token");
  await drawn(a, ".tl-api-ok", 5, "the timeline draws the API calls");
  assert.equal(await count(a, ".tl-api-fail"), 0);
  await drawn(a, ".tl-state", 2, "the timeline draws the machine's states");
  assert.equal(typeof s.skewMs, "number", "the page measures the clock skew");
  assert.ok(Math.abs(s.skewMs) < 2000, `skew against a local server: ${s.skewMs} ms`);
  await drawn(a, ".tl-skew", 1, "the timeline draws the clock skew");
  const server1 = await stats();
  const after1 = (await demoState(a)).counts.tokenRequests;
  assert.equal(server1.signins, 1);
  assert.equal(server1.duplicateRedemptions, 0);
  assert.ok(server1.redemptions >= s.counts.tokenRequests && server1.redemptions <= after1, "each redemption is one of the page's requests");

  // A second tab shares the session: no sign-in, no second redemption of any refresh token.
  const b = await open("/");
  assert.equal((await demoState(b)).active, true, "the second tab finds the session");
  const before = (await demoState(a)).counts.tokenRequests + (await demoState(b)).counts.tokenRequests;
  await waitFor(b, () => window.demo.counts.adopted + window.demo.counts.renewals >= 3, null, 20_000);
  const [sa, sb] = [await demoState(a), await demoState(b)];
  const server2 = await stats();
  const after2 = (await demoState(a)).counts.tokenRequests + (await demoState(b)).counts.tokenRequests;
  assert.equal(server2.signins, 1, "the second tab did not sign in");
  assert.equal(server2.duplicateRedemptions, 0, "no refresh token was redeemed twice");
  assert.equal(server2.failedRedemptions, 0);
  const requests = sa.counts.tokenRequests + sb.counts.tokenRequests;
  assert.ok(server2.redemptions >= requests && server2.redemptions <= after2, "every redemption is one tab's request");
  assert.ok(sa.counts.tokenRequests + sb.counts.tokenRequests > before, "renewals went on with two tabs");
  assert.equal(sa.counts.apiFail + sb.counts.apiFail, 0, "API calls never failed in either tab");
  assert.ok(sb.counts.apiOk >= 3);
  assert.ok(sb.counts.adopted >= 1 || sa.counts.adopted >= 1, "a tab adopted the other's renewal");
  await b.close();

  // Outage of the token endpoint: the renewal backs off, then recovers.
  await a.click("#outage");
  s = await waitFor(a, () => window.demo.counts.retries >= 2, null, 15_000);
  s = await waitFor(a, (n) => window.demo.counts.renewals > n && window.demo.state === "scheduled", s.counts.renewals, 20_000);
  const recovered = s.counts.renewals;
  assert.ok(s.events.some((e) => e.kind === "retrying" && /temporarily_unavailable/.test(e.text)), "retries name the 503");
  await drawn(a, ".tl-retry", 2, "the timeline marks the retries");
  await drawn(a, ".tl-backoff", 2, "the timeline draws the backoff waits");
  await drawn(a, ".tl-outage", 1, "the timeline shades the outage");
  await drawn(a, '.tl-request[data-status="503"]', 2, "the timeline shows the refused requests");
  await waitFor(a, (n) => window.demo.counts.renewals >= n + 1, recovered);
  const apiAfter = (await demoState(a)).counts.apiOk;
  await waitFor(a, (n) => window.demo.counts.apiOk >= n + 2 && window.demo.lastApi.status === 200, apiAfter);

  // Revocation: the next renewal is refused and the page says reauthenticate.
  await a.click("#revoke");
  s = await waitFor(a, () => window.demo.counts.reauthenticate >= 1 && window.demo.active === false);
  assert.match(await a.locator("#banner").innerText(), /reauthenticate/);
  assert.ok(await a.locator("#signin-panel").isVisible(), "the sign-in form is back");
  await drawn(a, ".tl-reauth", 1, "timeline");
  assert.equal((await stats()).revocations, 1);
  await a.waitForTimeout(700); // one more frame of the timeline after the revocation
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  const shot = join(ROOT, "test-results/demo-timeline.png");
  await a.setViewportSize({ width: 1440, height: 830 });
  await a.waitForTimeout(400);
  await a.screenshot({ path: shot, fullPage: false });
  if (process.env.UPDATE_SCREENSHOT === "1") copyFileSync(shot, join(ROOT, "www/screenshot.png"));
  assert.deepEqual(a.errors, []);
  assert.deepEqual(await a.evaluate(() => window.__cspViolations), [], "the page runs under its CSP without a violation");
  await a.close();
});

test("service-worker mode: rotor/sw renews silently, a second tab shares it, revocation", async () => {
  const c = await open("/?mode=sw");
  assert.equal((await demoState(c)).mode, "sw");
  const signinsBefore = (await stats()).signins;
  const redemptionsBefore = (await stats()).redemptions;
  // The service worker performs the sign-in (rotor/sw sessionUrls): what reaches the page
  // holds lifetimes only, never a token.
  const signinAnswer = c.waitForResponse((r) => r.url().endsWith("/signin") && r.request().method() === "POST");
  await signIn(c, "bob");
  const pageSaw = await (await signinAnswer).text();
  assert.equal(JSON.parse(pageSaw).type, "rotor:session", pageSaw);
  assert.doesNotMatch(pageSaw, /refresh_token|access_token|refreshToken|accessToken/);
  let s = await waitFor(c, () => window.demo.counts.rotations >= 3 && window.demo.counts.renewals >= 3, null, 20_000);
  assert.equal(s.counts.apiFail, 0, `API failures: ${JSON.stringify(s.events.filter((e) => e.kind === "error"))}`);
  assert.ok(s.counts.apiOk >= 5);
  assert.equal(s.lastApi.body.hello, "bob", "the service worker attached bob's token");
  await drawn(c, ".tl-rotated", 3, "timeline");
  await drawn(c, '.tl-request[data-status="200"]', 3, "the worker reports its token requests");

  const d = await open("/");
  assert.equal((await demoState(d)).mode, "sw");
  assert.equal((await demoState(d)).active, true, "the second tab is controlled by the same worker");
  await waitFor(d, () => window.demo.counts.renewals >= 2 && window.demo.counts.apiOk >= 3, null, 15_000);
  const server = await stats();
  assert.equal(server.signins, signinsBefore + 1, "one sign-in for both tabs");
  assert.equal(server.duplicateRedemptions, 0);
  assert.equal((await demoState(d)).counts.apiFail, 0);
  assert.equal((await demoState(c)).counts.apiFail, 0);
  assert.ok(server.redemptions > redemptionsBefore);

  await c.click("#revoke");
  await waitFor(c, () => window.demo.counts.reauthenticate >= 1 && window.demo.active === false);
  await waitFor(d, () => window.demo.counts.reauthenticate >= 1 && window.demo.active === false);
  assert.match(await d.locator("#banner").innerText(), /reauthenticate/);
  assert.deepEqual(c.errors, []);
  assert.deepEqual(d.errors, []);
  for (const p of [c, d]) assert.deepEqual(await p.evaluate(() => window.__cspViolations), [], "no CSP violation in service-worker mode");
  await c.close();

  // The switch back to page mode leaves the service worker: nothing intercepts /api/ any more.
  await Promise.all([d.waitForNavigation(), d.click('#mode label:has(input[value="page"])')]);
  await d.waitForFunction(() => window.demo?.ready === true && window.demo.mode === "page", null, { timeout: 15_000 });
  assert.equal(await d.evaluate(() => navigator.serviceWorker.controller), null);
  assert.equal(await d.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
  assert.equal((await demoState(d)).active, false);
});

test("service-worker mode: another site's auto-submitted form to /signin does not replace the session (login CSRF)", async () => {
  const victim = await open("/?mode=sw");
  await signIn(victim, "victim");
  await waitFor(victim, () => window.demo.counts.apiOk >= 1 && window.demo.lastApi?.body?.hello === "victim");
  const signins = (await stats()).signins;

  // The attacker's page (an opaque origin here) posts a form to the demo's /signin: a
  // navigation, which the victim's service worker sees and must not capture.
  const attacker = await browser.newPage();
  await attacker.setContent(
    `<form method="post" action="${server.url}/signin" enctype="text/plain">` +
      `<input name='{"username":"mallory","password":"demo","x":"' value='"}'></form>`,
  );
  const [response] = await Promise.all([attacker.waitForNavigation(), attacker.evaluate(() => document.forms[0].submit())]);
  assert.equal(response.status(), 403);
  assert.equal(JSON.parse(await response.text()).error, "access_denied");
  await attacker.close();

  assert.equal((await stats()).signins, signins, "no session was started for the attacker");
  const apiBefore = (await demoState(victim)).counts.apiOk;
  const s = await waitFor(victim, (n) => window.demo.counts.apiOk >= n + 2, apiBefore);
  assert.equal(s.lastApi.body.hello, "victim", "the worker still holds the victim's session");
  assert.deepEqual(victim.errors, []);
  await victim.close();
});

test("edge cookie mode: renewals with the refresh token only in an HttpOnly cookie — no script finds it, a second tab shares it, cross-site requests are refused, revocation expires it", async () => {
  // A browser of its own: the other modes' sessions (IndexedDB) must not be what the scan finds.
  const shared = browser;
  browser = await launchChromium();
  await browser.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  try {
    await edgeCookieMode();
  } finally {
    await browser.close();
    browser = shared;
  }
});

async function edgeCookieMode() {
  const e = await open("/?mode=cookie");
  assert.equal((await demoState(e)).mode, "cookie");
  const before = await stats();
  const signinAnswer = e.waitForResponse((r) => r.url().endsWith("/signin") && r.request().method() === "POST");
  await signIn(e, "carol");
  const answer = await signinAnswer;
  const signinBody = await answer.text();
  assert.doesNotMatch(signinBody, /refresh_token/);
  assert.match(signinBody, /"access_token"/);
  const refreshCookie = async () => (await browser.cookies(server.url + "/token")).find((c) => c.name === "__Secure-rotor-refresh");
  const first = await refreshCookie();
  assertRefreshCookie(first);
  assert.ok(!signinBody.includes(first.value));

  // Three renewals: each one redeems the cookie's token and gets the successor's cookie.
  let s = await waitFor(e, () => window.demo.counts.renewals >= 3, null, 20_000);
  assert.equal(s.counts.apiFail, 0, `API failures: ${JSON.stringify(s.events.filter((x) => x.kind === "error"))}`);
  assert.equal(s.lastApi.body.hello, "carol");
  await drawn(e, ".tl-renewed", 3, "the timeline marks the renewals");
  await drawn(e, ".tl-bar", 4, "the timeline draws each access token");
  const now = await refreshCookie();
  assert.notEqual(now.value, first.value, "the cookie rotated");
  const server1 = await stats();
  assert.ok(server1.redemptions >= before.redemptions + 3);
  assert.equal(server1.duplicateRedemptions, 0);

  // What page script can reach: document.cookie, every IndexedDB database, Cache Storage.
  const found = await e.evaluate(pageStorageScan, [first.value, now.value]);
  assert.deepEqual(found.hits, []);
  assert.ok(found.texts.some((t) => t.startsWith("rotor-demo/") && t.includes('"refreshToken":null')), `the stored set has no refresh token: ${found.texts.map((t) => t.slice(0, 60)).join(" | ")}`);

  // A second tab shares the session: no sign-in, no refresh token redeemed twice.
  const f = await open("/");
  assert.equal((await demoState(f)).mode, "cookie");
  assert.equal((await demoState(f)).active, true);
  await waitFor(f, () => window.demo.counts.adopted + window.demo.counts.renewals >= 2 && window.demo.counts.apiOk >= 3, null, 20_000);
  const server2 = await stats();
  assert.equal(server2.signins, before.signins + 1);
  assert.equal(server2.duplicateRedemptions, 0, "no refresh token was redeemed twice");
  assert.equal((await demoState(f)).counts.apiFail + (await demoState(e)).counts.apiFail, 0);
  await f.close();

  // Another site: its form post to /token is refused (no cookie under SameSite=Strict, and a
  // foreign Origin), and its script cannot even send a credentialed request (no preflight grant).
  const attacker = await browser.newPage();
  await attacker.setContent(
    `<form method="post" action="${server.url}/token"><input name="grant_type" value="refresh_token"><input name="client_id" value="demo-spa-cookie"></form>`,
  );
  const [posted] = await Promise.all([attacker.waitForNavigation(), attacker.evaluate(() => document.forms[0].submit())]);
  assert.equal(posted.status(), 403);
  assert.equal(JSON.parse(await posted.text()).error, "invalid_request");
  await attacker.close();
  // (The form post navigated that page to the demo's origin: script runs from a fresh one.)
  const other = await browser.newPage();
  await other.setContent("<p>another site</p>");
  const scripted = await other.evaluate(async (url) => {
    try {
      const r = await fetch(url, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-rotor-csrf": "1" },
        body: "grant_type=refresh_token&client_id=demo-spa-cookie",
      });
      return `status ${r.status}`;
    } catch (err) {
      return err.name;
    }
  }, `${server.url}/token`);
  assert.equal(scripted, "TypeError", "the preflight is refused");
  await other.close();
  assert.equal((await refreshCookie()).value !== undefined, true, "the victim's cookie is untouched");
  const apiBefore = (await demoState(e)).counts.apiOk;
  await waitFor(e, (n) => window.demo.counts.apiOk >= n + 2 && window.demo.lastApi.status === 200, apiBefore);

  // Revocation: the cookie is sent to /revoke, whose answer expires it; the next renewal ends in reauthenticate.
  await e.click("#revoke");
  await waitFor(e, () => window.demo.counts.reauthenticate >= 1 && window.demo.active === false);
  assert.equal(await refreshCookie(), undefined, "the revocation expired the cookie");
  assert.deepEqual(e.errors, []);
  assert.deepEqual(await e.evaluate(() => window.__cspViolations), [], "no CSP violation in edge cookie mode");
  await e.close();
}

test("page + DPoP mode: tokens bound to the page's non-extractable key, a DPoP badge on each timeline bar, API calls with proofs", async () => {
  const d = await open("/?mode=dpop");
  assert.equal((await demoState(d)).mode, "dpop");
  const before = await stats();
  await signIn(d, "dora");
  let s = await waitFor(d, () => window.demo.dpopBound === true && window.demo.counts.renewals >= 2 && window.demo.counts.apiOk >= 2);
  assert.equal(s.dpopBound, true);
  // Every renewal was a refresh with a proof of the same key (the issuer answers token_type DPoP
  // only for a bound family), and the API verified each call's proof (it names the key).
  assert.match(s.lastApi.body.dpop, /^[A-Za-z0-9_-]{43}$/);
  await drawn(d, ".tl-dpop", 3, "a DPoP badge on the sign-in's bar and each renewal's");
  assert.equal(await count(d, ".tl-dpop"), await count(d, ".tl-bar"), "every access-token bar is a DPoP token");
  const after = await stats();
  assert.ok(after.apiOk > before.apiOk);
  // The key: a CryptoKey WebCrypto will not export.
  const key = await d.evaluate(async () => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open("rotor-dpop");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const names = [...db.objectStoreNames];
    const all = await new Promise((ok) => {
      const r = db.transaction(names[0]).objectStore(names[0]).getAll();
      r.onsuccess = () => ok(r.result);
    });
    const pair = all.map((v) => v?.keyPair ?? v).find((v) => v?.privateKey instanceof CryptoKey);
    let exported = "refused";
    try {
      await crypto.subtle.exportKey("jwk", pair.privateKey);
      exported = "exported";
    } catch {}
    return { extractable: pair.privateKey.extractable, exported };
  });
  assert.deepEqual(key, { extractable: false, exported: "refused" });
  s = await demoState(d);
  assert.deepEqual(d.errors, []);
  assert.deepEqual(await d.evaluate(() => window.__cspViolations), [], "no CSP violation in page + DPoP mode");
  await d.click("#signout").catch(() => {});
  await d.close();
});
