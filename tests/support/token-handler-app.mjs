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
import { interact } from "./oidc-login.mjs";

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
 * Starts oidc-provider on loopback: one confidential client `bff` (client_secret_basic) with the
 * given redirect URIs, PKCE required, rotating refresh tokens, revocation and introspection, the
 * development login and consent pages. Returns `{ issuer, provider, introspect(token), close() }`.
 */
export async function startProvider({ redirectUris, accessTokenTtl = 60 }) {
  const idpServer = http.createServer();
  const issuer = await listen(idpServer);
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: redirectUris,
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
  return {
    issuer,
    provider,
    introspect,
    async close() {
      idpServer.closeAllConnections();
      await new Promise((ok) => idpServer.close(ok));
    },
  };
}

/** The handler's options for the provider at `issuer` and the app at `app`. */
export function handlerOptions(issuer, app) {
  return {
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
  };
}

/**
 * Starts the provider and the app. Options: `pages` (path -> HTML served by the app), `files`
 * (path -> a repository file, e.g. a page script), `servePkg` (serve the package under /pkg/),
 * `accessTokenTtl` (s), `handler` (extra createTokenHandler options).
 * Returns `{ app, issuer, provider, handler, upstream, keys, introspect(token), close() }`;
 * `upstream` counts the handler's calls to the provider by grant (`refresh_token`, `authorization_code`, `revoke`)
 * and holds the refresh token the provider `issued` last.
 */
export async function startTokenHandlerApp({ pages = {}, files = {}, servePkg = false, accessTokenTtl = 60, handler: extra = {} } = {}) {
  const appServer = http.createServer();
  const app = await listen(appServer);
  const idp = await startProvider({ redirectUris: [`${app}/auth/callback`], accessTokenTtl });
  const { issuer, provider, introspect } = idp;
  const upstream = { refresh_token: 0, authorization_code: 0, revoke: 0 };
  const countingFetch = async (url, init) => {
    if (String(url).endsWith("/token/revocation")) upstream.revoke++;
    else if (String(url).endsWith("/token")) upstream[new URLSearchParams(init.body).get("grant_type")]++;
    const res = await fetch(url, init);
    if (String(url).endsWith("/token")) upstream.issued = (await res.clone().json().catch(() => ({}))).refresh_token ?? null;
    return res;
  };
  const keys = [{ kid: "k2", key: randomBytes(32).toString("base64url") }, { kid: "k1", key: randomBytes(32).toString("base64url") }];
  const handler = createTokenHandler({
    ...handlerOptions(issuer, app),
    keys,
    fetch: countingFetch,
    ...extra,
  });

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
      appServer.closeAllConnections();
      await new Promise((ok) => appServer.close(ok));
      await idp.close();
    },
  };
}

export { jar } from "./oidc-login.mjs";

/**
 * A sign-in over HTTP as a browser does it: from `${app}/auth/login` through the provider's
 * login and consent pages (forms submitted) back to `returnTo` on the app. Returns the steps
 * `{ url, status, location, setCookie }`.
 */
export async function signIn(app, cookies, { user = "alice", returnTo = "/app" } = {}) {
  const start = `${app}/auth/login?return_to=${encodeURIComponent(returnTo)}`;
  const { seen } = await interact(start, cookies, { user, done: (t) => t.origin === app && t.pathname === returnTo });
  return seen;
}

/** Opens a sealed handler cookie value with the keys (what the handler stored in it). */
export async function openSealed(keys, name, value) {
  const dot = value.indexOf(".");
  const entry = keys.find((k) => k.kid === value.slice(0, dot));
  const bytes = Buffer.from(value.slice(dot + 1), "base64url");
  const key = await crypto.subtle.importKey("raw", Buffer.from(entry.key, "base64url"), "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: Buffer.from(name) }, key, bytes.subarray(12));
  return { kid: value.slice(0, dot), ...JSON.parse(Buffer.from(plain).toString()) };
}
