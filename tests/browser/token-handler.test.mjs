// The token handler of rotor/worker end to end in headless Chromium, with oidc-provider as the
// upstream server on loopback (tests/support/token-handler-app.mjs): sign-in through the
// handler's authorization code flow (the provider's login and consent pages filled in by the
// browser), API calls, renewals with upstream rotation, two tabs sharing one session, a page
// script that reads every storage it can and finds no refresh token, cross-site requests
// refused, sign-out revoking upstream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.mjs";
import { startTokenHandlerApp, openSealed } from "../support/token-handler-app.mjs";

const ACCESS_TTL = 4;
const html = (script) => `<!doctype html><meta charset="utf-8"><title>bff</title><script type="module" src="${script}"></script><p>app</p>`;
const EVIL = `<!doctype html><meta charset="utf-8"><title>evil</title><p>another site</p>`;

let t;
let browser;
before(async () => {
  t = await startTokenHandlerApp({
    accessTokenTtl: ACCESS_TTL,
    servePkg: true,
    files: { "/app.js": "tests/browser/fixtures/bff-page.js" },
    pages: { "/app": html("/app.js"), "/evil": EVIL },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The upstream refresh token, read from the browser's jar (privileged: HttpOnly) and opened with the keys. */
async function upstreamRefreshToken() {
  const jar = await browser.cookies(t.app);
  const c = jar.find((x) => x.name === "__Host-rotor-session");
  if (!c) return { cookie: null, rt: null };
  return { cookie: c, rt: (await openSealed(t.keys, c.name, c.value)).rt };
}

async function openApp(tab) {
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e));
  await tab.waitForFunction(() => window.bffReady === true, null, { timeout: 15_000 });
  return errors;
}

test("sign-in, API calls, renewals with rotation, two tabs, storage scan, cross-site refusals, sign-out", async () => {
  const tab = await browser.newPage();
  // Sign-in: the handler's /auth/login, the provider's login and consent pages, back to /app.
  await tab.goto(`${t.app}/auth/login?return_to=/app`);
  await tab.waitForSelector('input[name="login"]');
  await tab.fill('input[name="login"]', "alice");
  await tab.fill('input[name="password"]', "any");
  await tab.click('button[type="submit"]');
  await tab.waitForURL((u) => u.pathname.includes("/interaction/") || u.pathname === "/app");
  if (!tab.url().endsWith("/app")) await tab.click('button[type="submit"]'); // consent
  await tab.waitForURL(`${t.app}/app`);
  const errors = await openApp(tab);
  assert.equal(t.upstream.authorization_code, 1);
  const first = await upstreamRefreshToken();
  assert.equal(first.cookie.httpOnly, true);
  assert.equal(first.cookie.secure, true);
  assert.equal(first.cookie.sameSite, "Strict");
  assert.equal((await t.introspect(first.rt)).active, true);
  assert.deepEqual(await tab.evaluate(() => window.bff.api()), { status: 200, body: { hello: "alice" } });

  // Renewals on the page's own schedule (4 s tokens): each one rotates upstream.
  const seenTokens = new Set([first.rt]);
  const deadline = Date.now() + 12_000;
  while (Date.now() < deadline && (await tab.evaluate(() => window.bff.state.renewals)) < 4) {
    await sleep(300);
    seenTokens.add((await upstreamRefreshToken()).rt);
  }
  const renewals = await tab.evaluate(() => window.bff.state.renewals);
  assert.ok(renewals >= 4, `renewals: ${renewals}`);
  assert.ok(seenTokens.size >= 3, `refresh tokens seen in the jar: ${seenTokens.size}`);
  assert.deepEqual(await tab.evaluate(() => window.bff.api()), { status: 200, body: { hello: "alice" } });

  // A second tab shares the session (the cookie), renews on its own schedule; no refresh fails.
  const tab2 = await browser.newPage();
  await tab2.goto(`${t.app}/app`);
  const errors2 = await openApp(tab2);
  const both = Date.now() + 6_000;
  while (Date.now() < both) {
    const calls = await Promise.all([tab, tab2].map((p) => p.evaluate(() => Promise.all([window.bff.api(), window.bff.refresh(), window.bff.refresh()]))));
    for (const [api, r1, r2] of calls) {
      assert.equal(api.status, 200);
      assert.ok(r1.accessToken && r2.accessToken && r1.refreshToken === null);
    }
    await sleep(500);
  }
  const failures = await Promise.all([tab, tab2].map((p) => p.evaluate(() => window.bff.state.failures)));
  assert.deepEqual(failures, [[], []]);
  const pageCalls = (await Promise.all([tab, tab2].map((p) => p.evaluate(() => window.bff.state.renewals)))).reduce((a, b) => a + b);
  assert.ok(t.upstream.refresh_token <= pageCalls, `upstream redemptions ${t.upstream.refresh_token} <= page refreshes ${pageCalls}`);

  // Every storage page script can read: no refresh token, no sealed cookie; the scan does see the app's own data.
  const { rt, cookie } = await upstreamRefreshToken();
  for (const p of [tab, tab2]) {
    const dump = await p.evaluate(() => window.bff.scan());
    const parsed = JSON.parse(dump);
    assert.ok(!dump.includes(rt), "the live refresh token is not readable by script");
    for (const old of seenTokens) assert.ok(!dump.includes(old), "nor any earlier one");
    assert.ok(!dump.includes(cookie.value), "nor the sealed cookie");
    assert.ok(!parsed.cookie.includes("__Host-rotor"), "document.cookie has no handler cookie");
    assert.ok(parsed.indexedDB["app-db"].tokens.length === 1 && parsed.indexedDB["app-db"].tokens[0].refreshToken === null, "the app's token set has no refresh token");
    assert.ok(parsed.caches["api-answers"].length === 1, "the scan reads Cache Storage");
  }

  // Cross-site: another site's page (http://localhost is another site than http://127.0.0.1).
  // The tabs' own renewals are stopped first, so that every upstream refresh counted is the test's.
  await Promise.all([tab, tab2].map((p) => p.evaluate(() => window.bff.stop())));
  for (const p of [tab, tab2]) await p.waitForFunction(() => window.bff.state.inflight === 0); // one under way finishes
  const before = t.upstream.refresh_token;
  const evil = await browser.newPage();
  await evil.goto(`${t.app.replace("127.0.0.1", "localhost")}/evil`);
  const outcome = await evil.evaluate(async (target) => {
    const results = [];
    for (const init of [
      { method: "POST", credentials: "include", headers: { "x-rotor-csrf": "1" } }, // preflighted: refused
      { method: "POST", credentials: "include", mode: "no-cors" }, // simple: Origin refused, cookie not sent
    ]) {
      try {
        const r = await fetch(target, init);
        results.push(`status ${r.status} ${r.type}`);
      } catch (err) {
        results.push(err.name);
      }
    }
    return results;
  }, `${t.app}/auth/token`);
  assert.deepEqual(outcome, ["TypeError", "status 0 opaque"]);
  // A cross-site form post (a top-level navigation): 403, the Strict cookie not even sent.
  await evil.setContent(`<form method="post" action="${t.app}/auth/token"><button>go</button></form>`);
  const [response] = await Promise.all([evil.waitForNavigation(), evil.click("button")]);
  assert.equal(response.status(), 403);
  assert.equal(t.upstream.refresh_token, before, "no cross-site request reached the upstream server");
  await evil.close();

  // Sign-out from the first tab: revoked upstream, cookie gone; the second tab is told to reauthenticate.
  const out = await tab.evaluate(() => window.bff.signOut());
  assert.deepEqual(out, { status: 200, body: { signedOut: true, revoked: true } });
  assert.equal((await t.introspect(rt)).active, false);
  assert.equal((await upstreamRefreshToken()).cookie, null);
  assert.deepEqual(await tab2.evaluate(() => window.bff.refresh()), { reauthenticate: true, code: "invalid_grant" });
  assert.deepEqual([...errors, ...errors2], []);
  await tab2.close();
  await tab.close();
});
