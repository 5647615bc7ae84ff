// rotor/worker: Cloudflare Worker + Durable Object glue for the issuer.
import type { IssuerConfig, IssuerStore, SessionInput, TokenResponseJson, Issuer, IssuerCallOptions, StoredRecord } from "./issuer.js";
import type { ClientConfig } from "./client.js";

/** The parts of Durable Object storage the glue uses. */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean | void>;
  list(): Promise<Map<string, unknown>>;
  setAlarm?(at: number): Promise<void>;
  deleteAlarm?(): Promise<void>;
}

/** The parts of a Durable Object namespace binding the glue uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(input: Request | string, init?: RequestInit): Promise<Response> };
}

/**
 * Worker bindings (vars, secrets, the Durable Object namespace). Your own `Env` interface
 * works too: `createWorker<Env>(...)` types the hook's `env`, and the worker then
 * `satisfies ExportedHandler<Env>` (@cloudflare/workers-types).
 */
export type WorkerEnv = Record<string, unknown>;

/** Tools handed to the `fetch` hook. */
export interface WorkerTools {
  issuer: Issuer;
  startSession(input: SessionInput, options?: IssuerCallOptions): Promise<TokenResponseJson>;
  /** The sign-in's answer for any client, cookie delivery included ({@link Issuer.sessionResponse}). */
  sessionResponse(input: SessionInput, options?: IssuerCallOptions): Promise<Response>;
  /** The test clock's `now` (only with the ROTOR_TEST_CLOCK binding set to "1"), else undefined. */
  now: number | undefined;
}

export interface CreateWorkerOptions<Env extends object = Record<string, unknown>> {
  /** The issuer config from the bindings (default {@link configFromEnv}); `store` is set by the glue. */
  config?: (env: Env) => Omit<IssuerConfig, "store">;
  /** Durable Object namespace binding name (default "ROTOR_FAMILY"). */
  binding?: string;
  /**
   * Runs first for your own routes (e.g. sign-in calling `tools.startSession`); return
   * undefined to fall through. An exception it throws is answered `500 server_error`
   * ("internal error") and logged without its message, except one whose `code` is
   * `"temporarily_unavailable"` (what `startSession` throws when the family store is
   * unreachable), which is a `503`. Its request bodies are yours to bound.
   */
  fetch?: (request: Request, env: Env, ctx: unknown, tools: WorkerTools) => Response | undefined | Promise<Response | undefined>;
}

export interface WorkerHandler<Env extends object = object> {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response>;
}

/** The Durable Object class holding one refresh-token family. */
export interface RotorFamilyClass {
  new (state: { storage: DurableObjectStorageLike }, env: object): {
    fetch(request: Request): Promise<Response>;
    alarm(): Promise<void>;
  };
}

/** Builds the Worker and its Durable Object class (export both from your entry). */
export function createWorker<Env extends object = Record<string, unknown>>(options?: CreateWorkerOptions<Env>): {
  worker: WorkerHandler<Env>;
  RotorFamily: RotorFamilyClass;
  startSession(env: Env, input: SessionInput, options?: IssuerCallOptions): Promise<TokenResponseJson>;
};

/**
 * Reads the issuer config from bindings: ROTOR_ISSUER, ROTOR_AUDIENCE, ROTOR_SIGNING_KEYS
 * (JSON [{kid,key}]) or ROTOR_SIGNING_KEY (+ROTOR_SIGNING_KID), ROTOR_CLIENTS (JSON; a client's
 * "clientSecretEnv" names the secret binding), ROTOR_ACCESS_TOKEN_TTL, ROTOR_REFRESH_TOKEN_TTL,
 * ROTOR_REFRESH_IDLE_TTL, ROTOR_ROTATION, ROTOR_REUSE_GRACE_SECONDS, ROTOR_DIALECT,
 * ROTOR_DPOP_NONCE_SECONDS, ROTOR_DPOP_ROTATION.
 * Throws `invalid_config` when something is missing.
 */
export function configFromEnv(env: object): Omit<IssuerConfig, "store">;

/** A store over Durable Object storage; updates run one at a time. */
export class DurableObjectStore implements IssuerStore {
  constructor(storage: DurableObjectStorageLike);
  update(key: string, fn: (current: StoredRecord | null) => StoredRecord | null | undefined): Promise<StoredRecord | null | undefined>;
  get(key: string): Promise<StoredRecord | null>;
  delete(key: string): Promise<void>;
}

/** The default worker's Durable Object class (configured by {@link configFromEnv}). */
export const RotorFamily: RotorFamilyClass;
/** Starts a session with the default worker's configuration. */
export function startSession(env: object, input: SessionInput, options?: IssuerCallOptions): Promise<TokenResponseJson>;
/** The default worker (configured by {@link configFromEnv}, binding "ROTOR_FAMILY"). */
declare const worker: WorkerHandler<object>;
export default worker;

/** The core's `init`: a no-op in workerd, where the module initialises on import. */
export function init(): Promise<void>;

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
