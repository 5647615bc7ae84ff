// What a call threw, as "Name:code" (or "ok"): the shape the JS tests compare error outcomes in.
import assert from "node:assert/strict";

/** Runs `f`; "ok" when it returns, else the thrown `Error`'s `name:code`. */
export function codeOf(f) {
  try {
    f();
    return "ok";
  } catch (e) {
    assert.ok(e instanceof Error);
    return `${e.name}:${e.code}`;
  }
}
