// The JWT module (gen/jwt_bg.wasm) in Node >= 20 and Bun: instantiated on import.
import { readFileSync } from "node:fs";
import { initSync } from "../gen/jwt.js";

initSync({ module: readFileSync(new URL("../gen/jwt_bg.wasm", import.meta.url)) });
