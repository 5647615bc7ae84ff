// rotor: refresh tokens delivered as an HttpOnly cookie (issue 16, first-party mode).
//
// This is HTTP transport, so it lives in the issuer's JS front and not in the sans-IO core: a
// client configured with `refreshTokenDelivery: "cookie"` gets its refresh token only in a
// `Set-Cookie` header, and its refresh and revocation requests carry it only in `Cookie`.
// Before the core sees such a request, the token is moved from the cookie into the form body
// (the core's parsing, MAC check, rotation, reuse detection and grace then run exactly as for
// body delivery, in the same store update, in the same Durable Object); after the core has
// answered, the token is moved from the body into the cookie. Everything else (CORS for
// other clients, errors, the family rules) is the core's.
//
// Cookie (RFC 6265 §4.1, draft-ietf-httpbis-rfc6265bis §4.1.3 prefixes): `__Secure-` name,
// `HttpOnly; Secure; SameSite=Strict`, one cookie per endpoint path (`<issuer path>/token`,
// `<issuer path>/revoke`), so the browser sends it nowhere else; `Max-Age` is the family's
// remaining lifetime (the store record's expiry: absolute and idle). `__Host-` would forbid a
// `Path` other than `/`, which would send the token with every request to the origin.
//
// CSRF (a cookie is ambient authority): SameSite=Strict; the request's `Origin` must be one of
// the client's `allowedOrigins` exactly; it must carry `x-rotor-csrf`, a header no
// form can send and no cross-origin script can send without a preflight that only those
// origins pass; `Sec-Fetch-Site: cross-site` is refused. CORS answers to those origins carry
// `Access-Control-Allow-Credentials: true`, never with `*`.
import { configError } from "./errors.js";

/** The request header a cookie-delivery request must carry (forces a CORS preflight). */
export const COOKIE_REQUEST_HEADER = "x-rotor-csrf";

/** The default cookie name. */
export const DEFAULT_COOKIE_NAME = "__Secure-rotor-refresh";

const COOKIE_NAME = /^__Secure-[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Refresh tokens rotor mints are base64url; anything else in the cookie is not one. */
const TOKEN_TEXT = /^[A-Za-z0-9_-]{1,256}$/;

const DELIVERY_KEYS = ["refreshTokenDelivery", "refreshTokenCookie"];

function headerless(r) {
  return { status: r.status, headers: { ...r.headers }, body: r.body };
}

/**
 * Reads the cookie-delivery options out of an issuer config. Returns `{ clients, delivery }`:
 * the clients as the core takes them (without these options) and a `CookieDelivery`, or
 * `null` when no client uses cookies.
 */
export function splitDelivery(config) {
  const clients = Array.isArray(config.clients) ? config.clients : null;
  if (!clients) return { clients: config.clients, delivery: null };
  const cookieClients = new Map();
  const stripped = clients.map((c, i) => {
    if (!c || typeof c !== "object" || !DELIVERY_KEYS.some((k) => k in c)) return c;
    const { refreshTokenDelivery, refreshTokenCookie, ...rest } = c;
    const at = `clients[${i}]`;
    if (refreshTokenDelivery !== undefined && refreshTokenDelivery !== "body" && refreshTokenDelivery !== "cookie") {
      throw configError(`${at}.refreshTokenDelivery must be "body" or "cookie"`);
    }
    if (refreshTokenDelivery !== "cookie") {
      if (refreshTokenCookie !== undefined) throw configError(`${at}.refreshTokenCookie needs refreshTokenDelivery "cookie"`);
      return rest;
    }
    const name = refreshTokenCookie ?? DEFAULT_COOKIE_NAME;
    if (typeof name !== "string" || !COOKIE_NAME.test(name)) {
      throw configError(`${at}.refreshTokenCookie must be a cookie name starting with "__Secure-" (RFC 6265bis §4.1.3.1)`);
    }
    if (rest.clientSecret !== undefined || (rest.authMethods && (rest.authMethods.length !== 1 || rest.authMethods[0] !== "none"))) {
      throw configError(`${at}: refreshTokenDelivery "cookie" is for public browser clients (no clientSecret, authMethods ["none"])`);
    }
    if (!Array.isArray(rest.allowedOrigins) || rest.allowedOrigins.length === 0) {
      throw configError(`${at}: refreshTokenDelivery "cookie" needs allowedOrigins (the exact Origin check against CSRF)`);
    }
    if (config.dialect === "tokenidp") throw configError(`${at}: refreshTokenDelivery "cookie" needs a form-encoded dialect, not "tokenidp"`);
    cookieClients.set(rest.clientId, { name, origins: new Set(rest.allowedOrigins) });
    return rest;
  });
  if (cookieClients.size === 0) return { clients: stripped, delivery: null };
  let prefix;
  try {
    prefix = new URL(config.issuer).pathname.replace(/\/+$/, "");
  } catch {
    throw configError("issuer must be a URL");
  }
  return { clients: stripped, delivery: new CookieDelivery(cookieClients, prefix) };
}

function cookieValue(header, name) {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (TOKEN_TEXT.test(value)) return value;
  }
  return null;
}

/** The per-issuer cookie rules (see the file's header). */
export class CookieDelivery {
  #clients;
  #token;
  #revoke;
  #origins;

