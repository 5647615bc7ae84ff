// Types of rotor's edge issuer (RFC 6749 §6, RFC 9700 §4.14.2, RFC 7009, RFC 7662, RFC 8414).
// Shared types (Dialect, AuthMethod, JsonValue, JwtKeyEntry) are in ./common.d.ts.
import type { AuthMethod, Dialect, JsonValue, JwtKeyEntry } from "./common.js";

/** A JSON value (session claims): the package's {@link JsonValue}. */
export type IssuerJsonValue = JsonValue;

/** Token-endpoint wire format of the issuer: every client {@link Dialect}. */
export type IssuerDialect = Dialect;

/**
 * Client authentication methods the issuer accepts (RFC 6749 §2.3.1, RFC 7591 §2): the
 * shared-secret and public ones of {@link AuthMethod}; it does not verify `client_secret_jwt`.
 */
export type IssuerAuthMethod = Exclude<AuthMethod, "client_secret_jwt" | "private_key_jwt">;

/**
 * One signing key (`kid` per RFC 7515 §4.1.4; at least 32 bytes, `weak_key` otherwise): the
 * first of `keys` signs, all verify (introspection).
 */
export type IssuerKey = JwtKeyEntry;

/** A registered client (RFC 6749 §2). */
export interface IssuerClient {
  clientId: string;
  /** Confidential clients only; compared in constant time. */
  clientSecret?: string;
  /**
   * Default: `["client_secret_basic", "client_secret_post"]` with a secret, `["none"]`
   * without. A client with a secret cannot list `"none"` (`invalid_config`). Basic
   * credentials are form-urlencoded before base64 (RFC 6749 §2.3.1).
   */
  authMethods?: IssuerAuthMethod[];
  /** The widest scope the client may hold (space-separated, RFC 6749 §3.3). */
  scope: string;
  /** A disabled client is refused with 401 `invalid_client`. */
  disabled?: boolean;
  /**
   * May introspect every client's tokens (a resource server, RFC 7662 §2.1); needs a
   * `clientSecret`. Without it a client introspects only its own tokens; others get
   * `{ active: false }` (RFC 7662 §2.2).
   */
  introspect?: boolean;
  /**
   * Web origins whose pages may call `/token`, `/revoke` and `/introspect` (CORS): exact,
   * lower-case `scheme://host[:port]` as browsers send `Origin` (no path, no default port;
   * `http:` only for loopback). A preflight is granted when any client lists the origin;
   * a response carries `Access-Control-Allow-Origin` only for the authenticated client's own
   * origins (never `*`; with `Access-Control-Allow-Credentials: true` only for a
   * `refreshTokenDelivery: "cookie"` client). Default: none.
   */
  allowedOrigins?: string[];
  /**
   * `"cookie"`: this public browser client gets its refresh tokens only as an `HttpOnly;
   * Secure; SameSite=Strict` cookie (`refreshTokenCookie`, one per endpoint path: `/token` and
   * `/revoke` under the issuer's path; `Max-Age` the family's remaining lifetime) and never in
   * a token response body; a refresh or revocation without the token takes it from the
   * cookie; rotation sets the successor's cookie; revocation and `invalid_grant` expire it
   * (`Max-Age=0`). Such requests must come from one of `allowedOrigins` (exact `Origin`) and
   * carry `x-rotor-csrf` (any value; the header the token handler asks for too) (403 `invalid_request` otherwise). Needs `allowedOrigins`,
   * no `clientSecret`, a form dialect. Sign-in answers with {@link Issuer.sessionResponse}.
   * Default `"body"`.
   */
  refreshTokenDelivery?: "body" | "cookie";
  /** The cookie's name: `__Secure-` and a token (RFC 6265 §4.1.1). Default `__Secure-rotor-refresh`. */
  refreshTokenCookie?: `__Secure-${string}`;
  /**
   * DPoP (RFC 9449) for this client. `"allowed"`: a sign-in (`startSession({ dpop: request })`)
   * or refresh with a valid proof binds the family to the proof's key; `"required"`: every
   * sign-in and refresh needs a proof (`invalid_dpop_proof` otherwise). A bound family's
   * refreshes need a valid proof of that key, its access tokens carry `cnf.jkt` and
   * `token_type` is `"DPoP"`. Default: none (proofs are ignored; a family bound earlier stays
   * bound). Other values: `invalid_config`.
   */
  dpop?: "required" | "allowed";
}

