// @cloudflare/workers-oauth-provider set up as a token endpoint with an in-memory KV, and a way
// to obtain a refresh token through its own API (client registration, completeAuthorization,
// then the authorization_code grant at its token endpoint).
import { OAuthProvider, getOAuthApi } from "@cloudflare/workers-oauth-provider";
import { MemoryKV } from "./memory-kv.mjs";
import { AUDIENCE, SCOPE, SUBJECT } from "./fixtures.mjs";

const noop = { fetch: async () => new Response("not found", { status: 404 }) };

export function wopOptions(tokenPath = "/token") {
  return {
    apiRoute: "/api/",
    apiHandler: noop,
    defaultHandler: noop,
    authorizeEndpoint: "/authorize",
    tokenEndpoint: tokenPath,
    accessTokenTTL: 300,
    refreshTokenTTL: 86400,
    scopesSupported: SCOPE.split(" "),
    resourceMetadata: { resource: AUDIENCE },
  };
}

/**
 * Returns { handle(request), newSession() -> { refreshToken, authorization } }.
 * `origin` is the URL origin requests use (e.g. "http://127.0.0.1:8787").
 */
export async function makeWop({ origin = "http://127.0.0.1", tokenPath = "/token" } = {}) {
  const options = wopOptions(tokenPath);
  const provider = new OAuthProvider(options);
  const env = { OAUTH_KV: new MemoryKV() };
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
  const helpers = getOAuthApi(options, env);
  const redirectUri = `${origin}/callback`;
  const client = await helpers.createClient({
    redirectUris: [redirectUri],
    tokenEndpointAuthMethod: "client_secret_basic",
    clientName: "bench",
  });
  const authorization = "Basic " + btoa(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`);
  const handle = (request) => provider.fetch(request, env, ctx);
  let user = 0;

  async function newSession() {
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: "s",
    });
    const authReq = await helpers.parseAuthRequest(new Request(`${origin}/authorize?${q}`));
    const { redirectTo } = await helpers.completeAuthorization({
      request: authReq,
      userId: `${SUBJECT}-${user++}`,
      metadata: {},
      scope: SCOPE.split(" "),
      props: { sub: SUBJECT },
    });
    const code = new URL(redirectTo).searchParams.get("code");
    const res = await handle(
      new Request(`${origin}${tokenPath}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri }).toString(),
      }),
    );
    const json = await res.json();
    if (!res.ok || !json.refresh_token) throw new Error(`workers-oauth-provider code exchange failed: ${res.status} ${JSON.stringify(json)}`);
    return { refreshToken: json.refresh_token, authorization };
  }

  return { handle, newSession, authorization, kv: env.OAUTH_KV };
}
