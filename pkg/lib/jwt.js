// rotor: HS256 JWT signing and verification (shared API.md, "JWT (HS256)").
// The Rust core (src/jwt) verifies and signs; src/wasm/jwt.rs exports it as `jwtVerify` and
// `jwtSign`, which take one byte array and numbers and return one string. This file checks the
// option shapes (errors as before: RotorError `invalid_argument` naming the option), writes the
// options as one small JSON "spec" (the core caches what it prepares from a spec and the key
// bytes, by content), lays out `[key bytes | spec | text]` in a reused buffer with
// `TextEncoder.encodeInto` and reads the result.
import { jwtSign, jwtVerify } from "../gen/rotor.js";
import { argumentError, check, errorFrom, unwrap } from "./boundary.js";

const NO_BYTES = new Uint8Array(0);
const KEY_SHAPE = "expected a Uint8Array or a base64url string of at least 32 bytes";
const ENTRY_SHAPE = "keys: each entry must be an object { kid: string, key }";
const MAX_COUNT = 9e15;
const DEFAULT_MAX_TOKEN_BYTES = 16 * 1024;

const encoder = new TextEncoder();
/** The reused argument buffer; grown up to `SCRATCH_KEEP` bytes, larger inputs get their own. */
let scratch = new Uint8Array(2048);
const SCRATCH_KEEP = 64 * 1024;

/**
 * Calls `core(input, keyLen, specLen, now)` with `input = [bytes | spec | text]` (UTF-8),
 * then wipes the part of the buffer it used (it held key material).
 */
function call(core, bytes, spec, text, now) {
  const need = bytes.length + (spec.length + text.length) * 3;
  let buf = scratch;
  if (need > buf.length) {
    buf = new Uint8Array(need);
    if (need <= SCRATCH_KEEP) scratch = buf;
  }
  buf.set(bytes, 0);
  const specLen = encoder.encodeInto(spec, buf.subarray(bytes.length)).written;
  const end = bytes.length + specLen + encoder.encodeInto(text, buf.subarray(bytes.length + specLen)).written;
  try {
    return core(buf.subarray(0, end), bytes.length, specLen, now);
  } finally {
    buf.fill(0, 0, end);
  }
}

const present = (v) => v !== undefined && v !== null;
const isObject = (v) => typeof v === "object" && v !== null;

function optionalString(value, name) {
  if (!present(value)) return null;
  if (typeof value !== "string") throw argumentError(`${name}: expected a string`);
  return value;
}

function optionalCount(value, name, min) {
  if (!present(value)) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_COUNT) {
    throw argumentError(`${name}: expected an integer of at least ${min}`);
  }
  return value;
}

function stringList(value, name) {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw argumentError(`${name}: expected a string or an array of strings`);
  for (const v of value) if (typeof v !== "string") throw argumentError(`${name}: expected an array of strings`);
  return value;
}

/**
 * The spec's `keys` and the key bytes: a single `Uint8Array` key is `null` plus its bytes, a
 * string key is itself; a `[{ kid, key }]` set is `[[kid, text or byte count], ...]` plus the
 * concatenated bytes of its `Uint8Array` keys.
 */
function readKeys(keys) {
  if (keys instanceof Uint8Array) return [null, keys];
  if (typeof keys === "string") return [keys, NO_BYTES];
  if (!Array.isArray(keys)) throw argumentError(`keys: ${KEY_SHAPE}`);
  const spec = [];
  const parts = [];
  let total = 0;
  for (const entry of keys) {
    if (!isObject(entry) || typeof entry.kid !== "string" || !present(entry.key)) throw argumentError(ENTRY_SHAPE);
    const key = entry.key;
    if (typeof key === "string") {
      spec.push([entry.kid, key]);
    } else if (key instanceof Uint8Array) {
      spec.push([entry.kid, key.length]);
      parts.push(key);
      total += key.length;
    } else {
      throw argumentError(`keys[].key: ${KEY_SHAPE}`);
    }
  }
  if (parts.length === 1) return [spec, parts[0]];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return [spec, bytes];
}

/**
 * The last verify spec made from primitive options only (a single key, a string audience, no
 * requiredClaims), to skip `JSON.stringify` when the same options come again. Strings and
 * numbers are immutable, so comparing them with `===` is exact; options with arrays, which a
 * caller may change in place, are written afresh every time.
 */
let lastSpec = { keys: undefined, issuer: null, audience: null, typ: null, leeway: null, max: null, text: "" };

