// One page-side option for both cookie modes (issue 16): TokenManager with
// `refreshTokenIn: "cookie"` drives the token handler's /auth/token and /auth/logout
// (createTokenHandler in front of oidc-provider, tests/support/token-handler-app.mjs) exactly
// as it drives rotor's own issuer: no refresh token in any token set, credentials and
// x-rotor-csrf on every request, renewals with upstream rotation, sign-out revoking upstream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { TokenManager, MemoryStorage, parseTokenResponse } from "rotor";
import { startTokenHandlerApp, jar, signIn, openSealed } from "../support/token-handler-app.mjs";

let t;
before(async () => {
  t = await startTokenHandlerApp();
});
after(() => t.close());

test("TokenManager refreshTokenIn \"cookie\" against the token handler: renewals rotate upstream, one request for concurrent demands, clear({ revoke }) signs out upstream", async () => {
  const cookies = jar();
  await signIn(t.app, cookies);
  const requests = [];
  // The page's fetch as the browser makes it: same-origin Origin, the jar's cookies with credentials.
  const pageFetch = async (url, init) => {
    requests.push({ url, credentials: init.credentials, csrf: init.headers["x-rotor-csrf"], body: init.body });
    const headers = { ...init.headers, origin: t.app };
    if (init.credentials === "include") headers.cookie = cookies.header();
    const res = await fetch(url, { ...init, headers });
    cookies.store(res);
    return res;
  };
  const client = { tokenEndpoint: `${t.app}/auth/token`, revocationEndpoint: `${t.app}/auth/logout`, clientId: "spa", refreshTokenIn: "cookie" };
  const storage = new MemoryStorage();
  const manager = new TokenManager({ client, storage, fetch: pageFetch });
  await manager.start();
  // After the sign-in the page takes a first answer of /auth/token (a set without a refresh
  // token) and hands it to the manager, which renews from there.
  const first = await pageFetch(client.tokenEndpoint, { method: "POST", headers: { "x-rotor-csrf": "1" }, credentials: "include" });
  const set = parseTokenResponse(client, { status: first.status, headers: first.headers, body: await first.text() });
  assert.equal(set.refreshToken, null);
  await manager.setTokens({ ...set, expiresAt: Date.now() - 1 }); // due at once
  const rtBefore = (await openSealed(t.keys, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"))).rt;
  const tokens = await Promise.all([manager.getAccessToken(), manager.getAccessToken()]);
  assert.equal(tokens[0], tokens[1]);
  assert.notEqual(tokens[0], set.accessToken);
  const renewals = requests.filter((r) => r.url === client.tokenEndpoint).slice(1);
  assert.equal(renewals.length, 1, "two demands, one request");
  assert.deepEqual(renewals[0], { url: client.tokenEndpoint, credentials: "include", csrf: "1", body: "grant_type=refresh_token&client_id=spa" });
  const rtAfter = (await openSealed(t.keys, "__Host-rotor-session", cookies.cookies.get("__Host-rotor-session"))).rt;
  assert.notEqual(rtAfter, rtBefore, "the provider rotated the refresh token behind the cookie");
  assert.equal((await storage.get()).refreshToken, null);
  await manager.clear({ revoke: true });
  const logout = requests.at(-1);
  assert.equal(logout.url, client.revocationEndpoint);
  assert.equal(logout.credentials, "include");
  assert.equal(cookies.cookies.has("__Host-rotor-session"), false, "the handler cleared the session cookie");
  assert.equal((await t.introspect(rtAfter)).active, false, "revoked upstream");
  manager.stop();
});
