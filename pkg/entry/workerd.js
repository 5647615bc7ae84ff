// workerd (Cloudflare Workers): the runtime compiles `.wasm` imports to a WebAssembly.Module,
// so the module is ready on import. `init` is a no-op kept for symmetry.
import { initSync } from "../gen/rotor.js";
import wasmModule from "../gen/rotor_bg.wasm";
import "./jwt-workerd.js"; // the JWT module (gen/jwt_bg.wasm), ready on import too
import "./dpop-workerd.js"; // the DPoP module (gen/dpop_bg.wasm), ready on import too

initSync({ module: wasmModule });

export * from "../lib/api.js";

/** Idempotent; the module is already initialised in workerd. */
export default async function init() {}
