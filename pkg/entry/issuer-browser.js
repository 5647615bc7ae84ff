// `rotor/issuer` outside Node and workerd: `await init()` once before making an Issuer.
import wasmInit from "../gen/issuer.js";

export * from "../lib/issuer.js";

let ready;

/**
 * Loads and instantiates the issuer's wasm module. Idempotent.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   where to load the module from; defaults to `gen/issuer_bg.wasm` next to this package's files.
 */
export default function init(input) {
  if (!ready) {
    const module_or_path = input ?? new URL("../gen/issuer_bg.wasm", import.meta.url);
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
