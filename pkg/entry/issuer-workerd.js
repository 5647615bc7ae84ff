// `rotor/issuer` in workerd (Cloudflare Workers): the runtime compiles `.wasm` imports, so the
// module is ready on import.
import { initSync } from "../gen/issuer.js";
import wasmModule from "../gen/issuer_bg.wasm";

initSync({ module: wasmModule });

export * from "../lib/issuer.js";

/** Idempotent; the module is already initialised in workerd. */
export default async function init() {}