/** A stored family record: `value` is opaque JSON text, `expiresAt` (ms) when it may be purged. */
export interface StoredRecord {
  value: string;
  expiresAt: number;
}

/** Context handed to store calls: the `now` (ms) of the request, for expiry. */
export interface StoreContext {
  now: number;
}

/**
 * The async key-value store holding refresh-token families (one record per family).
 *
 * `update(key, fn, context)` must be atomic per key: read the current record (or `null`),
 * call `fn` synchronously, then commit what it returns — a record to store, `null` to delete,
 * `undefined` to leave the record as it is — with no other update of the same key in between.
 * `fn` may be called again if the store retries (optimistic concurrency); only the last call
 * counts. A store that throws or rejects makes the issuer answer 503
 * `temporarily_unavailable` and the family is unchanged.
 */
export interface IssuerStore {
  update(
    key: string,
    fn: (current: StoredRecord | null) => StoredRecord | null | undefined,
    context: StoreContext,
  ): Promise<StoredRecord | null | undefined>;
  get?(key: string, context?: StoreContext): Promise<StoredRecord | null>;
  delete?(key: string): Promise<void>;
}

/**
 * Issuer configuration. Unknown options are refused (`invalid_config`).
 * Endpoints are served under the path of `issuer`: `https://id.example/oauth` serves
 * `/oauth/token`, `/oauth/revoke`, `/oauth/introspect` and the metadata at
 * `/.well-known/oauth-authorization-server/oauth` (RFC 8414 §3.1) and
 * `/oauth/.well-known/oauth-authorization-server`.
 */
export interface IssuerConfig {
  /**
   * Issuer identifier: `https:` URL without query/fragment; `http:` only for loopback hosts.
   * The metadata's `issuer` and the access tokens' `iss` are exactly this string (RFC 8414
   * §3.3), trailing slash included.
   */
  issuer: string;
  /** `aud` of access tokens. */
  audience: string | string[];
  keys: IssuerKey[];
  /** Access-token lifetime, seconds. Default 300. */
  accessTokenTtl?: number;
  /** Absolute lifetime of a refresh-token family, seconds. Default 2 592 000 (30 days). */
  refreshTokenTtl?: number;
  /** Idle lifetime: a family unused this long ends. Default: none. */
  refreshIdleTtl?: number;
  /** `"rotate"` (default): every redemption issues a successor; `"reuse"`: the token stays. */
  rotation?: "rotate" | "reuse";
  /**
   * Seconds after a rotation during which the retired token, presented again, returns the same
   * successor (an idempotent retry). Default 0: any retired token is reuse and revokes the
   * family (RFC 9700 §4.14.2). At most 60; only with `rotation: "rotate"`. The successor is
   * stored (sealed under its predecessor) only while the window is open.
   */
  reuseGraceSeconds?: number;
  clients: IssuerClient[];
  /** Default `"rfc6749"`. */
  dialect?: IssuerDialect;
  /**
   * Server nonces for DPoP proofs at the token endpoint (RFC 9449 §8): each nonce is handed
   * out (`DPoP-Nonce`) for this many seconds and accepted for twice as long; a proof without
   * it is answered 400 `use_dpop_nonce`. 10 to 3600. Default: none.
   */
  dpopNonceSeconds?: number;
  /**
   * Rotation of DPoP-bound families: `"rotate"` (default) or `"reuse"` (the refresh token
   * stays the same, as node-oidc-provider does for sender-constrained tokens: a copy is useless
   * without the key). Bearer families follow `rotation`.
   */
  dpopRotation?: "rotate" | "reuse";
  /** Default: a new {@link MemoryStore}. */
  store?: IssuerStore;
}

