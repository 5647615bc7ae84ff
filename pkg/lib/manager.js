// rotor: TokenManager — the page-side renewal driver, and token-set storages.
//
// The decisions (when to refresh, back off, give up) are the Rust RenewalMachine's; this file
// only does the I/O around it: fetch, timers, storage, Web Locks and BroadcastChannel.
import { RenewalMachine, estimateClockSkew } from "./schedule.js";
import { Client } from "./client.js";
import { rotorError } from "./errors.js";
import { IdbStore } from "./idb.js";
import { checkDpopOption } from "./keys.js";
import { createDpop, dpopModule } from "./dpop-api.js";

const MAX_TIMER_MS = 2 ** 31 - 1;


/** An event with `detail` (every platform rotor supports has `CustomEvent`: Node >= 19, Deno, Bun, workerd). */
function makeEvent(type, detail) {
  return new CustomEvent(type, { detail });
}

/** In-memory token-set storage (the default): one tab or process only. */
export class MemoryStorage {
  #value = null;
  async get() {
    return this.#value;
  }
  async set(tokenSet) {
    this.#value = tokenSet;
  }
  async delete() {
    this.#value = null;
  }
}

/**
 * Token-set storage in IndexedDB, shared by the tabs (and the service worker) of one origin.
 * `new IndexedDbStorage({ database?, store?, key?, indexedDB? })`.
 */
export class IndexedDbStorage {
  #db;
  #key;
  #name;
  constructor({ database = "rotor", store = "tokens", key = "default", indexedDB } = {}) {
    this.#db = new IdbStore(indexedDB, database, store);
    this.#key = key;
    this.#name = `${database}/${store}/${key}`;
  }
  /** A name that identifies this storage slot (used for lock and channel names). */
  get name() {
    return this.#name;
  }
  get() {
    return this.#db.get(this.#key);
  }
  set(tokenSet) {
    return this.#db.set(this.#key, tokenSet);
  }
  delete() {
    return this.#db.delete(this.#key);
  }
}

/** In-memory key storage for `TokenManager`'s DPoP key (the default without IndexedDB). */
export class MemoryKeyStore {
  #keys = new Map();
  async get(name) {
    return this.#keys.get(name) ?? null;
  }
  async set(name, keyPair) {
    this.#keys.set(name, keyPair);
  }
  async delete(name) {
    this.#keys.delete(name);
  }
}

/**
 * DPoP key storage in IndexedDB: the `CryptoKeyPair` itself is stored (structured clone), so
 * its non-extractable private key survives a reload without its bytes ever being readable.
 * `new IndexedDbKeyStore({ database?, store?, indexedDB? })` (default `rotor-dpop`/`keys`).
 */
export class IndexedDbKeyStore extends IdbStore {
  constructor({ database = "rotor-dpop", store = "keys", indexedDB } = {}) {
    super(indexedDB, database, store);
  }
}

const defaultTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/**
 * Cookie mode (`client.refreshTokenIn: "cookie"`): token sets hold no refresh token (it is in an
 * HttpOnly cookie), yet each set is renewable. The machine is shown each set with a stand-in
 * `refreshToken` derived from its access token, so that "is there a session", "is this another
 * set" and "is this the dead set" are decided exactly as with a refresh token; the stand-in is
 * never stored, sent or handed out.
 */
function cookieView(set) {
  return set && typeof set === "object" && set.refreshToken == null && typeof set.accessToken === "string"
    ? { ...set, refreshToken: `cookie:${set.accessToken}` }
    : set;
}

/** The `retry` error of a demand made while renewal backs off (or waits to be online). */
function backoffError(retryAt, cause) {
  const err = rotorError(
    "renewal_backoff",
    retryAt === null
      ? "the access token cannot be renewed while offline; renewal resumes when the platform is online"
      : `the access token cannot be renewed yet: the last refresh failed and the next attempt is at ${new Date(retryAt).toISOString()}`,
    "retry",
  );
  err.retryAt = retryAt;
  if (cause !== null && cause !== undefined) err.cause = cause;
  return err;
}

