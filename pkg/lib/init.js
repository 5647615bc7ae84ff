// `init` of the entries that load their wasm module themselves (browsers, web workers, service
// workers): idempotent, and a failed load can be retried.

/**
 * An `init(input?)` for the wasm-bindgen glue's default export `wasmInit`; `input` (a URL, a
 * `Response`, bytes or a compiled `WebAssembly.Module`) defaults to `defaultUrl`.
 */
export function makeInit(wasmInit, defaultUrl) {
  let ready;
  return function init(input) {
    if (!ready) {
      ready = wasmInit({ module_or_path: input ?? defaultUrl() }).then(
        () => undefined,
        (err) => {
          ready = undefined;
          throw err;
        },
      );
    }
    return ready;
  };
}
