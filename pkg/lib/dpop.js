// rotor: DPoP (RFC 9449) and private_key_jwt (RFC 7523 §2.2) — the JS driver of the sans-IO
// asymmetric JWS step (src/jws.rs, src/wasm/jws.rs). The core writes every header and claim
// and assembles the compact JWS; this file only calls WebCrypto to sign the signing input with
// a key whose private half stays in WebCrypto (`extractable: false`), and remembers the
// servers' `DPoP-Nonce` values. It is loaded only through `dpopModule()` (pkg/lib/dpop-api.js,
// an `import()`), and imports nothing a page holds but pkg/lib/errors.js: a bundler splits it
// into a chunk that a page without DPoP or private_key_jwt never loads.
import { DpopKeyHandle, assertionInput, compactJws } from "../gen/dpop.js";
import { dpopReady } from "./dpop-module.js";
import { rotorError } from "./errors.js";

const ENCODER = new TextEncoder();

/** WebCrypto parameters per JWS alg (RFC 7518 §3.3, §3.4; RFC 8037 §3.1). */
const ALGS = {
  ES256: { generate: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  EdDSA: { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } },
  RS256: {
    generate: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
};

function config(message) {
  return rotorError("invalid_config", message, "config");
}

function argument(message) {
  return rotorError("invalid_argument", message, "config");
}

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw config("WebCrypto (crypto.subtle) is not available here");
  return s;
}

async function sign(alg, privateKey, input) {
  return new Uint8Array(await subtle().sign(ALGS[alg].sign, privateKey, ENCODER.encode(input)));
}

/**
 * A new key pair for `alg` (`generateDpopKey`, pkg/lib/dpop-api.js, checked it). The private
 * key is not extractable (WebCrypto never hands out its bytes, to script either); the public
 * key is (WebCrypto public keys always are).
 */
export async function generateKeyPair(alg) {
  return subtle().generateKey(ALGS[alg].generate, false, ["sign", "verify"]);
}

/** The origin of `url` (nonces are remembered per server, RFC 9449 §8, §9). */
function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    throw argument("DPoP: the URL must be absolute");
  }
}

function header(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === "function") return headers.get(name);
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return null;
}

/**
 * A DPoP prover (RFC 9449): one key pair, its proofs, and the last `DPoP-Nonce` of each server.
 * Made by `createDpop(keyPair, { now?, jti? })`; `now()` (ms) and `jti()` (a string) replace
 * `Date.now` and the core's 16 random bytes (tests, fake clocks).
 */
export class DPoP {
  #handle;
  #keyPair;
  #alg;
  #now;
  #jti;
  #nonces = new Map();

  constructor(handle, keyPair, alg, now, jti) {
    this.#handle = handle;
    this.#keyPair = keyPair;
    this.#alg = alg;
    this.#now = now;
    this.#jti = jti;
  }

  /** The key pair (its private key is a non-extractable `CryptoKey` when rotor made it). */
  get keyPair() {
    return this.#keyPair;
  }

  /** `ES256`, `EdDSA` or `RS256`. */
  get alg() {
    return this.#alg;
  }

  /** The RFC 7638 JWK SHA-256 thumbprint of the public key (`cnf.jkt`, RFC 9449 §6). */
  get thumbprint() {
    return this.#handle.thumbprint;
  }

  /**
   * A proof JWT (RFC 9449 §4.2) for `{ method, url, accessToken?, nonce?, now? }`: `htm`,
   * `htu` (the URL without query and fragment), `iat`, a unique `jti`; `ath` with an access
   * token (resource requests, §7.1); `nonce` as given, else the last one the URL's server sent.
   */
  async proof({ method, url, accessToken, nonce, now } = {}) {
    if (typeof method !== "string" || typeof url !== "string") throw argument("DPoP proof: method and url must be strings");
    if (accessToken != null && typeof accessToken !== "string") throw argument("DPoP proof: accessToken must be a string");
    if (nonce != null && typeof nonce !== "string") throw argument("DPoP proof: nonce must be a string");
    const at = now ?? this.#now();
    if (typeof at !== "number") throw argument("now: expected a number");
    const jti = this.#jti ? this.#jti() : undefined;
    if (jti !== undefined && typeof jti !== "string") throw argument("DPoP jti(): expected a string");
    if (jti === "" || nonce === "" || accessToken === "") throw argument("DPoP proof: jti, nonce and accessToken must not be empty");
    // "" stands for "absent" at the boundary (src/wasm/jws.rs).
    const input = this.#handle.proofInput(method, url, at, jti ?? "", nonce ?? this.nonce(url) ?? "", accessToken ?? "");
    return this.#handle.compact(input, await sign(this.#alg, this.#keyPair.privateKey, input));
  }

  /** The last `DPoP-Nonce` the server of `url` sent, or null. */
  nonce(url) {
    return this.#nonces.get(originOf(url)) ?? null;
  }

  /**
   * Remembers the `DPoP-Nonce` of a response from `url` (RFC 9449 §8.2, §9): true when it
   * is a new value (so a `use_dpop_nonce` answer is worth one retry).
   */
  rememberNonce(url, headers) {
    const value = header(headers, "dpop-nonce");
    if (typeof value !== "string" || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value) || value.length > 16384) return false;
    const origin = originOf(url);
    if (this.#nonces.get(origin) === value) return false;
    this.#nonces.set(origin, value);
    return true;
  }

  /** `{ authorization: "DPoP <token>", dpop: <proof with ath> }` for a resource request (RFC 9449 §7.1). */
  async headers({ method, url, accessToken, nonce, now } = {}) {
    if (typeof accessToken !== "string" || accessToken === "") throw argument("DPoP headers: accessToken must be a non-empty string");
    return { authorization: `DPoP ${accessToken}`, dpop: await this.proof({ method, url, accessToken, nonce, now }) };
  }
}

