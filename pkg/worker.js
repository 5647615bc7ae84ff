// rotor/worker: Cloudflare Worker + Durable Object glue for the rotor issuer.
//
// The Worker answers metadata and malformed requests itself, finds the family of a refresh
// token (phase 1 of the core) and forwards the request to that family's Durable Object
// (`idFromName(familyKey)`), whose storage holds the family record. A Durable Object runs one
// request at a time, so a rotation is one serialized step: N concurrent redemptions of a token
// yield one successor.
import * as core from "#issuer";
import { readCapped } from "./lib/body.js";
import { configError, rotorError } from "./lib/errors.js";

const TEST_CLOCK_HEADER = "x-rotor-test-now";
const CREATE_PATH = "/__rotor/create";


function jsonOf(value, name) {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw configError(`${name} is not valid JSON`);
  }
}

function seconds(env, name) {
  const v = env[name];
  if (v === undefined || v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw configError(`${name} must be a whole number of seconds`);
  return n;
}

/**
 * Builds an issuer config from Worker bindings (secrets and vars):
 * - `ROTOR_ISSUER` (required), `ROTOR_AUDIENCE` (string, or a JSON array)
 * - `ROTOR_SIGNING_KEYS` (JSON `[{ "kid", "key" }]`, key base64url, >= 32 bytes) or
 *   `ROTOR_SIGNING_KEY` (+ optional `ROTOR_SIGNING_KID`, default "k1")
 * - `ROTOR_CLIENTS` (JSON array of clients; `"clientSecretEnv": "NAME"` takes the secret
 *   from the binding NAME so that secrets stay in `wrangler secret`)
 * - optional `ROTOR_ACCESS_TOKEN_TTL`, `ROTOR_REFRESH_TOKEN_TTL`, `ROTOR_REFRESH_IDLE_TTL`,
 *   `ROTOR_ROTATION`, `ROTOR_REUSE_GRACE_SECONDS`, `ROTOR_DIALECT`, `ROTOR_DPOP_NONCE_SECONDS`,
 *   `ROTOR_DPOP_ROTATION` (DPoP, RFC 9449: clients opt in with `"dpop": "required" | "allowed"`).
 */
export function configFromEnv(env) {
  if (!env || !env.ROTOR_ISSUER) throw configError("ROTOR_ISSUER is not set");
  let keys = jsonOf(env.ROTOR_SIGNING_KEYS, "ROTOR_SIGNING_KEYS");
  if (keys === undefined && env.ROTOR_SIGNING_KEY) keys = [{ kid: env.ROTOR_SIGNING_KID || "k1", key: env.ROTOR_SIGNING_KEY }];
  if (keys === undefined) throw configError("no signing key: set the secret ROTOR_SIGNING_KEYS or ROTOR_SIGNING_KEY");
  const clients = jsonOf(env.ROTOR_CLIENTS, "ROTOR_CLIENTS");
  if (!Array.isArray(clients)) throw configError("ROTOR_CLIENTS must be a JSON array of clients");
  const resolved = clients.map((c, i) => {
    if (!c || typeof c !== "object") throw configError(`ROTOR_CLIENTS[${i}] must be an object`);
    const { clientSecretEnv, ...rest } = c;
    if (clientSecretEnv !== undefined) {
      const secret = env[clientSecretEnv];
      if (typeof secret !== "string" || secret === "") throw configError(`ROTOR_CLIENTS[${i}]: the secret binding ${clientSecretEnv} is not set`);
      rest.clientSecret = secret;
    }
    return rest;
  });
  const audience = env.ROTOR_AUDIENCE?.startsWith?.("[") ? jsonOf(env.ROTOR_AUDIENCE, "ROTOR_AUDIENCE") : env.ROTOR_AUDIENCE;
  const config = { issuer: env.ROTOR_ISSUER, audience, keys, clients: resolved };
  const optional = {
    accessTokenTtl: seconds(env, "ROTOR_ACCESS_TOKEN_TTL"),
    refreshTokenTtl: seconds(env, "ROTOR_REFRESH_TOKEN_TTL"),
    refreshIdleTtl: seconds(env, "ROTOR_REFRESH_IDLE_TTL"),
    reuseGraceSeconds: seconds(env, "ROTOR_REUSE_GRACE_SECONDS"),
    rotation: env.ROTOR_ROTATION || undefined,
    dialect: env.ROTOR_DIALECT || undefined,
    dpopNonceSeconds: seconds(env, "ROTOR_DPOP_NONCE_SECONDS"),
    dpopRotation: env.ROTOR_DPOP_ROTATION || undefined,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) config[k] = v;
  return config;
}

/** `now` from the test-only header, honoured only when the binding ROTOR_TEST_CLOCK is "1". */
function testNow(request, env) {
  if (env?.ROTOR_TEST_CLOCK !== "1") return undefined;
  const v = request.headers.get(TEST_CLOCK_HEADER);
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

// Module-private: how RotorFamily.alarm() tells its store which purge alarm is set now.
const ALARM_SET = Symbol("rotor alarm set");

/**
 * A store over Durable Object storage (one family per object). `update` runs one at a time
 * (a promise chain) so that the read-decide-write of a rotation is never interleaved, and an
 * alarm purges the record when it expires.
 *
 * The purge alarm is written only when it must move earlier: an alarm that fires before the
 * record's (later) expiry re-arms itself for it (RotorFamily.alarm), so a rotation that pushes
 * the expiry back (idle lifetime) or keeps it (absolute lifetime) costs no alarm write. While
 * this object does not know which alarm is set (a fresh instance, a failed write), it sets one.
 */
export class DurableObjectStore {
  #storage;
  #chain = Promise.resolve();
  /** The alarm this store knows to be set (ms), or null when unknown or none. */
  #alarmAt = null;

  constructor(storage) {
    this.#storage = storage;
  }

  async get(key) {
    return (await this.#storage.get(key)) ?? null;
  }

  update(key, fn) {
    const run = this.#chain.then(async () => {
      const current = (await this.#storage.get(key)) ?? null;
      const next = fn(current);
      if (next === undefined) return current;
      if (next === null) {
        await this.#storage.delete(key);
        // The purge alarm is housekeeping: its failure must not fail a committed change.
        this.#alarmAt = null;
        await Promise.resolve(this.#storage.deleteAlarm?.()).catch(() => {});
        return null;
      }
      await this.#storage.put(key, { value: next.value, expiresAt: next.expiresAt });
      if (this.#alarmAt === null || next.expiresAt < this.#alarmAt) await this.#arm(next.expiresAt);
      return next;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  async #arm(at) {
    try {
      await this.#storage.setAlarm?.(at);
      this.#alarmAt = this.#storage.setAlarm ? at : null;
    } catch {
      this.#alarmAt = null;
    }
  }

  [ALARM_SET](at) {
    this.#alarmAt = at;
  }

  async delete(key) {
    await this.#storage.delete(key);
  }
}

/**
 * The front Worker's store: it cannot run a function inside another object, so it supports
 * creation only (what `startSession` does): the new record is sent to the family's Durable
 * Object, which stores it if the family does not exist yet.
 */
class FamilyRouterStore {
  #ns;
  constructor(ns) {
    this.#ns = ns;
  }
  async update(key, fn) {
    const next = fn(null);
    if (!next) return null;
    const stub = this.#ns.get(this.#ns.idFromName(key));
    let res;
    try {
      res = await stub.fetch("https://rotor-family" + CREATE_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key, value: next.value, expiresAt: next.expiresAt }),
      });
    } catch {
      throw storeUnavailable();
    }
    if (res.status === 409) throw configError("family id collision");
    if (!res.ok) throw storeUnavailable();
    return next;
  }
}

/** The family store (a Durable Object) failed: an outage, answered 503 by the Worker. */
function storeUnavailable() {
  return rotorError("temporarily_unavailable", "the token store is unavailable; try again", "retry");
}

function errorJson(status, code, description, headers = {}) {
  return Response.json(
    { error: code, error_description: description },
    { status, headers: { "cache-control": "no-store", pragma: "no-cache", ...headers } },
  );
}

function unavailable() {
  return errorJson(503, "temporarily_unavailable", "the token store is unavailable; try again", { "retry-after": "1" });
}

const ROTOR_ERRORS = ["RotorError", "JwtError", "OAuthError"];

/**
 * What the logs may say about an exception: rotor's own errors (name, code, message: never a
 * token or secret) or, for anything else, only its name and stack frames (another error's
 * message could quote a request body or a binding).
 */
function describe(err) {
  // rotor's own errors (the core's and the drivers'): their messages never hold a secret.
  if (err && typeof err === "object" && ROTOR_ERRORS.includes(err.name) && typeof err.code === "string") {
    return `${err.name} ${err.code}: ${err.message}`;
  }
  const name = (err && typeof err === "object" && typeof err.name === "string" && err.name) || typeof err;
  const frames = typeof err?.stack === "string" ? err.stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 8) : [];
  return [`${name} (message withheld)`, ...frames].join("\n");
}

/**
 * A configuration error or a bug: logged (without secrets) for the operator, and a generic
 * 500 server_error for the caller, who can do nothing about it and must not learn the
 * deployment's configuration from it.
 */
function internalError(what, err) {
  console.error(`rotor/worker: ${what}: ${describe(err)}`);
  return errorJson(500, "server_error", "internal error");
}

/** Largest issuer request body (as rotor/issuer reads it). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * A request whose body has no Content-Length (chunked over HTTP/1.1, or streamed over
 * HTTP/2/3, where no Transfer-Encoding header says so) is read here, chunk by chunk, and cut
 * at MAX_BODY_BYTES: the answer is 400 without reading further. Returns the request to hand on
 * (with its body in memory) or a Response.
 */
async function boundedBody(request) {
  if (request.body === null || request.headers.has("content-length")) return request;
  let body;
  try {
    body = await readCapped(request.body, MAX_BODY_BYTES);
  } catch {
    return errorJson(400, "invalid_request", "the request body could not be read");
  }
  if (body === null) return errorJson(400, "invalid_request", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  return new Request(request.url, { method: request.method, headers, body });
}

/**
 * Builds the Worker and its Durable Object class.
 * @param {object} [options]
 * @param {(env) => object} [options.config] the issuer config from the bindings (default
 *   `configFromEnv`); no `store` (the glue sets it)
 * @param {string} [options.binding] the Durable Object namespace binding (default "ROTOR_FAMILY",
 *   falling back to a binding named "RotorFamily")
 * @param {(request, env, ctx, tools) => Response | undefined | Promise<Response | undefined>} [options.fetch]
 *   a hook run first for your own routes (a sign-in endpoint calling `tools.startSession`);
 *   return undefined to fall through to the issuer.
 */
export function createWorker(options = {}) {
  const configOf = options.config ?? configFromEnv;
  const bindingName = options.binding ?? "ROTOR_FAMILY";
  const fronts = new WeakMap();

  function namespace(env) {
    // The default name, else a binding named after the class (as local workerd configs do).
    const ns = env?.[bindingName] ?? (options.binding ? undefined : env?.RotorFamily);
    if (!ns || typeof ns.idFromName !== "function") {
      throw configError(`the Durable Object binding ${bindingName} (class RotorFamily) is missing`);
    }
    return ns;
  }

  function frontIssuer(env) {
    let issuer = fronts.get(env);
    if (!issuer) {
      issuer = new core.Issuer({ ...configOf(env), store: new FamilyRouterStore(namespace(env)) });
      fronts.set(env, issuer);
    }
    return issuer;
  }

  /** Starts a family (after your sign-in) and returns the first token response. */
  async function startSession(env, input, opts) {
    return frontIssuer(env).startSession(input, opts);
  }

  class RotorFamily {
    #state;
    #env;
    #issuer = null;
    #store;

    constructor(state, env) {
      this.#state = state;
      this.#env = env;
      this.#store = new DurableObjectStore(state.storage);
    }

    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === CREATE_PATH && request.method === "POST") {
        const { key, value, expiresAt } = await request.json();
        let created = false;
        try {
          await this.#store.update(key, (current) => {
            if (current) return undefined;
            created = true;
            return { value, expiresAt };
          });
        } catch {
          return unavailable();
        }
        return new Response(null, { status: created ? 201 : 409 });
      }
      try {
        this.#issuer ??= new core.Issuer({ ...configOf(this.#env), store: this.#store });
      } catch (err) {
        return internalError("issuer configuration", err);
      }
      return this.#issuer.handle(request, { now: testNow(request, this.#env) });
    }

    async alarm() {
      const all = await this.#state.storage.list();
      let next = Infinity;
      for (const [key, entry] of all) {
        if (!entry || typeof entry.expiresAt !== "number" || entry.expiresAt <= Date.now()) {
          await this.#state.storage.delete(key);
        } else {
          next = Math.min(next, entry.expiresAt);
        }
      }
      if (next !== Infinity) await this.#state.storage.setAlarm(next);
      this.#store[ALARM_SET](next === Infinity ? null : next);
    }
  }

  const worker = {
    async fetch(request, env, ctx) {
      let issuer;
      try {
        issuer = frontIssuer(env);
      } catch (err) {
        return internalError("issuer configuration", err);
      }
      if (options.fetch) {
        let own;
        try {
          own = await options.fetch(request, env, ctx, {
            issuer,
            startSession: (input, opts) => startSession(env, input, opts),
            sessionResponse: (input, opts) => frontIssuer(env).sessionResponse(input, opts),
            now: testNow(request, env),
          });
        } catch (err) {
          // startSession's family store failing is an outage; anything else is a bug.
          if (err?.code === "temporarily_unavailable") return unavailable();
          return internalError("fetch hook", err);
        }
        if (own) return own;
      }
      const now = testNow(request, env);
      const bounded = await boundedBody(request);
      if (bounded instanceof Response) return bounded;
      const routed = await issuer.route(bounded, { now });
      if (routed.response) return routed.response;
      let ns;
      try {
        ns = namespace(env);
      } catch (err) {
        return internalError("Durable Object binding", err);
      }
      try {
        return await ns.get(ns.idFromName(routed.familyKey)).fetch(routed.request);
      } catch {
        return unavailable();
      }
    },
  };

  return { worker, RotorFamily, startSession };
}

const standard = createWorker();

/** The Durable Object class of the default worker (configured by `configFromEnv`). */
export const RotorFamily = standard.RotorFamily;
/** Starts a session with the default worker's configuration. */
export const startSession = standard.startSession;
/** The default worker: `export { default, RotorFamily } from "rotor/worker"`. */
export default standard.worker;

/** The token handler (backend for frontend) for upstream servers: README "Token handler". */
export { createTokenHandler } from "./lib/token-handler.js";

/** `init` of the core: a no-op in workerd, where the module initialises on import. */
export { default as init } from "#issuer";
