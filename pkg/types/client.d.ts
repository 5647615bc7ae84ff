// Types of rotor's client core: buildRefreshRequest / parseTokenResponse (RFC 6749 §6, §5).

/** Server families whose wire format rotor speaks (see the README's dialect table). */
export type Dialect = "rfc6749" | "keycloak" | "curity" | "pingfederate" | "tokenidp";

/** Client authentication at the token endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2). */
export type AuthMethod = "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "none";

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
}

/** The HTTP request to send. Header names are lower-case. */
export interface RefreshRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  /** `application/x-www-form-urlencoded` (or JSON for the `tokenidp` dialect). */
  body: string;
}

/** What `fetch` returned, in a form the core can read. */
export interface TokenHttpResponse {
  status: number;
  /** A `Headers` instance, `[name, value]` pairs or a plain object; names are case-insensitive. */
  headers?: Headers | Iterable<[string, string]> | Record<string, string>;
  body?: string | Uint8Array | ArrayBuffer;
}

/** The result of a refresh: all nine keys are always present, `null` when there is no value. */
export interface TokenSet {
  accessToken: string;
  /** As sent (compare case-insensitively); `"Bearer"` when Keycloak omits it. */
  tokenType: string;
  /** `receivedAt + expires_in * 1000`, or null. */
  expiresAt: number | null;
  /** The response's refresh token, else `previous.refreshToken`. */
  refreshToken: string | null;
  /** `receivedAt + refresh_expires_in * 1000` (Keycloak), or null. */
  refreshExpiresAt: number | null;
  /** Granted scope, else the requested scope, else `previous.scope`. `""` = Curity granted no scope. */
  scope: string | null;
  /** The response's ID token, else `previous.idToken`. */
  idToken: string | null;
  /** True when the response carries a refresh token different from `previous.refreshToken`. */
  rotated: boolean;
  /** The `now` of the parse (ms). */
  receivedAt: number;
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

/** What the caller should do about an error. */
export type ErrorKind = "reauthenticate" | "retry" | "config" | "scope" | "protocol";

/** The token endpoint said no (RFC 6749 §5.2). */
export interface OAuthError extends Error {
  name: "OAuthError";
  /** The §5.2 `error` code, or one derived from the status (`server_error`, `temporarily_unavailable`, `invalid_request`, `invalid_client`, `unauthorized_client`). */
  code: string;
  kind: ErrorKind;
  status: number;
  /** The server's `error_description`, verbatim, or null. */
  description: string | null;
  /** The server's `error_uri`, or null. */
  uri: string | null;
  /** Milliseconds to wait, from `Retry-After` (seconds or HTTP date), or null. */
  retryAfter: number | null;
}

/** Codes of errors rotor raises locally. */
export type RotorErrorCode = "invalid_config" | "invalid_argument" | "scope_widening" | "invalid_response";

/** rotor refused locally. */
export interface RotorError extends Error {
  name: "RotorError";
  code: RotorErrorCode;
  kind: ErrorKind;
}

/** `iat` and `exp` (seconds) of a JWT, UNVERIFIED. */
export interface UnverifiedJwtTimes {
  iat: number | null;
  exp: number | null;
}

/**
 * Builds the refresh-token request (RFC 6749 §6). Throws `RotorError` (`invalid_config`,
 * `invalid_argument`, `scope_widening`) before anything is sent.
 */
export function buildRefreshRequest(client: ClientConfig, params: RefreshParams): RefreshRequest;

/**
 * Reads the token endpoint's answer (RFC 6749 §5.1). Throws `OAuthError` for §5.2 errors and
 * error statuses, `RotorError` `invalid_response` for a success status without a valid token response.
 */
export function parseTokenResponse(
  client: ClientConfig,
  response: TokenHttpResponse,
  options?: ParseTokenResponseOptions,
): TokenSet;

/**
 * `iat`/`exp` of a JWT access token, read WITHOUT verifying its signature: untrusted hints for
 * clock-skew estimation only. `null` when the token is not a JWT.
 */
export function unverifiedJwtTimes(token: string): UnverifiedJwtTimes | null;
