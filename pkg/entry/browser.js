// Browsers, web workers and service workers: `await init()` once before using rotor.
import wasmInit from "../gen/rotor.js";
import { makeInit } from "../lib/init.js";

export * from "../lib/api.js";

/**
 * Loads and instantiates the wasm module. Idempotent: later calls return the same promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   where to load the module from; defaults to `gen/rotor_bg.wasm` next to this package's files.
 */
export default makeInit(wasmInit, () => new URL("../gen/rotor_bg.wasm", import.meta.url));
