// RFC 7009 revocation from the client: the exact request, and against rotor's issuer the
// family is gone afterwards (a refresh with the revoked token is invalid_grant).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, buildRevocationRequest, RotorError } from "rotor";
import { Issuer } from "rotor/issuer";

const ISS = "https://id.example.com";
const NOW = 1_800_000_000_000;

test("buildRevocationRequest: exact wire form, Basic for confidential clients, client_id for public ones", () => {
  const web = createClient({ tokenEndpoint: `${ISS}/token`, revocationEndpoint: `${ISS}/revoke`, clientId: "web", clientSecret: "correct horse:battery" });
  const req = web.buildRevocationRequest({ token: "rt-123456789", tokenTypeHint: "refresh_token" });
  assert.deepEqual(req, {
    url: `${ISS}/revoke`,
    method: "POST",
    headers: {
      accept: "application/json",
      authorization: `Basic ${btoa("web:correct+horse%3Abattery")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "token=rt-123456789&token_type_hint=refresh_token",
  });
  const spa = { tokenEndpoint: `${ISS}/token`, revocationEndpoint: `${ISS}/revoke`, clientId: "spa", dialect: "tokenidp" };
  assert.deepEqual(buildRevocationRequest(spa, { token: "rt-abcdefgh" }), {
    url: `${ISS}/revoke`,
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body: "token=rt-abcdefgh&client_id=spa",
  });
});

test("buildRevocationRequest refuses: no endpoint, bad hint, empty token, a token in the URL", () => {
  const code = (config, params) => {
    try {
      buildRevocationRequest(config, params);
      return "no error";
    } catch (e) {
      assert.ok(e instanceof RotorError, String(e));
      return e.code;
    }
  };
  const base = { tokenEndpoint: `${ISS}/token`, clientId: "spa" };
  assert.equal(code(base, { token: "rt-1" }), "invalid_config");
  const c = { ...base, revocationEndpoint: `${ISS}/revoke` };
  assert.equal(code(c, { token: "rt-1", tokenTypeHint: "id_token" }), "invalid_argument");
  assert.equal(code(c, { token: "" }), "invalid_argument");
  assert.equal(code(c, { token: 5 }), "invalid_argument");
  assert.equal(code(c, { token: "rt-1", extra: 1 }), "invalid_argument");
  assert.equal(code({ ...base, revocationEndpoint: "http://id.example.com/revoke" }, { token: "rt-1" }), "invalid_config");
  assert.equal(code({ ...base, revocationEndpoint: `${ISS}/revoke?t=rt-in-the-url` }, { token: "rt-in-the-url" }), "invalid_config");
});

test("revocation against rotor's issuer ends the family (RFC 7009 §2.1)", async () => {
  const issuer = new Issuer({
    issuer: ISS,
    audience: "https://api.example.com",
    keys: [{ kid: "k1", key: new Uint8Array(32).fill(9) }],
    clients: [{ clientId: "spa", scope: "openid api.read" }],
  });
  const send = (req) => issuer.handle(new Request(req.url, { method: req.method, headers: req.headers, body: req.body }), { now: NOW });
  const client = createClient({ tokenEndpoint: `${ISS}/token`, revocationEndpoint: `${ISS}/revoke`, clientId: "spa" });
  const first = await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: NOW });
  // One rotation, then revoke the *retired* token: the whole family goes.
  const rotated = client.parseTokenResponse(await answer(await send(client.buildRefreshRequest({ refreshToken: first.refresh_token, now: NOW }))), { now: NOW });
  const revoked = await send(client.buildRevocationRequest({ token: first.refresh_token, tokenTypeHint: "refresh_token", now: NOW }));
  assert.equal(revoked.status, 200);
  const res = await send(client.buildRefreshRequest({ refreshToken: rotated.refreshToken, now: NOW }));
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "invalid_grant");
});

async function answer(res) {
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}
