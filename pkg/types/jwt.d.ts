// Types of rotor's HS256 JWT functions (RFC 7519, RFC 7515, RFC 8725, RFC 9068).
// Shared types (JwtKey, JwtKeyEntry, JsonValue, JwtError, JwtErrorCode) are in ./common.d.ts.
import type { JsonValue, JwtKey, JwtKeyEntry } from "./common.js";

/** The JWT claims set (RFC 7519 §4). Times (`exp`, `nbf`, `iat`) are in seconds. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [name: string]: JsonValue | undefined;
}

/** The JOSE header (RFC 7515 §4). `alg` is always `"HS256"` on a verified token. */
export interface JwtHeader {
  alg: "HS256";
  typ?: string;
  kid?: string;
  [name: string]: JsonValue | undefined;
}

export interface SignJwtOptions {
  /** The signing key. */
  key: JwtKey;
  /** `kid` header parameter (RFC 7515 §4.1.4). */
  kid?: string;
  /** `typ` header parameter, e.g. `"at+jwt"` for RFC 9068 access tokens. */
  typ?: string;
}

export interface VerifyJwtOptions {
  /**
   * One key (the token's `kid`, if any, is not consulted), or a list of `{ kid, key }` (the
   * token must carry a `kid` naming one of them, else `unknown_kid`).
   */
  keys: JwtKey | JwtKeyEntry[];
  /** Expected `iss`, compared exactly. */
  issuer?: string;
  /** Accepted audience(s): the token's `aud` must contain one of them. */
  audience?: string | string[];
  /** Expected `typ` header; case-insensitive, an `application/` prefix is optional. */
  typ?: string;
  /** Clock-skew allowance for `exp`, `nbf` and `iat`, in whole seconds. Default 0. */
  leewaySeconds?: number;
  /** The current time in milliseconds since the Unix epoch. Default `Date.now()`. */
  now?: number;
  /** Claims that must be present. Default `["exp"]`; a list given here replaces it. */
  requiredClaims?: string[];
  /** Longest token accepted, in bytes. Default 16384 (16 KiB). */
  maxTokenBytes?: number;
}

export interface VerifiedJwt {
  header: JwtHeader;
  claims: JwtClaims;
}

/**
 * Signs `claims` (a plain object, written with `JSON.stringify`) as a compact JWS with
 * `alg: "HS256"` (RFC 7515 §7.1). Throws `JwtError` `weak_key` or `RotorError`
 * `invalid_argument`.
 */
export function signJwt(claims: JwtClaims, options: SignJwtOptions): string;

/**
 * Verifies an HS256 JWT and validates its claims (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725).
 * Throws an `Error` with `name: "JwtError"` and a `code` from {@link JwtErrorCode}, or
 * `RotorError` `invalid_argument` for options of the wrong shape.
 */
export function verifyJwt(token: string, options: VerifyJwtOptions): VerifiedJwt;

/** Verifies HS256 JWTs with one set of keys and options, read once ({@link createVerifier}). */
export declare class Verifier {
  constructor(options: VerifyJwtOptions);
  /** `{ header, claims }` of a valid token; `now` (ms) defaults to the options' `now`, else `Date.now()`. Throws `JwtError`. */
  verify(token: string, now?: number): VerifiedJwt;
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}

/** Signs HS256 JWTs with one key ({@link createSigner}). */
export declare class Signer {
  constructor(options: SignJwtOptions);
  /** The compact JWS of `claims` (the payload is `JSON.stringify(claims)`). */
  sign(claims: JwtClaims): string;
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}

/** Reads the keys and options once: the fast way to verify many tokens. */
export function createVerifier(options: VerifyJwtOptions): Verifier;

/** Reads the key once: the fast way to sign many claim sets. */
export function createSigner(options: SignJwtOptions): Signer;
