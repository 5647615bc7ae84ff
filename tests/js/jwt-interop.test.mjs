// Interoperability with jose (panva/jose): jose verifies rotor-signed tokens and rotor verifies
// jose-signed ones; anything jose signs with another algorithm is alg_not_allowed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as jose from "jose";
import { signJwt, verifyJwt } from "rotor";

const key = createHash("sha256").update("rotor interop key").digest(); // 32 bytes
const keyBytes = new Uint8Array(key);
const keyB64 = key.toString("base64url");
const other = new Uint8Array(createHash("sha256").update("rotor interop other key").digest());
const NOW = 1_750_000_000; // seconds
const NOW_MS = NOW * 1000;
const currentDate = new Date(NOW_MS);
const claims = {
  iss: "https://as.example",
  sub: "alice",
  aud: ["https://api.example", "https://other.example"],
  client_id: "spa",
  scope: "openid profile",
  iat: NOW - 5,
  exp: NOW + 300,
  jti: "b6f1c1e0-9f5d-4d2b-8a54-0d2f5b2c1e77",
  nested: { list: [1, 2.5, "três", null, true], "emoji 🚀": "ok" },
};

const joseCodeOf = async (p) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e.code;
  }
};
const rotorCodeOf = (f) => {
  try {
    f();
    return "ok";
  } catch (e) {
    assert.equal(e.name, "JwtError", e.message);
    return e.code;
  }
};

test("jose verifies a rotor-signed RFC 9068 access token (typ at+jwt, kid)", async () => {
  const token = signJwt(claims, { key: keyBytes, kid: "2026-11", typ: "at+jwt" });
  const { payload, protectedHeader } = await jose.jwtVerify(token, keyBytes, {
    algorithms: ["HS256"],
    typ: "at+jwt",
    issuer: "https://as.example",
    audience: "https://api.example",
    currentDate,
  });
  assert.deepEqual(protectedHeader, { alg: "HS256", kid: "2026-11", typ: "at+jwt" });
  assert.deepEqual(payload, claims);
  // The same token through a base64url string key.
  assert.equal(signJwt(claims, { key: keyB64, kid: "2026-11", typ: "at+jwt" }), token);
  // jose refuses it under another key and after exp, like rotor.
  assert.equal(await joseCodeOf(jose.jwtVerify(token, other, { currentDate })), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  assert.equal(await joseCodeOf(jose.jwtVerify(token, keyBytes, { currentDate: new Date((NOW + 300) * 1000) })), "ERR_JWT_EXPIRED");
  assert.equal(rotorCodeOf(() => verifyJwt(token, { keys: keyBytes, now: (NOW + 300) * 1000 })), "expired");
});

test("jose's own flattened/compact verify agrees byte for byte with rotor's signature", async () => {
  const token = signJwt({ sub: "x", exp: NOW + 1 }, { key: keyBytes });
  const { payload, protectedHeader } = await jose.compactVerify(token, keyBytes);
  assert.deepEqual(protectedHeader, { alg: "HS256" });
  assert.equal(new TextDecoder().decode(payload), JSON.stringify({ sub: "x", exp: NOW + 1 }));
});

test("rotor verifies jose-signed HS256 tokens, selecting the key by kid", async () => {
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", kid: "k2", typ: "application/at+jwt" })
    .sign(other);
  const keys = [
    { kid: "k1", key: keyBytes },
    { kid: "k2", key: Buffer.from(other).toString("base64url") },
  ];
  const { header, claims: got } = verifyJwt(token, {
    keys,
    typ: "at+jwt",
    issuer: "https://as.example",
    audience: ["https://nope.example", "https://api.example"],
    now: NOW_MS,
  });
  assert.deepEqual(header, { alg: "HS256", kid: "k2", typ: "application/at+jwt" });
  assert.deepEqual(got, claims);
  // Wrong kid, missing kid, wrong audience, wrong issuer, future token.
  const noKid = await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(other);
  assert.equal(rotorCodeOf(() => verifyJwt(noKid, { keys, now: NOW_MS })), "unknown_kid");
  assert.equal(rotorCodeOf(() => verifyJwt(noKid, { keys: other, now: NOW_MS })), "ok");
  const k3 = await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: "k3" }).sign(other);
  assert.equal(rotorCodeOf(() => verifyJwt(k3, { keys, now: NOW_MS })), "unknown_kid");
  assert.equal(rotorCodeOf(() => verifyJwt(token, { keys, now: NOW_MS, audience: "https://x.example" })), "claim_mismatch");
  assert.equal(rotorCodeOf(() => verifyJwt(token, { keys, now: NOW_MS, issuer: "https://evil.example" })), "claim_mismatch");
  const early = await new jose.SignJWT({ exp: NOW + 600 }).setProtectedHeader({ alg: "HS256" }).setNotBefore(NOW + 60).sign(keyBytes);
  assert.equal(rotorCodeOf(() => verifyJwt(early, { keys: keyBytes, now: NOW_MS })), "not_yet_valid");
  assert.equal(rotorCodeOf(() => verifyJwt(early, { keys: keyBytes, now: NOW_MS, leewaySeconds: 60 })), "ok");
  // jose tokens without exp need requiredClaims: [].
  const noExp = await new jose.SignJWT({ sub: "a" }).setProtectedHeader({ alg: "HS256" }).sign(keyBytes);
  assert.equal(rotorCodeOf(() => verifyJwt(noExp, { keys: keyBytes, now: NOW_MS })), "missing_claim");
  assert.equal(rotorCodeOf(() => verifyJwt(noExp, { keys: keyBytes, now: NOW_MS, requiredClaims: [] })), "ok");
});

test("jose-signed tokens with any other algorithm are alg_not_allowed", async () => {
  const cases = [];
  for (const alg of ["HS384", "HS512"]) {
    const k = new Uint8Array(64).fill(1);
    cases.push([alg, await new jose.SignJWT({ exp: NOW + 60 }).setProtectedHeader({ alg }).sign(k), k]);
  }
  for (const alg of ["RS256", "PS256", "ES256", "ES384", "EdDSA"]) {
    const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    cases.push([alg, await new jose.SignJWT({ exp: NOW + 60 }).setProtectedHeader({ alg }).sign(privateKey), keyBytes]);
  }
  cases.push(["none", new jose.UnsecuredJWT({ exp: NOW + 60 }).encode(), keyBytes]);
  for (const [alg, token, k] of cases) {
    assert.equal(rotorCodeOf(() => verifyJwt(token, { keys: k, now: NOW_MS })), "alg_not_allowed", alg);
  }
});

test("RS-to-HS key confusion: a token MACed with an RSA public key's PEM is refused", async () => {
  const { publicKey } = await jose.generateKeyPair("RS256", { extractable: true });
  const pem = await jose.exportSPKI(publicKey);
  const forged = await new jose.SignJWT({ sub: "admin", exp: NOW + 60 })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(pem));
  assert.equal(rotorCodeOf(() => verifyJwt(forged, { keys: keyBytes, now: NOW_MS })), "bad_signature");
  const forgedRs = forged.replace(/^[^.]+/, Buffer.from('{"alg":"RS256"}').toString("base64url"));
  assert.equal(rotorCodeOf(() => verifyJwt(forgedRs, { keys: keyBytes, now: NOW_MS })), "alg_not_allowed");
});
