// DPoP in headless Chromium: TokenManager's key is a non-extractable CryptoKey kept in
// IndexedDB, the same key after a reload, a new one after sign-out; its proofs verify (jose).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as jose from "jose";
import { launchChromium } from "../support/browser.mjs";
import { startTokenServer } from "../support/token-server.mjs";

let server;
let browser;
before(async () => {
  server = await startTokenServer({
    pages: { "/dpop.html": `<!doctype html><meta charset="utf-8"><script type="module" src="/dpop-page.js"></script>` },
    bundles: { "/dpop-page.js": "tests/browser/fixtures/dpop-page.js" },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the DPoP key: non-extractable, in IndexedDB, the same after a reload, dropped with the session", async () => {
  const page = await browser.newPage();
  const ready = () => page.waitForFunction(() => window.rotorReady === true, null, { timeout: 15_000 });
  await page.goto(`${server.url}/dpop.html`);
  await ready();
  const first = await page.evaluate(() => window.rotorTest.key());
  assert.equal(first.isCryptoKey, true);
  assert.equal(first.extractable, false);
  assert.equal(first.exported, "refused");
  const { payload, protectedHeader } = await jose.jwtVerify(first.proof, jose.EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256"] });
  assert.equal(await jose.calculateJwkThumbprint(protectedHeader.jwk, "sha256"), first.thumbprint);
  assert.deepEqual(Object.keys(protectedHeader.jwk), ["crv", "kty", "x", "y"], "the public members only");
  assert.equal(payload.htu, `${server.url}/api/x`);
  assert.equal(payload.ath, createHash("sha256").update("at-1").digest("base64url"));

  await page.reload();
  await ready();
  const again = await page.evaluate(() => window.rotorTest.key());
  assert.equal(again.thumbprint, first.thumbprint, "the key survived the reload");
  assert.equal(again.extractable, false);

  await page.evaluate(() => window.rotorTest.clear());
  await page.reload();
  await ready();
  const after = await page.evaluate(() => window.rotorTest.key());
  assert.notEqual(after.thumbprint, first.thumbprint, "sign-out dropped the key");
  await page.close();
});
