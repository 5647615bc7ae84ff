// rotor/worker: a token handler (backend for frontend) in front of an upstream authorization
// server. The browser never holds the refresh token: the handler runs the authorization code
// flow with PKCE itself, keeps the upstream refresh token AES-GCM-encrypted in an HttpOnly
// `__Host-` cookie, and answers the page's refresh with the access token and its lifetimes
// only. The upstream wire format (every dialect rotor speaks, client authentication) is the
// client core's: `Client.buildRefreshRequest`, `buildRevocationRequest`, `parseTokenResponse`.
//
// RFC 6749 §4.1 (authorization code), RFC 7636 (PKCE, S256), OpenID Connect Core §3.1.2.1
// (`nonce`), RFC 9207 (`iss` in the authorization response), RFC 6749 §6 (refresh),
// RFC 7009 (revocation), RFC 6265bis (cookie prefixes, SameSite), draft-ietf-oauth-browser-
// based-apps §6.1 (backend for frontend).
import { Client, OAuthError, RotorError } from "#rotor";
import { readCapped } from "./body.js";
import { configError } from "./errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Bytes of one AES-256-GCM key. */
const KEY_BYTES = 32;
/** Cookies larger than this are refused when sealed (browsers keep at most 4096 per cookie). */
const MAX_COOKIE_BYTES = 4000;
/** How long a login may take between the redirect to the server and the callback. */
const LOGIN_TTL_SECONDS = 600;
/** Largest token-endpoint answer read (as the core's own limit). */
const MAX_UPSTREAM_BODY = 1024 * 1024;
/** Sessions whose single-flight result is remembered per isolate, at most. */
const MAX_FLIGHTS = 10_000;

const OPTION_KEYS = new Set([
  "client", "authorizationEndpoint", "issuer", "redirectUri", "scope", "authorizationParams",
  "allowedOrigins", "keys", "basePath", "postLoginPath", "sessionTtl", "csrfHeader",
  "cookiePrefix", "reuseWindowSeconds", "sessionBinding", "fetch", "now",
]);

function b64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function randomToken(bytes = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Constant-time comparison of two strings (their lengths are not secret). */
function sameString(a, b) {
  if (typeof a !== "string" || typeof b !== "string" || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Exact `scheme://host[:port]`, as the Origin header sends it. */
function checkOrigin(origin, what) {
  let url;
  try {
    url = new URL(origin);
  } catch {
    throw configError(`${what}: "${String(origin).slice(0, 60)}" is not an origin`);
  }
  if (url.origin !== origin) throw configError(`${what}: "${origin.slice(0, 60)}" is not an origin (scheme://host[:port], lower case, no path)`);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) throw configError(`${what}: https only (http: for loopback)`);
}

function checkEndpoint(value, what) {
  if (typeof value !== "string") throw configError(`${what} is required`);
  let url;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${what} is not a URL`);
  }
  checkOrigin(url.origin, what);
  if (url.hash || url.username || url.password) throw configError(`${what}: no fragment or userinfo`);
  return url;
}

/**
 * Imports the cookie keys: `[{ kid, key }]`, `key` the base64url of exactly 32 bytes (AES-256);
 * the first encrypts, every one decrypts (rotation: prepend the new key, drop the old one when
 * the longest session has passed).
 */
async function importKeys(list) {
  if (!Array.isArray(list) || list.length === 0) throw configError("keys: at least one { kid, key } is required");
  const out = [];
  const seen = new Set();
  for (const [i, entry] of list.entries()) {
    const kid = entry?.kid;
    if (typeof kid !== "string" || !/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw configError(`keys[${i}].kid: 1-32 characters of A-Z a-z 0-9 _ -`);
    if (seen.has(kid)) throw configError(`keys[${i}].kid: duplicate kid`);
    seen.add(kid);
    const raw = typeof entry.key === "string" ? unb64url(entry.key) : null;
    if (!raw || raw.length !== KEY_BYTES) throw configError(`keys[${i}].key: the base64url of exactly ${KEY_BYTES} random bytes`);
    out.push({ kid, key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]) });
  }
  return out;
}

/**
 * Seals `payload` (JSON) for the cookie `name`: `kid.base64url(iv ‖ AES-256-GCM(payload))`,
 * the cookie name as additional data, so that one cookie cannot stand in for another.
 */
async function seal(keys, name, payload) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(name) }, keys[0].key, enc.encode(JSON.stringify(payload))),
  );
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return `${keys[0].kid}.${b64url(out)}`;
}

/** The payload of a sealed cookie, or null (unknown kid, altered, another cookie's, expired). */
async function open(keys, name, value, now) {
  if (typeof value !== "string" || value.length > MAX_COOKIE_BYTES) return null;
  const dot = value.indexOf(".");
  if (dot < 1) return null;
  const entry = keys.find((k) => k.kid === value.slice(0, dot));
  const bytes = unb64url(value.slice(dot + 1));
  if (!entry || !bytes || bytes.length < 12 + 16) return null;
  let plain;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: enc.encode(name) }, entry.key, bytes.subarray(12));
  } catch {
    return null;
  }
  let payload;
  try {
    payload = JSON.parse(dec.decode(plain));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object" || typeof payload.exp !== "number" || payload.exp <= now) return null;
  return payload;
}

function readCookie(request, name) {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function cookie(name, value, { maxAge, sameSite }) {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAge))}; HttpOnly; Secure; SameSite=${sameSite}`;
}

function clearCookie(name, sameSite) {
  return cookie(name, "", { maxAge: 0, sameSite });
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...NO_STORE, ...headers } });
}

