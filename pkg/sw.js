// rotor/sw: silent renewal in a service worker.
//
// The service worker holds the token set, attaches `Authorization: Bearer` to requests under a
// configured API prefix (and to no other request), renews ahead of expiry and on demand (one
// retry after a 401 `invalid_token`, RFC 6750 §3.1), and tells its pages what happened with
// postMessage. Pages are never sent a token.
//
// What that does and does not protect. By default the token set is kept in IndexedDB
// (database "rotor-sw", key "session") so that it survives the browser stopping the idle
// worker; but IndexedDB belongs to the origin, not to the worker: any script running in a
// page of the same origin (XSS) can read the refresh token from it, write a token set of its
// own, or hold the worker's Web Lock and stall its renewals. Keeping the token out of pages'
// messages only stops accidental exposure (logs, page state, third-party page code that does
// not go looking). `persist: false` keeps the token set in the worker's memory only, out of
// reach of page script; the session is then lost whenever the browser stops the worker
// (typically after ~30 s idle): the next API request goes out without `Authorization`, pages
// are told { type: "rotor:reauthenticate", code: "no_session" } and `rotor:status` says
// `active: false`. Even then, same-origin script can still make authorised API calls through
// the worker while it runs. The real defence is keeping the refresh token out of the browser
// (an edge token handler holding it behind an HttpOnly cookie: planned for rotor/worker).
//
// Message protocol (page -> worker; only from a window of this origin: a message whose
// `event.source` is not a same-origin WindowClient is ignored):
//   { type: "rotor:set-tokens", tokenSet }   hand over a TokenSet after sign-in
//   { type: "rotor:clear", revoke? }         sign out (revoke: RFC 7009 first)
//   { type: "rotor:status" }                 ask for { type: "rotor:status", ... }
//   { type: "rotor:renew" }                  renew now (as if the API had said invalid_token)
// Worker -> pages (no token, ever):
//   { type: "rotor:status", active, expiresAt, refreshExpiresAt, state }
//   { type: "rotor:renewed", expiresAt } { type: "rotor:rotated" }
//   { type: "rotor:retrying", attempt, delayMs, retryAt, code }
//   { type: "rotor:reauthenticate", code } { type: "rotor:error", code, kind }
//   { type: "rotor:refresh-expiring", refreshExpiresAt }
// A reply goes to `event.ports[0]` when the page sent a MessagePort, else to the sender.
//
// Sign-in without the page ever holding the refresh token: list the sign-in (or code
// exchange) endpoint in `sessionUrls`. A POST to it is passed to the network by the worker,
// which parses the token response (parseTokenResponse), keeps the token set and answers the
// page with { type: "rotor:session", tokenType, expiresAt, refreshExpiresAt, scope,
// receivedAt } instead — no token. A 2xx that is not a token response becomes a 502
// invalid_response (its body is dropped, since it might hold a token in another shape);
// error answers pass through unchanged.
// Only a fetch() made by a window of this origin that this worker controls is captured: not a
// navigation (a form posted by another site is one: login CSRF), not a request without a
// client, not one whose Origin header or referrer names another origin. Any other POST to a
// session URL is answered 403 access_denied by the worker and never reaches the network.
// `sessionUrls` must be same-origin.
//
// `apiPrefixes` are same-origin URL paths (a cross-origin prefix needs
// `allowCrossOriginApi: true`); each ends at a "/" boundary ("/api" means "/api/": it never
// matches "/apiary"). Requests the worker adds `Authorization` to are sent with
// `redirect: "manual"`, so the token never follows a redirect (a redirecting API answer
// reaches the page as a network error).
import init, { TokenManager, IndexedDbStorage, MemoryStorage, MemoryKeyStore, IndexedDbKeyStore, parseTokenResponse } from "#rotor";
import { configError } from "./lib/errors.js";

const EVENTS = ["renewed", "rotated", "retrying", "reauthenticate", "error", "refresh-expiring"];


/** Only primitive fields cross to pages: no token, no error object. */
function publicDetail(detail) {
  const out = {};
  for (const [k, v] of Object.entries(detail ?? {})) {
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) out[k] = v;
  }
  return out;
}

