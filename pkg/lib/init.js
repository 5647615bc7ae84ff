// `init` of the entries that load their wasm module themselves (browsers, web workers, service
// workers): idempotent, and a failed load can be retried.

/** Loaders of the other modules a bundle holds (the JWT module, pkg/entry/jwt-browser.js). */
const also = [];

/**
 * Adds a loader that `init()` runs and awaits with its own module: a module whose JS is in the
 * bundle registers itself on evaluation, so a bundle without it loads nothing more.
 */
export function initAlso(load) {
  also.push(load);
}

/**
 * An `init(input?)` for the wasm-bindgen glue's default export `wasmInit`; `input` (a URL, a
 * `Response`, bytes or a compiled `WebAssembly.Module`) defaults to `defaultUrl`.
 */
export function makeInit(wasmInit, defaultUrl) {
  let ready;
  return function init(input) {
    if (!ready) {
      ready = Promise.all([wasmInit({ module_or_path: input ?? defaultUrl() }), ...also.map((load) => load())]).then(
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
