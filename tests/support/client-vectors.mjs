// The shared client vectors (tests/vectors/client/*.json) for the runtimes that run them away
// from Node's test process (Chromium, workerd): they run `runClientVectors`
// (tests/support/client-vectors-runner.mjs, no Node API) and hand its results back;
// `checkRequestResults` / `checkResponseResults` compare them here with the expectations.
// tests/client_vectors.rs and tests/js/client-vectors.test.mjs run the same files directly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const load = (name) => JSON.parse(readFileSync(join(ROOT, "tests/vectors/client", name), "utf8"));

/** The request vectors. */
export const requests = load("requests.json");
/** The response vectors. */
export const responses = load("responses.json");
/** Absolute path of the runtime-neutral runner module. */
export const RUNNER = join(ROOT, "tests/support/client-vectors-runner.mjs");

function check(got, expect, name) {
  if (expect.error) {
    assert.ok(got.error, `${name}: expected an error, got ${JSON.stringify(got)}`);
    assert.equal(got.error.isError, true, name);
    for (const [k, v] of Object.entries(expect.error)) assert.deepEqual(got.error[k], v, `${name}: ${k}`);
    return undefined;
  }
  assert.ok(got.ok, `${name}: ${JSON.stringify(got.error)}`);
  return got.ok;
}

/** Compares `results.requests` of `runClientVectors` with the request vectors. */
export function checkRequestResults(results) {
  assert.equal(results.requests.length, requests.length);
  requests.forEach((v, i) => {
    const got = check(results.requests[i], v.expect, v.name);
    if (!got) return;
    if (!v.random) return assert.deepEqual(got, v.expect, v.name);
    // client_secret_jwt: random jti; everything else must match.
    const strip = (body) => [...new URLSearchParams(body)].filter(([k]) => k !== "client_assertion");
    assert.deepEqual(strip(got.body), strip(v.expect.body), v.name);
    assert.match(new URLSearchParams(got.body).get("client_assertion"), /^eyJ[\w-]+\.[\w-]+\.[\w-]{43}$/);
  });
}

/** Compares `results.responses` and `results.withHeaders` with the response vectors. */
export function checkResponseResults(results) {
  for (const key of ["responses", "withHeaders"]) {
    assert.equal(results[key].length, responses.length);
    responses.forEach((v, i) => {
      const got = check(results[key][i], v.expect, `${key}: ${v.name}`);
      if (got) assert.deepEqual(got, v.expect.tokenSet, v.name);
    });
  }
}
