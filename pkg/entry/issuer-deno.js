// `rotor/issuer` in Deno 2.x: ready on import, without permissions (see ./deno.js).
import source wasmModule from "../gen/issuer_bg.wasm";
import { initSync } from "../gen/issuer.js";

initSync({ module: wasmModule });

export * from "../lib/issuer.js";

/** Idempotent; the module is already initialised in Deno. */
export default async function init() {}
