// `rotor/issuer` in Node >= 20: the module instantiates itself on import.
import { readFileSync } from "node:fs";
import { initSync } from "../gen/issuer.js";

initSync({ module: readFileSync(new URL("../gen/issuer_bg.wasm", import.meta.url)) });

export * from "../lib/issuer.js";

/** Idempotent; the module is already initialised in Node. */
export default async function init() {}
