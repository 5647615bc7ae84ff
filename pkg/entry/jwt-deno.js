// The JWT module (gen/jwt_bg.wasm) in Deno 2.x: a source-phase import, ready on import without
// any permission (see ./deno.js).
import source wasmModule from "../gen/jwt_bg.wasm";
import { initSync } from "../gen/jwt.js";

initSync({ module: wasmModule });