/**
 * Keeps an access token fresh: schedules refreshes with the Rust RenewalMachine, redeems the
 * refresh token once across tabs (Web Locks), and tells the app what happened (events
 * `renewed`, `rotated`, `retrying`, `reauthenticate`, `error`, `refresh-expiring`).
 */
export class TokenManager extends EventTarget {
  #client;
  #fetch;
  #storage;
  #core;
  #handle = null;
  #machine;
  #policy;
  #name;
  #tokens = null;
  #loaded = null;
  #inflight = null;
  #timer = null;
  #heartbeat = null;
  #lastBeat = 0;
  #started = false;
  #channel = null;
  #lastError = null;
  #listeners = [];
  #redeeming = null;
  #again = false;
  #now;
  #random;
  #timers;
  /** The `dpop` option, checked: `{ store, alg }` (the key store, the key's alg), or null. */
  #dpop = null;
  /** The session's DPoP key keeper (pkg/lib/dpop.js), made on first use: a promise. */
  #keeper = null;
  /** The refresh token is in an HttpOnly cookie (`client.refreshTokenIn: "cookie"`). */
  #cookie;
  /** setTokens, clear and each demand's first look, in call order. */
  #queue = Promise.resolve();
  /** Demands waiting for a retry (wake them when the machine's state changes). */
  #waiters = new Set();

