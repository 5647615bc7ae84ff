// The checks of the WebCrypto keys that DPoP (RFC 9449) and private_key_jwt (RFC 7523 §2.2)
// sign with, made where a configuration is read (`createClient`'s `clientKey`,
// `TokenManager`'s `dpop` option) so that a bad one is `invalid_config` at once. The signing
// itself (pkg/lib/dpop.js and the DPoP wasm module) is loaded with `import()` on first use:
// a page that uses neither never fetches it.
import { configError } from "./errors.js";

/** The JWS algs of asymmetric keys (RFC 7518 §3.3, §3.4; RFC 8037 §3.1); the first is the default. */
export const JWS_ALGS = ["ES256", "EdDSA", "RS256"];

/** `alg` when it is one of `JWS_ALGS`, else `invalid_config`. */
export function checkAlg(alg) {
  if (!JWS_ALGS.includes(alg)) throw configError(`unknown DPoP alg "${String(alg).slice(0, 20)}" (expected ES256, EdDSA or RS256)`);
  return alg;
}

/** The JWS alg of a WebCrypto key (`ES256`, `EdDSA`, `RS256`), or `invalid_config`. */
export function algOf(key) {
  const a = key?.algorithm;
  if (a?.name === "ECDSA" && a.namedCurve === "P-256") return "ES256";
  if (a?.name === "Ed25519") return "EdDSA";
  if (a?.name === "RSASSA-PKCS1-v1_5" && a.hash?.name === "SHA-256") return "RS256";
  throw configError("the key must be an ECDSA P-256 (ES256), Ed25519 (EdDSA) or RSASSA-PKCS1-v1_5 SHA-256 (RS256) CryptoKey");
}

export function isPrivateKey(key) {
  return typeof CryptoKey === "function" ? key instanceof CryptoKey && key.type === "private" : key?.type === "private";
}

/** Checks a `clientKey` ({ privateKey, kid? }) for `private_key_jwt`; returns it with its alg. */
export function checkClientKey(clientKey, authMethod) {
  if (clientKey == null) {
    if (authMethod === "private_key_jwt") throw configError("authMethod \"private_key_jwt\" needs a clientKey { privateKey: CryptoKey, kid? }");
    return null;
  }
  if (authMethod !== "private_key_jwt") throw configError("clientKey is only for authMethod \"private_key_jwt\"");
  if (typeof clientKey !== "object" || !isPrivateKey(clientKey.privateKey)) throw configError("clientKey.privateKey must be a private CryptoKey");
  if (clientKey.kid != null && (typeof clientKey.kid !== "string" || clientKey.kid === "")) throw configError("clientKey.kid must be a non-empty string");
  for (const key of Object.keys(clientKey)) if (key !== "privateKey" && key !== "kid") throw configError(`clientKey: unknown option "${key.slice(0, 40)}"`);
  return { privateKey: clientKey.privateKey, kid: clientKey.kid ?? undefined, alg: algOf(clientKey.privateKey) };
}

/** `TokenManager`'s `dpop` option (`true` or `{ keyStore?, alg? }`), checked: `{ keyStore, alg }`. */
export function checkDpopOption(option) {
  if (option !== true && (option === null || typeof option !== "object")) throw configError("dpop must be true or { keyStore?, alg? }");
  const { keyStore, alg = "ES256", ...rest } = option === true ? {} : option;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw configError(`dpop: unknown option "${unknown.slice(0, 40)}"`);
  if (keyStore !== undefined && ["get", "set", "delete"].some((m) => typeof keyStore?.[m] !== "function")) {
    throw configError("dpop.keyStore must have get, set and delete methods");
  }
  return { keyStore, alg: checkAlg(alg) };
}
