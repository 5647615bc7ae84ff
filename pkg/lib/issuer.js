// rotor: the edge issuer's JS driver. The Rust core (IssuerCore) decides everything; this file
// only moves bytes between a fetch-API Request/Response, the core and an async store, and has
// a request's DPoP proof checked (the DPoP module and WebCrypto, pkg/lib/dpop-verify.js).
//
// The core (the edge wasm module, gen/issuer.js) takes text, bytes and numbers and answers
// one JSON text, or throws a RotorError: a request crosses as method, path, its headers as JSON
// text of [name, value] pairs and the body bytes; the answer is parsed once with `JSON.parse`.
import { IssuerCore } from "../gen/issuer.js";
import { readCapped } from "./body.js";
import { configError, rotorError } from "./errors.js";
import { splitDelivery, withCookies } from "./cookie.js";
import { checkProof } from "./dpop-verify.js";

const unwrap = JSON.parse;

/** `value` as JSON text for the core; values JSON cannot carry are refused (BigInt, cycles). */
function json(value, what) {
  if (value === undefined) return "null";
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw rotorError("invalid_argument", `${what}: cannot be written as JSON (${e instanceof Error ? e.message : e})`);
  }
}

/** Largest request body read (64 KiB); larger bodies are answered with invalid_request. */
const MAX_BODY_BYTES = 64 * 1024;

/** Random bytes the core takes per apply / startSession (src/issuer: RANDOM_BYTES). */
const RANDOM_BYTES = 64;

const EMPTY = new Uint8Array(0);

const CONFIG_KEYS = [
  "issuer", "audience", "keys", "accessTokenTtl", "refreshTokenTtl", "refreshIdleTtl",
  "rotation", "reuseGraceSeconds", "clients", "dialect", "dpopNonceSeconds", "dpopRotation",
];

function base64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Random bytes are drawn from crypto.getRandomValues 64 calls' worth at a time (one call per
// grant costs more than the rest of the boundary in Node); each slice is zeroed once the core
// has copied it.
const pool = new Uint8Array(RANDOM_BYTES * 64);
let poolAt = pool.length;

function randomBytes() {
  if (poolAt === pool.length) {
    try {
      crypto.getRandomValues(pool);
    } catch (e) {
      throw configError(`no secure random source: ${e instanceof Error ? e.message : e}`);
    }
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + RANDOM_BYTES);
  poolAt += RANDOM_BYTES;
  return out;
}

/** JSON.stringify replacer for the config: numbers JSON cannot carry are refused, not nulled. */
function finiteNumbers(key, value) {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RangeError(`${key || "a value"} must be a finite number`);
  }
  return value;
}

function configText(config) {
  try {
    return JSON.stringify(config, finiteNumbers);
  } catch (e) {
    throw configError(`issuer config: ${e instanceof Error ? e.message : e}`);
  }
}

// Cores by configuration text. An IssuerCore is immutable once made (every method takes
// `&self`), so every Issuer of the same configuration can share one: rotor/worker makes an
// Issuer in each Durable Object instance, and thousands of resident families would otherwise
// each hold (and validate) their own copy of the keys and clients in wasm memory, which never
// shrinks. A handful of configurations at most per isolate; the oldest is dropped first (its
// wasm memory is freed once no Issuer uses it).
const cores = new Map();
const CORE_CACHE_SIZE = 4;

function newCore(text) {
  const cached = cores.get(text);
  if (cached) return cached;
  const core = new IssuerCore(text);
  if (cores.size >= CORE_CACHE_SIZE) cores.delete(cores.keys().next().value);
  cores.set(text, core);
  return core;
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

// The largest body the core reads, plus one byte: what the core gets for a body over the limit
// (it answers 400 invalid_request without looking at it).
let tooLarge = null;
function oversized() {
  tooLarge ??= new Uint8Array(MAX_BODY_BYTES + 1);
  return tooLarge;
}

/** Reads a body of unknown length chunk by chunk, stopping after MAX_BODY_BYTES. */
async function readChunks(body) {
  return (await readCapped(body, MAX_BODY_BYTES)) ?? oversized();
}

/**
 * The body bytes, at most MAX_BODY_BYTES (a larger body reads as `oversized()`). A declared
 * Content-Length over the limit is refused unread. A body that arrives from the network with
 * no length (Transfer-Encoding: chunked) is read chunk by chunk and cut at the limit; any
 * other body is read in one `arrayBuffer()` (a body built in this isolate is in memory
 * already), which is much faster than a stream reader in workerd, then checked.
 */
async function readBody(request) {
  const body = request.body;
  if (body === null) return EMPTY;
  const headers = request.headers;
  const declared = headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > MAX_BODY_BYTES) return oversized();
  } else if (headers.has("transfer-encoding")) {
    return readChunks(body);
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.byteLength > MAX_BODY_BYTES ? oversized() : bytes;
}

