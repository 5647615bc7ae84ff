// Node >= 20: the module instantiates itself on import; `init` is a no-op kept for symmetry.
import { readFileSync } from "node:fs";
import { initSync } from "../gen/rotor.js";
import "./jwt-node.js"; // the JWT module (gen/jwt_bg.wasm), ready on import too
import "./dpop-node.js"; // the DPoP module (gen/dpop_bg.wasm), ready on import too

initSync({ module: readFileSync(new URL("../gen/rotor_bg.wasm", import.meta.url)) });

export * from "../lib/api.js";

/** Idempotent; the module is already initialised in Node. */
export default async function init() {}