/** RFC 6749 §5.1 token response (`rfc6749` dialect; other dialects add or rename members). */
export interface TokenResponseJson {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  /** Keycloak dialect. */
  refresh_expires_in?: number;
  /** Keycloak dialect. */
  session_state?: string;
  /** TokenIDP dialect envelope. */
  isSuccess?: boolean;
  /** TokenIDP dialect envelope. */
  data?: { accessToken: string; refreshToken: string; tokenType: string; expiresIn: number };
  [member: string]: IssuerJsonValue | undefined;
}

/** Input of {@link Issuer.startSession}. */
export interface SessionInput {
  clientId: string;
  /** The `sub` of access tokens. */
  subject: string;
  /** A subset of the client's scope; omitted: the client's whole scope. */
  scope?: string;
  /** Extra access-token claims; the reserved ones (iss, sub, aud, exp, iat, nbf, jti, client_id, scope, sid, cnf) are refused. */
  claims?: Record<string, IssuerJsonValue>;
  /**
   * The sign-in request (RFC 9449 §5): its `DPoP` header, checked against its own method and
   * URL, binds the family to the proof's key for a client with `dpop`. A refused proof (or
   * none for a `"required"` client) rejects with `code` `"invalid_dpop_proof"`.
   */
  dpop?: Request | { method: string; url: string; headers: { get(name: string): string | null } };
}

/** Options of the issuer's calls. */
export interface IssuerCallOptions {
  /** The current time in ms (default `Date.now()`). */
  now?: number;
}

/** RFC 8414 §2 metadata. */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  token_endpoint_auth_methods_supported: IssuerAuthMethod[];
  /** RFC 9449 §5.1: present when some client uses DPoP. */
  dpop_signing_alg_values_supported?: string[];
  revocation_endpoint_auth_methods_supported: IssuerAuthMethod[];
  introspection_endpoint_auth_methods_supported: IssuerAuthMethod[];
}

/** The default store: in memory, atomic per key, purges expired families as writes happen. */
export class MemoryStore implements IssuerStore {
  constructor();
  /** Records held (live, or expired and not yet purged). */
  readonly size: number;
  update(
    key: string,
    fn: (current: StoredRecord | null) => StoredRecord | null | undefined,
    context?: StoreContext,
  ): Promise<StoredRecord | null | undefined>;
  get(key: string, context?: StoreContext): Promise<StoredRecord | null>;
  delete(key: string): Promise<void>;
}

/**
 * The edge token endpoint. `POST /token` (grant_type=refresh_token, RFC 6749 §6),
 * `POST /revoke` (RFC 7009), `POST /introspect` (RFC 7662),
 * `GET /.well-known/oauth-authorization-server` (RFC 8414). Throws `invalid_config`
 * (or `weak_key`) from the constructor.
 */
export class Issuer {
  constructor(config: IssuerConfig);
  readonly store: IssuerStore;
  /** Answers one request; never rejects (store failures: 503 `temporarily_unavailable`). */
  handle(request: Request, options?: IssuerCallOptions): Promise<Response>;
  /**
   * Phase 1 only, for drivers that shard families (rotor/worker): a final response, or the
   * family's store key and a replayable copy of the request to hand to the family's owner.
   */
  route(
    request: Request,
    options?: IssuerCallOptions,
  ): Promise<{ response: Response } | { familyKey: string; request: Request }>;
  /**
   * Creates a family and returns its first token response (the issuer's dialect). Rejects
   * with `invalid_argument`, also for a `refreshTokenDelivery: "cookie"` client (use
   * {@link sessionResponse}).
   */
  startSession(input: SessionInput, options?: IssuerCallOptions): Promise<TokenResponseJson>;
  /**
   * Creates a family and answers the sign-in: a `200` JSON token response (`Cache-Control:
   * no-store`); for a cookie-delivery client without `refresh_token`, which is in the
   * `Set-Cookie` headers instead. Works for every client. Rejects like `startSession`.
   */
  sessionResponse(input: SessionInput, options?: IssuerCallOptions): Promise<Response>;
  metadata(): AuthorizationServerMetadata;
}

/**
 * Loads and instantiates the issuer's wasm module: a no-op in Node and workerd, where it
 * initialises on import; required once elsewhere. Idempotent.
 */
export default function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

export * from "./dpop-verify.js";
