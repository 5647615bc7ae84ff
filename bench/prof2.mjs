import * as rotor from "rotor";
import { ROTOR_CLIENT, REFRESH_TOKEN, NOW_MS, RESPONSE_HEADERS, tokenResponseBody, SCOPE, KEY_BYTES, ISSUER, AUDIENCE } from "./lib/fixtures.mjs";
const at = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImJlbmNoLWsxIn0." + "x".repeat(300) + ".sig";
const body = tokenResponseBody(at);
const bytes = new TextEncoder().encode(body);
const previous = { accessToken: "old", tokenType: "Bearer", expiresAt: NOW_MS, refreshToken: REFRESH_TOKEN, refreshExpiresAt: null, scope: SCOPE, idToken: null, rotated: false, receivedAt: NOW_MS - 1 };
function t(name, n, f) { for (let i=0;i<n;i++) f(); const a=performance.now(); for (let i=0;i<n;i++) f(); console.log(name.padEnd(28), ((performance.now()-a)/n*1000).toFixed(2), "us"); }
const hdrs = new Headers(RESPONSE_HEADERS);
const c = rotor.createClient(ROTOR_CLIENT);
t("handle build", 50000, () => c.buildRefreshRequest({ refreshToken: REFRESH_TOKEN, now: NOW_MS }));
t("handle parse (string)", 50000, () => c.parseTokenResponse({ status: 200, headers: hdrs, body }, { now: NOW_MS, previous }));
t("handle parse (bytes)", 50000, () => c.parseTokenResponse({ status: 200, headers: hdrs, body: bytes }, { now: NOW_MS, previous }));
t("functional build", 20000, () => rotor.buildRefreshRequest(ROTOR_CLIENT, { refreshToken: REFRESH_TOKEN, now: NOW_MS }));
const tok = rotor.signJwt({ iss: ISSUER, aud: AUDIENCE, sub: "u", exp: NOW_MS/1000+3600, iat: NOW_MS/1000, jti: "x", scope: SCOPE, client_id: "c" }, { key: KEY_BYTES, kid: "k", typ: "at+jwt" });
const v = rotor.createVerifier({ keys: KEY_BYTES, issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt" });
t("verifier.verify", 50000, () => v.verify(tok, NOW_MS));
t("verifyJwt functional", 20000, () => rotor.verifyJwt(tok, { keys: KEY_BYTES, issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", now: NOW_MS }));
const s = rotor.createSigner({ key: KEY_BYTES, kid: "k", typ: "at+jwt" });
t("signer.sign", 50000, () => s.sign({ sub: "u", exp: 2e9 }));
