// The token handler (createTokenHandler from rotor/worker) running in workerd, in front of
// oidc-provider on loopback: sign-in over HTTP, renewals with rotation, single flight,
// sign-out revoking upstream — WebCrypto AES-GCM, the client core and fetch as Cloudflare runs
// them; once with the single flight per isolate, once in a Durable Object per session.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startWorkerd, freePort } from "../support/workerd.mjs";
import { startProvider, handlerOptions, jar, signIn, openSealed } from "../support/token-handler-app.mjs";

const KEYS = [{ kid: "w1", key: randomBytes(32).toString("base64url") }];
const MODES = {
  "sealed cookie, single flight per isolate": {},
  "sealed cookie, single flight in the session's Durable Object": { sessionBinding: "BFF_SESSIONS" },
};

for (const [mode, extra] of Object.entries(MODES)) {
  describe(mode, () => {
    let idp;
    let worker;
    let app;
    const grants = [];
    before(async () => {
      const port = await freePort();
      app = `http://127.0.0.1:${port}`;
      idp = await startProvider({ redirectUris: [`${app}/auth/callback`] });
      idp.provider.on("grant.success", (ctx) => grants.push(ctx.oidc.params.grant_type));
      worker = await startWorkerd(fileURLToPath(new URL("./token-handler-worker.js", import.meta.url)), {
        port,
        allowLoopback: true,
        json: { BFF_OPTIONS: { ...handlerOptions(idp.issuer, app), ...extra } },
        text: { ROTOR_BFF_KEYS: JSON.stringify(KEYS) },
        durableObjects: extra.sessionBinding ? [`${extra.sessionBinding}:TokenHandlerSession`] : [],
      });
    });
    after(async () => {
      await worker?.stop();
      await idp?.close();
    });

    test("workerd: sign-in, renewals with rotation, concurrent refreshes redeemed once, sign-out revoking upstream", async () => {
      const PAGE = { origin: app, "x-rotor-csrf": "1" };
      const cookies = jar();
      await signIn(app, cookies, { user: "wendy" });
      assert.deepEqual(grants, ["authorization_code"]);
      let previous = await openSealed(KEYS, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"));
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${app}/auth/token`, { method: "POST", headers: { ...PAGE, cookie: cookies.header() } });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
        cookies.store(res);
        const now = await openSealed(KEYS, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"));
        assert.notEqual(now.rt, previous.rt);
        assert.equal((await idp.introspect(previous.rt)).active, false);
        previous = now;
      }
      const before = grants.length;
      const all = await Promise.all(Array.from({ length: 6 }, () => fetch(`${app}/auth/token`, { method: "POST", headers: { ...PAGE, cookie: cookies.header() } })));
      assert.deepEqual(all.map((r) => r.status), Array(6).fill(200));
      assert.equal(new Set(await Promise.all(all.map(async (r) => (await r.json()).access_token))).size, 1);
      assert.equal(grants.length, before + 1, "one upstream redemption for six concurrent refreshes");
      cookies.store(all[0]);
      const { rt } = await openSealed(KEYS, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"));
      const out = await fetch(`${app}/auth/logout`, { method: "POST", headers: { ...PAGE, cookie: cookies.header() } });
      assert.deepEqual(await out.json(), { signedOut: true, revoked: true });
      assert.equal((await idp.introspect(rt)).active, false);
      const replay = await fetch(`${app}/auth/token`, { method: "POST", headers: { ...PAGE, cookie: cookies.header() } });
      assert.equal(replay.status, 400, "the signed-out cookie is refused");
      assert.equal(grants.length, before + 1, "without going upstream");
      const bad = await fetch(`${app}/auth/token`, { method: "POST", headers: { origin: "https://evil.example", "x-rotor-csrf": "1", cookie: cookies.header() } });
      assert.equal(bad.status, 403);
    });
  });
}
