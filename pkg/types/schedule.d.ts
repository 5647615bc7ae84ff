// Types of rotor's scheduling core: refresh timing, backoff, clock skew, renewal machine.
import type { TokenSet } from "./client.js";

/** The instants of a token set that scheduling reads (a full {@link TokenSet} fits). */
export type ScheduledTokenSet = Pick<TokenSet, "expiresAt"> &
  Partial<Pick<TokenSet, "accessToken" | "refreshToken" | "refreshExpiresAt" | "receivedAt" | "rotated">>;

/** Options of {@link nextRefreshAt}. */
export interface RefreshTimingOptions {
  /** Milliseconds since the epoch (default `Date.now()`). */
  now?: number;
  /** Lead time before expiry (s). Default: adaptive, `min(L/4, 300 s)` but at least `min(5 s, L/2)` of the lifetime `L`; an explicit lead is capped at `L/2`. */
  leadSeconds?: number;
  /** Caller-drawn number in [0, 1); moves the refresh earlier by up to half the lead. Default 0. */
  jitter?: number;
  /** Clock skew, server minus local (ms), from {@link estimateClockSkew}. Applied to a JWT access token's `exp`, earlier only. */
  skewMs?: number;
}

/**
 * When to start refreshing (ms since the epoch): strictly before the access token's expiry
 * (and before `refreshExpiresAt` when that comes first), never before `now`; `now` when the
 * token is already due; `null` when nothing expires. Bad input: `RotorError` `invalid_argument`.
 */
export function nextRefreshAt(tokenSet: ScheduledTokenSet, options?: RefreshTimingOptions): number | null;

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay of attempt 0 (ms). Default 1000. */
  baseMs?: number;
  /** Largest delay (ms), `retryAfter` aside. Default 300000. */
  capMs?: number;
  /** Caller-drawn number in [0, 1); shortens the delay by up to half. Default 0. */
  jitter?: number;
  /** The server's Retry-After (ms), e.g. `OAuthError.retryAfter`; the delay is at least this. */
  retryAfter?: number | null;
}

/** `min(capMs, baseMs * 2^attempt * (1 - jitter/2))`, at least `retryAfter` (ms). `attempt` counts from 0. */
export function backoffDelay(attempt: number, options?: BackoffOptions): number;

/** Inputs of {@link estimateClockSkew}. */
export interface ClockSkewInputs {
  /** The token response's `Date` header (RFC 9110 §6.6.1). */
  date?: string | null;
  /** The access token; when it is a JWT its unverified `iat` is read (nothing else). */
  accessToken?: string | null;
  /** When the response arrived (default `Date.now()`). */
  now?: number;
  /** When the request was sent (default `now`). */
  requestSentAt?: number;
}

/** Server clock minus local clock (ms); 0 when nothing tells. A malformed `date` is `invalid_argument`. */
export function estimateClockSkew(inputs: ClockSkewInputs): number;

/** States of {@link RenewalMachine}. */
export type RenewalState = "idle" | "scheduled" | "refreshing" | "retry-wait" | "needs-reauthentication";

/** Policy of {@link RenewalMachine} and `TokenManager`. */
export interface RenewalPolicy {
  leadSeconds?: number;
  baseMs?: number;
  capMs?: number;
  /**
   * A demand without a usable access token during `retry-wait` waits for the retry when it is
   * due within this many ms (answer `wait-until`), else fails at once (`retry-later`).
   * Default 5000; 0 never waits.
   */
  maxDemandWaitMs?: number;
}

/** The failure of a refresh as the machine reads it (an `OAuthError` or `RotorError` fits). */
export interface RefreshFailure {
  kind?: "reauthenticate" | "retry" | "config" | "scope" | "protocol";
  code?: string;
  retryAfter?: number | null;
}

