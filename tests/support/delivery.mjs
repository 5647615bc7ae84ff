// The issuer suites in both refresh-token delivery modes (issue 16: "the same tests run in both
// modes"). `ROTOR_REFRESH_DELIVERY=cookie` makes `Issuer` below configure every public client
// with `refreshTokenDelivery: "cookie"` and talk to it the way a browser does: a refresh or
// revocation that a test writes with the token in the body is sent with the token in the
// `Cookie` header only, from an allowed `Origin`, with `x-rotor-csrf`; the token of a
// `Set-Cookie` answer is handed back to the test in `refresh_token`, so every assertion about
// rotation, grace, reuse detection and atomicity runs against the cookie path unchanged.
// Each answer is also checked for what cookie mode promises: no `refresh_token` in any body,
// and the cookie's attributes.
import assert from "node:assert/strict";
import { Issuer as RealIssuer, MemoryStore } from "rotor/issuer";

export { MemoryStore };

/** `"cookie"` or `"body"`. */
export const DELIVERY = process.env.ROTOR_REFRESH_DELIVERY === "cookie" ? "cookie" : "body";
/** The page origin cookie-mode requests come from. */
export const COOKIE_ORIGIN = "https://app.rotor.test";
const NAME = "__Secure-rotor-refresh";
const COOKIE = new RegExp(`^${NAME}=([A-Za-z0-9_-]*); Path=(\\S+); Max-Age=(\\d+); HttpOnly; Secure; SameSite=Strict$`);

/** The clients of `config` in cookie mode: public ones deliver by cookie. */
export function cookieConfig(config) {
  return {
    ...config,
    clients: config.clients.map((c) =>
      c.clientSecret === undefined && c.clientSecretEnv === undefined ? { ...c, refreshTokenDelivery: "cookie", allowedOrigins: [...(c.allowedOrigins ?? []), COOKIE_ORIGIN] } : c,
    ),
  };
}

/** The token of the `Set-Cookie` answers of `res` (checked), `""` when expired, null when none. */
export function cookieToken(res, prefix = "") {
  const set = res.headers.getSetCookie();
  if (set.length === 0) return null;
  assert.equal(set.length, 2, "one cookie per endpoint path");
  const parsed = set.map((c) => c.match(COOKIE));
  assert.ok(parsed.every(Boolean), `cookie attributes: ${set.join(" | ").replace(/=[A-Za-z0-9_-]{20,}/g, "=…")}`);
  assert.deepEqual(parsed.map((m) => m[2]), [`${prefix}/token`, `${prefix}/revoke`]);
  assert.equal(parsed[0][1], parsed[1][1]);
  return parsed[0][1];
}

/** Moves the token of a public client's refresh / revocation into a Cookie header. */
async function asBrowser(request, cookieClients, prefix) {
  if (request.method !== "POST" || request.headers.has("authorization") || request.headers.has("origin")) return null;
  const path = new URL(request.url).pathname;
  const name = path === `${prefix}/token` ? "refresh_token" : path === `${prefix}/revoke` ? "token" : null;
  if (!name || !(request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) return null;
  if (request.headers.has("transfer-encoding")) {
    // A streamed body stays unread (those tests are about the driver's body reader): it keeps
    // its token, and comes from the page's origin as a cookie client's request must.
    const headers = new Headers(request.headers);
    headers.set("origin", COOKIE_ORIGIN);
    headers.set("x-rotor-csrf", "1");
    return new Request(request.url, { method: "POST", headers, body: request.body, duplex: "half" });
  }
  const text = await request.clone().text();
  const params = new URLSearchParams(text);
  const token = params.get(name);
  if (!cookieClients.has(params.get("client_id")) || token === null || !/^[A-Za-z0-9_-]+$/.test(token) || params.getAll(name).length !== 1) return null;
  params.delete(name);
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  headers.set("origin", COOKIE_ORIGIN);
  headers.set("x-rotor-csrf", "1");
  headers.set("cookie", `${NAME}=${token}`);
  return new Request(request.url, { method: "POST", headers, body: params.toString() });
}

/** Hands a cookie answer back in the shape of a body answer. */
async function asBody(res, prefix) {
  const token = cookieToken(res, prefix);
  const headers = new Headers(res.headers);
  for (const h of ["set-cookie", "vary", "access-control-allow-origin", "access-control-allow-credentials"]) headers.delete(h);
  let text = await res.text();
  if (res.status === 200 && text !== "") {
    const body = JSON.parse(text);
    assert.equal("refresh_token" in body, false, "cookie mode: no refresh_token in the body");
    if (token) text = JSON.stringify({ ...body, refresh_token: token });
  }
  return new Response(text === "" ? null : text, { status: res.status, headers });
}

class CookieIssuer extends RealIssuer {
  #clients;
  #prefix;
  constructor(config) {
    const cooked = config && Array.isArray(config.clients) && config.dialect !== "tokenidp" ? cookieConfig(config) : config;
    super(cooked);
    this.#clients = new Set((cooked?.clients ?? []).filter((c) => c?.refreshTokenDelivery === "cookie").map((c) => c.clientId));
    this.#prefix = new URL(config.issuer).pathname.replace(/\/+$/, "");
  }
  async handle(request, options) {
    const browser = await asBrowser(request, this.#clients, this.#prefix);
    if (!browser) return super.handle(request, options);
    return asBody(await super.handle(browser, options), this.#prefix);
  }
  async route(request, options) {
    const browser = await asBrowser(request, this.#clients, this.#prefix);
    const routed = await super.route(browser ?? request, options);
    if (browser && routed.response) return { response: await asBody(routed.response, this.#prefix) };
    return routed;
  }
  async startSession(input, options) {
    if (!this.#clients.has(input?.clientId)) return super.startSession(input, options);
    const res = await this.sessionResponse(input, options);
    const body = await res.json();
    assert.equal("refresh_token" in body, false);
    return { ...body, refresh_token: cookieToken(res, this.#prefix) };
  }
}

/** rotor/issuer's `Issuer`, or in cookie mode the browser-shaped wrapper above. */
export const Issuer = DELIVERY === "cookie" ? CookieIssuer : RealIssuer;

/** The JSON text of `ROTOR_CLIENTS` in the current mode (public clients deliver by cookie). */
export function deliveryClients(clients) {
  return DELIVERY === "cookie" ? cookieConfig({ clients }).clients : clients;
}

/**
 * `fetch` as a page of `COOKIE_ORIGIN` would make it in cookie mode (for suites that talk to a
 * Worker over HTTP): a public client's token travels in `Cookie`, the answer's `Set-Cookie`
 * token comes back in `refresh_token`. Plain `fetch` in body mode.
 */
export function deliveryFetch(clients, prefix = "") {
  if (DELIVERY !== "cookie") return fetch;
  const ids = new Set(clients.filter((c) => c.clientSecret === undefined && c.clientSecretEnv === undefined).map((c) => c.clientId));
  return async (url, init) => {
    const request = new Request(url, init);
    const browser = await asBrowser(request, ids, prefix);
    const res = await fetch(browser ?? request);
    return res.headers.getSetCookie().length > 0 || browser ? asBody(res, prefix) : res;
  };
}
