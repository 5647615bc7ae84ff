// The DPoP module (gen/dpop_bg.wasm) in Node >= 20 and Bun: instantiated on import.
import { readFileSync } from "node:fs";
import { initSync } from "../gen/dpop.js";

initSync({ module: readFileSync(new URL("../gen/dpop_bg.wasm", import.meta.url)) });