/**
 * The path of a request URL. `request.url` is a serialized absolute URL: for http(s) the path
 * runs from the first "/" after the authority to the first "?" or "#" (the serializer
 * percent-encodes "/", "?" and "#" in user info), which is what `new URL(url).pathname` gives,
 * without parsing the URL again.
 */
function pathOf(url) {
  if (url.startsWith("https://") || url.startsWith("http://")) {
    const start = url.indexOf("/", url.indexOf("//") + 2);
    if (start < 0) return "/";
    let end = url.length;
    const query = url.indexOf("?", start);
    if (query >= 0) end = query;
    const fragment = url.indexOf("#", start);
    if (fragment >= 0 && fragment < end) end = fragment;
    return url.slice(start, end);
  }
  return new URL(url).pathname;
}

/**
 * A request as the core takes it: method, path, headers as JSON pairs text, body bytes; `null`
 * when the body cannot be read (the client went away mid-request).
 */
async function readRequest(request) {
  const method = request.method.toUpperCase();
  // Taken before the body: a request object that cannot give its headers is a bug (500), not a
  // body the client failed to send (400).
  const headers = request.headers;
  let body = EMPTY;
  if (method !== "GET" && method !== "HEAD") {
    try {
      body = await readBody(request);
    } catch {
      return null;
    }
  }
  return { method, path: pathOf(request.url), headers, body };
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

const ROTOR_ERRORS = ["RotorError", "JwtError", "OAuthError"];

/**
 * What the logs may say about an unexpected exception: rotor's own errors (name, code and
 * message, which never hold a token or secret) or, for anything else, only its name and stack
 * frames; never another error's message, which could quote a request body or a binding.
 */
function describeInternal(err) {
  // rotor's own errors (the core's and the drivers'): their messages never hold a secret.
  if (err && typeof err === "object" && ROTOR_ERRORS.includes(err.name) && typeof err.code === "string") {
    return `${err.name} ${err.code}: ${err.message}`;
  }
  const name = (err && typeof err === "object" && typeof err.name === "string" && err.name) || typeof err;
  const frames = typeof err?.stack === "string" ? err.stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 8) : [];
  return [`${name} (message withheld)`, ...frames].join("\n");
}

/** A bug, not an outage: 500 server_error, logged without secrets. Built in JS (the core may be the broken part). */
function internalError(where, err) {
  console.error(`rotor issuer: internal error in ${where}: ${describeInternal(err)}`);
  return new Response(JSON.stringify({ error: "server_error", error_description: "internal error" }), {
    status: 500,
    headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
  });
}

/** The body could not be read (the client went away mid-request): the client's problem. */
function unreadableBody() {
  return new Response(JSON.stringify({ error: "invalid_request", error_description: "the request body could not be read" }), {
    status: 400,
    headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
  });
}

/**
 * The edge token endpoint (RFC 6749 §6 refresh with rotation and RFC 9700 §4.14.2 reuse
 * detection, RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata).
 */
export class Issuer {
  #core;
  #store;
  /** The token endpoint's path (DPoP proofs are checked there only). */
  #tokenPath;
  /** Cookie delivery of refresh tokens (pkg/lib/cookie.js), or null when no client uses it. */
  #cookies = null;

  constructor(config) {
    if (!config || typeof config !== "object") throw rotorError("invalid_config", "Issuer needs a config object");
    const { store, ...rest } = config;
    const unknown = Object.keys(rest).filter((k) => !CONFIG_KEYS.includes(k));
    if (unknown.length) throw rotorError("invalid_config", `unknown issuer option(s): ${unknown.join(", ")}`);
    if (store !== undefined && (store === null || typeof store.update !== "function")) {
      throw rotorError("invalid_config", "store must have an update(key, fn, context) method");
    }
    const { clients, delivery } = splitDelivery(rest);
    this.#cookies = delivery;
    this.#core = newCore(configText({ ...rest, clients, keys: normaliseKeys(rest.keys) }));
    this.#store = store ?? new MemoryStore();
    this.#tokenPath = `${this.#core.pathPrefix}/token`;
  }

