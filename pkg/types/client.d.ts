// Types of rotor's client core: buildRefreshRequest / parseTokenResponse (RFC 6749 §6, §5).
// Shared types (TokenSet, Dialect, AuthMethod, the error shapes) are defined in ./common.d.ts.
// They are re-exported here (the same declarations, so `export *` of both files is not
// ambiguous) for the area files that import them from "./client.js".
import type { AuthMethod, Dialect, TokenSet } from "./common.js";
import type { AsyncRefreshParams, ClientKey } from "./dpop.js";
export type {
  AuthMethod,
  Dialect,
  ErrorKind,
  OAuthError,
  RotorError,
  RotorErrorCode,
  TokenSet,
} from "./common.js";

/** A client of one token endpoint. Unknown keys are refused (`invalid_config`). */
export interface ClientConfig {
  /** `https:` URL; `http:` only for localhost, 127.0.0.0/8 and [::1]. No userinfo, fragment or credentials. */
  tokenEndpoint: string;
  /** RFC 6749 §2.2 client identifier. */
  clientId: string;
  /** RFC 6749 §2.3.1 client secret (at least 32 bytes for `client_secret_jwt`). */
  clientSecret?: string;
  /** Default: `client_secret_basic` with a secret, else `none`. */
  authMethod?: AuthMethod;
  /** Default: `rfc6749` (strict). */
  dialect?: Dialect;
  /** The scope originally granted; a requested scope outside it is `scope_widening`. */
  grantedScope?: string;
  /** The revocation endpoint (RFC 7009 §2), same URL rules as `tokenEndpoint`; needed by `buildRevocationRequest`. */
  revocationEndpoint?: string;
  /** `private_key_jwt` only (and required there): the key that signs the assertion (RFC 7523 §2.2). */
  clientKey?: ClientKey;
  /**
   * Where the refresh token lives. `"body"` (default): in the token set, sent in the request
   * body. `"cookie"`: in an `HttpOnly` cookie of the token endpoint's origin that script never
   * sees (rotor's issuer with `refreshTokenDelivery: "cookie"`); requests carry no
   * `refresh_token` (revocation: no `token`), add `x-rotor-csrf` (any value; the header the token handler asks for too) and
   * `credentials: "include"`, and token sets have `refreshToken: null`. Public clients only
   * (no `clientSecret`, `authMethod` `"none"`), form dialects only (not `tokenidp`).
   */
  refreshTokenIn?: "body" | "cookie";
}

/** The argument of {@link buildRevocationRequest}. */
export interface RevocationParams {
  /** The token to revoke. */
  token: string;
  /** RFC 7009 §2.1 `token_type_hint`. */
  tokenTypeHint?: "refresh_token" | "access_token";
  /** Milliseconds since the epoch (default `Date.now()`); used by `client_secret_jwt`. */
  now?: number;
  /** `private_key_jwt`: an assertion signed elsewhere (the `...Async` builders sign one with `clientKey`). */
  clientAssertion?: string;
}

/** A {@link ClientConfig} whose refresh token lives in an `HttpOnly` cookie. */
export type CookieClientConfig = ClientConfig & { refreshTokenIn: "cookie" };

/** {@link RevocationParams} of a `refreshTokenIn: "cookie"` client: the cookie carries the token. */
export interface CookieRevocationParams extends Omit<RevocationParams, "token"> {
  token?: undefined;
}

/** {@link RefreshParams} of a `refreshTokenIn: "cookie"` client: no `refreshToken` (the cookie carries it). */
export interface CookieRefreshParams extends Omit<RefreshParams, "refreshToken"> {
  refreshToken?: undefined | null;
}

/** The second argument of {@link buildRefreshRequest}. */
export interface RefreshParams {
  /** The refresh token to redeem (never empty). */
  refreshToken: string;
  /** Space-delimited scope to request (RFC 6749 §3.3); omitted, no `scope` is sent. */
  scope?: string;
  /** Extra body parameters appended in order (e.g. `resource`); protocol parameters are refused. */
  extraParams?: Record<string, string>;
  /** Milliseconds since the epoch (default `Date.now()`); used by `client_secret_jwt`. */
  now?: number;
  /** `private_key_jwt`: an assertion signed elsewhere (the `...Async` builders sign one with `clientKey`). */
  clientAssertion?: string;
}

/** The HTTP request to send. Header names are lower-case. */
export interface RefreshRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  /** `application/x-www-form-urlencoded` (or JSON for the `tokenidp` dialect). */
  body: string;
  /** `"include"` for a `refreshTokenIn: "cookie"` client: pass it to `fetch` (the cookie must go along). */
  credentials?: "include";
}

