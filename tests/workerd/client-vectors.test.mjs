// The shared client vectors inside workerd (Cloudflare's runtime): the worker runs every case
// through the package's workerd entry and returns the results; Node compares them with the
// expectations (the same files as tests/client_vectors.rs and tests/js/client-vectors.test.mjs).
import { test, before, after } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";
import { requests, responses, RUNNER, checkRequestResults, checkResponseResults } from "../support/client-vectors.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const WORKER = `
import * as rotor from ${JSON.stringify(join(ROOT, "pkg/entry/workerd.js"))};
import { runClientVectors } from ${JSON.stringify(RUNNER)};
export default {
  async fetch(request, env) {
    return Response.json(runClientVectors(rotor, env.REQUESTS, env.RESPONSES));
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

test("request vectors in workerd", () => checkRequestResults(results));

test("response vectors in workerd (plain objects, and Headers + Uint8Array bodies)", () => checkResponseResults(results));
