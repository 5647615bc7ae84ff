// Browsers, web workers and service workers: `await init()` once before using rotor.
import wasmInit from "../gen/rotor.js";

export * from "../lib/api.js";

let ready;

/**
 * Loads and instantiates the wasm module. Idempotent: later calls return the same promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   where to load the module from; defaults to `gen/rotor_bg.wasm` next to this package's files.
 */
export default function init(input) {
  if (!ready) {
    const module_or_path = input ?? new URL("../gen/rotor_bg.wasm", import.meta.url);
    ready = wasmInit({ module_or_path }).then(
      () => undefined,
      (err) => {
        ready = undefined;
        throw err;
      },
    );
  }
  return ready;
}