/** What `fetch` returned, in a form the core can read. */
export interface TokenHttpResponse {
  status: number;
  /** A `Headers` instance, `[name, value]` pairs or a plain object; names are case-insensitive. */
  headers?: Headers | Iterable<[string, string]> | Record<string, string>;
  body?: string | Uint8Array | ArrayBuffer;
}

/** Options of {@link parseTokenResponse}. */
export interface ParseTokenResponseOptions {
  /** Milliseconds since the epoch (default `Date.now()`). */
  now?: number;
  /** The token set being refreshed (only `refreshToken`, `scope` and `idToken` are read). */
  previous?: Partial<TokenSet> | null;
  /** The `scope` that was sent in the request, if any. */
  requestedScope?: string;
}

/** `iat` and `exp` (seconds) of a JWT, UNVERIFIED. */
export interface UnverifiedJwtTimes {
  iat: number | null;
  exp: number | null;
}

/**
 * A client of one token endpoint, made by {@link createClient}: the configuration is read and
 * checked once (`invalid_config`), each call does only the per-request work. Later changes to
 * the configuration object are not seen.
 */
export declare class Client {
  constructor(config: ClientConfig);
  /** The token endpoint. */
  readonly tokenEndpoint: string;
  /** The refresh-token request (RFC 6749 §6); see {@link buildRefreshRequest}. */
  buildRefreshRequest(params: RefreshParams | CookieRefreshParams): RefreshRequest;
  /** Where this client's refresh token lives (`ClientConfig.refreshTokenIn`). */
  readonly refreshTokenIn: "body" | "cookie";
  /** The revocation request (RFC 7009 §2.1); see {@link buildRevocationRequest}. */
  buildRevocationRequest(params: RevocationParams | CookieRevocationParams): RefreshRequest;
  /** The refresh request with a DPoP proof (`dpop`) and/or a `private_key_jwt` assertion signed by `clientKey`. */
  buildRefreshRequestAsync(params: AsyncRefreshParams): Promise<RefreshRequest>;
  /** The revocation request with a `private_key_jwt` assertion signed by `clientKey`. */
  buildRevocationRequestAsync(params: RevocationParams): Promise<RefreshRequest>;
  /** Reads the token endpoint's answer (RFC 6749 §5.1, §5.2); see {@link parseTokenResponse}. */
  parseTokenResponse(response: TokenHttpResponse, options?: ParseTokenResponseOptions): TokenSet;
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}

/** Checks `config` once and returns a {@link Client} for repeated requests. */
export function createClient(config: ClientConfig): Client;

/**
 * Builds the refresh-token request (RFC 6749 §6). Throws `RotorError` (`invalid_config`,
 * `invalid_argument`, `scope_widening`) before anything is sent. A plain configuration is
 * checked on every call; pass a {@link Client} for repeated calls.
 */
export function buildRefreshRequest(client: CookieClientConfig, params: CookieRefreshParams): RefreshRequest;
export function buildRefreshRequest(client: ClientConfig | Client, params: RefreshParams): RefreshRequest;

/** {@link buildRefreshRequest} where a key signs: a DPoP proof (RFC 9449 §5) and/or a `private_key_jwt` assertion. */
export function buildRefreshRequestAsync(client: ClientConfig | Client, params: AsyncRefreshParams): Promise<RefreshRequest>;

/**
 * Reads the token endpoint's answer (RFC 6749 §5.1). Throws `OAuthError` for §5.2 errors and
 * error statuses, `RotorError` `invalid_response` for a success status without a valid token response.
 */
export function parseTokenResponse(
  client: ClientConfig | Client,
  response: TokenHttpResponse,
  options?: ParseTokenResponseOptions,
): TokenSet;

/**
 * `iat`/`exp` of a JWT access token, read WITHOUT verifying its signature: untrusted hints for
 * clock-skew estimation only. `null` when the token is not a JWT.
 */
export function unverifiedJwtTimes(token: string): UnverifiedJwtTimes | null;

/**
 * Builds the revocation request (RFC 7009 §2.1) — `token`, `token_type_hint` and the client's
 * authentication, form-encoded — for the configured `revocationEndpoint` (`invalid_config`
 * without one). The server answers 200 whether or not the token was valid (RFC 7009 §2.2).
 */
export function buildRevocationRequest(client: CookieClientConfig, params: CookieRevocationParams): RefreshRequest;
export function buildRevocationRequest(client: ClientConfig | Client, params: RevocationParams): RefreshRequest;
