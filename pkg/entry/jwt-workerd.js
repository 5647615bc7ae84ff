// The JWT module (gen/jwt_bg.wasm) in workerd: the runtime compiles `.wasm` imports, so it is
// ready on import.
import { initSync } from "../gen/jwt.js";
import wasmModule from "../gen/jwt_bg.wasm";

initSync({ module: wasmModule });
