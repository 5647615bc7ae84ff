// rotor/sw in Node with a fake ServiceWorkerGlobalScope: header only on the API prefixes,
// one renewal + retry after 401 invalid_token, same-origin messages only, no token to pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "rotor";
import { installSilentRenewal } from "rotor/sw";

const ORIGIN = "https://app.example";
const client = { tokenEndpoint: "https://auth.example/token", clientId: "spa", authMethod: "none" };

function fakeScope() {
  const listeners = {};
  const posted = [];
  const network = [];
  let generation = 0;
  let validAccess = "at-0";
  const scope = {
    location: { href: `${ORIGIN}/sw.js`, origin: ORIGIN },
    clients: {
      claim: async () => {},
      matchAll: async () => [{ postMessage: (m) => posted.push(m) }],
    },
    skipWaiting: async () => {},
    addEventListener: (type, fn) => {
      listeners[type] = fn;
    },
    async fetch(input, init) {
      const req = new Request(input, init);
      network.push({ url: req.url, authorization: req.headers.get("authorization") });
      if (req.url === client.tokenEndpoint) {
        generation += 1;
        validAccess = `at-${generation}`;
        return Response.json({ access_token: validAccess, token_type: "Bearer", expires_in: 300, refresh_token: `rt-${generation}` });
      }
      if (req.url.startsWith(`${ORIGIN}/api/`) && req.headers.get("authorization") !== `Bearer ${validAccess}`) {
        return new Response("{}", { status: 401, headers: { "www-authenticate": 'Bearer realm="api", error="invalid_token"' } });
      }
      return new Response("ok");
    },
  };
  const dispatchFetch = async (url, init) => {
    let responded = null;
    listeners.fetch({ request: new Request(url, init), respondWith: (p) => (responded = p) });
    return responded ? await responded : null; // null: the browser handles it (no SW involvement)
  };
  const dispatchMessage = async (data, origin = ORIGIN) => {
    const replies = [];
    let done;
    listeners.message({
      data,
      origin,
      ports: [{ postMessage: (m) => replies.push(m) }],
      waitUntil: (p) => (done = p),
    });
    await done;
    return replies;
  };
  return {
    scope,
    posted,
    network,
    dispatchFetch,
    dispatchMessage,
    invalidate: () => {
      validAccess = "none";
    },
  };
}

const tokenSet = () => ({
  accessToken: "at-0",
  tokenType: "Bearer",
  expiresAt: Date.now() + 300_000,
  refreshToken: "rt-0",
  refreshExpiresAt: null,
  scope: "api",
  idToken: null,
  rotated: false,
  receivedAt: Date.now(),
});

test("rotor/sw: Authorization only on API prefixes; 401 invalid_token renews once and retries", async () => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: ["/api/"], storage });
  const [reply] = await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() });
  assert.deepEqual(Object.keys(reply).sort(), ["active", "expiresAt", "refreshExpiresAt", "state", "type"]);
  assert.equal(reply.active, true);

  assert.equal((await f.dispatchFetch(`${ORIGIN}/api/items`)).status, 200);
  assert.equal(await f.dispatchFetch(`${ORIGIN}/apiary/items`), null);
  assert.equal(await f.dispatchFetch(`https://other.example/api/items`), null);
  assert.deepEqual(f.network, [{ url: `${ORIGIN}/api/items`, authorization: "Bearer at-0" }]);

  // The API refuses the token: one renewal, one retry with the new token.
  f.invalidate();
  f.network.length = 0;
  const res = await f.dispatchFetch(`${ORIGIN}/api/items`, { method: "POST", body: "payload" });
  assert.equal(res.status, 200);
  assert.deepEqual(
    f.network.map((n) => [n.url, n.authorization]),
    [
      [`${ORIGIN}/api/items`, "Bearer at-0"],
      [client.tokenEndpoint, null],
      [`${ORIGIN}/api/items`, "Bearer at-1"],
    ],
  );
  assert.equal((await storage.get()).refreshToken, "rt-1");
  // Pages heard about it, without any token.
  assert.ok(f.posted.some((m) => m.type === "rotor:renewed"));
  assert.doesNotMatch(JSON.stringify(f.posted), /rt-|at-/);
  await sw.stop();
});

test("rotor/sw: messages from another origin are ignored; bad options are invalid_config", async () => {
  const f = fakeScope();
  const storage = new MemoryStorage();
  const sw = installSilentRenewal(f.scope, { client, apiPrefixes: [`${ORIGIN}/api/`], storage });
  assert.deepEqual(await f.dispatchMessage({ type: "rotor:set-tokens", tokenSet: tokenSet() }, "https://evil.example"), []);
  assert.equal(await storage.get(), null);
  const [status] = await f.dispatchMessage({ type: "rotor:status" });
  assert.equal(status.active, false);
  // Without a session the API request goes out without a header.
  assert.equal((await f.dispatchFetch(`${ORIGIN}/api/x`)).status, 401);
  assert.equal(f.network.at(-1).authorization, null);
  await sw.stop();

  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: [] }), { code: "invalid_config" });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { client, apiPrefixes: ["http://api.example/"] }), {
    code: "invalid_config",
  });
  assert.throws(() => installSilentRenewal(fakeScope().scope, { apiPrefixes: ["/api/"] }), { code: "invalid_config" });
});