  /**
   * @param {object} options
   * @param {object} options.client ClientConfig for buildRefreshRequest/parseTokenResponse
   * @param {typeof fetch} [options.fetch]
   * @param {{get(): Promise<object|null>, set(t: object): Promise<void>, delete(): Promise<void>}} [options.storage]
   * @param {object} [options.policy] { leadSeconds, baseMs, capMs, maxDemandWaitMs, heartbeatMs }
   * @param {() => number} [options.now] the clock (ms since the epoch), default `Date.now`
   * @param {() => number} [options.random] jitter in [0, 1), default `Math.random`
   * @param {{ setTimeout(fn: () => void, ms: number): unknown, clearTimeout(handle: unknown): void }} [options.timers]
   */
  constructor({ client, fetch, storage, policy = {}, core, name, now, random, timers, dpop } = {}) {
    super();
    if (!client || typeof client !== "object") throw rotorError("invalid_config", "TokenManager needs a client configuration");
    if (now !== undefined && typeof now !== "function") throw rotorError("invalid_config", "now must be a function returning ms since the epoch");
    if (random !== undefined && typeof random !== "function") throw rotorError("invalid_config", "random must be a function returning a number in [0, 1)");
    if (timers !== undefined && (typeof timers?.setTimeout !== "function" || typeof timers?.clearTimeout !== "function")) {
      throw rotorError("invalid_config", "timers must have setTimeout and clearTimeout functions");
    }
    this.#now = now ?? (() => Date.now());
    this.#random = random ?? (() => Math.random());
    this.#timers = timers ?? defaultTimers;
    this.#client = client;
    this.#cookie = client.refreshTokenIn === "cookie";
    const f = fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw rotorError("invalid_config", "no fetch function available");
    this.#fetch = fetch ? fetch : (...args) => globalThis.fetch(...args);
    this.#storage = storage ?? new MemoryStorage();
    this.#core = core ?? null;
    this.#policy = { heartbeatMs: 15_000, ...policy };
    this.#machine = new RenewalMachine({
      leadSeconds: policy.leadSeconds,
      baseMs: policy.baseMs,
      capMs: policy.capMs,
      maxDemandWaitMs: policy.maxDemandWaitMs,
    });
    this.#name = `rotor:${name ?? this.#storage.name ?? `${client.tokenEndpoint}|${client.clientId}`}`;
    if (dpop !== undefined && dpop !== false) {
      const { keyStore, alg } = checkDpopOption(dpop);
      // The key lives where the token set does: IndexedDB with IndexedDbStorage, else memory.
      const persistent = this.#storage instanceof IndexedDbStorage && globalThis.indexedDB;
      this.#dpop = { store: keyStore ?? (persistent ? new IndexedDbKeyStore() : new MemoryKeyStore()), alg };
    }
  }

  /** The DPoP key keeper, loaded and made once (a failed load is tried again next time). */
  #dpopKeeper() {
    this.#keeper ??= dpopModule().then(
      ({ DpopKeeper }) => new DpopKeeper({ ...this.#dpop, name: this.#name, now: this.#now, createDpop }),
      (err) => {
        this.#keeper = null;
        throw err;
      },
    );
    return this.#keeper;
  }

  /**
   * The session's DPoP prover (RFC 9449), created once (non-extractable key, kept in the
   * key store) — for the sign-in request that binds the first refresh token — or null
   * without the `dpop` option.
   */
  async dpop() {
    return this.#dpop ? (await this.#dpopKeeper()).get() : null;
  }

  /**
   * The headers for a resource request `{ method, url, rejectedToken? }` (or an `accessToken`
   * this manager handed out): `authorization:
   * DPoP <token>` and a `dpop` proof with `ath` (RFC 9449 §7.1) for a DPoP-bound token set,
   * else `authorization: Bearer <token>` (RFC 6750 §2.1).
   */
  async authorize({ method = "GET", url, rejectedToken, accessToken: given } = {}) {
    const accessToken = given ?? (await this.getAccessToken(rejectedToken ? { rejectedToken } : undefined));
    const bound = this.#dpop && /^dpop$/i.test(this.#tokens?.accessToken === accessToken ? (this.#tokens.tokenType ?? "") : "");
    return bound ? (await this.dpop()).headers({ method, url, accessToken }) : { authorization: `Bearer ${accessToken}` };
  }

  /** The refresh request; with DPoP or private_key_jwt the async builder signs it. */
  async #buildRequest(refreshToken, dpop) {
    const params = this.#cookie ? {} : { refreshToken };
    if (this.#core) {
      const req = this.#core.buildRefreshRequest(this.#client, params);
      if (dpop) req.headers = { ...req.headers, dpop: await dpop.proof({ method: req.method, url: req.url }) };
      return req;
    }
    if (!dpop && this.#client.authMethod !== "private_key_jwt") return this.#clientHandle().buildRefreshRequest(params);
    return this.#clientHandle().buildRefreshRequestAsync({ ...params, now: this.#now(), dpop: dpop ?? undefined });
  }

  /** The checked client configuration, made on first use (a bad one fails that refresh). */
  #clientHandle() {
    return (this.#handle ??= new Client(this.#client));
  }

  /** The machine's state (for diagnostics): idle, scheduled, refreshing, retry-wait, needs-reauthentication. */
  get state() {
    return this.#machine.state;
  }

  /** Loads the stored token set (once) and schedules its renewal. */
  #ensureLoaded() {
    if (!this.#loaded) {
      this.#loaded = (async () => {
        const stored = await this.#storage.get();
        if (stored) this.#step({ type: "tokens-seen", tokenSet: stored, current: this.#tokens });
      })();
      this.#loaded.catch(() => {
        this.#loaded = null;
      });
    }
    return this.#loaded;
  }

  /** Feeds the machine and carries out its actions; true when it adopted `input.tokenSet`. */
  /** What identifies `set`'s refresh token: the token, or in cookie mode its stand-in. */
  #id(set) {
    return (this.#cookie ? cookieView(set) : set)?.refreshToken ?? null;
  }

  #step(input) {
    const before = this.#machine.state;
    const fed = this.#cookie ? { ...input, tokenSet: cookieView(input.tokenSet), current: cookieView(input.current) } : input;
    const actions = this.#machine.step(fed, { now: this.#now(), jitter: this.#random() });
    let adopted = false;
    for (const action of actions) {
      switch (action.type) {
        case "adopt-tokens":
          this.#tokens = input.tokenSet;
          this.#lastError = null;
          adopted = true;
          break;
        case "send-refresh":
          this.#startRefresh();
          break;
        case "wake-at":
          this.#arm(action.at);
          break;
        case "cancel-timer":
          this.#disarm();
          break;
        case "drop-tokens": {
          const dead = this.#id(this.#tokens) ?? this.#redeeming;
          this.#tokens = null;
          this.#dropStored(dead);
          break;
        }
        case "emit": {
          const { type, ...detail } = action.event;
          this.dispatchEvent(makeEvent(type, detail));
          break;
        }
      }
    }
    if (this.#machine.state !== before) this.#wakeWaiters();
    return adopted;
  }

  #wakeWaiters() {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at `at` (the injected timers) or when the machine's state changes first. */
  #until(at) {
    return new Promise((resolve) => {
      const wake = () => {
        this.#timers.clearTimeout(handle);
        this.#waiters.delete(wake);
        resolve();
      };
      const handle = this.#timers.setTimeout(wake, Math.min(Math.max(0, at - this.#now()), MAX_TIMER_MS));
      this.#waiters.add(wake);
    });
  }

  /** Deletes the stored set if it is still the dead one; a newer session (another tab's
   * sign-in) is adopted instead of deleted. */
  async #dropStored(deadRefreshToken) {
    try {
      const stored = await this.#storage.get();
      if (stored && this.#step({ type: "tokens-seen", tokenSet: stored, current: { refreshToken: deadRefreshToken } })) return;
      if (stored) await this.#storage.delete();
    } catch (err) {
      this.dispatchEvent(makeEvent("error", { code: "storage_error", kind: "config", error: err }));
    }
    this.#post({ type: "rotor:cleared", reason: "reauthenticate" });
  }

  #arm(at) {
    this.#disarm();
    if (!this.#started) return;
    const delay = Math.min(Math.max(0, at - this.#now()), MAX_TIMER_MS);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#step({ type: "tick" });
    }, delay);
    // Not unref'd: in Node a started manager keeps the process alive until stop().
  }

  #disarm() {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs `fn` under the cross-tab Web Lock of this token set (when the platform has one):
   * redemptions, sign-ins and sign-outs never interleave. */
  #withLock(fn) {
    const locks = globalThis.navigator?.locks;
    return locks?.request ? locks.request(`${this.#name}:refresh`, fn) : fn();
  }

  #startRefresh() {
    if (this.#inflight) {
      // Asked again from inside the running redemption (its outcome made another set due):
      // start the next one as soon as this one is over.
      this.#again = true;
      return this.#inflight;
    }
    const p = this.#withLock(() => this.#redeem());
    this.#inflight = p.finally(() => {
      this.#inflight = null;
      if (this.#again) {
        this.#again = false;
        if (this.#machine.state === "refreshing") this.#startRefresh();
      } else if (this.#machine.state === "refreshing") {
        // The redemption ended without an outcome (a lock or storage that threw): back off.
        this.#step({ type: "refresh-failed", error: { kind: "retry", code: "renewal_error" } });
      }
      this.#wakeWaiters();
    });
    // Failures are reported through the machine; never leave a rejection unhandled.
    this.#inflight.catch(() => {});
    return this.#inflight;
  }

  /** Runs inside the cross-tab lock: adopt what another tab stored, else redeem once. */
  async #redeem() {
    let current = this.#tokens;
    try {
      const stored = await this.#storage.get();
      if (!stored && current) {
        // Another tab ended the session while we waited for the lock.
        this.#step({ type: "refresh-failed", error: { kind: "reauthenticate", code: "session_ended" } });
        return;
      }
      if (stored) {
        // Another tab renewed (and perhaps rotated) first: the machine adopts that set (never
        // replay the old token) and ends this redemption, unless the set is itself due.
        this.#step({ type: "tokens-seen", tokenSet: stored, current });
        if (this.#machine.state !== "refreshing") return;
        current = this.#tokens;
      }
    } catch (err) {
      this.#lastError = err;
      this.#step({ type: "refresh-failed", error: { kind: "retry", code: "storage_error" } });
      return;
    }
    if (!this.#id(current)) {
      this.#step({ type: "cleared" });
      return;
    }
    this.#redeeming = this.#id(current);
    let req;
    let dpop = null;
    try {
      dpop = await this.dpop();
      req = await this.#buildRequest(current.refreshToken, dpop);
    } catch (err) {
      this.#lastError = err;
      this.#step({ type: "refresh-failed", error: err });
      return;
    }
    const sentAt = this.#now();
    let response;
    let body;
    try {
      const init = req.credentials ? { credentials: req.credentials } : {};
      if (dpop) {
        // RFC 9449 §8: a use_dpop_nonce answer with a new DPoP-Nonce gets one retry with it.
        let first = req;
        const build = () => {
          const next = first ?? this.#buildRequest(current.refreshToken, dpop);
          first = null;
          return next;
        };
        ({ response, body } = await (await dpopModule()).sendWithDpop(this.#fetch, dpop, build, init));
      } else {
        response = await this.#fetch(req.url, { ...init, method: req.method, headers: req.headers, body: req.body });
        body = new Uint8Array(await response.arrayBuffer());
      }
    } catch (err) {
      this.#lastError = err;
      this.#step({ type: "network-failed" });
      return;
    }
    const now = this.#now();
    let tokenSet;
    try {
      const answer = { status: response.status, headers: response.headers, body };
      tokenSet = this.#core
        ? this.#core.parseTokenResponse(this.#client, answer, { now, previous: current })
        : this.#clientHandle().parseTokenResponse(answer, { now, previous: current });
    } catch (err) {
      this.#lastError = err;
      if (err?.kind === "reauthenticate") {
        // Delete the dead set while still holding the lock, so no other tab redeems it again;
        // a set stored meanwhile (a new sign-in) stays.
        const stored = await this.#storage.get().catch(() => null);
        if (stored && this.#id(stored) === this.#id(current)) {
          await this.#storage.delete().catch(() => {});
          if (this.#dpop) await this.#dpopKeeper().then((keeper) => keeper.drop()).catch(() => {}); // the key dies with the session
        }
        if (this.#tokens && this.#id(this.#tokens) === this.#id(current)) this.#tokens = null;
      }
      this.#step({ type: "refresh-failed", error: err });
      return;
    }
    try {
      const date = response.headers?.get?.("date") ?? undefined;
      this.#machine.setSkew(estimateClockSkew({ date, accessToken: tokenSet.accessToken, now, requestSentAt: sentAt }));
    } catch {
      // A malformed Date header only costs the skew estimate.
    }
    // Cleared (sign-out) or ended while the request was out: the answer is not kept.
    if (this.#machine.state !== "refreshing") return;
    this.#tokens = tokenSet;
    this.#lastError = null;
    try {
      await this.#storage.set(tokenSet);
    } catch (err) {
      this.dispatchEvent(makeEvent("error", { code: "storage_error", kind: "config", error: err }));
    }
    this.#post({ type: "rotor:tokens-updated" });
    this.#step({ type: "refresh-succeeded", tokenSet });
  }

  #post(message) {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closed channel: nothing to announce to.
    }
  }

  async #onAnnouncement(message) {
    if (message?.type === "rotor:tokens-updated") {
      const stored = await this.#storage.get();
      if (stored) this.#step({ type: "tokens-seen", tokenSet: stored, current: this.#tokens });
    } else if (message?.type === "rotor:cleared") {
      if (!this.#tokens) return;
      const stored = await this.#storage.get();
      if (stored) {
        // Cleared, then signed in again before we heard: the machine takes the new session.
        this.#step({ type: "tokens-seen", tokenSet: stored, current: this.#tokens });
        return;
      }
      this.#tokens = null;
      if (message.reason === "reauthenticate") {
        this.#step({ type: "session-ended", code: "session_ended" });
      } else {
        this.#step({ type: "cleared" });
      }
    }
  }

  /**
   * Resolves with a usable access token, refreshing first when it is due (one request for any
   * number of concurrent callers). Answers from the token set of every `setTokens()` and
   * `clear()` called before it, settled or not. Rejects with the last refresh's error (or
   * `no_session`) when there is no session or the token expired and cannot be renewed, and
   * with a `RotorError` `renewal_backoff` (kind `retry`, `retryAt`, `cause`: the last
   * failure) when renewal is backing off for longer than `policy.maxDemandWaitMs` (default
   * 5000): a nearer retry is waited for.
   * @param {{ rejectedToken?: string }} [options] the access token a resource server just
   *   refused with `invalid_token`: it is never handed out again; renews at once when it is
   *   still the current one (or waits for the renewal in flight or a near retry).
   */
  async getAccessToken({ rejectedToken } = {}) {
    // The first look is taken in call order with setTokens() and clear().
    let answer = await this.#enqueue(async () => {
      await this.#ensureLoaded();
      const first =
        rejectedToken === undefined ? { type: "demand" } : { type: "token-rejected", rejectedToken, current: this.#tokens };
      return this.#ask(first, rejectedToken);
    });
    for (;;) {
      switch (answer.type) {
        case "use":
          return answer.token;
        case "wait":
          await this.#inflight?.catch(() => {});
          break;
        case "wait-until":
          await this.#until(answer.at);
          break;
        case "retry-later":
          throw backoffError(answer.retryAt, this.#lastError);
        case "expired":
          throw (
            this.#lastError ??
            rotorError("no_session", "the access token expired or was rejected and cannot be renewed", "reauthenticate")
          );
        default:
          throw this.#lastError ?? rotorError("no_session", "no token set: sign in first", "reauthenticate");
      }
      // A rejection is reported once per call; later rounds only re-check.
      answer = this.#ask({ type: "demand" }, rejectedToken);
    }
  }

  /** Feeds a demand and returns the machine's answer (with the token when it is "use"). */
  #ask(input, rejectedToken) {
    this.#step(input);
    const answer = this.#machine.answer(this.#cookie ? cookieView(this.#tokens) : this.#tokens, { now: this.#now(), rejectedToken });
    return answer.type === "use" ? { type: "use", token: this.#tokens.accessToken } : answer;
  }

  /** Runs `fn` after the calls queued before it (whatever their outcome). */
  #enqueue(fn) {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Stores a token set (after sign-in) and schedules its renewal. */
  async setTokens(tokenSet) {
    if (!tokenSet || typeof tokenSet !== "object" || typeof tokenSet.accessToken !== "string") {
      throw rotorError("invalid_argument", "setTokens needs a TokenSet with an accessToken");
    }
    return this.#enqueue(async () => {
      await this.#ensureLoaded();
      this.#tokens = tokenSet;
      this.#lastError = null;
      // A redemption of the old set in flight: tell the machine now, so that its failure
      // (invalid_grant) falls back to this set instead of ending the session.
      const early = this.#machine.state === "refreshing";
      if (early) this.#step({ type: "tokens-stored", tokenSet });
      // Under the lock: that redemption finishes first, so its outcome (a rotated set, or
      // deleting a dead one) cannot overwrite this sign-in in storage.
      await this.#withLock(() => this.#storage.set(tokenSet));
      if (!early || this.#tokens !== tokenSet) {
        this.#tokens = tokenSet;
        this.#step({ type: "tokens-stored", tokenSet });
      }
      this.#post({ type: "rotor:tokens-updated" });
    });
  }

  /**
   * Forgets the token set (sign-out) here and in the other tabs. With `{ revoke: true }` the
   * refresh token is revoked at the client's `revocationEndpoint` first (RFC 7009 §2.1), under
   * the cross-tab lock so that no tab redeems it meanwhile; the set is forgotten whatever the
   * answer, and a revocation that did not succeed (no answer, or not 200: RFC 7009 §2.2) is
   * reported as an `error` event with code `revocation_failed`.
   */
  clear({ revoke = false } = {}) {
    return this.#enqueue(async () => {
      await this.#ensureLoaded().catch(() => {});
      const current = this.#tokens;
      this.#tokens = null;
      this.#lastError = null;
      this.#step({ type: "cleared" });
      await this.#withLock(async () => {
        const token = this.#id(current) ?? this.#id(await this.#storage.get().catch(() => null));
        // Cookie mode: no token is sent; the cookie carries it, and the answer expires it.
        if (revoke && token) await this.#revoke(this.#cookie ? null : token);
        await this.#storage.delete();
        if (this.#dpop) await (await this.#dpopKeeper()).drop(); // the DPoP key dies with the session
      });
      this.#post({ type: "rotor:cleared", reason: "clear" });
    });
  }

  /** RFC 7009 §2.1: revokes `refreshToken`; failures become an `error` event. */
  async #revoke(refreshToken) {
    const fail = (detail) => this.dispatchEvent(makeEvent("error", { code: "revocation_failed", kind: "retry", ...detail }));
    let req;
    try {
      const params = { tokenTypeHint: "refresh_token", now: this.#now() };
      if (refreshToken !== null) params.token = refreshToken;
      req = this.#core?.buildRevocationRequest
        ? this.#core.buildRevocationRequest(this.#client, params)
        : await this.#clientHandle().buildRevocationRequestAsync(params);
    } catch (error) {
      fail({ kind: error?.kind ?? "config", error });
      return;
    }
    try {
      const init = { method: req.method, headers: req.headers, body: req.body, redirect: "manual" };
      if (req.credentials) init.credentials = req.credentials;
      const res = await this.#fetch(req.url, init);
      if (res.status !== 200) fail({ status: res.status });
    } catch (error) {
      fail({ error });
    }
  }

  /** Starts timers and listeners (visibility, online/offline, pageshow, other tabs). */
  async start() {
    if (this.#started) return;
    this.#started = true;
    const on = (target, type, fn) => {
      if (target?.addEventListener) {
        target.addEventListener(type, fn);
        this.#listeners.push(() => target.removeEventListener(type, fn));
      }
    };
    const wake = () => this.#step({ type: "wake-up" });
    const doc = globalThis.document;
    on(doc, "visibilitychange", () => {
      if (doc.visibilityState !== "hidden") wake();
    });
    if (typeof globalThis.window !== "undefined") {
      on(globalThis.window, "pageshow", wake);
      on(globalThis.window, "online", () => this.#step({ type: "online" }));
      on(globalThis.window, "offline", () => this.#step({ type: "offline" }));
    }
    if (typeof BroadcastChannel === "function") {
      this.#channel = new BroadcastChannel(this.#name);
      this.#channel.onmessage = (ev) => {
        this.#onAnnouncement(ev.data).catch(() => {});
      };
      this.#channel.unref?.();
    }
    // Timer drift: a heartbeat that fires much later than asked means the machine slept or
    // the tab was frozen; re-check at once instead of trusting the long timer.
    const every = this.#policy.heartbeatMs;
    this.#lastBeat = this.#now();
    const beat = () => {
      this.#heartbeat = this.#timers.setTimeout(() => {
        const now = this.#now();
        const drift = now - this.#lastBeat - every;
        this.#lastBeat = now;
        beat();
        if (drift > Math.max(1000, every)) wake();
      }, every);
      // The heartbeat alone never keeps a Node process alive.
      this.#heartbeat?.unref?.();
    };
    beat();
    await this.#ensureLoaded();
    // Re-arm for the current state (a page that loaded with a due token refreshes now).
    this.#step({ type: "wake-up" });
  }

  /** Stops timers and listeners; the stored tokens stay. */
  stop() {
    this.#started = false;
    this.#disarm();
    if (this.#heartbeat !== null) this.#timers.clearTimeout(this.#heartbeat);
    this.#heartbeat = null;
    for (const off of this.#listeners.splice(0)) off();
    this.#channel?.close();
    this.#channel = null;
  }
}
