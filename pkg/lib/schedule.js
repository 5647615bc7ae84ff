// rotor: scheduling — refresh timing, backoff, clock skew and the renewal state machine.
// All of it is the Rust core (src/schedule, bound in src/wasm/schedule.rs). This file reads the
// few members of the arguments that scheduling uses, checks their JS types, and passes them as
// numbers, bools and strings: numbers go as they are (NaN included) so that the core refuses
// what it must; JSON would have turned NaN into null.
import {
  RenewalMachineCore,
  scheduleBackoffDelay,
  scheduleEstimateClockSkew,
  scheduleNextRefreshAt,
} from "../gen/rotor.js";
import { argumentError, check, unwrap } from "./boundary.js";

// Tokens cross as UTF-8 bytes: TextEncoder copies text ~20x faster than wasm-bindgen's
// per-character string copy (see `frames` in src/wasm/client.rs).
const encoder = new TextEncoder();
const NO_TOKEN = new Uint8Array(0);

/** An access token as the bytes that cross the boundary (empty when there is none). */
function tokenBytes(token) {
  return token ? encoder.encode(token) : NO_TOKEN;
}

/** An optional number member: `undefined` when absent or null, else it must be a number. */
function number(object, key) {
  const value = object?.[key];
  if (value == null) return undefined;
  if (typeof value !== "number") throw argumentError(`${key}: expected a number`);
  return value;
}

/** An optional string member: `undefined` when absent or null, else it must be a string. */
function string(object, key) {
  const value = object?.[key];
  if (value == null) return undefined;
  if (typeof value !== "string") throw argumentError(`${key}: expected a string`);
  return value;
}

/** `now` of the options, or `Date.now()`. */
function nowOf(options) {
  return number(options, "now") ?? Date.now();
}

/**
 * The members of a TokenSet that scheduling reads, in the order the core's functions take
 * them: expiresAt, refreshExpiresAt, receivedAt, accessToken (bytes), has a refresh token.
 */
function tokenTimes(tokenSet) {
  if (tokenSet === null || typeof tokenSet !== "object") throw argumentError("tokenSet: expected a TokenSet object");
  const accessToken = tokenBytes(string(tokenSet, "accessToken"));
  return [
    number(tokenSet, "expiresAt"),
    number(tokenSet, "refreshExpiresAt"),
    number(tokenSet, "receivedAt"),
    accessToken,
    !!string(tokenSet, "refreshToken"),
  ];
}

/**
 * When to start refreshing (ms since the epoch), or `null` when nothing expires.
 * `options`: `{ now?, leadSeconds?, jitter?, skewMs? }`.
 */
export function nextRefreshAt(tokenSet, options) {
  const [expiresAt, refreshExpiresAt, receivedAt, accessToken, hasRefreshToken] = tokenTimes(tokenSet);
  return unwrap(
    scheduleNextRefreshAt(
      expiresAt,
      refreshExpiresAt,
      receivedAt,
      accessToken,
      hasRefreshToken,
      nowOf(options),
      number(options, "leadSeconds"),
      number(options, "jitter") ?? 0,
      number(options, "skewMs") ?? 0,
    ),
  );
}

/** The delay (ms) before retry number `attempt` (from 0): `{ baseMs?, capMs?, jitter?, retryAfter? }`. */
export function backoffDelay(attempt, options) {
  if (typeof attempt !== "number") throw argumentError("attempt: expected a number");
  return unwrap(
    scheduleBackoffDelay(
      attempt,
      number(options, "baseMs"),
      number(options, "capMs"),
      number(options, "jitter"),
      number(options, "retryAfter"),
    ),
  );
}

/** Server clock minus local clock (ms): `{ date?, accessToken?, now?, requestSentAt? }`. */
export function estimateClockSkew(inputs) {
  const date = string(inputs, "date");
  const accessToken = tokenBytes(string(inputs, "accessToken"));
  return unwrap(scheduleEstimateClockSkew(date, accessToken, nowOf(inputs), number(inputs, "requestSentAt")));
}

/** The core's states, by the index `RenewalMachineCore.stateIndex` returns. */
const STATES = ["idle", "scheduled", "refreshing", "retry-wait", "needs-reauthentication"];

/**
 * The sans-IO renewal state machine shared by `TokenManager` and `rotor/sw`:
 * `new RenewalMachine({ leadSeconds?, baseMs?, capMs? })`, then `step(input, { now?, jitter? })`
 * returns the actions to carry out, in order (see types/schedule.d.ts).
 */
export class RenewalMachine {
  #core;

  constructor(policy) {
    const core = new RenewalMachineCore();
    try {
      check(
        core.configure(
          number(policy, "leadSeconds"),
          number(policy, "baseMs"),
          number(policy, "capMs"),
          number(policy, "jitter"),
          number(policy, "retryAfter"),
        ),
      );
    } catch (err) {
      core.free();
      throw err;
    }
    this.#core = core;
  }

  /** `"idle" | "scheduled" | "refreshing" | "retry-wait" | "needs-reauthentication"`. */
  get state() {
    return STATES[this.#core.stateIndex];
  }

  /** The planned refresh instant (ms), or undefined. */
  get refreshAt() {
    return this.#core.refreshAt;
  }

  /** The next retry instant (ms), or undefined. */
  get retryAt() {
    return this.#core.retryAt;
  }

  /** Transient failures in a row. */
  get failures() {
    return this.#core.failures;
  }

  /** Sets the clock skew (server minus local, ms) for later schedules. */
  setSkew(skewMs) {
    check(this.#core.setSkew(skewMs));
  }

  /** Whether the planned refresh or retry time has come (`now` defaults to `Date.now()`). */
  isDue(now) {
    const due = this.#core.isDue(now ?? Date.now());
    if (due === 2) throw argumentError("now must be a finite, non-negative number of milliseconds");
    return due === 1;
  }

  /** Feeds one input; returns the actions to carry out, in order. */
  step(input, options) {
    const type = string(input, "type");
    if (type === undefined) throw argumentError("input: expected { type }");
    let times = [undefined, undefined, undefined, NO_TOKEN, false];
    let rotated = false;
    let kind;
    let code;
    let retryAfter;
    if (type === "tokens-stored" || type === "refresh-succeeded") {
      const tokenSet = input.tokenSet;
      rotated = type === "refresh-succeeded" && !!tokenSet?.rotated;
      times = tokenTimes(tokenSet);
    } else if (type === "refresh-failed") {
      const error = input.error;
      kind = string(error, "kind");
      code = string(error, "code");
      retryAfter = number(error, "retryAfter");
    } else if (type === "session-ended") {
      code = string(input, "code");
    }
    return unwrap(
      this.#core.step(
        type,
        times[0],
        times[1],
        times[2],
        times[3],
        times[4],
        rotated,
        kind,
        code,
        retryAfter,
        nowOf(options),
        number(options, "jitter"),
      ),
    );
  }

  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free() {
    this.#core.free();
  }
}

if (Symbol.dispose) RenewalMachine.prototype[Symbol.dispose] = RenewalMachine.prototype.free;
