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
  | { type: "tokens-stored"; tokenSet: ScheduledTokenSet }
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
  | { type: "emit"; event: RenewalEvent };

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
  /** Feeds one input; `jitter` is drawn from `crypto.getRandomValues` when omitted. */
  step(input: RenewalInput, options?: { now?: number; jitter?: number }): RenewalAction[];
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}
