// The demo's service-worker mode in Firefox (Debian's firefox-esr, driven by puppeteer-core
// over WebDriver BiDi): sign in through the worker, one silent renewal, an API call that the
// worker authorises. Firefox ESR 140 has no module service workers (a script registered with
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
import { ROOT } from "../support/browser.mjs";
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
if (skip) console.log(`# firefox-sw: SKIPPED: ${skip}`);

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

test("Firefox: the demo's service-worker mode signs in, renews silently and authorises API calls", { skip: skip ?? false }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await page.goto(`${server.url}/?mode=sw`);
  const state = () => page.evaluate(() => JSON.parse(JSON.stringify(window.demo ?? null)));
  try {
    await page.waitForFunction(() => window.demo?.ready === true, { timeout: 20_000, polling: 100 });
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
  await page.waitForFunction(() => window.demo.active === true, { timeout: 10_000, polling: 100 });
  assert.equal((await (await fetch(`${server.url}/demo/stats`)).json()).signins, signinsBefore + 1);

  // One silent renewal by the worker (4 s access tokens), and API calls it authorised.
  await page.waitForFunction(() => window.demo.counts.renewals >= 1 && window.demo.counts.apiOk >= 2, { timeout: 20_000, polling: 100 });
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
  await page.close();
});
