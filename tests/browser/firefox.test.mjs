// The demo in Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi):
// the service-worker mode (sign in through the worker, one silent renewal, an API call that the
// worker authorises) and the edge cookie mode (renewals with the refresh token only in an
// HttpOnly cookie that no page script finds; revocation expires it). Firefox ESR 140 has no module service workers (a script registered with
// `type: "module"` "threw an exception during script evaluation"), so the demo ships its
// worker as one classic script (www/demo.mjs bundles www/sw.js as an IIFE).
// Skipped, with the reason, only when firefox-esr cannot be installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { freePort } from "../support/workerd.mjs";
import { ROOT, assertRefreshCookie, pageStorageScan } from "../support/browser.mjs";
import { startDemo } from "../../www/demo.mjs";

const FIREFOX = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

function ensureFirefox() {
  if (existsSync(FIREFOX)) return null;
  try {
    execFileSync("bash", ["-c", `source "${ROOT}/scripts/lib.sh" && ensure_firefox`], { stdio: "pipe", timeout: 300_000 });
  } catch (err) {
    return `firefox-esr could not be installed (${String(err.stderr || err.message).trim().split("\n").at(-1)})`;
  }
  return existsSync(FIREFOX) ? null : `firefox-esr installed but ${FIREFOX} is missing`;
}

const skip = ensureFirefox();
if (skip) console.log(`# firefox: SKIPPED: ${skip}`);

let server;
let browser;
let profile;

before(async () => {
  if (skip) return;
  server = await startDemo({ port: await freePort(), accessTokenTtl: 4, refreshTokenTtl: 300, refreshIdleTtl: 60, apiIntervalMs: 500 });
  profile = mkdtempSync(join(tmpdir(), "rotor-firefox-"));
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    protocol: "webDriverBiDi",
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * Polls `predicate` in the page until it is true. Not puppeteer's waitForFunction: under
 * WebDriver BiDi in Firefox its poller is evaluated in the page and the demo's CSP (no
 * 'unsafe-eval') blocks it; page.evaluate runs in a privileged realm.
 */
async function waitUntil(page, predicate, timeout, what) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A new page of `owner` (the browser or a context) whose errors are collected in `errors` and
 * whose Content-Security-Policy violations (the demo's is strict, www/worker.js) land in
 * `window.__cspViolations`.
 */
async function watchedPage(owner) {
  const page = await owner.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await page.evaluateOnNewDocument(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, errors };
}

test("Firefox: the demo's service-worker mode signs in, renews silently and authorises API calls", { skip: skip ?? false }, async () => {
  const { page, errors } = await watchedPage(browser);
  await page.goto(`${server.url}/?mode=sw`);
  const state = () => page.evaluate(() => JSON.parse(JSON.stringify(window.demo ?? null)));
  try {
    await waitUntil(page, () => window.demo?.ready === true, 20_000, "the page to start");
  } catch {
    const banner = await page.evaluate(() => document.getElementById("banner")?.textContent ?? "");
    assert.fail(`the page did not start in Firefox: ${banner} ${errors.join(" | ")}`);
  }
  assert.equal((await state()).mode, "sw");
  assert.equal(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), true, "the worker controls the page");

  const signinsBefore = (await (await fetch(`${server.url}/demo/stats`)).json()).signins;
  await page.evaluate(() => {
    document.getElementById("username").value = "frida";
    document.getElementById("password").value = "demo";
  });
  await page.click("#signin button[type=submit]");
  await waitUntil(page, () => window.demo.active === true, 10_000, "the sign-in");
  assert.equal((await (await fetch(`${server.url}/demo/stats`)).json()).signins, signinsBefore + 1);

  // One silent renewal by the worker (4 s access tokens), and API calls it authorised.
  await waitUntil(page, () => window.demo.counts.renewals >= 1 && window.demo.counts.apiOk >= 2, 20_000, "a renewal and two API calls");
  const s = await state();
  assert.equal(s.counts.apiFail, 0, `API failures: ${JSON.stringify(s.events.filter((e) => e.kind === "error"))}`);
  assert.equal(s.lastApi.status, 200);
  assert.equal(s.lastApi.body.hello, "frida", "the worker attached frida's token");
  // The page itself holds no token: the API call it makes has no Authorization of its own.
  const direct = await page.evaluate(async () => {
    const r = await fetch("/api/hello");
    return { status: r.status, body: await r.json() };
  });
  assert.equal(direct.status, 200, "the worker authorised the page's plain fetch");
  assert.deepEqual(errors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "no CSP violation in Firefox");
  await page.close();
});

test("Firefox: edge cookie mode renews with the refresh token only in an HttpOnly cookie that no script finds; revocation expires it", { skip: skip ?? false }, async () => {
  // A context of its own: the service-worker test's IndexedDB must not be what the scan finds.
  const context = await browser.createBrowserContext();
  const { page, errors } = await watchedPage(context);
  await page.goto(`${server.url}/?mode=cookie`);
  const state = () => page.evaluate(() => JSON.parse(JSON.stringify(window.demo ?? null)));
  await waitUntil(page, () => window.demo?.ready === true, 20_000, "the page to start");
  assert.equal((await state()).mode, "cookie");
  const refreshCookie = async () => (await page.cookies(`${server.url}/token`)).find((c) => c.name === "__Secure-rotor-refresh");

  await page.evaluate(() => {
    document.getElementById("username").value = "fiona";
    document.getElementById("password").value = "demo";
  });
  await page.click("#signin button[type=submit]");
  await waitUntil(page, () => window.demo.active === true, 10_000, "the sign-in");
  const first = await refreshCookie();
  assertRefreshCookie(first);

  // Renewals redeem the cookie's token (4 s access tokens), each answer rotates the cookie.
  await waitUntil(page, () => window.demo.counts.renewals >= 2 && window.demo.counts.apiOk >= 2, 20_000, "two renewals and two API calls");
  const s = await state();
  assert.equal(s.counts.apiFail, 0, `API failures: ${JSON.stringify(s.events.filter((e) => e.kind === "error"))}`);
  assert.equal(s.lastApi.body.hello, "fiona");
  const now = await refreshCookie();
  assert.notEqual(now.value, first.value, "the cookie rotated");

  // What page script can reach: document.cookie, every IndexedDB database, Cache Storage.
  const found = await page.evaluate(pageStorageScan, [first.value, now.value]);
  assert.deepEqual(found.hits, []);
  assert.ok(found.texts.some((t) => t.startsWith("rotor-demo/") && t.includes('"refreshToken":null')), `the stored set has no refresh token: ${found.texts.map((t) => t.slice(0, 60)).join(" | ")}`);

  // Revocation: the cookie goes to /revoke, whose answer expires it; the next renewal ends in reauthenticate.
  await page.click("#revoke");
  await waitUntil(page, () => window.demo.counts.reauthenticate >= 1 && window.demo.active === false, 20_000, "the session to end");
  assert.equal(await refreshCookie(), undefined, "the revocation expired the cookie");
  assert.deepEqual(errors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "no CSP violation in edge cookie mode");
  await context.close();
});
