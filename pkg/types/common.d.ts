// Types shared by several areas of the rotor package (client, renewal drivers, JWT, issuer).
// Each is defined here once; the area files import what they use, and pkg/index.d.ts
// re-exports this file, so that `export *` of the areas never exports one name twice.

/** Server families whose wire format rotor speaks (see the README's dialect table). */
export type Dialect = "rfc6749" | "keycloak" | "curity" | "pingfederate" | "tokenidp";

/** Client authentication at the token endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2). */
export type AuthMethod = "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "private_key_jwt" | "none";

/** A JSON value (JWT headers and claims, session claims, token responses). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [name: string]: JsonValue };

/** A JSON object: a JOSE header, a JWT claims set. */
export type JsonObject = { [name: string]: JsonValue };

/**
 * An HS256 key: raw bytes, or the bytes written as unpadded base64url (RFC 4648 §5, like the
 * `k` member of a JWK). At least 32 bytes; shorter throws `JwtError` `weak_key`; a string that
 * is not canonical base64url throws `RotorError` `invalid_argument`.
 */
export type JwtKey = Uint8Array | string;

/** A key named by `kid`, for key rotation: a token's `kid` header selects it (RFC 7515 §4.1.4). */
export interface JwtKeyEntry {
  kid: string;
  key: JwtKey;
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
  /**
   * `receivedAt + refresh_token_expires_in * 1000` (draft-ietf-oauth-refresh-token-expiration,
   * every dialect; TokenIDP `refreshTokenExpiresIn`), else `receivedAt + refresh_expires_in * 1000`
   * (Keycloak; 0 = no expiry), or null. The standard name wins when both are present.
   */
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

/** What the caller should do about an error. */
export type ErrorKind = "reauthenticate" | "retry" | "config" | "scope" | "protocol";

/** The token endpoint said no (RFC 6749 §5.2). `err instanceof OAuthError` works. */
export declare class OAuthError extends Error {
  private constructor();
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
export type RotorErrorCode =
  | "invalid_config"
  | "invalid_argument"
  | "scope_widening"
  | "invalid_response"
  /** `rotor/issuer` `startSession`: the sign-in's DPoP proof is missing or refused (RFC 9449 §5; kind `protocol`). */
  | "invalid_dpop_proof"
  /** `TokenManager.getAccessToken()` and `rotor/sw` with no token set (kind `reauthenticate`). */
  | "no_session";

/** rotor refused locally. `err instanceof RotorError` works. */
export declare class RotorError extends Error {
  private constructor();
  name: "RotorError";
  code: RotorErrorCode;
  kind: ErrorKind;
}

/** The `code` of a `JwtError`. */
export type JwtErrorCode =
  | "malformed"
  | "too_large"
  | "alg_not_allowed"
  | "unknown_kid"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "claim_mismatch"
  | "missing_claim"
  | "crit_unsupported"
  | "weak_key";

/** A JWT was refused (RFC 7519 §7.2, RFC 8725), or a key was too short (`weak_key`). `err instanceof JwtError` works. */
export declare class JwtError extends Error {
  private constructor();
  name: "JwtError";
  code: JwtErrorCode;
}

/** Narrows a caught `unknown` to an {@link OAuthError}. */
export declare function isOAuthError(err: unknown): err is OAuthError;
/** Narrows a caught `unknown` to a {@link RotorError}. */
export declare function isRotorError(err: unknown): err is RotorError;
/** Narrows a caught `unknown` to a {@link JwtError}. */
export declare function isJwtError(err: unknown): err is JwtError;