/** RFC 6750 §3: does this WWW-Authenticate challenge say error="invalid_token"? */
function saysInvalidToken(header) {
  return typeof header === "string" && /(^|[\s,])error\s*=\s*"?invalid_token"?/i.test(header);
}

/** RFC 9449 §9: a resource's 401 challenge `WWW-Authenticate: DPoP error="use_dpop_nonce"`. */
function saysUseDpopNonce(status, header) {
  return status === 401 && typeof header === "string" && /(^|[\s,])error\s*=\s*"?use_dpop_nonce"?/i.test(header);
}

/**
 * Installs silent renewal in the service worker `self`.
 * @param {ServiceWorkerGlobalScope} self
 * @param {object} options `{ client, apiPrefixes, allowCrossOriginApi?, sessionUrls?, policy?,
 *   persist?, storage?, wasm?, core?, now?, random?, timers? }` (`now`, `random`, `timers`: as
 *   TokenManager's, for every time and jitter decision of the worker)
 * @returns {{ stop(): Promise<void> }}
 */
export function installSilentRenewal(self, options = {}) {
  const { client, policy, wasm, core, now, random, timers, dpop } = options;
  if (dpop !== undefined && typeof dpop !== "boolean" && (dpop === null || typeof dpop !== "object")) throw configError("dpop must be a boolean or { alg? }");
  if (now !== undefined && typeof now !== "function") throw configError("now must be a function returning ms since the epoch");
  const clock = now ?? (() => Date.now());
  if (!client || typeof client !== "object") throw configError("installSilentRenewal needs a client configuration");
  if (!Array.isArray(options.apiPrefixes) || options.apiPrefixes.length === 0) {
    throw configError("installSilentRenewal needs apiPrefixes: a non-empty array of URLs");
  }
  const base = self.location?.href;
  const prefixes = options.apiPrefixes.map((p) => {
    let url;
    try {
      url = new URL(p, base);
    } catch {
      throw configError("apiPrefixes must be URLs");
    }
    if (url.protocol !== "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
      throw configError("apiPrefixes must be https: URLs (http: only on loopback)");
    }
    if (url.search || url.hash || url.username || url.password) {
      throw configError("apiPrefixes must be plain URL paths (no query, fragment or user info)");
    }
    if (url.origin !== self.location.origin && options.allowCrossOriginApi !== true) {
      throw configError("apiPrefixes must be of the service worker's own origin (set allowCrossOriginApi: true to send tokens elsewhere)");
    }
    // A prefix ends at a path-segment boundary: "/api" is "/api/", which "/apiary" is not under.
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return url.href;
  });
  const matches = (url) => prefixes.some((p) => url.startsWith(p));
  if (options.sessionUrls !== undefined && !Array.isArray(options.sessionUrls)) {
    throw configError("sessionUrls must be an array of URLs");
  }
  const sessionUrls = new Set(
    (options.sessionUrls ?? []).map((u) => {
      let url;
      try {
        url = new URL(u, base);
      } catch {
        throw configError("sessionUrls must be URLs");
      }
      if (url.origin !== self.location.origin) throw configError("sessionUrls must be URLs of the service worker's own origin");
      url.hash = "";
      url.search = "";
      return url.href;
    }),
  );
  const isSessionUrl = (href) => {
    const url = new URL(href);
    url.hash = "";
    url.search = "";
    return sessionUrls.has(url.href);
  };
  if (options.persist !== undefined && typeof options.persist !== "boolean") throw configError("persist must be a boolean");
  const persist = options.persist !== false;
  if (!persist && options.storage !== undefined) throw configError("persist: false keeps the tokens in memory: do not pass a storage");
  const storage = persist
    ? (options.storage ?? new IndexedDbStorage({ database: "rotor-sw", key: "session" }))
    : new MemoryStorage();
  // Whether pages have been told that there is no session (once, until the next sign-in).
  let toldNoSession = false;

  let managerPromise = null;
  const manager = () => {
    if (!managerPromise) {
      managerPromise = (async () => {
        await init(wasm);
        const m = new TokenManager({
          client,
          policy,
          storage,
          core,
          name: "rotor-sw",
          fetch: (...a) => self.fetch(...a),
          now: clock,
          random,
          timers,
          // The DPoP key lives where the token set does (IndexedDB, or memory with persist: false).
          dpop: dpop ? { alg: dpop === true ? undefined : dpop.alg, keyStore: persist ? new IndexedDbKeyStore() : new MemoryKeyStore() } : undefined,
        });
        for (const type of EVENTS) {
          m.addEventListener(type, (ev) => {
            if (type === "reauthenticate") toldNoSession = true;
            if (type === "renewed") toldNoSession = false;
            broadcast({ type: `rotor:${type}`, ...publicDetail(ev.detail) });
          });
        }
        await m.start();
        return m;
      })();
      managerPromise.catch(() => {
        managerPromise = null;
      });
    }
    return managerPromise;
  };

  async function broadcast(message) {
    const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const c of clients) c.postMessage(message);
  }

  async function status() {
    const m = await manager();
    const t = await storage.get();
    return {
      type: "rotor:status",
      // Cookie mode (client.refreshTokenIn "cookie"): the refresh token is in an HttpOnly cookie,
      // so a stored set is a session.
      active: Boolean(t?.refreshToken || (client.refreshTokenIn === "cookie" && t?.accessToken)),
      expiresAt: t?.expiresAt ?? null,
      refreshExpiresAt: t?.refreshExpiresAt ?? null,
      state: m.state,
    };
  }

  /** Is this URL (or header value) of the worker's own origin? */
  const sameOrigin = (value) => {
    try {
      return new URL(value).origin === self.location.origin;
    } catch {
      return false;
    }
  };

  async function onMessage(event) {
    // Commands only from this origin's own pages: a window client, not another worker.
    if (event.origin && event.origin !== self.location.origin) return;
    const source = event.source;
    if (!source || source.type !== "window" || !sameOrigin(source.url)) return;
    const data = event.data;
    if (!data || typeof data.type !== "string" || !data.type.startsWith("rotor:")) return;
    const m = await manager();
    switch (data.type) {
      case "rotor:set-tokens":
        await m.setTokens(data.tokenSet);
        toldNoSession = false;
        break;
      case "rotor:clear":
        // { revoke: true }: RFC 7009 revocation at the client's revocationEndpoint first.
        await m.clear({ revoke: data.revoke === true });
        break;
      case "rotor:renew": {
        const current = await storage.get();
        if (current?.accessToken) await m.getAccessToken({ rejectedToken: current.accessToken }).catch(() => {});
        break;
      }
      case "rotor:status":
        break;
      default:
        return;
    }
    const reply = await status();
    if (event.ports?.[0]) event.ports[0].postMessage(reply);
    else event.source?.postMessage(reply);
  }

  async function tokenOrNull(rejectedToken) {
    try {
      const m = await manager();
      return await m.getAccessToken(rejectedToken ? { rejectedToken } : undefined);
    } catch (err) {
      // No session or renewal failing: the API answers 401 and the page is told. A failed
      // renewal was announced by the manager; a missing session (never signed in, or lost
      // when the browser stopped a worker with `persist: false`) is announced here, once.
      if (err?.code === "no_session" && !toldNoSession) {
        toldNoSession = true;
        broadcast({ type: "rotor:reauthenticate", code: "no_session" }).catch(() => {});
      }
      return null;
    }
  }

  async function withAuthorization(request, token) {
    const headers = new Headers(request.headers);
    headers.delete("dpop");
    if (!token) headers.delete("authorization");
    else if (!dpop) headers.set("authorization", `Bearer ${token}`);
    else {
      // A DPoP-bound set: `Authorization: DPoP` and a proof with ath (RFC 9449 §7.1).
      const m = await manager();
      for (const [name, value] of Object.entries(await m.authorize({ method: request.method, url: request.url, accessToken: token }))) headers.set(name, value);
    }
    // Never carry the token to a redirect's target, same-origin or not.
    return new Request(request, { headers, redirect: "manual" });
  }

  async function authorizedFetch(request) {
    const spare = request.clone();
    const token = await tokenOrNull();
    const response = await self.fetch(await withAuthorization(request, token));
    const challenge = response.headers.get("www-authenticate");
    if (token && dpop && saysUseDpopNonce(response.status, challenge)) {
      // RFC 9449 §9: one retry with the resource's new nonce.
      const prover = await (await manager()).dpop();
      if (prover.rememberNonce(request.url, response.headers)) return self.fetch(await withAuthorization(spare, token));
    } else if (dpop && token) {
      (await (await manager()).dpop()).rememberNonce(request.url, response.headers);
    }
    if (token && response.status === 401 && saysInvalidToken(challenge)) {
      const renewed = await tokenOrNull(token);
      if (renewed && renewed !== token) return self.fetch(await withAuthorization(spare, renewed));
    }
    return response;
  }

  /**
   * Why a POST to a session URL must not be captured (login CSRF), or null when it may be:
   * it must be a fetch (not a navigation) by a same-origin window this worker controls, and
   * its Origin header and referrer, where present, must be this origin.
   */
  async function refuseCapture(event) {
    const request = event.request;
    if (request.mode === "navigate") return "a navigation (a form post) is never captured";
    if (!sameOrigin(request.url)) return "cross-origin request";
    const origin = request.headers.get("origin");
    if (origin !== null && !sameOrigin(origin)) return "cross-origin Origin header";
    const referrer = request.referrer;
    if (referrer && referrer !== "about:client" && !sameOrigin(referrer)) return "cross-origin referrer";
    if (!event.clientId) return "no client";
    let client = null;
    try {
      client = await self.clients.get(event.clientId);
    } catch {
      client = null;
    }
    if (!client || client.type !== "window" || !sameOrigin(client.url)) return "not a window of this origin";
    return null;
  }

  async function captureSession(event) {
    const request = event.request;
    if (await refuseCapture(event)) {
      return Response.json(
        { error: "access_denied", error_description: "sign-in is only accepted from a page of this origin" },
        { status: 403, headers: { "cache-control": "no-store" } },
      );
    }
    let signIn = request;
    if (dpop) {
      // The sign-in carries a proof of the session's key, so the server can bind the new
      // refresh token to it (RFC 9449 §5, §6).
      const prover = await (await manager()).dpop();
      const headers = new Headers(request.headers);
      headers.set("dpop", await prover.proof({ method: request.method, url: request.url }));
      signIn = new Request(request, { headers });
    }
    const response = await self.fetch(signIn);
    if (!response.ok) return response; // an error answer carries no token
    const body = await response.text();
    let tokenSet;
    try {
      await init(wasm);
      tokenSet = (core ?? { parseTokenResponse }).parseTokenResponse(
        client,
        { status: response.status, headers: response.headers, body },
        { now: clock() },
      );
    } catch (err) {
      return Response.json(
        { error: "invalid_response", error_description: `the sign-in answer is not a token response (${err?.code ?? "error"})` },
        { status: 502, headers: { "cache-control": "no-store" } },
      );
    }
    const m = await manager();
    await m.setTokens(tokenSet);
    toldNoSession = false;
    const { tokenType, expiresAt, refreshExpiresAt, scope, receivedAt } = tokenSet;
    return Response.json(
      { type: "rotor:session", tokenType, expiresAt, refreshExpiresAt, scope, receivedAt },
      { status: 200, headers: { "cache-control": "no-store" } },
    );
  }

  self.addEventListener("install", (event) => event.waitUntil(self.skipWaiting()));
  self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim().then(() => manager())));
  self.addEventListener("message", (event) => event.waitUntil(onMessage(event)));
  self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method === "POST" && sessionUrls.size > 0 && isSessionUrl(request.url)) {
      event.respondWith(captureSession(event));
      return;
    }
    if (request.mode === "navigate" || !matches(request.url)) return; // never any other request
    event.respondWith(authorizedFetch(request));
  });
  // A worker restarted by the browser picks its session up from storage at once (with
  // `persist: false` there is none: it starts signed out).
  manager().catch(() => {});
  return {
    /** Stops the renewal timers (the listeners stay; for tests and teardown). */
    async stop() {
      const m = await managerPromise?.catch(() => null);
      m?.stop();
    },
  };
}

/**
 * `init` (the default export of every rotor entry): loads the wasm module once; idempotent.
 * `installSilentRenewal` calls it itself, so awaiting it is only needed to use the core directly.
 */
export { default } from "#rotor";
