// rotor: HS256 JWT signing and verification (shared API.md, "JWT (HS256)"). The wasm core's
// `VerifierHandle` and `SignerHandle` (src/wasm/jwt.rs) read their options once — keys
// included, with their HMAC key schedule — and each call passes only the token or the claims.
// They live in their own module, gen/jwt_bg.wasm (cargo feature `jwt`): a page that does not
// use JWTs never loads it. The Node, workerd and Deno entries instantiate it on import
// (entry/jwt-*.js); in browsers `init()` compiles it from the bytes entry/jwt-browser.js holds.
import "../entry/jwt-browser.js";
import { SignerHandle, VerifierHandle, inputBuffer, wasmMemory } from "../gen/jwt.js";
import { rotorError } from "./errors.js";
import { inputOf } from "./input.js";

const { writeText, readText, wipe } = inputOf(inputBuffer, wasmMemory);

function argument(message) {
  return rotorError("invalid_argument", message, "config");
}

/** An object whose prototype is `Object.prototype` or `null` (not an array, `Date`, class...). */
function isPlainObject(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Verifies HS256 JWTs with one set of keys and options (`createVerifier(options)`). */
export class Verifier {
  #core;
  #max;
  #header = { prefix: null, size: 0, value: null };

  /** `{ keys, issuer?, audience?, typ?, leewaySeconds?, now?, requiredClaims?, maxTokenBytes? }`. */
  constructor(options) {
    this.#core = new VerifierHandle(options);
    this.#max = this.#core.maxTokenBytes;
  }

  /**
   * `{ header, claims }` of a valid token (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725 §3), or
   * throws a `JwtError`. `now` (ms) defaults to the options' `now`, else `Date.now()`.
   */
  verify(token, now) {
    return verifyWith(this.#core, this.#max, token, now, this.#header);
  }

  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free() {
    this.#core.free();
  }
}

/** `{"header":` and `,"claims":`: the result text's two member prefixes, in bytes. */
const MEMBER = 10;

/**
 * Verifies `token` with the `VerifierHandle` `core`. `last` (a `Verifier`'s, or null) holds
 * the header object of the last verified token and its encoded form with the `.`: a token
 * that starts with the same encoded header has the same decoded header bytes (canonical
 * base64url, RFC 7515 §2), so only its claims are parsed and the header is a fresh copy of
 * that object (measured: `JSON.parse` of the whole text 0.79 µs, of the claims alone 0.47 µs).
 * The core still decodes, scans and MACs every byte of every token.
 */
function verifyWith(core, max, token, now, last) {
  if (typeof token !== "string") throw argument("token: expected a string");
  if (now != null && typeof now !== "number") throw argument("now: expected a number");
  // A string of more UTF-16 units than the limit has at least as many UTF-8 bytes: refused
  // before it is written into wasm memory.
  if (token.length > max) core.tooLarge();
  const len = writeText(token);
  try {
    // The core replaces the token with the {"header":..,"claims":..} text it verified and
    // returns its length in bytes (0: refused, the error is kept for takeError).
    const n = now == null ? core.verify(len) : core.verifyAt(len, now);
    if (n === 0) throw core.takeError();
    if (last !== null && last.prefix !== null && token.startsWith(last.prefix)) {
      const at = 2 * MEMBER + last.size;
      return { header: { ...last.value }, claims: JSON.parse(readText(n - 1 - at, at)) };
    }
    const result = JSON.parse(readText(n));
    if (last !== null) remember(last, token, result.header);
    return result;
  } finally {
    wipe(len);
  }
}

/**
 * Keeps `header` for the next tokens of the same encoded header when a shallow copy of it is
 * a full copy (no object or array values, which a copy would share between results).
 */
function remember(last, token, header) {
  last.prefix = null;
  for (const name in header) {
    const value = header[name];
    if (typeof value === "object" && value !== null) return;
  }
  const dot = token.indexOf(".");
  // A copy of its own: the caller may change the object it was given.
  last.value = { ...header };
  // Canonical unpadded base64url: 4 characters per 3 bytes, a 2- or 3-character tail for 1 or 2.
  last.size = (dot * 3) >> 2;
  // A string of its own (JSON.parse makes a new one): a slice may keep the whole token alive.
  last.prefix = JSON.parse(JSON.stringify(token.slice(0, dot + 1)));
}

/** Signs HS256 JWTs with one key (`createSigner({ key, kid?, typ? })`). */
export class Signer {
  #core;

  constructor(options) {
    this.#core = new SignerHandle(options);
  }

  /**
   * Signs a plain object of claims as a compact JWS with `alg: "HS256"` (RFC 7515 §7.1,
   * RFC 7519 §7.1). The payload is `JSON.stringify(claims)`; `exp`, `nbf` and `iat`, when
   * present, must be finite numbers of seconds.
   */
  sign(claims) {
    if (!isPlainObject(claims)) throw argument("claims: expected a plain object");
    let json;
    try {
      json = JSON.stringify(claims);
    } catch {
      json = undefined;
    }
    if (typeof json !== "string") throw argument("claims: cannot be written as JSON (BigInt values or cycles?)");
    return this.#core.sign(json);
  }

  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free() {
    this.#core.free();
  }
}

for (const C of [Verifier, Signer]) if (Symbol.dispose) C.prototype[Symbol.dispose] = C.prototype.free;

/** `new Verifier(options)`: make it once, verify many tokens. */
export function createVerifier(options) {
  return new Verifier(options);
}

/** `new Signer(options)`: make it once, sign many claim sets. */
export function createSigner(options) {
  return new Signer(options);
}

/**
 * `verifyJwt(token, options) -> { header, claims }`. The options (and keys) are read on every
 * call: make a `Verifier` once for repeated verification.
 */
export function verifyJwt(token, options) {
  const once = new VerifierHandle(options);
  try {
    return verifyWith(once, once.maxTokenBytes, token, undefined, null);
  } finally {
    once.free();
  }
}

/** `signJwt(claims, { key, kid?, typ? }) -> string`; see `Signer.sign`. */
export function signJwt(claims, options) {
  if (!isPlainObject(claims)) throw argument("claims: expected a plain object");
  const once = new Signer(options);
  try {
    return once.sign(claims);
  } finally {
    once.free();
  }
}
