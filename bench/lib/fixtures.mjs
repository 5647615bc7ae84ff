// Shared inputs of every benchmark: one HS256 key, RFC 9068 access tokens, one client, one
// token response. Both sides of each comparison get exactly these values.

/** A fixed 32-byte HS256 key (RFC 7518 §3.2 minimum), its kid and its base64url form. */
export const KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
export const KID = "bench-k1";
export const KEY_B64U = b64u(KEY_BYTES);

/** The fixed clock of the micro benchmarks (ms), so verification results never drift. */
export const NOW_MS = 1_800_000_000_000;
export const NOW_S = NOW_MS / 1000;

export const ISSUER = "https://issuer.example";
export const AUDIENCE = "https://api.example";
export const CLIENT_ID = "bench-client";
export const CLIENT_SECRET = "bench-client-secret-0123456789";
export const SCOPE = "openid profile api:read";
export const SUBJECT = "user-42";

/** RFC 9068 §2.2 access-token claims; `i` varies the jti. */
export function accessClaims(i = 0) {
  return {
    iss: ISSUER,
    sub: SUBJECT,
    aud: AUDIENCE,
    exp: NOW_S + 3600,
    iat: NOW_S,
    jti: `jti-${i.toString(16).padStart(8, "0")}`,
    client_id: CLIENT_ID,
    scope: SCOPE,
  };
}

/** The RFC 9068 §2.1 header used by both signers. */
export const ACCESS_HEADER = { alg: "HS256", typ: "at+jwt", kid: KID };

/** How many distinct tokens the verify loops cycle through. */
export const TOKEN_POOL = 16;

/** The client of the round-trip benchmark (rotor ClientConfig). */
export const ROTOR_CLIENT = {
  tokenEndpoint: "https://as.example/token",
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  authMethod: "client_secret_basic",
};

/** oauth4webapi's view of the same server and client. */
export const O4W_AS = { issuer: "https://as.example", token_endpoint: "https://as.example/token" };
export const O4W_CLIENT = { client_id: CLIENT_ID };

export const REFRESH_TOKEN = "rt-0f4e2d1c3b5a69788796a5b4c3d2e1f0aabbccddeeff";
export const NEW_REFRESH_TOKEN = "rt-1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/** A RFC 6749 §5.1 refresh response carrying `accessToken`. */
export function tokenResponseBody(accessToken) {
  return JSON.stringify({
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: 300,
    refresh_token: NEW_REFRESH_TOKEN,
    scope: SCOPE,
  });
}

export const RESPONSE_HEADERS = {
  "content-type": "application/json;charset=UTF-8",
  "cache-control": "no-store",
  pragma: "no-cache",
};

export function b64u(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** HTTP Basic credentials for the client (RFC 6749 §2.3.1: form-urlencode, then base64). */
export function basicAuth(id = CLIENT_ID, secret = CLIENT_SECRET) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+");
  return "Basic " + btoa(`${enc(id)}:${enc(secret)}`);
}
