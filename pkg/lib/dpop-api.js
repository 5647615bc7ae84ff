// rotor's DPoP (RFC 9449) surface as a page imports it. The driver, pkg/lib/dpop.js (and with
// it the DPoP module's wasm-bindgen glue), is loaded with `import()` the first time a prover,
// a key or an assertion is made: a bundler puts it in a chunk of its own, which a page that
// never uses DPoP or private_key_jwt never loads (bench/size.mjs, the page row). Everything
// that reaches the driver goes through `dpopModule()`. The arguments are checked here, before
// the driver loads (so that the driver shares nothing with the page but pkg/lib/errors.js).
import { configError } from "./errors.js";
import { algOf, checkAlg, isPrivateKey } from "./keys.js";

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

/**
 * A new key pair for DPoP (or a client key): `alg` `"ES256"` (default), `"EdDSA"` or
 * `"RS256"`; its private key is not extractable.
 */
export async function generateDpopKey({ alg = "ES256" } = {}) {
  return (await dpopModule()).generateKeyPair(checkAlg(alg));
}

/**
 * A DPoP prover for `keyPair` (`{ privateKey, publicKey }`, ES256, EdDSA or RS256, e.g. from
 * `generateDpopKey()`), with `{ now?, jti? }`.
 */
export async function createDpop(keyPair, { now, jti } = {}) {
  if (!keyPair || !isPrivateKey(keyPair.privateKey) || !keyPair.publicKey) throw configError("DPoP needs a CryptoKeyPair { privateKey, publicKey }");
  if (now !== undefined && typeof now !== "function") throw configError("now must be a function returning ms since the epoch");
  if (jti !== undefined && typeof jti !== "function") throw configError("jti must be a function returning a string");
  const alg = algOf(keyPair.privateKey);
  if (algOf(keyPair.publicKey) !== alg) throw configError("the DPoP key pair's halves have different algorithms");
  return (await dpopModule()).makeProver(keyPair, alg, now ?? (() => Date.now()), jti);
}

/** Sends a request with one retry on a new `DPoP-Nonce` (pkg/lib/dpop.js). */
export async function sendWithDpop(fetch, dpop, build, init) {
  return (await dpopModule()).sendWithDpop(fetch, dpop, build, init);
}

/** A resource request with a DPoP-bound access token (pkg/lib/dpop.js). */
export async function dpopFetch(dpop, accessToken, url, init, options) {
  return (await dpopModule()).dpopFetch(dpop, accessToken, url, init, options);
}
