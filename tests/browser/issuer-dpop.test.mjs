// In Chromium, a DPoP-bound family of rotor's issuer (RFC 9449 §5): the page's key is not
// extractable, its refresh token copied out of the browser is refused from Node (no proof, or a
// proof of another key: invalid_dpop_proof), and the page's own next refresh still works (the
// family is intact). The issuer (rotor/issuer, nonces on) runs in this Node process.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import * as jose from "jose";
import * as oauth from "oauth4webapi";
import { Issuer } from "rotor/issuer";
import { launchChromium, serveStatic, ROOT } from "../support/browser.mjs";

let server;
let browser;
let issuer;
let base;

async function toRequest(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  return new Request(base + req.url, { method: req.method, headers: req.headers, body: req.method === "GET" ? undefined : body });
}

async function send(res, response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

before(async () => {
  const page = (await build({
    entryPoints: [`${ROOT}/tests/browser/fixtures/issuer-dpop-page.js`],
    bundle: true, write: false, format: "esm", platform: "browser", conditions: ["browser"], target: "es2022", logLevel: "silent",
  })).outputFiles[0].text;
  server = await serveStatic({
    routes: {
      "/page.html": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><meta charset="utf-8"><script type="module" src="/pkg/lib/issuer-dpop-page.js"></script>`),
      // At /pkg/lib/: the DPoP module is fetched from ../gen/dpop_bg.wasm next to the bundle.
      "/pkg/lib/issuer-dpop-page.js": (_, res) => res.writeHead(200, { "content-type": "text/javascript" }).end(page),
      "/token": async (req, res) => send(res, await issuer.handle(await toRequest(req))),
      "/sign-in": async (req, res) => {
        const request = await toRequest(req);
        const body = await issuer.startSession({ clientId: "spa", subject: "alice", dpop: request });
        await send(res, Response.json(body));
      },
    },
  });
  base = server.url;
  issuer = new Issuer({
    issuer: base,
    audience: "https://api.example.com",
    keys: [{ kid: "k1", key: new Uint8Array(32).fill(3) }],
    clients: [{ clientId: "spa", scope: "openid", dpop: "required" }],
    dpopNonceSeconds: 300,
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function fromNode(token, proof) {
  const res = await fetch(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(proof ? { dpop: proof } : {}) },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
  });
  return { status: res.status, nonce: res.headers.get("dpop-nonce"), body: await res.json() };
}

test("a refresh token copied out of the browser is refused without the page's key; the family is intact", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => window.rotorReady === true, null, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.rotorTest.extractable()), false);
  const thumbprint = await page.evaluate(() => window.rotorTest.thumbprint());

  const signIn = await page.evaluate(() => window.rotorTest.signIn());
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  assert.equal(signIn.body.token_type, "DPoP");
  assert.deepEqual(jose.decodeJwt(signIn.body.access_token).cnf, { jkt: thumbprint });

  // The page refreshes (its first proof has no nonce: use_dpop_nonce, one retry with it).
  const first = await page.evaluate((t) => window.rotorTest.refresh(t), signIn.body.refresh_token);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.token_type, "DPoP");

  // The token, copied out of the page, sent from Node: without a proof, then with a proof of
  // Node's own key (and the issuer's current nonce).
  const copied = first.body.refresh_token;
  assert.deepEqual((await fromNode(copied, null)).body, { error: "invalid_dpop_proof", error_description: "this client must send a DPoP proof" });
  const thief = oauth.DPoP({ client_id: "spa" }, await oauth.generateKeyPair("ES256"));
  const proof = async () => {
    const headers = new Headers();
    await thief.addProof(new URL(`${base}/token`), headers, "POST");
    return headers.get("dpop");
  };
  const challenge = await fromNode(copied, await proof());
  assert.deepEqual(challenge.body, { error: "use_dpop_nonce", error_description: "a DPoP nonce is required" });
  thief.cacheNonce(new Response(null, { headers: { "dpop-nonce": challenge.nonce } }), new URL(`${base}/token`));
  const stolen = await fromNode(copied, await proof());
  assert.equal(stolen.status, 400);
  assert.deepEqual(stolen.body, { error: "invalid_dpop_proof", error_description: "the DPoP proof's key is not the refresh token's" });

  // The page's own next refresh with the same token: the family was not burnt.
  const next = await page.evaluate((t) => window.rotorTest.refresh(t), copied);
  assert.equal(next.status, 200, JSON.stringify(next.body));
  assert.notEqual(next.body.refresh_token, copied);
  await page.close();
});
