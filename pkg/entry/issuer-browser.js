// `rotor/issuer` outside Node and workerd: `await init()` once before making an Issuer.
import wasmInit from "../gen/issuer.js";
import { makeInit } from "../lib/init.js";

export * from "../lib/issuer.js";

/**
 * Loads and instantiates the issuer's wasm module. Idempotent.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   where to load the module from; defaults to `gen/issuer_bg.wasm` next to this package's files.
 */
export default makeInit(wasmInit, () => new URL("../gen/issuer_bg.wasm", import.meta.url));