function verifySpec(keys, issuer, audience, typ, required, leeway, max) {
  const reusable = (keys === null || typeof keys === "string") && required === null && (audience === null || audience.length === 1);
  const aud = audience === null ? null : audience[0];
  const last = lastSpec;
  if (reusable && last.keys === keys && last.issuer === issuer && last.audience === aud && last.typ === typ && last.leeway === leeway && last.max === max) {
    return last.text;
  }
  const text = JSON.stringify([keys, issuer, audience, typ, required, leeway, max]);
  if (reusable) lastSpec = { keys, issuer, audience: aud, typ, leeway, max, text };
  return text;
}

/**
 * `verifyJwt(token, { keys, issuer?, audience?, typ?, leewaySeconds?, now?, requiredClaims?,
 * maxTokenBytes? }) -> { header, claims }`: verifies an HS256 JWT (RFC 7515 §5.2, RFC 7519 §7.2,
 * RFC 8725 §3). Throws `JwtError` with a stable `code`, or `RotorError` `invalid_argument` for
 * options of the wrong shape.
 */
export function verifyJwt(token, options) {
  if (typeof token !== "string") throw argumentError("token: expected a string");
  if (!isObject(options)) throw argumentError("verifyJwt options: expected an object with at least `keys`");
  if (!present(options.keys)) throw argumentError("keys: is required");
  const [keys, bytes] = readKeys(options.keys);
  const issuer = optionalString(options.issuer, "issuer");
  const typ = optionalString(options.typ, "typ");
  let audience = null;
  if (present(options.audience)) {
    audience = stringList(options.audience, "audience");
    if (audience.length === 0) throw argumentError("audience: must name at least one audience");
  }
  const leeway = optionalCount(options.leewaySeconds, "leewaySeconds", 0);
  const max = optionalCount(options.maxTokenBytes, "maxTokenBytes", 1);
  let required = null;
  if (present(options.requiredClaims)) {
    if (!Array.isArray(options.requiredClaims)) throw argumentError("requiredClaims: expected an array of strings");
    required = stringList(options.requiredClaims, "requiredClaims");
  }
  let now = options.now;
  if (!present(now)) now = Date.now();
  else if (typeof now !== "number") throw argumentError("now: expected a number of milliseconds");
  else if (!(Number.isFinite(now) && now >= 0)) {
    throw argumentError("now must be a finite, non-negative number of milliseconds");
  }
  // A string of more UTF-16 units than the limit has at least as many UTF-8 bytes: refuse it
  // before it is copied into wasm memory (which never shrinks).
  const limit = max ?? DEFAULT_MAX_TOKEN_BYTES;
  if (token.length > limit) {
    throw errorFrom({ name: "JwtError", message: `the JWT is longer than ${limit} bytes`, code: "too_large" });
  }
  return unwrap(call(jwtVerify, bytes, verifySpec(keys, issuer, audience, typ, required, leeway, max), token, now));
}

/** The last sign spec (all primitives, so `===` comparison is exact). */
let lastSign = { key: undefined, kid: null, typ: null, text: "" };

function signSpec(key, kid, typ) {
  const last = lastSign;
  if (last.key === key && last.kid === kid && last.typ === typ) return last.text;
  const text = JSON.stringify([key, kid, typ]);
  lastSign = { key, kid, typ, text };
  return text;
}

/** An object whose prototype is `Object.prototype` or `null` (not an array, `Date`, class...). */
function isPlainObject(value) {
  if (!isObject(value) || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * `signJwt(claims, { key, kid?, typ? }) -> string`: signs a plain object of claims as a compact
 * JWS with `alg: "HS256"` (RFC 7515 §7.1, RFC 7519 §7.1). The payload is
 * `JSON.stringify(claims)`; `exp`, `nbf` and `iat`, when present, must be finite numbers of
 * seconds. Throws `JwtError` `weak_key`, or `RotorError` `invalid_argument`.
 */
export function signJwt(claims, options) {
  if (!isPlainObject(claims)) throw argumentError("claims: expected a plain object");
  if (!isObject(options)) throw argumentError("signJwt options: expected an object with at least `key`");
  const key = options.key;
  if (!present(key)) throw argumentError("key: is required");
  let text = null;
  let bytes = NO_BYTES;
  if (typeof key === "string") text = key;
  else if (key instanceof Uint8Array) bytes = key;
  else throw argumentError(`key: ${KEY_SHAPE}`);
  const kid = optionalString(options.kid, "kid");
  const typ = optionalString(options.typ, "typ");
  if (kid === "") throw argumentError("kid: must not be empty");
  if (typ === "") throw argumentError("typ: must not be empty");
  let json;
  try {
    json = JSON.stringify(claims);
  } catch {
    json = undefined;
  }
  if (typeof json !== "string") throw argumentError("claims: cannot be written as JSON (BigInt values or cycles?)");
  const out = call(jwtSign, bytes, signSpec(text, kid, typ), json, 0);
  check(out); // a JWT on success (not JSON), else "!" and the error
  return out;
}
