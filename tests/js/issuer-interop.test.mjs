// Interoperability: oauth4webapi (a certified-grade OAuth client) discovers the issuer and
// completes refresh rounds, revocation and introspection against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import * as jose from "jose";
import { Issuer } from "rotor/issuer";

const ISS = "https://id.example.com/tenant-a";
const KEY = crypto.getRandomValues(new Uint8Array(32));

function setup(extra = {}) {
  const issuer = new Issuer({
    issuer: ISS,
    audience: "https://api.example.com",
    keys: [{ kid: "2026-11", key: KEY }],
    clients: [
      { clientId: "web", clientSecret: "correct horse:battery", scope: "openid api.read api.write" },
      { clientId: "spa", scope: "openid api.read" },
    ],
    reuseGraceSeconds: 5,
    ...extra,
  });
  const fetchImpl = (url, init) => issuer.handle(new Request(url, init));
  return { issuer, fetchImpl };
}

test("oauth4webapi: discovery, refresh rounds with rotation, introspection, revocation", async () => {
  const { issuer, fetchImpl } = setup();
  const issuerUrl = new URL(ISS);
  const as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", [oauth.customFetch]: fetchImpl }),
  );
  assert.equal(as.token_endpoint, ISS + "/token");
  const client = { client_id: "web" };
  const auth = oauth.ClientSecretBasic("correct horse:battery");
  let tokens = await issuer.startSession({ clientId: "web", subject: "alice" });
  for (let round = 0; round < 3; round++) {
    const res = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, { [oauth.customFetch]: fetchImpl });
    const next = await oauth.processRefreshTokenResponse(as, client, res);
    assert.equal(next.token_type, "bearer"); // oauth4webapi lower-cases it
    assert.notEqual(next.refresh_token, tokens.refresh_token);
    const { payload } = await jose.jwtVerify(next.access_token, KEY, { typ: "at+jwt", issuer: ISS, audience: "https://api.example.com" });
    assert.equal(payload.sub, "alice");
    tokens = next;
  }
  // Narrowed scope through the client library.
  const narrowed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, {
      additionalParameters: { scope: "api.read" },
      [oauth.customFetch]: fetchImpl,
    }),
  );
  assert.equal(narrowed.scope, "api.read");
  const intro = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, auth, narrowed.access_token, { [oauth.customFetch]: fetchImpl }),
  );
  assert.equal(intro.active, true);
  assert.equal(intro.scope, "api.read");
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, auth, narrowed.refresh_token, { [oauth.customFetch]: fetchImpl }),
  );
  const dead = await oauth.refreshTokenGrantRequest(as, client, auth, narrowed.refresh_token, { [oauth.customFetch]: fetchImpl });
  await assert.rejects(oauth.processRefreshTokenResponse(as, client, dead), (e) => e.error === "invalid_grant");
});

test("oauth4webapi: a public client (none) refreshes; a wrong secret is invalid_client", async () => {
  const { issuer, fetchImpl } = setup();
  const issuerUrl = new URL(ISS);
  const as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", [oauth.customFetch]: fetchImpl }),
  );
  const s = await issuer.startSession({ clientId: "spa", subject: "bob" });
  const res = await oauth.refreshTokenGrantRequest(as, { client_id: "spa" }, oauth.None(), s.refresh_token, { [oauth.customFetch]: fetchImpl });
  const next = await oauth.processRefreshTokenResponse(as, { client_id: "spa" }, res);
  assert.equal(next.scope, "openid api.read");
  const w = await issuer.startSession({ clientId: "web", subject: "bob" });
  const bad = await oauth.refreshTokenGrantRequest(as, { client_id: "web" }, oauth.ClientSecretBasic("wrong"), w.refresh_token, { [oauth.customFetch]: fetchImpl });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get("www-authenticate"), /^Basic realm=/);
  await assert.rejects(oauth.processRefreshTokenResponse(as, { client_id: "web" }, bad), (e) => e.name === "WWWAuthenticateChallengeError" && e.status === 401 && e.cause[0].scheme === "basic");
});
