// rotor's Issuer (API.md "Issuer") with its default in-memory store, configured like the
// workers-oauth-provider peer: one confidential client, 300 s access tokens, rotation on.
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, KEY_B64U, KID, SCOPE, SUBJECT, basicAuth } from "./fixtures.mjs";

export function rotorIssuerConfig(issuerUrl = "http://127.0.0.1") {
  return {
    issuer: issuerUrl,
    audience: AUDIENCE,
    keys: [{ kid: KID, key: KEY_B64U }],
    accessTokenTtl: 300,
    refreshTokenTtl: 86400,
    refreshIdleTtl: 86400,
    rotation: "rotate",
    reuseGraceSeconds: 0,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: SCOPE }],
  };
}

/** Returns { handle(request), newSession() -> { refreshToken, authorization } }. */
export function makeRotorIssuer(rotor, { origin = "http://127.0.0.1" } = {}) {
  if (typeof rotor.Issuer !== "function") throw new Error("rotor.Issuer is not available in this build");
  const issuer = new rotor.Issuer(rotorIssuerConfig(origin));
  const authorization = basicAuth();
  let user = 0;
  return {
    handle: (request) => issuer.handle(request),
    authorization,
    async newSession() {
      const json = await issuer.startSession({ clientId: CLIENT_ID, subject: `${SUBJECT}-${user++}`, scope: SCOPE });
      if (!json?.refresh_token) throw new Error("rotor startSession returned no refresh_token");
      return { refreshToken: json.refresh_token, authorization };
    },
  };
}

/** One refresh grant request (RFC 6749 §6) as both issuers receive it. */
export function refreshRequest(url, authorization, refreshToken) {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}`,
  });
}