  constructor(clients, prefix) {
    this.#clients = clients;
    this.#token = `${prefix}/token`;
    this.#revoke = `${prefix}/revoke`;
    this.#origins = new Set();
    for (const c of clients.values()) for (const o of c.origins) this.#origins.add(o);
  }

  #cookies(name, value, maxAge) {
    // No known lifetime (never for a token the core answers with a record): a session cookie.
    const attrs = `${maxAge === null ? "" : `; Max-Age=${maxAge}`}; HttpOnly; Secure; SameSite=Strict`;
    return [`${name}=${value}; Path=${this.#token}${attrs}`, `${name}=${value}; Path=${this.#revoke}${attrs}`];
  }

  /** `Set-Cookie` values delivering `token` for `maxAge` seconds, or null: unknown (both endpoint paths). */
  setCookies(client, token, maxAge) {
    return this.#cookies(client.name, token, maxAge === null ? null : Math.max(0, Math.floor(maxAge)));
  }

  /** `Set-Cookie` values that expire the cookie (`Max-Age=0`). */
  expireCookies(client) {
    return this.#cookies(client.name, "", 0);
  }

  /** The cookie settings of `clientId`, or undefined for a body-delivery client. */
  client(clientId) {
    return this.#clients.get(clientId);
  }

  /**
   * Looks at a request the core is about to see (`req` as readRequest made it, `headers` the
   * fetch Headers): `null` when it is not a cookie client's token or revocation request;
   * otherwise `{ client, endpoint, body, refusal? , missing? }` where `body` has the cookie's
   * token added when the body had none, `refusal` is `[status, code, description]` of a
   * cross-site request, and `missing` is true when neither body nor cookie holds a token.
   */
  inspect(req, headers) {
    if (req.method !== "POST") return null;
    const endpoint = req.path === this.#token ? "token" : req.path === this.#revoke ? "revoke" : null;
    if (!endpoint || headers.has("authorization")) return null;
    const media = (headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (media !== "application/x-www-form-urlencoded") return null;
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(req.body);
    } catch {
      return null;
    }
    const params = new URLSearchParams(text);
    const client = this.#clients.get(params.get("client_id") ?? "");
    if (!client) return null;
    const origin = headers.get("origin");
    if (origin === null || !client.origins.has(origin) || headers.get("sec-fetch-site") === "cross-site") {
      return { client, endpoint, refusal: [403, "invalid_request", "cross-site request refused: this Origin may not use the refresh-token cookie"] };
    }
    if (headers.get(COOKIE_REQUEST_HEADER) === null) {
      return { client, endpoint, refusal: [403, "invalid_request", "a refresh-token cookie request must carry x-rotor-csrf"] };
    }
    const name = endpoint === "token" ? "refresh_token" : "token";
    if (params.has(name)) return { client, endpoint, body: req.body };
    const token = cookieValue(headers.get("cookie"), client.name);
    if (token === null) return { client, endpoint, body: req.body, missing: true };
    const sep = text === "" || text.endsWith("&") ? "" : "&";
    return { client, endpoint, body: new TextEncoder().encode(`${text}${sep}${name}=${token}`) };
  }

  /**
   * The core's answer `r` (`{ status, headers, body }`) to an inspected request, as it goes to
   * the browser: a token response loses `refresh_token` to cookies lasting until
   * `expiresAt` (ms); `invalid_grant` and revocation expire the cookie; CORS to an allowed
   * origin gains `Access-Control-Allow-Credentials`. Returns `{ r, cookies }`.
   */
  finish(seen, r, expiresAt, now) {
    const out = headerless(r);
    if (out.headers["access-control-allow-origin"]) out.headers["access-control-allow-credentials"] = "true";
    let cookies = [];
    if (seen.endpoint === "revoke") {
      if (r.status === 200) cookies = this.expireCookies(seen.client);
    } else if (r.status === 200) {
      const body = JSON.parse(r.body);
      const token = body.refresh_token;
      delete body.refresh_token;
      out.body = JSON.stringify(body);
      if (typeof token === "string") cookies = this.setCookies(seen.client, token, expiresAt == null ? null : (expiresAt - now) / 1000);
    } else if (r.status === 400 && /"invalid_grant"/.test(r.body)) {
      cookies = this.expireCookies(seen.client);
    }
    return { r: out, cookies };
  }

  /** A preflight's answer: credentials and the request header for a cookie client's origin. */
  preflight(r, headers) {
    const origin = headers.get("origin");
    if (r.status !== 204 || origin === null || !this.#origins.has(origin)) return r;
    const out = headerless(r);
    if (!out.headers["access-control-allow-origin"]) return r;
    out.headers["access-control-allow-credentials"] = "true";
    out.headers["access-control-allow-headers"] = `${out.headers["access-control-allow-headers"]}, ${COOKIE_REQUEST_HEADER}`;
    return out;
  }
}

/** A fetch Response from the core's `{ status, headers, body }` plus `Set-Cookie` values. */
export function withCookies(r, cookies, headOnly = false) {
  const headers = new Headers(r.headers);
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(headOnly || r.status === 204 || r.body === "" ? null : r.body, { status: r.status, headers });
}
