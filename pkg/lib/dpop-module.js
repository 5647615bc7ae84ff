// The DPoP module (gen/dpop_bg.wasm, cargo feature `dpop`): the asymmetric-JWS steps of
// pkg/lib/dpop.js (DPoP proofs, private_key_jwt assertions, RFC 7638 thumbprints); the browser
// module does not hold them (the server's proof check is the edge module's). Node, workerd and Deno instantiate it on import (entry/dpop-*.js); in browsers it
// is fetched from next to the package's files the first time a key or an assertion is made,
// so a page that never uses DPoP or private_key_jwt never loads it. This file and the glue
// are reached only through pkg/lib/dpop.js, which pkg/lib/dpop-api.js loads with `import()`:
// a page's bundle holds them in a chunk it loads on that first use.
import dpopInit from "../gen/dpop.js";

let ready;

/** Resolves once the DPoP module is instantiated (immediately where an entry did it on import). */
export function dpopReady() {
  // A bundle for workerd has no import.meta.url (and its entry instantiated the module already).
  const where = typeof import.meta.url === "string" ? { module_or_path: new URL("../gen/dpop_bg.wasm", import.meta.url) } : undefined;
  ready ??= dpopInit(where).then(
    () => undefined,
    (err) => {
      ready = undefined;
      throw err;
    },
  );
  return ready;
}
