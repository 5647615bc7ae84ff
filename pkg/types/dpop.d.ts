// Types of DPoP (RFC 9449) and private_key_jwt (RFC 7523 §2.2): the core writes the headers
// and claims (src/jws.rs), WebCrypto signs with a key whose private half is not extractable.
import type { RefreshParams } from "./client.js";

/** A WebCrypto `CryptoKey` (declared structurally so that these types need no DOM lib). */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

/** A WebCrypto `CryptoKeyPair`. */
export interface CryptoKeyPairLike {
  readonly privateKey: CryptoKeyLike;
  readonly publicKey: CryptoKeyLike;
}

/** JWS algorithms of asymmetric keys: ES256 (ECDSA P-256, default), EdDSA (Ed25519), RS256. */
export type JwsAlg = "ES256" | "EdDSA" | "RS256";

/** `private_key_jwt`'s signing key (`ClientConfig.clientKey`); the alg follows the key. */
export interface ClientKey {
  privateKey: CryptoKeyLike;
  /** The `kid` header: which of the client's registered `jwks` verifies the assertion. */
  kid?: string;
}

/** `createDpop` options: an injected clock (ms) and `jti` source (tests, fake clocks). */
export interface DpopOptions {
  now?: () => number;
  jti?: () => string;
}

/** What a proof is for (RFC 9449 §4.2). */
export interface DpopProofParams {
  /** `htm`: the HTTP method, e.g. `"POST"`. */
  method: string;
  /** The request URL; `htu` is it without query and fragment. */
  url: string;
  /** At a resource: the access token, whose SHA-256 becomes `ath`. */
  accessToken?: string;
  /** `nonce`; default: the last `DPoP-Nonce` of the URL's server. */
  nonce?: string;
  /** Milliseconds since the epoch (default: the prover's clock). */
  now?: number;
}

/** A DPoP prover: one key pair, its proofs, the servers' nonces. */
export declare class DPoP {
  private constructor();
  readonly keyPair: CryptoKeyPairLike;
  readonly alg: JwsAlg;
  /** RFC 7638 SHA-256 JWK thumbprint of the public key (`cnf.jkt`). */
  readonly thumbprint: string;
  /** A compact proof JWT (`typ: dpop+jwt`, the public `jwk` in its header). */
  proof(params: DpopProofParams): Promise<string>;
  /** The last `DPoP-Nonce` of the URL's server, or null. */
  nonce(url: string): string | null;
  /** Remembers a response's `DPoP-Nonce`; true when it is a new value. */
  rememberNonce(url: string, headers: Headers | Record<string, string>): boolean;
  /** `{ authorization: "DPoP <token>", dpop }` for a resource request (RFC 9449 §7.1). */
  headers(params: DpopProofParams & { accessToken: string }): Promise<{ authorization: string; dpop: string }>;
}

/** A new key pair (private key not extractable). Default alg ES256. */
export function generateDpopKey(options?: { alg?: JwsAlg }): Promise<CryptoKeyPairLike>;

/** A prover for `keyPair`. `invalid_config` for keys of other algorithms. */
export function createDpop(keyPair: CryptoKeyPairLike, options?: DpopOptions): Promise<DPoP>;

/** `buildRefreshRequestAsync`'s argument: {@link RefreshParams} and the DPoP prover. */
export interface AsyncRefreshParams extends RefreshParams {
  dpop?: DPoP;
}

/** A request as rotor builds it. */
export interface BuiltRequest {
  url: string;
  method: string;
  headers: Record<string, string> | Headers;
  body?: string | null;
}

/**
 * Sends `build()`'s request; remembers `DPoP-Nonce`; one retry on a `use_dpop_nonce` answer
 * that brought a new nonce (RFC 9449 §8, §9).
 */
export function sendWithDpop(
  fetch: (url: string, init: { method: string; headers: Record<string, string> | Headers; body?: string | null }) => Promise<Response>,
  dpop: DPoP | null | undefined,
  build: () => Promise<BuiltRequest>,
  init?: object,
): Promise<{ response: Response; body: Uint8Array }>;

/** A resource request with a DPoP-bound access token (`Authorization: DPoP`, proof with `ath`). */
export function dpopFetch(
  dpop: DPoP,
  accessToken: string,
  url: string,
  init?: { method?: string; headers?: Record<string, string> | Headers; body?: string | Uint8Array | null; redirect?: "follow" | "error" | "manual" },
  options?: { fetch?: (url: string, init: object) => Promise<Response> },
): Promise<Response>;

/** Where `TokenManager` keeps its DPoP key pair (the `CryptoKeyPair` itself, never its bytes). */
export interface DpopKeyStore {
  get(name: string): Promise<CryptoKeyPairLike | null>;
  set(name: string, keyPair: CryptoKeyPairLike): Promise<void>;
  delete(name: string): Promise<void>;
}

export class MemoryKeyStore implements DpopKeyStore {
  get(name: string): Promise<CryptoKeyPairLike | null>;
  set(name: string, keyPair: CryptoKeyPairLike): Promise<void>;
  delete(name: string): Promise<void>;
}

/** IndexedDB key storage (default `rotor-dpop`/`keys`): the key survives a reload, non-extractable. */
export class IndexedDbKeyStore implements DpopKeyStore {
  constructor(options?: { database?: string; store?: string; indexedDB?: { open(name: string, version?: number): object } });
  get(name: string): Promise<CryptoKeyPairLike | null>;
  set(name: string, keyPair: CryptoKeyPairLike): Promise<void>;
  delete(name: string): Promise<void>;
}

