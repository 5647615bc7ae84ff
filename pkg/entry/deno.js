// Deno 2.x: a source-phase import hands over the compiled WebAssembly.Module, so the module is
// ready on import without any permission (no file read, no fetch). `init` is a no-op kept for
// symmetry. Selected by the `deno` export condition (package.json).
import source wasmModule from "../gen/rotor_bg.wasm";
import { initSync } from "../gen/rotor.js";
import "./jwt-deno.js"; // the JWT module (gen/jwt_bg.wasm), ready on import too
import "./dpop-deno.js"; // the DPoP module (gen/dpop_bg.wasm), ready on import too

initSync({ module: wasmModule });

export * from "../lib/api.js";

/** Idempotent; the module is already initialised in Deno. */
export default async function init() {}
