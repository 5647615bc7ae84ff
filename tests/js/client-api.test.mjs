// The client exports through the wasm package: argument shapes, limits, error objects,
// unverifiedJwtTimes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as jose from "jose";
import { buildRefreshRequest, parseTokenResponse, unverifiedJwtTimes } from "rotor";

const NOW = 1700000000000;
const client = { tokenEndpoint: "https://as.example/token", clientId: "c", clientSecret: "s3cret-value" };
const ok = JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 60 });

function throws(fn, expected) {
  let thrown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof Error, "throws an Error");
  for (const [k, v] of Object.entries(expected)) assert.equal(thrown[k], v, k);
  return thrown;
}

test("errors are real Errors with name, code, kind; OAuthError has status, description, retryAfter", () => {
  const e = throws(
    () =>
      parseTokenResponse(
        client,
        { status: 400, headers: { "Content-Type": "application/json" }, body: '{"error":"invalid_grant","error_description":"gone"}' },
        { now: NOW },
      ),
    { name: "OAuthError", code: "invalid_grant", kind: "reauthenticate", status: 400, description: "gone", retryAfter: null, uri: null },
  );
  assert.ok(e.message.length > 0);
  throws(() => buildRefreshRequest(client, { refreshToken: "" }), { name: "RotorError", code: "invalid_argument", kind: "config" });
});

test("argument shapes are checked", () => {
  throws(() => buildRefreshRequest(undefined, { refreshToken: "x" }), { code: "invalid_config" });
  throws(() => buildRefreshRequest({ ...client, clientSecret: 5 }), { code: "invalid_config" });
  throws(() => buildRefreshRequest(client), { code: "invalid_argument" });
  throws(() => buildRefreshRequest(client, { refreshToken: 5 }), { code: "invalid_argument" });
  throws(() => buildRefreshRequest(client, { refreshToken: "x", refresh_token: "y" }), { code: "invalid_argument" });
  throws(() => buildRefreshRequest(client, { refreshToken: "x", extraParams: { a: 1 } }), { code: "invalid_argument" });
  throws(() => buildRefreshRequest(client, { refreshToken: "x", now: NaN }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, { status: 200.5, body: ok }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, { status: "200", body: ok }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, { status: 200, body: 42 }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, { status: 200, body: ok }, { now: NOW, typo: 1 }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, { status: 200, body: ok }, { now: -1 }), { code: "invalid_argument" });
  throws(() => parseTokenResponse(client, null), { code: "invalid_argument" });
});

test("now defaults to Date.now(); extraParams keep insertion order", () => {
  const before = Date.now();
  const set = parseTokenResponse(client, { status: 200, headers: new Headers(), body: ok });
  assert.ok(set.receivedAt >= before && set.receivedAt <= Date.now());
  assert.equal(set.expiresAt, set.receivedAt + 60000);
  const req = buildRefreshRequest({ tokenEndpoint: "http://127.0.0.1:9/t", clientId: "p" }, {
    refreshToken: "r",
    extraParams: { zeta: "1", alpha: "2", resource: "urn:x" },
  });
  assert.equal(req.body, "grant_type=refresh_token&refresh_token=r&client_id=p&zeta=1&alpha=2&resource=urn%3Ax");
  assert.equal(req.method, "POST");
  assert.deepEqual(Object.keys(req.headers).sort(), ["accept", "content-type"]);
});

test("headers: plain object with mixed case, Headers instance, pairs", () => {
  const r = { status: 429, body: "" };
  for (const headers of [{ "Retry-After": "3" }, new Headers({ "retry-after": "3" }), [["RETRY-AFTER", "3"]]]) {
    throws(() => parseTokenResponse(client, { ...r, headers }, { now: NOW }), { code: "temporarily_unavailable", retryAfter: 3000 });
  }
});

test("body limits: over 1 MiB and deeper than 64 levels", () => {
  const pad = "x".repeat(1 << 20);
  const big = JSON.stringify({ access_token: "a", token_type: "Bearer", pad });
  throws(() => parseTokenResponse(client, { status: 200, body: big }, { now: NOW }), { code: "invalid_response", kind: "protocol" });
  throws(() => parseTokenResponse(client, { status: 502, body: big }, { now: NOW }), { code: "server_error", kind: "retry" });
  const deep = `{"access_token":"a","token_type":"Bearer","x":${"[".repeat(65)}${"]".repeat(65)}}`;
  throws(() => parseTokenResponse(client, { status: 200, body: deep }, { now: NOW }), { code: "invalid_response" });
  const bytes = new TextEncoder().encode(ok);
  assert.equal(parseTokenResponse(client, { status: 200, body: bytes.buffer }, { now: NOW }).accessToken, "a");
});

test("messages never contain the token or the secret", () => {
  const token = "VERY-SECRET-REFRESH-TOKEN";
  const errs = [];
  const grab = (fn) => {
    try {
      fn();
    } catch (e) {
      errs.push(e);
    }
  };
  grab(() => buildRefreshRequest({ ...client, tokenEndpoint: `https://as.example/t?x=${token}` }, { refreshToken: token }));
  grab(() => buildRefreshRequest({ ...client, tokenEndpoint: `https://as.example/t?x=${client.clientSecret}` }, { refreshToken: "r" }));
  grab(() => buildRefreshRequest(client, { refreshToken: `${token}\u0000` }));
  grab(() => parseTokenResponse(client, { status: 200, body: `{"access_token":"${token}","token_type":7}` }));
  grab(() => parseTokenResponse(client, { status: 200, body: `{"access_token":"${token}"` }));
  assert.equal(errs.length, 5);
  for (const e of errs) {
    assert.ok(!e.message.includes(token) && !e.message.includes(client.clientSecret), e.message);
    assert.ok(!JSON.stringify(e).includes(token));
  }
});

