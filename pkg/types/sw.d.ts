// Types of rotor/sw: silent renewal in a service worker.
import type { ClientConfig, TokenSet } from "./client.js";
import type { TokenManagerPolicy, TokenStorage, RefreshProtocol, RenewalTimers } from "./manager.js";

export interface SilentRenewalOptions {
  client: ClientConfig;
  /**
   * Absolute or scope-relative URL prefixes; only requests under one get `Authorization`. A
   * prefix ends at a "/" boundary ("/api" is read as "/api/" and never matches "/apiary"),
   * has no query or fragment, and must be of the worker's own origin unless
   * {@link allowCrossOriginApi} is set. Those requests are sent with `redirect: "manual"`: a
   * redirecting answer reaches the page as a network error, never followed with the token.
   */
  apiPrefixes: string[];
  /** Allow `apiPrefixes` of other origins (the token is then sent there). Default false. */
  allowCrossOriginApi?: boolean;
  /**
   * Sign-in (or code-exchange) endpoints of the worker's own origin, absolute or
   * scope-relative: a POST to one of them is sent by the worker, which keeps the token set and
   * answers the page with a {@link SilentRenewalSession} instead, so the page never holds the
   * refresh token. Only a `fetch()` made by a same-origin window this worker controls is
   * captured; a navigation (a form post, e.g. another site's: login CSRF), a request without
   * a window client, or a cross-origin `Origin` header or referrer gets
   * `403 access_denied` from the worker and never reaches the network.
   */
  sessionUrls?: string[];
  policy?: TokenManagerPolicy;
  /**
   * Default true: the token set is stored (in {@link storage}), so a session survives the
   * browser stopping the worker. Note that IndexedDB is readable and writable by any script of
   * the origin. `false`: the set is kept in the worker's memory only (no `storage` allowed);
   * when the browser stops the idle worker the session is lost, and the next API request goes
   * out without a token and makes the worker post `{ type: "rotor:reauthenticate", code: "no_session" }`.
   */
  persist?: boolean;
  /** Default: IndexedDB database "rotor-sw", key "session" (readable by any script of the origin). */
  storage?: TokenStorage;
  /** Where to load rotor_bg.wasm from (passed to `init`). */
  wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
  core?: RefreshProtocol;
  /** The clock for every time decision (renewal, the sign-in's `receivedAt`). Default `Date.now`. */
  now?: () => number;
  /** Jitter in [0, 1) for schedules and backoff. Default `Math.random`. */
  random?: () => number;
  /** The timers of the renewal (tests: a fake clock's). Default the global pair. */
  timers?: RenewalTimers;
  /**
   * DPoP (RFC 9449): the worker's key (non-extractable, in IndexedDB `rotor-dpop` unless
   * `persist: false`) signs a proof for the sign-in POSTs of `sessionUrls`, every refresh and
   * every API request it authorises (`Authorization: DPoP` with `ath`); dropped with the session.
   */
  dpop?: boolean | { alg?: "ES256" | "EdDSA" | "RS256" };
}

/** Messages a page sends to the worker (only from a same-origin WindowClient; others are ignored). */
export type SilentRenewalCommand =
  | { type: "rotor:set-tokens"; tokenSet: TokenSet }
  | { type: "rotor:clear"; revoke?: boolean }
  | { type: "rotor:status" }
  | { type: "rotor:renew" };

/** Messages the worker posts to its pages: never a token. */
export type SilentRenewalMessage =
  | { type: "rotor:status"; active: boolean; expiresAt: number | null; refreshExpiresAt: number | null; state: string }
  | { type: "rotor:renewed"; expiresAt: number | null }
  | { type: "rotor:rotated" }
  | { type: "rotor:retrying"; attempt: number; delayMs: number; retryAt: number; code: string }
  | { type: "rotor:reauthenticate"; code: string }
  | { type: "rotor:error"; code: string; kind: string }
  | { type: "rotor:refresh-expiring"; refreshExpiresAt: number };

/** What a page gets back from a POST to one of `sessionUrls` (JSON): never a token. */
export interface SilentRenewalSession {
  type: "rotor:session";
  tokenType: string;
  expiresAt: number | null;
  refreshExpiresAt: number | null;
  scope: string | null;
  receivedAt: number;
}

/** Minimal shape of the service-worker global this needs. */
export interface ServiceWorkerScopeLike {
  location: { href: string; origin: string };
  clients: {
    claim(): Promise<void>;
    matchAll(options?: object): Promise<ReadonlyArray<{ postMessage(message: SilentRenewalMessage): void }>>;
    /** The client a fetch event came from (sign-in capture checks it is a same-origin window). */
    get(id: string): Promise<{ type?: string; url: string } | undefined | null>;
  };
  skipWaiting(): Promise<void>;
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** Handle returned by {@link installSilentRenewal}. */
export interface SilentRenewal {
  /** Stops the renewal timers (listeners stay installed). */
  stop(): Promise<void>;
}

/** Installs silent renewal in a service worker (`self`). */
export function installSilentRenewal(self: ServiceWorkerScopeLike, options: SilentRenewalOptions): SilentRenewal;

/** Loads the wasm module once (idempotent); `installSilentRenewal` calls it itself. */
export default function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;
