// rotor/issuer: DPoP at a resource server (RFC 9449 §7.1) — the JS driver of src/dpop.rs.
// The core checks the proof (typ, alg, public jwk, htm, htu, iat window, ath, nonce, the
// token's cnf.jkt); this file reads the request's headers, verifies the signature with
// WebCrypto, keeps the replay cache (§11.1) and writes the §7.1 WWW-Authenticate answers.
// The proof check is the edge module's (gen/issuer_bg.wasm, src/wasm/dpop.rs): rotor/issuer and
// rotor/worker load no other module for it.
import { checkDpopProof } from "../gen/issuer.js";
import { configError } from "./errors.js";

/** WebCrypto import and verify parameters per JWS alg. */
const ALGS = {
  ES256: { importKey: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
  EdDSA: { importKey: { name: "Ed25519" }, verify: { name: "Ed25519" } },
  RS256: { importKey: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
};

/** A refused request: `status` (401), `code`, and the answer's `headers` (`www-authenticate`, maybe `dpop-nonce`). */
export class DpopError extends Error {
  constructor(code, description, headers) {
    super(`DPoP: ${description}`);
    this.name = "DpopError";
    this.code = code;
    this.status = 401;
    this.description = description;
    this.headers = headers;
  }

  /** The 401 answer (RFC 9449 §7.1, RFC 6750 §3). */
  response() {
    return new Response(null, { status: this.status, headers: this.headers });
  }
}

/**
 * A replay cache in memory (RFC 9449 §11.1): `check(key, expiresAt)` is true the first time a
 * key is seen before `expiresAt` (ms), false afterwards. One isolate only: on Workers use a
 * Durable Object (or another shared store) with the same interface.
 */
export class MemoryReplayCache {
  #seen = new Map();
  #now;
  constructor({ now } = {}) {
    this.#now = now ?? (() => Date.now());
  }
  check(key, expiresAt) {
    const now = this.#now();
    if (this.#seen.size > 10_000) for (const [k, until] of this.#seen) if (until <= now) this.#seen.delete(k);
    const until = this.#seen.get(key);
    if (until !== undefined && until > now) return false;
    this.#seen.set(key, expiresAt);
    return true;
  }
}

function decode(b64url) {
  return Uint8Array.from(atob(b64url.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

/**
 * Checks one DPoP proof (RFC 9449 §4.3): the core's checks (src/dpop.rs: typ, alg, public jwk,
 * htm, htu, iat window, ath, nonce, cnf.jkt), then the signature with WebCrypto. `algs` and
 * `nonces` are space-separated (`nonces` `""`: none required); `accessToken` and `jkt` `""`
 * when absent. Resolves `{ ok: true, jkt, jti, iat }` or `{ ok: false, error, description }`
 * (the RFC 9449 code); the caller keeps the replay state (§11.1). Shared by
 * `createDpopVerifier` and rotor's issuer (pkg/lib/issuer.js).
 */
export async function checkProof(proof, { method, url, now, maxAgeSeconds, maxFutureSeconds, algs, accessToken = "", jkt = "", nonces = "" }) {
  const result = JSON.parse(checkDpopProof(proof, method, url, now, maxAgeSeconds, maxFutureSeconds, algs, accessToken, jkt, nonces));
  if (!result.ok) return { ok: false, error: result.error, description: result.description };
  const how = ALGS[result.alg];
  let ok = false;
  try {
    const key = await crypto.subtle.importKey("jwk", result.jwk, how.importKey, false, ["verify"]);
    ok = await crypto.subtle.verify(how.verify, key, decode(result.signature), new TextEncoder().encode(result.input));
  } catch {
    // A key WebCrypto refuses (an RSA modulus it does not take, ...): the proof's fault.
  }
  if (!ok) return { ok: false, error: "invalid_dpop_proof", description: "the signature does not verify" };
  return { ok: true, jkt: result.jkt, jti: result.jti, iat: result.iat };
}

/**
 * A verifier of DPoP-bound access tokens at an API (RFC 9449 §7.1):
 * `createDpopVerifier({ accessToken, algs?, maxAgeSeconds?, maxFutureSeconds?, replay?,
 * nonce?, now? })` where `accessToken(token)` verifies the access token (e.g. rotor's
 * `createVerifier(...).verify`) and returns its claims, `replay` is a `MemoryReplayCache` or
 * any `{ check(key, expiresAt) }`, and `nonce` (optional) `{ current(): string, accepts():
 * string[] }` makes nonces required (§9). `verify(request)` resolves with `{ claims, jkt, jti,
 * accessToken }` or rejects with a `DpopError` whose `response()` is the 401 answer.
 */
export function createDpopVerifier({ accessToken, algs = ["ES256", "EdDSA"], maxAgeSeconds = 60, maxFutureSeconds = 5, replay, nonce, now } = {}) {
  if (typeof accessToken !== "function") throw configError("createDpopVerifier needs accessToken: (token) => claims");
  if (!Array.isArray(algs) || algs.length === 0 || algs.some((a) => !Object.hasOwn(ALGS, a))) throw configError("algs: a non-empty list of ES256, EdDSA, RS256");
  for (const [name, v] of [["maxAgeSeconds", maxAgeSeconds], ["maxFutureSeconds", maxFutureSeconds]]) {
    if (!Number.isInteger(v) || v < 0 || v > 3600) throw configError(`${name}: a whole number of seconds up to 3600`);
  }
  if (nonce !== undefined && (typeof nonce?.current !== "function" || typeof nonce?.accepts !== "function")) throw configError("nonce: { current(), accepts() }");
  const cache = replay ?? new MemoryReplayCache({ now });
  if (typeof cache?.check !== "function") throw configError("replay: { check(key, expiresAt) }");
  const clock = now ?? (() => Date.now());
  const algList = algs.join(" ");
  const quote = (s) => s.replace(/["\\]/g, "");
  const fail = (code, description) => {
    const headers = { "www-authenticate": code ? `DPoP error="${code}", error_description="${quote(description)}", algs="${algList}"` : `DPoP algs="${algList}"` };
    if (code === "use_dpop_nonce" && nonce) headers["dpop-nonce"] = nonce.current();
    return new DpopError(code ?? "missing_token", description, headers);
  };

  return {
    async verify(request) {
      const headers = request.headers;
      const authorization = headers.get("authorization");
      const match = authorization && /^DPoP ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
      if (!match) throw authorization ? fail("invalid_token", "the access token must be sent with the DPoP scheme") : fail(null, "no access token");
      const token = match[1];
      const proof = headers.get("dpop");
      if (!proof) throw fail("invalid_dpop_proof", "no DPoP proof");
      if (proof.includes(",")) throw fail("invalid_dpop_proof", "exactly one DPoP header");
      let claims;
      try {
        claims = await accessToken(token);
      } catch {
        throw fail("invalid_token", "the access token is not valid");
      }
      const jkt = claims?.cnf?.jkt;
      if (typeof jkt !== "string" || jkt === "") throw fail("invalid_token", "the access token is not DPoP-bound");
      const at = clock();
      const nonces = nonce ? nonce.accepts().join(" ") : "";
      const result = await checkProof(proof, { method: request.method, url: request.url, now: at, maxAgeSeconds, maxFutureSeconds, algs: algList, accessToken: token, jkt, nonces });
      if (!result.ok) throw fail(result.error, result.description);
      // Replay (RFC 9449 §11.1): a jti of this key is accepted once while its iat is in the window.
      const expiresAt = (result.iat + maxAgeSeconds + maxFutureSeconds + 1) * 1000;
      if (!(await cache.check(`${result.jkt}:${result.jti}`, expiresAt))) throw fail("invalid_dpop_proof", "the proof was already used (jti)");
      return { claims, jkt: result.jkt, jti: result.jti, accessToken: token };
    },
  };
}
