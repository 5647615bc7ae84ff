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

// The token handler, also from `rotor/worker` (its own subpath `rotor/token-handler` loads no issuer code).
export type { TokenHandlerKey, TokenHandlerOptions, TokenHandlerPaths, TokenHandler } from "./token-handler.js";
export { createTokenHandler } from "./token-handler.js";