function oauthError(status, error, description, headers) {
  return json(status, { error, error_description: description }, headers);
}

/** A plain-text page for the browser (the callback is a navigation, not an API call). */
function page(status, text, headers = {}) {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE, ...headers } });
}

/** The JSON claims of a JWT, UNVERIFIED (the caller checks what it relies on), or null. */
function jwtClaims(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3 || parts[1].length > 16 * 1024) return null;
  const bytes = unb64url(parts[1]);
  if (!bytes) return null;
  try {
    const claims = JSON.parse(dec.decode(bytes));
    return claims && typeof claims === "object" && !Array.isArray(claims) ? claims : null;
  } catch {
    return null;
  }
}

/** Only a same-origin path: `/...`, never `//host` or `/\host` (open redirect). */
function safeReturnPath(value, fallback) {
  if (typeof value !== "string" || value.length > 2048 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return fallback;
  return value;
}

/** What the logs may say about an error: rotor's code and message, else only its name. */
function describe(err) {
  if (err instanceof OAuthError || err instanceof RotorError) return `${err.name} ${err.code}: ${err.message}`;
  return `${(err && err.name) || typeof err} (message withheld)`;
}

/** The upstream answer's body, read chunk by chunk and cut past the core's 1 MiB limit. */
async function readBody(res) {
  if (res.body === null) return "";
  const bytes = await readCapped(res.body, MAX_UPSTREAM_BODY);
  // Past the limit: an empty body, which the core refuses as it would the oversized one.
  return bytes === null ? "" : dec.decode(bytes);
}

/**
 * The authorization code request (RFC 6749 §4.1.3, RFC 7636 §4.5) in the dialect's wire format.
 * The client core writes the client authentication (Basic header, `client_secret_post`,
 * `client_secret_jwt` assertion, TokenIDP's camelCase JSON); this swaps the refresh grant's
 * two members for the code grant's.
 */
function codeRequest(client, { code, redirectUri, codeVerifier, now }) {
  const placeholder = "rotor-token-handler-code-grant";
  const req = client.buildRefreshRequest({ refreshToken: placeholder, now });
  const grant = [["grant_type", "authorization_code"], ["code", code], ["redirect_uri", redirectUri], ["code_verifier", codeVerifier]];
  if (req.headers["content-type"] === "application/json") {
    const fields = JSON.parse(req.body);
    delete fields.grantType;
    delete fields.refreshToken;
    const body = { grantType: "authorization_code", ...fields, code, redirectUri, codeVerifier };
    return { ...req, body: JSON.stringify(body) };
  }
  const auth = [...new URLSearchParams(req.body)].filter(([k]) => k !== "grant_type" && k !== "refresh_token");
  return { ...req, body: new URLSearchParams([...grant, ...auth]).toString() };
}

/**
 * Builds the token handler. See the README ("Token handler") and `pkg/types/worker.d.ts`.
 */
export function createTokenHandler(options) {
  if (!options || typeof options !== "object") throw configError("createTokenHandler: options are required");
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw configError(`createTokenHandler: unknown option "${key.slice(0, 40)}"`);
  const clientOf = typeof options.client === "function" ? options.client : () => options.client;
  const keysOf = typeof options.keys === "function" ? options.keys : options.keys ? () => options.keys : (env) => (typeof env?.ROTOR_BFF_KEYS === "string" ? JSON.parse(env.ROTOR_BFF_KEYS) : env?.ROTOR_BFF_KEYS);
  const authorizationEndpoint = checkEndpoint(options.authorizationEndpoint, "authorizationEndpoint");
  const redirectUri = checkEndpoint(options.redirectUri, "redirectUri");
  if (typeof options.scope !== "string" || options.scope.trim() === "") throw configError("scope is required");
  const scope = options.scope.trim().split(/\s+/).join(" ");
  const openid = scope.split(" ").includes("openid");
  const issuer = options.issuer;
  if (issuer !== undefined && typeof issuer !== "string") throw configError("issuer: expected a string");
  const origins = options.allowedOrigins ?? [redirectUri.origin];
  if (!Array.isArray(origins) || origins.length === 0) throw configError("allowedOrigins: a non-empty array of origins");
  origins.forEach((o, i) => checkOrigin(o, `allowedOrigins[${i}]`));
  const basePath = options.basePath ?? "/auth";
  if (!/^\/[A-Za-z0-9._~\/-]*[^/]$/.test(basePath)) throw configError("basePath: a path like /auth (no trailing slash)");
  const postLoginPath = safeReturnPath(options.postLoginPath ?? "/", null);
  if (postLoginPath === null) throw configError("postLoginPath: a same-origin path starting with /");
  const sessionTtl = options.sessionTtl ?? 12 * 3600;
  if (!Number.isSafeInteger(sessionTtl) || sessionTtl <= 0) throw configError("sessionTtl: whole seconds > 0");
  const csrfHeader = (options.csrfHeader ?? "x-rotor-csrf").toLowerCase();
  if (!/^x-[a-z0-9-]+$/.test(csrfHeader)) throw configError("csrfHeader: a custom header name (x-...)");
  const prefix = options.cookiePrefix ?? "__Host-rotor-";
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw configError("cookiePrefix: letters, digits, _ and -");
  const reuseWindowSeconds = options.reuseWindowSeconds ?? 30;
  if (typeof reuseWindowSeconds !== "number" || !(reuseWindowSeconds >= 0 && reuseWindowSeconds <= 300)) throw configError("reuseWindowSeconds: 0 to 300");
  const reuseWindowMs = reuseWindowSeconds * 1000;
  const authParams = options.authorizationParams ?? {};
  for (const k of Object.keys(authParams)) {
    if (["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"].includes(k)) {
      throw configError(`authorizationParams: "${k}" is set by the handler`);
    }
  }
  const sessionBinding = options.sessionBinding;
  if (sessionBinding !== undefined && (typeof sessionBinding !== "string" || sessionBinding === "")) throw configError("sessionBinding: the name of a Durable Object binding");
  const fetchUpstream = options.fetch ?? ((...a) => fetch(...a));
  const nowOf = options.now ?? Date.now;
  const SESSION = `${prefix}session`;
  const LOGIN = `${prefix}login`;
  const paths = { login: `${basePath}/login`, callback: redirectUri.pathname, token: `${basePath}/token`, logout: `${basePath}/logout` };

  /** Per env: the checked Client and the imported keys (one env object per deployment). */
  const setups = new WeakMap();
  const noEnv = {};
  function setup(env) {
    const keyObj = env && typeof env === "object" ? env : noEnv;
    let s = setups.get(keyObj);
    if (!s) {
      s = (async () => {
        const config = clientOf(env);
        const client = new Client(config);
        return { client, clientId: config.clientId, revocation: Boolean(config.revocationEndpoint), keys: await importKeys(keysOf(env)) };
      })();
      s.catch(() => setups.delete(keyObj));
      setups.set(keyObj, s);
    }
    return s;
  }

  /**
   * Single flight per session and refresh token (this isolate): `sid:refreshToken` → the
   * promise of the upstream answer, kept `reuseWindowMs` after it settles so that a request
   * that left with the old cookie before the new one arrived gets the same answer instead of
   * redeeming a retired token (which a rotating server treats as reuse).
   */
  const flights = new Map();
  /**
   * Sessions signed out in this isolate (sid → when), so that a refresh racing the sign-out
   * neither answers nor leaves its successor alive upstream.
   */
  const signedOut = new Map();
  let prunedAt = -Infinity;
  /** Drops expired entries (at most once a second: a full pass is O(entries)) and caps both maps. */
  function prune(now) {
    if (now - prunedAt < 1000 && flights.size <= MAX_FLIGHTS && signedOut.size <= MAX_FLIGHTS) return;
    prunedAt = now;
    for (const [k, f] of flights) if (f.settledAt !== null && now - f.settledAt > reuseWindowMs) flights.delete(k);
    while (flights.size > MAX_FLIGHTS) flights.delete(flights.keys().next().value);
    for (const [sid, at] of signedOut) if (now - at > reuseWindowMs + 60_000) signedOut.delete(sid);
    while (signedOut.size > MAX_FLIGHTS) signedOut.delete(signedOut.keys().next().value);
  }

  /** RFC 7009 revocation of `token` upstream: true when the server answered 200. */
  async function revoke(s, token, now) {
    try {
      const req = s.client.buildRevocationRequest({ token, tokenTypeHint: "refresh_token", now });
      const res = await fetchUpstream(req.url, { method: "POST", headers: req.headers, body: req.body, redirect: "manual" });
      await res.body?.cancel().catch(() => {});
      return res.status === 200;
    } catch (err) {
      console.error(`rotor/worker token handler: revocation: ${describe(err)}`);
      return false;
    }
  }

  function corsHeaders(origin, sameOrigin) {
    return sameOrigin ? { vary: "Origin" } : { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" };
  }

  /** POSTs from the page: exact Origin, the custom header (a cross-site form cannot send it). */
  function crossSite(request) {
    const origin = request.headers.get("origin");
    if (!origin || !origins.includes(origin)) return oauthError(403, "access_denied", "cross-site request refused (Origin)", { vary: "Origin" });
    if (request.headers.get(csrfHeader) === null) return oauthError(403, "access_denied", `cross-site request refused (missing ${csrfHeader})`, { vary: "Origin" });
    return null;
  }

  function preflight(request) {
    const origin = request.headers.get("origin");
    if (!origin || !origins.includes(origin) || request.headers.get("access-control-request-method") !== "POST") {
      return new Response(null, { status: 403, headers: { vary: "Origin" } });
    }
    return new Response(null, {
      status: 204,
      headers: {
        ...corsHeaders(origin, false),
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": `content-type, ${csrfHeader}`,
        "access-control-max-age": "600",
      },
    });
  }

  async function login(request, s, url, now) {
    const state = randomToken();
    const codeVerifier = randomToken(); // 43 characters, RFC 7636 §4.1
    const nonce = openid ? randomToken() : undefined;
    const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(codeVerifier))));
    const returnTo = safeReturnPath(url.searchParams.get("return_to"), postLoginPath);
    const target = new URL(authorizationEndpoint);
    const params = {
      ...authParams,
      response_type: "code",
      client_id: s.clientId,
      redirect_uri: redirectUri.href,
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    };
    if (nonce) params.nonce = nonce;
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    const sealed = await seal(s.keys, LOGIN, { state, codeVerifier, nonce, returnTo, exp: now + LOGIN_TTL_SECONDS * 1000 });
    // Lax: the callback is a top-level navigation from the authorization server's site.
    return new Response(null, { status: 302, headers: { location: target.href, "set-cookie": cookie(LOGIN, sealed, { maxAge: LOGIN_TTL_SECONDS, sameSite: "Lax" }), ...NO_STORE } });
  }

  async function callback(request, s, url, now) {
    const clear = clearCookie(LOGIN, "Lax");
    const txn = await open(s.keys, LOGIN, readCookie(request, LOGIN), now);
    const refuse = (status, text) => page(status, text, { "set-cookie": clear });
    if (!txn) return refuse(400, "sign-in refused: no sign-in in progress in this browser (or it expired); start again");
    if (!sameString(url.searchParams.get("state") ?? "", txn.state)) return refuse(400, "sign-in refused: state mismatch");
    const iss = url.searchParams.get("iss");
    if (iss !== null && issuer !== undefined && iss !== issuer) return refuse(400, "sign-in refused: wrong issuer (RFC 9207)");
    if (url.searchParams.has("error")) {
      const code = (url.searchParams.get("error") ?? "").replace(/[^\x20-\x7e]/g, "").slice(0, 64);
      return refuse(400, `sign-in failed at the authorization server: ${code}`);
    }
    const code = url.searchParams.get("code");
    if (!code) return refuse(400, "sign-in refused: no code");
    const req = codeRequest(s.client, { code, redirectUri: redirectUri.href, codeVerifier: txn.codeVerifier, now });
    let tokenSet;
    try {
      const res = await fetchUpstream(req.url, { method: "POST", headers: req.headers, body: req.body, redirect: "manual" });
      tokenSet = s.client.parseTokenResponse({ status: res.status, headers: res.headers, body: await readBody(res) }, { now: nowOf(), requestedScope: scope });
    } catch (err) {
      console.error(`rotor/worker token handler: code exchange: ${describe(err)}`);
      return refuse(502, "sign-in failed: the authorization server refused the code exchange");
    }
    if (!tokenSet.refreshToken) return refuse(502, "sign-in failed: the authorization server issued no refresh token (offline_access?)");
    if (txn.nonce) {
      // OpenID Connect Core §3.1.3.7: received from the token endpoint over TLS, the ID token's
      // signature may be taken on TLS's word (item 6); nonce, aud, iss and exp are checked here.
      const claims = jwtClaims(tokenSet.idToken);
      if (!claims) return refuse(502, "sign-in failed: no ID token although openid was requested");
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!sameString(claims.nonce ?? "", txn.nonce)) return refuse(400, "sign-in refused: ID token nonce mismatch");
      if (!aud.includes(s.clientId)) return refuse(502, "sign-in failed: ID token audience is not this client");
      if (issuer !== undefined && claims.iss !== issuer) return refuse(502, "sign-in failed: ID token issuer mismatch");
      if (typeof claims.exp !== "number" || claims.exp * 1000 <= now) return refuse(502, "sign-in failed: ID token expired");
    }
    const session = { sid: randomToken(16), rt: tokenSet.refreshToken, rtExp: tokenSet.refreshExpiresAt, scope: tokenSet.scope, end: now + sessionTtl * 1000 };
    const sealed = await sealSession(s, session, now);
    if (!sealed) return refuse(502, "sign-in failed: the refresh token is too large for a cookie");
    const headers = new Headers({ location: new URL(txn.returnTo, url).href, ...NO_STORE });
    headers.append("set-cookie", clear);
    headers.append("set-cookie", sealed);
    return new Response(null, { status: 303, headers });
  }

  /** The session cookie's Set-Cookie, or null when it would not fit in a cookie. */
  async function sealSession(s, session, now) {
    // `end`: the absolute session lifetime; `exp`: when this cookie dies (the earlier of it and
    // the refresh token's own expiry, which a rotation may move).
    const end = Math.min(session.end, session.rtExp ?? Infinity);
    const value = await seal(s.keys, SESSION, { sid: session.sid, rt: session.rt, rtExp: session.rtExp, scope: session.scope, end: session.end, exp: end });
    const header = cookie(SESSION, value, { maxAge: (end - now) / 1000, sameSite: "Strict" });
    return header.length > MAX_COOKIE_BYTES ? null : header;
  }

  /** Redeems `session.rt` upstream once per isolate; resolves `{ tokenSet, setCookie }` or rejects. */
  function refreshOnce(s, session, now) {
    prune(now);
    const key = `${session.sid}:${session.rt}`;
    const existing = flights.get(key);
    if (existing) return existing.promise;
    const flight = { settledAt: null, promise: null };
    flight.promise = (async () => {
      const req = s.client.buildRefreshRequest({ refreshToken: session.rt, now });
      const res = await fetchUpstream(req.url, { method: "POST", headers: req.headers, body: req.body, redirect: "manual" });
      const previous = { refreshToken: session.rt, scope: session.scope, idToken: null };
      const tokenSet = s.client.parseTokenResponse({ status: res.status, headers: res.headers, body: await readBody(res) }, { now: nowOf(), previous });
      if (signedOut.has(session.sid)) {
        // Signed out while this redemption was upstream: its successor must not outlive the session.
        if (tokenSet.rotated && s.revocation) await revoke(s, tokenSet.refreshToken, nowOf());
        throw new OAuthError("invalid_grant", "the session was signed out", { kind: "reauthenticate", status: 400 });
      }
      let setCookie = null;
      const rtExp = tokenSet.refreshExpiresAt ?? session.rtExp;
      if (tokenSet.rotated || rtExp !== session.rtExp) {
        setCookie = await sealSession(s, { ...session, rt: tokenSet.refreshToken, rtExp, scope: tokenSet.scope }, nowOf());
        if (!setCookie) throw new RotorError("invalid_response", "the rotated refresh token is too large for a cookie", "protocol");
      }
      return { tokenSet, setCookie };
    })();
    // A success is replayed for the reuse window; a failure is not (a retry must go upstream).
    flight.promise.then(
      () => (flight.settledAt = nowOf()),
      () => flights.get(key) === flight && flights.delete(key),
    );
    flights.set(key, flight);
    return flight.promise;
  }

  async function token(request, s, now) {
    const origin = request.headers.get("origin");
    const cors = corsHeaders(origin, origin === new URL(request.url).origin);
    const session = await open(s.keys, SESSION, readCookie(request, SESSION), now);
    const ended = (description) => oauthError(400, "invalid_grant", description, { ...cors, "set-cookie": clearCookie(SESSION, "Strict") });
    if (!session || typeof session.rt !== "string" || typeof session.sid !== "string" || typeof session.end !== "number") return ended("no session: sign in");
    if (signedOut.has(session.sid)) return ended("the session has ended: sign in again");
    let result;
    try {
      result = await refreshOnce(s, session, now);
    } catch (err) {
      if (err instanceof OAuthError && err.kind === "reauthenticate") return ended("the session has ended: sign in again");
      if ((err instanceof OAuthError && err.kind === "retry") || err instanceof TypeError) {
        const retry = err.retryAfter ? { "retry-after": String(Math.ceil(err.retryAfter / 1000)) } : { "retry-after": "1" };
        return oauthError(503, "temporarily_unavailable", "the authorization server is unavailable; try again", { ...cors, ...retry });
      }
      console.error(`rotor/worker token handler: refresh: ${describe(err)}`);
      return oauthError(500, "server_error", "internal error", cors);
    }
    const { tokenSet, setCookie } = result;
    const at = nowOf();
    const body = { access_token: tokenSet.accessToken, token_type: tokenSet.tokenType ?? "Bearer" };
    if (tokenSet.expiresAt !== null) body.expires_in = Math.max(0, Math.floor((tokenSet.expiresAt - at) / 1000));
    if (tokenSet.scope !== null) body.scope = tokenSet.scope;
    const rtExp = tokenSet.refreshExpiresAt ?? session.rtExp;
    if (rtExp != null) body.refresh_token_expires_in = Math.max(0, Math.floor((rtExp - at) / 1000));
    return json(200, body, setCookie ? { ...cors, "set-cookie": setCookie } : cors);
  }

  async function logout(request, s, now) {
    const origin = request.headers.get("origin");
    const cors = corsHeaders(origin, origin === new URL(request.url).origin);
    const session = await open(s.keys, SESSION, readCookie(request, SESSION), now);
    let revoked = false;
    if (session) {
      prune(now);
      signedOut.set(session.sid, now);
    }
    if (session && typeof session.rt === "string" && s.revocation) {
      // A refresh in flight for this cookie redeems its token: revoke its successor too.
      const tokens = [session.rt];
      const flight = flights.get(`${session.sid}:${session.rt}`);
      if (flight) {
        const next = await flight.promise.then((r) => r.tokenSet.refreshToken, () => null);
        if (next && next !== session.rt) tokens.unshift(next);
      }
      revoked = true;
      for (const token of tokens) if (!(await revoke(s, token, now))) revoked = false;
    }
    if (session) for (const k of flights.keys()) if (k.startsWith(`${session.sid}:`)) flights.delete(k);
    const headers = new Headers({ ...cors, "content-type": "application/json", ...NO_STORE });
    headers.append("set-cookie", clearCookie(SESSION, "Strict"));
    headers.append("set-cookie", clearCookie(LOGIN, "Lax"));
    return new Response(JSON.stringify({ signedOut: true, revoked }), { status: 200, headers });
  }

  /** The handler's answer for its own paths, `undefined` for any other. */
  /**
   * With `sessionBinding`, refreshes and sign-outs of a session run in that session's Durable
   * Object (`idFromName(sid)`): one instance in the world, so its single flight holds across
   * isolates and locations. The object runs the same code (`local`).
   */
  async function viaSessionObject(request, s, env, now) {
    const session = await open(s.keys, SESSION, readCookie(request, SESSION), now);
    if (!session || typeof session.sid !== "string") return null; // no session: answered here
    const ns = env?.[sessionBinding];
    if (!ns || typeof ns.idFromName !== "function") throw configError(`the Durable Object binding ${sessionBinding} (class TokenHandlerSession) is missing`);
    try {
      return await ns.get(ns.idFromName(session.sid)).fetch(request);
    } catch (err) {
      console.error(`rotor/worker token handler: session object: ${describe(err)}`);
      return oauthError(503, "temporarily_unavailable", "the session store is unavailable; try again", { "retry-after": "1" });
    }
  }

  async function handle(request, env, local) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path !== paths.login && path !== paths.callback && path !== paths.token && path !== paths.logout) return undefined;
    let s;
    try {
      s = await setup(env);
    } catch (err) {
      console.error(`rotor/worker token handler: configuration: ${describe(err)}`);
      return oauthError(500, "server_error", "internal error");
    }
    const now = nowOf();
    try {
      if (path === paths.login || path === paths.callback) {
        if (request.method !== "GET") return page(405, "method not allowed", { allow: "GET" });
        return path === paths.login ? await login(request, s, url, now) : await callback(request, s, url, now);
      }
      if (request.method === "OPTIONS") return preflight(request);
      if (request.method !== "POST") return oauthError(405, "invalid_request", "POST only", { allow: "POST, OPTIONS" });
      const refused = crossSite(request);
      if (refused) return refused;
      if (sessionBinding !== undefined && !local) {
        const forwarded = await viaSessionObject(request, s, env, now);
        if (forwarded) return forwarded;
      }
      return path === paths.token ? await token(request, s, now) : await logout(request, s, now);
    } catch (err) {
      console.error(`rotor/worker token handler: ${describe(err)}`);
      return oauthError(500, "server_error", "internal error");
    }
  }

  /** The answer for one of the handler's routes, `undefined` for any other path. */
  const route = (request, env) => handle(request, env, false);

  /** The Durable Object class of `sessionBinding`: one per session, running its refreshes and sign-out. */
  class TokenHandlerSession {
    #env;
    constructor(_state, env) {
      this.#env = env;
    }
    async fetch(request) {
      return (await handle(request, this.#env, true)) ?? new Response("not found", { status: 404 });
    }
  }

  return {
    paths,
    route,
    TokenHandlerSession,
    /** A Worker's `fetch`: the handler's paths, else 404. */
    async fetch(request, env) {
      return (await route(request, env)) ?? new Response("not found", { status: 404, headers: { "content-type": "text/plain" } });
    },
  };
}
