// The shared client vectors (tests/vectors/client/*.json) through the wasm package. The same
// files run natively in tests/client_vectors.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as jose from "jose";
import { buildRefreshRequest, parseTokenResponse } from "rotor";

const load = (name) => JSON.parse(readFileSync(new URL(`../vectors/client/${name}`, import.meta.url), "utf8"));
const requests = load("requests.json");
const responses = load("responses.json");

function errorShape(err, expected) {
  assert.ok(err instanceof Error, "thrown value is an Error");
  const got = {};
  for (const k of Object.keys(expected)) got[k] = err[k];
  return got;
}

test("request vectors are present", () => {
  assert.ok(requests.length >= 60);
  assert.ok(responses.length >= 60);
});

for (const v of requests) {
  test(`request: ${v.name}`, async () => {
    if (v.expect.error) {
      let thrown;
      try {
        buildRefreshRequest(v.client, v.params);
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown, "expected an error");
      assert.deepEqual(errorShape(thrown, v.expect.error), v.expect.error);
      return;
    }
    const got = buildRefreshRequest(v.client, v.params);
    if (!v.random) {
      assert.deepEqual(got, v.expect);
      return;
    }
    // client_secret_jwt: the jti comes from crypto.getRandomValues here, so compare everything
    // but the assertion, then verify the assertion with jose (an independent implementation).
    const { body, ...rest } = got;
    const { body: expectedBody, ...expectedRest } = v.expect;
    assert.deepEqual(rest, expectedRest);
    const params = new URLSearchParams(body);
    const expected = new URLSearchParams(expectedBody);
    assert.deepEqual([...params.keys()], [...expected.keys()]);
    for (const [k, val] of expected) if (k !== "client_assertion") assert.equal(params.get(k), val, k);
    const key = new TextEncoder().encode(v.client.clientSecret);
    const { payload, protectedHeader } = await jose.jwtVerify(params.get("client_assertion"), key, {
      algorithms: ["HS256"],
      currentDate: new Date(v.params.now),
    });
    const { payload: expectedPayload } = await jose.jwtVerify(expected.get("client_assertion"), key, {
      algorithms: ["HS256"],
      currentDate: new Date(v.params.now),
    });
    assert.equal(protectedHeader.alg, "HS256");
    const { jti, ...claims } = payload;
    const { jti: _ignored, ...expectedClaims } = expectedPayload;
    assert.deepEqual(claims, expectedClaims);
    assert.match(jti, /^[A-Za-z0-9_-]{22}$/, "jti is 16 random bytes, base64url");
  });
}

for (const v of responses) {
  test(`response: ${v.name}`, () => {
    if (v.expect.error) {
      let thrown;
      try {
        parseTokenResponse(v.client, v.response, v.options);
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown, "expected an error");
      assert.deepEqual(errorShape(thrown, v.expect.error), v.expect.error);
      return;
    }
    const got = parseTokenResponse(v.client, v.response, v.options);
    assert.deepEqual(got, v.expect.tokenSet);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(v.expect.tokenSet).sort());
  });
}

test("the same vectors pass with headers as a Headers instance and bodies as bytes", () => {
  for (const v of responses) {
    const response = {
      status: v.response.status,
      headers: new Headers(v.response.headers),
      body: new TextEncoder().encode(v.response.body),
    };
    let got;
    try {
      got = { tokenSet: parseTokenResponse(v.client, response, v.options) };
    } catch (err) {
      got = { error: errorShape(err, v.expect.error ?? { code: 0 }) };
    }
    assert.deepEqual(got, v.expect, v.name);
  }
});
