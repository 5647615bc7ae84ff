// rotor: the edge issuer's JS driver. The Rust core (IssuerCore) decides everything; this file
// only moves bytes between a fetch-API Request/Response, the core and an async store.
import * as generated from "../gen/rotor.js";
import { configError, rotorError } from "./errors.js";

// A namespace import, so that a client-only build (cargo feature `issuer` off) still loads:
// only constructing an Issuer needs the issuer core.
function issuerCore() {
  const core = generated.IssuerCore;
  if (!core) {
    throw configError("this rotor build has no issuer (built without the `issuer` cargo feature)");
  }
  return core;
}

/** Largest request body read (64 KiB); larger bodies are answered with invalid_request. */
const MAX_BODY_BYTES = 64 * 1024;

const CONFIG_KEYS = [
  "issuer", "audience", "keys", "accessTokenTtl", "refreshTokenTtl", "refreshIdleTtl",
  "rotation", "reuseGraceSeconds", "clients", "dialect",
];


function base64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function resolveNow(now) {
  if (now === undefined || now === null) return Date.now();
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0) {
    const err = rotorError("invalid_argument", "now must be a finite, non-negative number of milliseconds");
    throw err;
  }
  return Math.floor(now);
}

/**
 * The default store: a Map in memory. `update` runs its function synchronously, so it is
 * atomic per key within one JS realm. Expired records are purged as writes happen, so memory
 * stays proportional to the live families.
 */
export class MemoryStore {
  #map = new Map();
  #writes = 0;
  #sizeAtSweep = 0;

  /** Number of records held (live or not yet purged). */
  get size() {
    return this.#map.size;
  }

  #sweep(now) {
    for (const [k, e] of this.#map) if (e.expiresAt <= now) this.#map.delete(k);
    this.#sizeAtSweep = this.#map.size;
    this.#writes = 0;
  }

  async get(key, context) {
    const now = context?.now ?? Date.now();
    const e = this.#map.get(key);
    if (!e) return null;
    if (e.expiresAt <= now) {
      this.#map.delete(key);
      return null;
    }
    return { value: e.value, expiresAt: e.expiresAt };
  }

  async update(key, fn, context) {
    const now = context?.now ?? Date.now();
    let current = this.#map.get(key) ?? null;
    if (current && current.expiresAt <= now) {
      this.#map.delete(key);
      current = null;
    }
    const next = fn(current ? { value: current.value, expiresAt: current.expiresAt } : null);
    if (next === undefined) return current;
    if (next === null) {
      this.#map.delete(key);
      return null;
    }
    if (typeof next.value !== "string" || typeof next.expiresAt !== "number") {
      throw rotorError("invalid_argument", "store records are { value: string, expiresAt: number }");
    }
    this.#map.set(key, { value: next.value, expiresAt: next.expiresAt });
    this.#writes++;
    if (this.#writes >= 256 || this.#map.size > 2 * this.#sizeAtSweep + 64) this.#sweep(now);
    return next;
  }

  async delete(key) {
    this.#map.delete(key);
  }
}

async function readBody(request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return new Uint8Array(MAX_BODY_BYTES + 1);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return new Uint8Array(MAX_BODY_BYTES + 1);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function readRequest(request) {
  const url = new URL(request.url);
  const headers = [];
  request.headers.forEach((v, k) => headers.push([k, v]));
  const method = request.method.toUpperCase();
  const body = method === "GET" || method === "HEAD" ? new Uint8Array(0) : await readBody(request);
  return { method, path: url.pathname, headers, body };
}

function toResponse(r, headOnly = false) {
  return new Response(headOnly || r.status === 204 || r.body === "" ? null : r.body, {
    status: r.status,
    headers: r.headers,
  });
}

function normaliseKeys(keys) {
  if (!Array.isArray(keys)) return keys;
  return keys.map((k) =>
    k && typeof k === "object" && k.key instanceof Uint8Array ? { ...k, key: base64url(k.key) } : k,
  );
}

/**
 * The edge token endpoint (RFC 6749 §6 refresh with rotation and RFC 9700 §4.14.2 reuse
 * detection, RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata).
 */
export class Issuer {
  #core;
  #store;

  constructor(config) {
    if (!config || typeof config !== "object") throw rotorError("invalid_config", "Issuer needs a config object");
    const { store, ...rest } = config;
    const unknown = Object.keys(rest).filter((k) => !CONFIG_KEYS.includes(k));
    if (unknown.length) throw rotorError("invalid_config", `unknown issuer option(s): ${unknown.join(", ")}`);
    if (store !== undefined && (store === null || typeof store.update !== "function")) {
      throw rotorError("invalid_config", "store must have an update(key, fn, context) method");
    }
    this.#core = new (issuerCore())({ ...rest, keys: normaliseKeys(rest.keys) });
    this.#store = store ?? new MemoryStore();
  }

  /** The store holding the families. */
  get store() {
    return this.#store;
  }

  /** The RFC 8414 metadata document. */
  metadata() {
    return this.#core.metadata();
  }

  #unavailable() {
    const r = this.#core.errorResponse(503, "temporarily_unavailable", "the token store is unavailable; try again");
    r.headers.push(["retry-after", "1"]);
    return r;
  }

  /**
   * Phase 1 for drivers that shard by family (rotor/worker): `{ response }` when the request
   * is answered without the store, else `{ familyKey, request }` with a replayable copy of
   * the request to hand to the family's owner.
   */
  async route(request, options = {}) {
    try {
      const now = resolveNow(options.now);
      const req = await readRequest(request);
      const routed = this.#core.route(req, now);
      if (routed.response) return { response: toResponse(routed.response, req.method === "HEAD") };
      const copy = new Request(request.url, { method: req.method, headers: request.headers, body: req.body });
      return { familyKey: routed.familyKey, request: copy };
    } catch {
      return { response: toResponse(this.#unavailable()) };
    }
  }

  /** Answers one HTTP request. Never rejects; store failures are 503 temporarily_unavailable. */
  async handle(request, options = {}) {
    try {
      const now = resolveNow(options.now);
      const req = await readRequest(request);
      const routed = this.#core.route(req, now);
      if (routed.response) return toResponse(routed.response, req.method === "HEAD");
      let applied = null;
      await this.#store.update(
        routed.familyKey,
        (current) => {
          applied = null;
          const out = this.#core.apply(req, current ? current.value : null, now);
          applied = out;
          if (out.change === "put") return { value: out.record, expiresAt: out.expiresAt };
          if (out.change === "delete") return null;
          return undefined;
        },
        { now },
      );
      return toResponse(applied ? applied.response : this.#unavailable());
    } catch {
      return toResponse(this.#unavailable());
    }
  }

  /**
   * Starts a family for an authenticated user and returns its first token response (the
   * issuer's dialect, as the token endpoint answers).
   */
  async startSession(input, options = {}) {
    const now = resolveNow(options.now);
    const session = this.#core.startSession(input, now);
    let created = false;
    await this.#store.update(
      session.familyKey,
      (current) => {
        if (current) return undefined;
        created = true;
        return { value: session.record, expiresAt: session.expiresAt };
      },
      { now },
    );
    if (!created) throw rotorError("invalid_argument", "startSession: family id collision; try again");
    return session.body;
  }
}