test("unverifiedJwtTimes reads iat/exp without verifying, null for opaque tokens", async () => {
  const jwt = await new jose.SignJWT({ sub: "u" })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuedAt(1700000000)
    .setExpirationTime(1700000300)
    .sign(new TextEncoder().encode("k".repeat(32)));
  assert.deepEqual(unverifiedJwtTimes(jwt), { iat: 1700000000, exp: 1700000300 });
  const unsigned = new jose.UnsecuredJWT({ exp: 5 }).encode();
  assert.deepEqual(unverifiedJwtTimes(unsigned), { iat: null, exp: 5 });
  for (const t of ["opaque-token", "a.b.c", "", "x".repeat(100000)]) assert.equal(unverifiedJwtTimes(t), null, t.slice(0, 10));
  assert.equal(unverifiedJwtTimes(42), null);
});

test("client_secret_jwt: fresh random jti per request, verifiable by jose with the secret", async () => {
  const secret = "0123456789abcdef0123456789abcdef-more";
  const c = { tokenEndpoint: "https://as.example/token", clientId: "cj", clientSecret: secret, authMethod: "client_secret_jwt" };
  const a = new URLSearchParams(buildRefreshRequest(c, { refreshToken: "r", now: NOW }).body).get("client_assertion");
  const b = new URLSearchParams(buildRefreshRequest(c, { refreshToken: "r", now: NOW }).body).get("client_assertion");
  assert.notEqual(a, b);
  const { payload } = await jose.jwtVerify(a, new TextEncoder().encode(secret), {
    algorithms: ["HS256"],
    issuer: "cj",
    subject: "cj",
    audience: "https://as.example/token",
    currentDate: new Date(NOW),
  });
  assert.equal(payload.exp - payload.iat, 60);
  throws(() => buildRefreshRequest({ ...c, clientSecret: "short" }, { refreshToken: "r" }), { code: "invalid_config" });
});

test("previous members cross after the body: multi-byte text, string and byte bodies, absent members", () => {
  // The body has multi-byte text before the members the core reads, so byte and UTF-16
  // offsets differ; the answer lacks refresh_token, scope and id_token, so all three come
  // from `previous` (written after the body in the input buffer).
  const text = JSON.stringify({ note: "café ✓ 😀", access_token: "at-1", token_type: "Bearer", expires_in: 60 });
  const previous = { refreshToken: "rt-ü-old", scope: "openid profile", idToken: "id-€-1" };
  for (const body of [text, new TextEncoder().encode(text), new TextEncoder().encode(text).buffer]) {
    const set = parseTokenResponse(client, { status: 200, body }, { now: NOW, previous });
    assert.deepEqual(set, {
      accessToken: "at-1", tokenType: "Bearer", expiresAt: NOW + 60_000, refreshToken: "rt-ü-old",
      refreshExpiresAt: null, scope: "openid profile", idToken: "id-€-1", rotated: false, receivedAt: NOW,
    });
  }
  // Only the ID token given: the other members stay absent.
  const only = parseTokenResponse(client, { status: 200, body: text }, { now: NOW, previous: { idToken: "id-2" } });
  assert.equal(only.refreshToken, null);
  assert.equal(only.scope, null);
  assert.equal(only.idToken, "id-2");
  // A new refresh token different from the previous one is a rotation; the same one is not.
  const rotated = JSON.stringify({ access_token: "a", token_type: "Bearer", refresh_token: "rt-new" });
  assert.equal(parseTokenResponse(client, { status: 200, body: rotated }, { now: NOW, previous }).rotated, true);
  assert.equal(parseTokenResponse(client, { status: 200, body: rotated }, { now: NOW, previous: { refreshToken: "rt-new" } }).rotated, false);
  // A scope the server sends in canonical form is kept as sent; another is normalised.
  const scoped = (scope) => parseTokenResponse(client, { status: 200, body: JSON.stringify({ access_token: "a", token_type: "Bearer", scope }) }, { now: NOW }).scope;
  assert.equal(scoped("openid profile api:read"), "openid profile api:read");
  assert.equal(scoped(" b  a b "), "b a");
});

test("Retry-After of a Headers instance: read for errors, and for TokenIDP's 2xx failure envelope", () => {
  const headers = new Headers({ "retry-after": "7" });
  throws(() => parseTokenResponse(client, { status: 503, headers, body: "" }, { now: NOW }), { code: "temporarily_unavailable", retryAfter: 7000 });
  // TokenIDP answers failures with a 2xx status too: the header is read there as well.
  const tokenidp = { ...client, dialect: "tokenidp" };
  const failure = JSON.stringify({ isSuccess: false, error: "temporarily_unavailable" });
  throws(() => parseTokenResponse(tokenidp, { status: 200, headers, body: failure }, { now: NOW }), { code: "temporarily_unavailable", retryAfter: 7000 });
  // A success ignores it, and a header shape that is not valid is still refused on 2xx.
  assert.equal(parseTokenResponse(client, { status: 200, headers, body: ok }, { now: NOW }).accessToken, "a");
  throws(() => parseTokenResponse(client, { status: 200, headers: "x", body: ok }, { now: NOW }), { code: "invalid_argument" });
});
