// The one JS side of the wasm boundary. Arguments go in as JSON text (`JSON.stringify`) and
// results come back as one string (src/wasm/mod.rs, `result_text`): the value's JSON, or "!"
// and the error's JSON. Building objects with `JSON.parse` is one native call, where building
// them from Rust costs one call across the boundary per property.

import { rotorError } from "./errors.js";

const ERROR_MARK = 33; // "!"

/** A JS `Error` from the core's error fields (`name`, `message`, `code`, and per name more). */
export function errorFrom(fields) {
  const { name, message, ...rest } = fields;
  const err = new Error(message);
  err.name = name;
  return Object.assign(err, rest);
}

/** The value of a boundary result, or throws the error it carries. */
export function unwrap(text) {
  if (text.charCodeAt(0) === ERROR_MARK) throw errorFrom(JSON.parse(text.slice(1)));
  return JSON.parse(text);
}

/** Throws the error a boundary result carries; returns nothing otherwise. */
export function check(text) {
  if (text.length > 0 && text.charCodeAt(0) === ERROR_MARK) throw errorFrom(JSON.parse(text.slice(1)));
}

/** A `RotorError` `invalid_argument` (or `invalid_config`) made in JS, shaped like the core's. */
export function argumentError(message, code = "invalid_argument") {
  return rotorError(code, message);
}

/**
 * `value` as JSON text for the core. `undefined` is `null`. Values JSON cannot carry are
 * refused here rather than silently changed: BigInt, cycles (TypeError from JSON.stringify).
 * `what` names the argument in the error.
 */
export function json(value, what, code = "invalid_argument") {
  if (value === undefined) return "null";
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw argumentError(`${what}: cannot be written as JSON (${e instanceof Error ? e.message : e})`, code);
  }
}
