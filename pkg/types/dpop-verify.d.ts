// Types of DPoP at a resource server (RFC 9449 §7.1), from `rotor/issuer`.

/** A refused request: its 401 answer is `response()` (`WWW-Authenticate: DPoP ...`). */
export declare class DpopError extends Error {
  readonly name: "DpopError";
  /** `invalid_dpop_proof`, `use_dpop_nonce`, `invalid_token`, or `missing_token` (no credentials). */
  readonly code: string;
  readonly status: 401;
  readonly description: string;
  readonly headers: Record<string, string>;
  response(): Response;
}

/** `check(key, expiresAt)`: true the first time `key` is seen before `expiresAt` (ms). */
export interface DpopReplayCache {
  check(key: string, expiresAt: number): boolean | Promise<boolean>;
}

export declare class MemoryReplayCache implements DpopReplayCache {
  constructor(options?: { now?: () => number });
  check(key: string, expiresAt: number): boolean;
}

export interface DpopVerifierOptions<C extends object = object> {
  /** Verifies the access token and returns its claims (which must have `cnf.jkt`); throws when invalid. */
  accessToken: (token: string) => C | Promise<C>;
  /** Default `["ES256", "EdDSA"]`. */
  algs?: ("ES256" | "EdDSA" | "RS256")[];
  /** How old a proof's `iat` may be (default 60 s), how far ahead (default 5 s). */
  maxAgeSeconds?: number;
  maxFutureSeconds?: number;
  /** Default: a {@link MemoryReplayCache}. */
  replay?: DpopReplayCache;
  /** Server nonces (RFC 9449 §9): the one to hand out, the ones accepted now. */
  nonce?: { current(): string; accepts(): string[] };
  now?: () => number;
}

export interface DpopVerified<C> {
  claims: C;
  jkt: string;
  jti: string;
  accessToken: string;
}

export function createDpopVerifier<C extends object>(options: DpopVerifierOptions<C>): {
  verify(request: { method: string; url: string; headers: Headers }): Promise<DpopVerified<C>>;
};
