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
    return verifyWith(this.#core, this.#max, token, now);
  }

  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free() {
    this.#core.free();
  }
}

function verifyWith(core, max, token, now) {
  if (typeof token !== "string") throw argument("token: expected a string");
  if (now != null && typeof now !== "number") throw argument("now: expected a number");
  // A string of more UTF-16 units than the limit has at least as many UTF-8 bytes: refused
  // before it is written into wasm memory.
  if (token.length > max) core.tooLarge();
  const n = writeText(token);
  try {
    // The core replaces the token with the {"header":..,"claims":..} text it verified.
    return JSON.parse(readText(core.verify(n, now ?? undefined)));
  } finally {
    wipe(n);
  }
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
    return verifyWith(once, once.maxTokenBytes, token, undefined);
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
