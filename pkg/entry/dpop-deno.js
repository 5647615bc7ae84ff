// The DPoP module (gen/dpop_bg.wasm) in Deno 2.x: a source-phase import, ready on import without
// any permission (see ./deno.js).
import source wasmModule from "../gen/dpop_bg.wasm";
import { initSync } from "../gen/dpop.js";

initSync({ module: wasmModule });
