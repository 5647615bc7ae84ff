// rotor/token-handler: a token handler (backend for frontend) in front of an upstream
// authorization server. It loads the client module only, never the issuer's.
import type { ClientConfig } from "./client.js";

/** Cookie keys of the token handler: the first encrypts, every one decrypts (rotation). */
export interface TokenHandlerKey {
  /** 1-32 characters of `A-Z a-z 0-9 _ -`; written in clear into each cookie. */
  kid: string;
  /** base64url of exactly 32 random bytes (AES-256-GCM). */
  key: string;
}

/**
 * Options of {@link createTokenHandler}. Unknown keys are `invalid_config`. Durations in seconds.
 */
export interface TokenHandlerOptions<Env extends object = Record<string, unknown>> {
  /**
   * The upstream client (confidential: the handler is the OAuth client): token endpoint, client
   * authentication, `dialect`, and `revocationEndpoint` for sign-out. A function of `env`
   * keeps the client secret in a Worker secret.
   */
  client: ClientConfig | ((env: Env) => ClientConfig);
  /** The upstream authorization endpoint (RFC 6749 §3.1). */
  authorizationEndpoint: string;
  /** The upstream issuer identifier: checked against `iss` of the authorization response (RFC 9207) and of the ID token. */
  issuer?: string;
  /** The handler's callback, registered at the server (its path is the callback route). */
  redirectUri: string;
  /** The scope to request (`openid` adds a `nonce`; most servers need `offline_access` for a refresh token). */
  scope: string;
  /** Extra authorization request parameters (`prompt`, `audience`, `resource`, ...); the protocol ones are refused. */
  authorizationParams?: Record<string, string>;
  /** Exact origins allowed to call the token and logout routes (default: the redirect URI's origin). */
  allowedOrigins?: string[];
  /** Cookie keys, or a function of `env`; default: the binding `ROTOR_BFF_KEYS` (JSON text or a JSON binding). */
  keys?: TokenHandlerKey[] | ((env: Env) => TokenHandlerKey[]);
  /** Where the routes live (default `/auth`: `/auth/login`, `/auth/token`, `/auth/logout`). */
  basePath?: string;
  /** Where a sign-in without `return_to` lands (default `/`). */
  postLoginPath?: string;
  /** Absolute session lifetime (default 43200 = 12 h); the refresh token's own expiry ends it sooner. */
  sessionTtl?: number;
  /** The header a page must send with its POSTs (default `x-rotor-csrf`): it forces a CORS preflight. */
  csrfHeader?: string;
  /** Cookie name prefix (default `__Host-rotor-`). */
  cookiePrefix?: string;
  /** How long a settled upstream refresh is replayed to requests carrying the same cookie (default 30, at most 300). */
  reuseWindowSeconds?: number;
  /**
   * A Durable Object binding (class: the handler's `TokenHandlerSession`): refreshes and
   * sign-outs of a session then run in its object (`idFromName(sid)`), so the single flight
   * holds across isolates. Without it, the single flight is per isolate.
   */
  sessionBinding?: string;
  /** The fetch used for the upstream server (default the global one). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** The clock (ms since the epoch; default `Date.now`). */
  now?: () => number;
}

/** The routes of a token handler. */
export interface TokenHandlerPaths {
  login: string;
  callback: string;
  token: string;
  logout: string;
}

/** A token handler (backend for frontend): see the README, "Token handler". */
export interface TokenHandler<Env extends object = Record<string, unknown>> {
  /** Its routes. */
  readonly paths: TokenHandlerPaths;
  /** The answer for one of its routes, `undefined` for any other path (compose with your own routes). */
  route(request: Request, env: Env): Promise<Response | undefined>;
  /** A Worker's `fetch`: its routes, else 404. */
  fetch(request: Request, env: Env): Promise<Response>;
  /** The Durable Object class for `sessionBinding` (export it from your Worker's entry). */
  readonly TokenHandlerSession: new (state: unknown, env: Env) => { fetch(request: Request): Promise<Response> };
}

/**
 * A token handler in front of an upstream authorization server (any dialect of the client
 * core): sign-in by authorization code with PKCE, the refresh token sealed in an HttpOnly
 * `__Host-` cookie, refreshes answered with the access token and lifetimes only, sign-out
 * revoking upstream. Throws `invalid_config` for bad options (keys are checked at the first request).
 */
export function createTokenHandler<Env extends object = Record<string, unknown>>(options: TokenHandlerOptions<Env>): TokenHandler<Env>;

/** `init` (the default export of every rotor entry): a no-op in workerd, Node and Deno, where the module initialises on import. */
export default function init(): Promise<void>;
export { init };
