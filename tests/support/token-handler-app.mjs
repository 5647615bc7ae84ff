// A token handler (rotor/worker createTokenHandler) in front of a real oidc-provider, both on
// loopback over real HTTP: the upstream server (rotating refresh tokens, revocation,
// introspection, development login pages), and the app origin serving the handler's routes,
// a protected API (which introspects the access token at the provider) and test pages.
// Shared by tests/js/token-handler.test.mjs and tests/browser/token-handler.test.mjs.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve, normalize, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Provider from "oidc-provider";
import { createTokenHandler } from "rotor/worker";

export const CLIENT_ID = "bff";
export const CLIENT_SECRET = "bff client secret +/:%";
export const SCOPE = "openid offline_access api";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TYPES = { js: "text/javascript; charset=utf-8", wasm: "application/wasm", html: "text/html; charset=utf-8" };

function listen(server) {
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${server.address().port}`)));
}

/** Node request -> fetch Request (body buffered). */
async function toRequest(req, base) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  return new Request(new URL(req.url, base), { method: req.method, headers, body });
}

async function send(res, response) {
  const headers = [];
  for (const [k, v] of response.headers) if (k !== "set-cookie") headers.push([k, v]);
  for (const c of response.headers.getSetCookie()) headers.push(["set-cookie", c]);
  res.writeHead(response.status, headers.flat());
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Starts the provider and the app. Options: `pages` (path -> HTML served by the app), `files`
 * (path -> a repository file, e.g. a page script), `servePkg` (serve the package under /pkg/),
 * `accessTokenTtl` (s), `handler` (extra createTokenHandler options).
 * Returns `{ app, issuer, provider, handler, upstream, keys, introspect(token), close() }`;
 * `upstream` counts the handler's calls to the provider by grant (`refresh_token`, `authorization_code`, `revoke`).
 */
export async function startTokenHandlerApp({ pages = {}, files = {}, servePkg = false, accessTokenTtl = 60, handler: extra = {} } = {}) {
  const idpServer = http.createServer();
  const appServer = http.createServer();
  const issuer = await listen(idpServer);
  const app = await listen(appServer);
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: [`${app}/auth/callback`],
    }],
    findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId }) }),
    claims: { openid: ["sub"] },
    scopes: ["openid", "offline_access", "api"],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: accessTokenTtl, RefreshToken: 3600, IdToken: 300, Grant: 3600, Interaction: 600, Session: 3600 },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true }, introspection: { enabled: true } },
    cookies: { keys: ["token-handler-test-cookie-key"] },
  });
  idpServer.on("request", provider.callback());

  const upstream = { refresh_token: 0, authorization_code: 0, revoke: 0 };
  const countingFetch = async (url, init) => {
    if (String(url).endsWith("/token/revocation")) upstream.revoke++;
    else if (String(url).endsWith("/token")) upstream[new URLSearchParams(init.body).get("grant_type")]++;
    return fetch(url, init);
  };
  const keys = [{ kid: "k2", key: randomBytes(32).toString("base64url") }, { kid: "k1", key: randomBytes(32).toString("base64url") }];
  const handler = createTokenHandler({
    client: {
      tokenEndpoint: `${issuer}/token`,
      revocationEndpoint: `${issuer}/token/revocation`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    },
    authorizationEndpoint: `${issuer}/auth`,
    issuer,
    redirectUri: `${app}/auth/callback`,
    scope: SCOPE,
    authorizationParams: { prompt: "consent" },
    keys,
    fetch: countingFetch,
    ...extra,
  });

  async function introspect(token) {
    const res = await fetch(`${issuer}/token/introspection`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token }),
    });
    return res.json();
  }

  appServer.on("request", async (req, res) => {
    try {
      const request = await toRequest(req, app);
      const path = new URL(request.url).pathname;
      const own = await handler.route(request, {});
      if (own) return send(res, own);
      if (path === "/api/hello") {
        const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
        const info = token ? await introspect(token) : { active: false };
        if (!info.active) return send(res, new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } }));
        return send(res, Response.json({ hello: info.sub }));
      }
      const file = files[path] ?? (servePkg && path.startsWith("/pkg/") ? path.slice(1) : undefined);
      if (file !== undefined) {
        const full = normalize(resolve(ROOT, file));
        if (!full.startsWith(`${ROOT}/pkg/`) && !Object.values(files).includes(file)) return send(res, new Response(null, { status: 403 }));
        const type = TYPES[full.split(".").pop()] ?? "application/octet-stream";
        const bytes = await readFile(full).catch(() => null);
        if (!bytes) return send(res, new Response("not found", { status: 404 }));
        return send(res, new Response(bytes, { headers: { "content-type": type, "cache-control": "no-store" } }));
      }
      if (pages[path] !== undefined) {
        const [type, body] = typeof pages[path] === "string" ? ["text/html; charset=utf-8", pages[path]] : pages[path];
        return send(res, new Response(body, { headers: { "content-type": type, "cache-control": "no-store" } }));
      }
      send(res, new Response("not found", { status: 404 }));
    } catch (err) {
      res.writeHead(500).end(String(err?.stack ?? err));
    }
  });

  return {
    app,
    issuer,
    provider,
    handler,
    upstream,
    keys,
    introspect,
    async close() {
      for (const s of [appServer, idpServer]) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}
