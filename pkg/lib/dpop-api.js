// rotor's DPoP (RFC 9449) surface as a page imports it. The driver, pkg/lib/dpop.js (and with
// it the DPoP module's wasm-bindgen glue), is loaded with `import()` the first time a prover,
// a key or an assertion is made: a bundler puts it in a chunk of its own, which a page that
// never uses DPoP or private_key_jwt never loads (bench/size.mjs, the page row). Everything
// that reaches the driver goes through `dpopModule()`.

let loaded = null;

/** pkg/lib/dpop.js, loaded once (a failed load is tried again on the next call). */
export function dpopModule() {
  loaded ??= import("./dpop.js").then(
    (module) => {
      DPoP = module.DPoP;
      return module;
    },
    (err) => {
      loaded = null;
      throw err;
    },
  );
  return loaded;
}

/**
 * The class of the DPoP provers `createDpop` makes. It is the driver's class once the driver
 * is loaded, which is before any prover exists; until then nothing is an instance of it.
 */
export let DPoP = class DPoP {
  constructor() {
    throw new TypeError("DPoP provers are made by createDpop(keyPair)");
  }
};

/** A new non-extractable key pair for DPoP or `private_key_jwt` (pkg/lib/dpop.js). */
export async function generateDpopKey(options) {
  return (await dpopModule()).generateDpopKey(options);
}

/** A DPoP prover for `keyPair` (pkg/lib/dpop.js). */
export async function createDpop(keyPair, options) {
  return (await dpopModule()).createDpop(keyPair, options);
}

/** Sends a request with one retry on a new `DPoP-Nonce` (pkg/lib/dpop.js). */
export async function sendWithDpop(fetch, dpop, build, init) {
  return (await dpopModule()).sendWithDpop(fetch, dpop, build, init);
}

/** A resource request with a DPoP-bound access token (pkg/lib/dpop.js). */
export async function dpopFetch(dpop, accessToken, url, init, options) {
  return (await dpopModule()).dpopFetch(dpop, accessToken, url, init, options);
}