  /**
   * The DPoP proof of a token request as the core takes it (src/issuer/http.rs,
   * `DpopProof::from_wire`, one line of text): `""` without a `DPoP` header (or on another endpoint),
   * `"unchecked"` when `check` is false (a front that only routes) or no client uses DPoP,
   * else the outcome of the proof check (RFC 9449 §4.3) against the token endpoint's URL as
   * the metadata names it, with the core's window and nonces.
   */
  async #proof(req, headers, now, check) {
    if (req.method !== "POST" || req.path !== this.#tokenPath) return "";
    const proof = headers.get("dpop");
    if (proof === null) return "";
    return check ? this.#checked(proof, now) : "unchecked";
  }

  /**
   * A proof checked (src/dpop.rs, then its signature) with the core's rules, in the core's
   * wire form: at the token endpoint against its URL as the metadata names it, with the
   * nonces; for a sign-in (`signIn`, the sign-in request) against that request's method and
   * URL, without nonces (they are the token endpoint's, RFC 9449 §8). Several DPoP headers
   * arrive joined with ", ": not a compact JWS, refused by the check (§4.3).
   */
  async #checked(proof, now, signIn) {
    const rules = this.#core.dpopRules(now);
    if (rules === "") return signIn ? "" : "unchecked";
    const { htu, ...r } = unwrap(rules);
    const how = signIn ? { ...r, nonces: "", method: signIn.method.toUpperCase(), url: signIn.url } : { ...r, method: "POST", url: htu };
    const out = await checkProof(proof, { ...how, now });
    return out.ok ? `valid ${out.jkt} ${out.iat} ${out.jti}` : `${out.error} ${out.description}`;
  }

  /** The store holding the families. */
  get store() {
    return this.#store;
  }

  /** The RFC 8414 metadata document. */
  metadata() {
    return unwrap(this.#core.metadata());
  }

  #unavailable() {
    const r = unwrap(this.#core.errorResponse(503, "temporarily_unavailable", "the token store is unavailable; try again"));
    r.headers["retry-after"] = "1";
    return r;
  }

  /**
   * Phase 1 for drivers that shard by family (rotor/worker): `{ response }` when the request
   * is answered without the store, else `{ familyKey, request }` with a replayable copy of
   * the request to hand to the family's owner.
   */
  async route(request, options) {
    try {
      const now = resolveNow(options?.now);
      const req = await readRequest(request);
      if (req === null) return { response: unreadableBody() };
      const seen = this.#cookies?.inspect(req, request.headers) ?? null;
      if (seen && (seen.refusal || seen.missing)) return { response: this.#cookieAnswer(seen) };
      const dpop = await this.#proof(req, request.headers, now, false);
      const routed = unwrap(this.#core.route(req.method, req.path, req.headers, seen ? seen.body : req.body, dpop, now));
      if (routed.response) return { response: this.#respond(req, request.headers, seen, routed.response, null, now) };
      const headers = new Headers(request.headers);
      if (seen) headers.delete("content-length");
      const copy = new Request(request.url, { method: req.method, headers, body: seen ? seen.body : req.body });
      return { familyKey: routed.familyKey, request: copy };
    } catch (err) {
      // route uses no store: whatever throws here is a bug, never an outage.
      return { response: internalError("Issuer.route", err) };
    }
  }

  /**
   * Answers one HTTP request. Never rejects. Only a failure of the store is
   * 503 temporarily_unavailable (with the family unchanged); any other exception is a bug:
   * 500 server_error, logged without secrets.
   */
  async handle(request, options) {
    try {
      const now = resolveNow(options?.now);
      const req = await readRequest(request);
      if (req === null) return unreadableBody();
      const seen = this.#cookies?.inspect(req, request.headers) ?? null;
      if (seen) {
        if (seen.refusal || seen.missing) return this.#cookieAnswer(seen);
        req.body = seen.body;
      }
      const core = this.#core;
      // The proof is checked (signature included) before the store is touched: a refused
      // proof never reaches the family's update (RFC 9449 §5).
      const dpop = await this.#proof(req, request.headers, now, true);
      const routed = unwrap(core.route(req.method, req.path, req.headers, req.body, dpop, now));
      if (routed.response) return this.#respond(req, request.headers, seen, routed.response, null, now);
      let applied = null;
      // An exception raised by the function the store runs (the core's answer) is a bug; one
      // raised by the store itself (its read or its write) is an outage.
      let applyFailed = null;
      try {
        await this.#store.update(
          routed.familyKey,
          (current) => {
            applied = null;
            applyFailed = null;
            try {
              // A record whose value is not text is a corrupt one: the core ends the family.
              const value = current == null ? null : current.value;
              const stored = value != null;
              const random = randomBytes();
              let text;
              try {
                text = core.apply(req.method, req.path, req.headers, req.body, dpop, stored, typeof value === "string" ? value : "", now, random);
              } finally {
                random.fill(0);
              }
              const out = unwrap(text);
              applied = out;
              if (out.change === "put") return { value: out.record, expiresAt: out.expiresAt };
              if (out.change === "delete") return null;
              return undefined;
            } catch (err) {
              applyFailed = { err };
              throw err;
            }
          },
          { now },
        );
      } catch (err) {
        if (applyFailed) return internalError("Issuer.handle", applyFailed.err);
        return toResponse(this.#unavailable());
      }
      if (!applied) return toResponse(this.#unavailable());
      return this.#respond(req, request.headers, seen, applied.response, applied.change === "put" ? applied.expiresAt : null, now);
    } catch (err) {
      return internalError("Issuer.handle", err);
    }
  }

  /**
   * Starts a family for an authenticated user and returns its first token response (the
   * issuer's dialect, as the token endpoint answers).
   */
  async startSession(input, options) {
    if (this.#cookies?.client(input?.clientId)) {
      throw rotorError("invalid_argument", "startSession: this client's refresh tokens are delivered as a cookie: answer the sign-in with sessionResponse()");
    }
    return (await this.#start(input, options)).session.body;
  }

  /**
   * Starts a family like `startSession` and answers with the sign-in's `Response`: the token
   * response JSON (`Cache-Control: no-store`); for a cookie-delivery client without
   * `refresh_token`, which goes into the `HttpOnly` cookie (`Set-Cookie`) instead.
   */
  async sessionResponse(input, options) {
    const { session, now } = await this.#start(input, options);
    const r = { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" }, body: JSON.stringify(session.body) };
    const client = this.#cookies?.client(input?.clientId);
    if (!client) return toResponse(r);
    const { r: out, cookies } = this.#cookies.finish({ client, endpoint: "token" }, r, session.expiresAt, now);
    return withCookies(out, cookies);
  }

  /** The answer to a cookie request refused before the core (cross-site, or no cookie). */
  #cookieAnswer(seen) {
    const c = this.#cookies;
    if (seen.refusal) {
      const r = unwrap(this.#core.errorResponse(...seen.refusal));
      r.headers.vary = "Origin";
      return toResponse(r);
    }
    // No token in body or cookie: the cookie has expired (or was never set). For /token that
    // is the invalid_grant of an expired refresh token (sign in again); /revoke has nothing to
    // revoke (RFC 7009 §2.2: 200).
    const r = seen.endpoint === "token"
      ? unwrap(this.#core.errorResponse(400, "invalid_grant", "no refresh-token cookie: sign in again"))
      : { status: 200, headers: { "cache-control": "no-store", pragma: "no-cache" }, body: "" };
    const { r: out, cookies } = c.finish(seen, r, null, 0);
    out.headers.vary = "Origin";
    return withCookies(out, cookies);
  }

  /** The core's answer as a Response, with cookie delivery applied where it is due. */
  #respond(req, headers, seen, r, expiresAt, now) {
    const headOnly = req.method === "HEAD";
    if (this.#cookies && req.method === "OPTIONS") return toResponse(this.#cookies.preflight(r, headers));
    if (!seen) return toResponse(r, headOnly);
    const { r: out, cookies } = this.#cookies.finish(seen, r, expiresAt, now);
    return withCookies(out, cookies, headOnly);
  }

  async #start(input, options) {
    const now = resolveNow(options?.now);
    // input.dpop: the sign-in request (a Request, or { method, url, headers }), whose DPoP
    // header binds a DPoP client's family (RFC 9449 §5).
    const { dpop: signIn, ...fields } = Object(input);
    const text = json(signIn === undefined ? input : fields, "startSession");
    let dpop = "";
    if (signIn != null) {
      if (typeof signIn.method !== "string" || typeof signIn.url !== "string" || typeof signIn.headers?.get !== "function") {
        throw rotorError("invalid_argument", "startSession: dpop must be the sign-in Request (or { method, url, headers })");
      }
      const proof = signIn.headers.get("dpop");
      if (proof !== null) dpop = await this.#checked(proof, now, signIn);
    }
    const random = randomBytes();
    let result;
    try {
      result = this.#core.startSession(text, dpop, now, random);
    } finally {
      random.fill(0);
    }
    const session = unwrap(result);
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
    return { session, now };
  }
}
export { createDpopVerifier, MemoryReplayCache, DpopError } from "./dpop-verify.js";
