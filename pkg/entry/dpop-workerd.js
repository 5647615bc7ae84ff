// The DPoP module (gen/dpop_bg.wasm) in workerd: the runtime compiles `.wasm` imports, so it is
// ready on import.
import { initSync } from "../gen/dpop.js";
import wasmModule from "../gen/dpop_bg.wasm";

initSync({ module: wasmModule });

/** Resolves at once: the module was instantiated on import (see pkg/lib/dpop-module.js for browsers). */
export async function dpopReady() {}
