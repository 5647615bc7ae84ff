// Checks the results of tests/support/vectors-runner.mjs (run in Deno or Bun) against the
// expectations of the shared vector files.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkRequestResults, checkResponseResults } from "./client-vectors.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const load = (path) => JSON.parse(readFileSync(join(ROOT, "tests/vectors", path), "utf8"));
export const jwt = load("jwt/adversarial.json");
export const schedule = load("schedule/timing.json");

export function checkVectorResults(results) {
  assert.equal(results.version, "0.1.0");
  checkRequestResults(results.client);
  checkResponseResults(results.client);
  const wrong = jwt.cases
    .map((c, i) => [c.name, c.expect === "ok" ? "ok" : `JwtError:${c.expect}`, results.jwt[i]])
    .filter(([, want, got]) => want !== got);
  assert.deepEqual(wrong, []);
  assert.equal(results.jwt.length, jwt.cases.length);
  for (const fn of ["nextRefreshAt", "backoffDelay", "estimateClockSkew"]) {
    assert.equal(results.schedule[fn].length, schedule[fn].length, fn);
    schedule[fn].forEach((c, i) => {
      const got = results.schedule[fn][i];
      if (c.expect?.error) {
        assert.equal(got?.error, c.expect.error, `${fn}: ${c.name}`);
        assert.equal(got.name, "RotorError", `${fn}: ${c.name}`);
        assert.equal(got.isError, true, `${fn}: ${c.name}`);
      } else assert.deepEqual(got, c.expect, `${fn}: ${c.name}`);
    });
  }
  assert.deepEqual(results.issuerMetadata, { status: 200, issuer: "https://id.example" });
}