/** Inputs of {@link RenewalMachine.step}. */
export type RenewalInput =
  | { type: "tick" | "wake-up" | "demand" | "token-rejected" | "online" | "offline" | "cleared" | "network-failed" }
  /** With `rejectedToken` and `current`: only a `demand` when `current.accessToken` is another token. */
  | { type: "token-rejected"; rejectedToken: string; current: ScheduledTokenSet | null }
  | { type: "tokens-stored"; tokenSet: ScheduledTokenSet }
  /**
   * A set found in shared storage (another tab or the worker wrote it), with the driver's
   * `current` set: adopted (`adopt-tokens`) unless it is the current set, older (`receivedAt`),
   * or the dead refresh token after the session ended.
   */
  | { type: "tokens-seen"; tokenSet: ScheduledTokenSet; current: ScheduledTokenSet | null }
  | { type: "refresh-succeeded"; tokenSet: ScheduledTokenSet }
  | { type: "refresh-failed"; error: RefreshFailure }
  | { type: "session-ended"; code?: string };

/** Events the machine asks the driver to emit (`type` is the event name, the rest its detail). */
export type RenewalEvent =
  | { type: "renewed"; expiresAt: number | null }
  | { type: "rotated" }
  | { type: "retrying"; attempt: number; delayMs: number; retryAt: number; code: string }
  | { type: "reauthenticate"; code: string }
  | { type: "error"; code: string; kind: string }
  | { type: "refresh-expiring"; refreshExpiresAt: number };

/** What the driver must do, in order. */
export type RenewalAction =
  | { type: "send-refresh" }
  | { type: "wake-at"; at: number }
  | { type: "cancel-timer" }
  | { type: "drop-tokens" }
  | { type: "emit"; event: RenewalEvent }
  /** Make the `tokenSet` of the `tokens-seen` input the current set. */
  | { type: "adopt-tokens" };

/** What a demand for an access token should do ({@link RenewalMachine.answer}). */
export type RenewalAnswer =
  /** Hand out the current access token. */
  | { type: "use" }
  /** A refresh is in flight: wait for it, then ask again. */
  | { type: "wait" }
  /** The next retry is due within `maxDemandWaitMs`: wait until `at`, feed a `demand`, ask again. */
  | { type: "wait-until"; at: number }
  /** Renewal backs off beyond `maxDemandWaitMs` (`retryAt`), or waits to be online (`null`). */
  | { type: "retry-later"; retryAt: number | null }
  /** The access token expired (or was rejected) and cannot be renewed. */
  | { type: "expired" }
  /** No token set. */
  | { type: "no-session" };

/** Options of {@link RenewalMachine.answer} and {@link RenewalMachine.usable}. */
export interface RenewalDemandOptions {
  /** Milliseconds since the epoch (default `Date.now()`). */
  now?: number;
  /** The access token a resource server refused (RFC 6750 §3.1): never usable. */
  rejectedToken?: string;
}

/** The sans-IO renewal state machine shared by `TokenManager` and `rotor/sw`. */
export class RenewalMachine {
  constructor(policy?: RenewalPolicy);
  readonly state: RenewalState;
  readonly refreshAt: number | undefined;
  readonly retryAt: number | undefined;
  readonly failures: number;
  /** Sets the clock skew (server minus local, ms) for later schedules. */
  setSkew(skewMs: number): void;
  /** Whether the planned refresh or retry time has come. */
  isDue(now?: number): boolean;
  /** Whether `tokenSet`'s access token can be handed out: not `rejectedToken`, not past its expiry (skew applied). */
  usable(tokenSet: ScheduledTokenSet | null, options?: RenewalDemandOptions): boolean;
  /** What a demand should do with the driver's current set, after feeding `demand` or `token-rejected`. */
  answer(tokenSet: ScheduledTokenSet | null, options?: RenewalDemandOptions): RenewalAnswer;
  /** Feeds one input; `jitter` is drawn from `crypto.getRandomValues` when omitted. */
  step(input: RenewalInput, options?: { now?: number; jitter?: number }): RenewalAction[];
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}
