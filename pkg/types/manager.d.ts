// Types of the TokenManager renewal driver and its storages.
import type { ClientConfig, TokenSet, RefreshRequest, TokenHttpResponse, ParseTokenResponseOptions } from "./client.js";
import type { RenewalPolicy, RenewalState } from "./schedule.js";
import type { DPoP, DpopKeyStore, JwsAlg } from "./dpop.js";

/**
 * Where a TokenManager keeps its token set. All methods are async; `get` resolves with `null`
 * when nothing is stored. Tabs coordinate only when they share the storage (IndexedDbStorage).
 */
export interface TokenStorage {
  get(): Promise<TokenSet | null>;
  set(tokenSet: TokenSet): Promise<void>;
  delete(): Promise<void>;
  /** Optional stable name; lock and BroadcastChannel names derive from it. */
  readonly name?: string;
}

/** In-memory storage (the default): one tab or process only. */
export class MemoryStorage implements TokenStorage {
  get(): Promise<TokenSet | null>;
  set(tokenSet: TokenSet): Promise<void>;
  delete(): Promise<void>;
}

/** The part of `IDBFactory` (`globalThis.indexedDB`) the storage uses; declared here so that these types need no DOM lib. */
export interface IndexedDbFactoryLike {
  open(name: string, version?: number): object;
}

/** `addEventListener` options (the DOM's `AddEventListenerOptions`, without needing the DOM lib). */
export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** IndexedDB storage shared by the tabs and service worker of one origin. */
export class IndexedDbStorage implements TokenStorage {
  constructor(options?: { database?: string; store?: string; key?: string; indexedDB?: IndexedDbFactoryLike });
  readonly name: string;
  get(): Promise<TokenSet | null>;
  set(tokenSet: TokenSet): Promise<void>;
  delete(): Promise<void>;
}

/** TokenManager policy: scheduling and backoff options, plus the drift heartbeat. */
export interface TokenManagerPolicy extends RenewalPolicy {
  /** Interval of the timer-drift heartbeat (ms), default 15000: a beat much later than asked (sleep, frozen tab) triggers a re-check. */
  heartbeatMs?: number;
}

/** The request builder and response parser (default: rotor's client core). */
export interface RefreshProtocol {
  buildRefreshRequest(client: ClientConfig, params: { refreshToken: string }): RefreshRequest;
  parseTokenResponse(client: ClientConfig, response: TokenHttpResponse, options?: ParseTokenResponseOptions): TokenSet;
}

export interface TokenManagerOptions {
  client: ClientConfig;
  /** Default: the global `fetch`. */
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;
  /** Default: a new {@link MemoryStorage}. */
  storage?: TokenStorage;
  policy?: TokenManagerPolicy;
  /** Advanced: an alternative request builder/parser (tests, custom servers). */
  core?: RefreshProtocol;
  /** Names the Web Lock and BroadcastChannel (default: from the storage or the client). */
  name?: string;
  /** The clock (ms since the epoch) for every time decision. Default `Date.now`. */
  now?: () => number;
  /** Jitter in [0, 1) for every schedule and backoff. Default `Math.random`. */
  random?: () => number;
  /** The timers for the refresh, retry waits and the heartbeat. Default the global pair. */
  timers?: RenewalTimers;
  /**
   * DPoP (RFC 9449): the session's key is created once (private key not extractable), kept in
   * `keyStore` (default: IndexedDB with an `IndexedDbStorage`, else memory), proves every
   * refresh and `authorize()`d API call, and is dropped with the session.
   */
  dpop?: boolean | { keyStore?: DpopKeyStore; alg?: JwsAlg };
}

/** A `setTimeout`/`clearTimeout` pair (the globals fit; tests pass a fake clock's). */
export interface RenewalTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * What `getAccessToken` rejects with when it has no usable token and renewal is backing off
 * for longer than `policy.maxDemandWaitMs` (a nearer retry is waited for), or waits to be online.
 */
export interface RenewalBackoffError extends Error {
  name: "RotorError";
  code: "renewal_backoff";
  kind: "retry";
  /** When the next refresh attempt is due (ms since the epoch); `null` while offline. */
  retryAt: number | null;
  /** The last refresh failure (an `OAuthError`, a `RotorError`, or the network's error). */
  cause?: unknown;
}

/** Event details of TokenManager (CustomEvent `detail`). */
export interface TokenManagerEventMap {
  renewed: CustomEvent<{ expiresAt: number | null }>;
  rotated: CustomEvent<Record<string, never>>;
  retrying: CustomEvent<{ attempt: number; delayMs: number; retryAt: number; code: string }>;
  reauthenticate: CustomEvent<{ code: string }>;
  error: CustomEvent<{ code: string; kind: string }>;
  "refresh-expiring": CustomEvent<{ refreshExpiresAt: number }>;
}

/**
 * Keeps an access token fresh. Single-flight; lazy when timers were throttled; re-checks on
 * visibilitychange, online, pageshow and after sleep; one redemption per rotating refresh
 * token across tabs (Web Locks + shared storage + BroadcastChannel).
 *
 * Calls take effect in call order: `getAccessToken()` after a `setTokens()` or `clear()` that
 * has not settled answers from that token set. `getAccessToken` rejects with `RotorError`
 * `no_session` (kind `reauthenticate`) when there is no token set, with the last refresh's
 * error when the token expired and cannot be renewed, and with a {@link RenewalBackoffError}
 * when renewal backs off beyond `policy.maxDemandWaitMs` (a nearer retry is waited for).
 * `{ rejectedToken }` (the token a resource server refused) is never resolved with: the call
 * renews, waits for the renewal in flight or a near retry, or rejects.
 */
export class TokenManager extends EventTarget {
  constructor(options: TokenManagerOptions);
  readonly state: RenewalState;
  getAccessToken(options?: { rejectedToken?: string }): Promise<string>;
  setTokens(tokenSet: TokenSet): Promise<void>;
  /** Forgets the token set; `{ revoke: true }` revokes the refresh token first (RFC 7009, needs `revocationEndpoint`; a failure is an `error` event `revocation_failed`). */
  clear(options?: { revoke?: boolean }): Promise<void>;
  /** The session's DPoP prover (for the sign-in request that binds the first refresh token), or null without `dpop`. */
  dpop(): Promise<DPoP | null>;
  /** Headers for an API request: `authorization: DPoP` + a `dpop` proof with `ath` for a DPoP-bound set, else `authorization: Bearer`. */
  authorize(request: { method?: string; url: string; rejectedToken?: string }): Promise<{ authorization: string; dpop?: string }>;
  start(): Promise<void>;
  stop(): void;
  addEventListener<K extends keyof TokenManagerEventMap>(
    type: K,
    listener: (event: TokenManagerEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void;
  addEventListener(type: string, listener: ((event: Event) => void) | { handleEvent(event: Event): void } | null, options?: boolean | ListenerOptions): void;
}