/**
 * The prover of `createDpop` (pkg/lib/dpop-api.js, which checked the pair and its `alg`), with
 * the clock `now` and the optional `jti` source.
 */
export async function makeProver(keyPair, alg, now, jti) {
  const jwk = await subtle().exportKey("jwk", keyPair.publicKey);
  await dpopReady();
  const handle = new DpopKeyHandle(alg, JSON.stringify(jwk));
  return new DPoP(handle, keyPair, alg, now, jti);
}

/**
 * A `private_key_jwt` client assertion (RFC 7523 §2.2, §3) for `clientId` addressed to
 * `audience` at `now` (ms).
 * @internal (used by pkg/lib/client.js)
 */
export async function signAssertion(clientKey, clientId, audience, now) {
  await dpopReady();
  const input = assertionInput(clientKey.alg, clientKey.kid ?? "", clientId, audience, now);
  return compactJws(clientKey.alg, input, await sign(clientKey.alg, clientKey.privateKey, input));
}

/**
 * Whether an answer asks for a DPoP nonce (RFC 9449 §8: 400 `use_dpop_nonce` from a token
 * endpoint; §9: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a resource).
 * `body` is the answer's bytes.
 */
function isNonceError(status, headers, body) {
  if (status === 401) {
    // A resource server's challenge (RFC 9449 §9): WWW-Authenticate: DPoP error="use_dpop_nonce".
    return /(^|[\s,])error="use_dpop_nonce"/.test(header(headers, "www-authenticate") ?? "");
  }
  if (status !== 400) return false;
  try {
    return JSON.parse(new TextDecoder().decode(body))?.error === "use_dpop_nonce";
  } catch {
    return false;
  }
}

/**
 * Sends the request `build()` makes (`{ url, method, headers, body }`, async) with `fetch` and
 * reads its body. Every response's `DPoP-Nonce` is remembered; a `use_dpop_nonce` answer
 * (RFC 9449 §8: 400 from a token endpoint; §9: 401 from a resource) that brought a new nonce
 * gets exactly one retry, with a new proof carrying it. Returns `{ response, body }` (body:
 * `Uint8Array`).
 */
export async function sendWithDpop(fetch, dpop, build, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const req = await build();
    const response = await fetch(req.url, { ...init, method: req.method, headers: req.headers, body: req.body });
    const body = new Uint8Array(await response.arrayBuffer());
    const fresh = dpop ? dpop.rememberNonce(req.url, response.headers) : false;
    if (attempt === 0 && fresh && isNonceError(response.status, response.headers, body)) continue;
    return { response, body };
  }
}

/**
 * A resource request with a DPoP-bound access token (RFC 9449 §7.1): `Authorization: DPoP
 * <token>` and a proof with `ath`; one retry on a `use_dpop_nonce` challenge (§9). `init`
 * is `fetch`'s (its `method`, `headers` and `body` are used); returns the `Response`, whose
 * body is the bytes read.
 */
export async function dpopFetch(dpop, accessToken, url, init = {}, { fetch = globalThis.fetch } = {}) {
  if (!(dpop instanceof DPoP)) throw argument("dpopFetch: expected a DPoP prover (createDpop)");
  const method = (init.method ?? "GET").toUpperCase();
  const base = new Headers(init.headers ?? {});
  const { response, body } = await sendWithDpop(fetch, dpop, async () => {
    const headers = new Headers(base);
    for (const [name, value] of Object.entries(await dpop.headers({ method, url, accessToken }))) headers.set(name, value);
    return { url, method, headers, body: init.body };
  }, { ...init, redirect: init.redirect ?? "manual" });
  return new Response([101, 204, 205, 304].includes(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * The DPoP key of one session (`TokenManager`'s `dpop` option, and so `rotor/sw`'s): created
 * once, non-extractable, kept in `keyStore` (IndexedDB when the token set is), shared by the
 * tabs of the origin, dropped with the session. The pair is stored with its thumbprint, so a
 * tab notices when another tab dropped or replaced the key.
 * @internal (used by pkg/lib/manager.js)
 */
export class DpopKeeper {
  #store;
  #alg;
  #name;
  #now;
  #current = null;
  #createDpop;

  /**
   * `store`: the key store; `alg`: the new keys' (checked by pkg/lib/keys.js); `name`: the
   * session's; `createDpop`: pkg/lib/dpop-api.js's (a stored pair is checked like any other).
   */
  constructor({ store, alg, name, now, createDpop }) {
    this.#createDpop = createDpop;
    this.#store = store;
    this.#alg = alg;
    this.#name = name;
    this.#now = now;
  }

  /** The session's prover: the stored key, or a new one (stored) when there is none. */
  async get() {
    const locks = globalThis.navigator?.locks;
    const load = async () => {
      let stored = await this.#store.get(this.#name);
      if (stored && this.#current?.thumbprint === stored.jkt) return this.#current;
      if (!stored) {
        const pair = await generateKeyPair(this.#alg);
        const dpop = await this.#createDpop(pair, { now: this.#now });
        stored = { privateKey: pair.privateKey, publicKey: pair.publicKey, jkt: dpop.thumbprint };
        await this.#store.set(this.#name, stored);
        return (this.#current = dpop);
      }
      return (this.#current = await this.#createDpop(stored, { now: this.#now }));
    };
    // Its own lock (not the redemption's, which may be held by the caller): one key per session.
    return locks?.request ? locks.request(`${this.#name}:dpop`, load) : load();
  }

  /** Forgets the key (sign-out, or a refresh token the server declared dead). */
  async drop() {
    this.#current = null;
    await this.#store.delete(this.#name);
  }
}
