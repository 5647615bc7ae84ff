// The DPoP module (gen/dpop_bg.wasm) in workerd: the runtime compiles `.wasm` imports, so it is
// ready on import.
import { initSync } from "../gen/dpop.js";
import wasmModule from "../gen/dpop_bg.wasm";

initSync({ module: wasmModule });
