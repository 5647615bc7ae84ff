// The shared client vectors inside workerd (Cloudflare's runtime): the worker runs every case
// through the package's workerd entry and returns the results; Node compares them with the
// expectations (the same files as tests/client_vectors.rs and client_vectors.test.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const load = (name) => JSON.parse(readFileSync(join(ROOT, "tests/vectors/client", name), "utf8"));
const requests = load("requests.json");
const responses = load("responses.json");

const WORKER = `
import * as rotor from ${JSON.stringify(join(ROOT, "pkg/entry/workerd.js"))};
const pick = (e) => ({ name: e.name, code: e.code, kind: e.kind, status: e.status, description: e.description, retryAfter: e.retryAfter, isError: e instanceof Error });
function run(fn) {
  try { return { ok: fn() }; } catch (e) { return { error: pick(e) }; }
}
export default {
  async fetch(request, env) {
    const requests = env.REQUESTS.map((v) => run(() => rotor.buildRefreshRequest(v.client, v.params)));
    const responses = env.RESPONSES.map((v) => run(() => rotor.parseTokenResponse(v.client, v.response, v.options)));
    const withHeaders = env.RESPONSES.map((v) => run(() => rotor.parseTokenResponse(
      v.client,
      { ...v.response, headers: new Headers(v.response.headers), body: new TextEncoder().encode(v.response.body) },
      v.options,
    )));
    return Response.json({ requests, responses, withHeaders });
  },
};
`;

let server;
let results;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "rotor-client-worker-"));
  const entry = join(dir, "client-vectors-worker.js");
  writeFileSync(entry, WORKER);
  server = await startWorkerd(entry, { json: { REQUESTS: requests, RESPONSES: responses } });
  results = await (await fetch(server.url + "/")).json();
});
after(() => server?.stop());

function check(got, expect, name) {
  if (expect.error) {
    assert.ok(got.error, `${name}: expected an error, got ${JSON.stringify(got)}`);
    assert.equal(got.error.isError, true, name);
    for (const [k, v] of Object.entries(expect.error)) assert.deepEqual(got.error[k], v, `${name}: ${k}`);
    return;
  }
  assert.ok(got.ok, `${name}: ${JSON.stringify(got.error)}`);
  return got.ok;
}

test("request vectors in workerd", () => {
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
});

test("response vectors in workerd (plain objects, and Headers + Uint8Array bodies)", () => {
  for (const key of ["responses", "withHeaders"]) {
    assert.equal(results[key].length, responses.length);
    responses.forEach((v, i) => {
      const got = check(results[key][i], v.expect, `${key}: ${v.name}`);
      if (got) assert.deepEqual(got, v.expect.tokenSet, v.name);
    });
  }
});
