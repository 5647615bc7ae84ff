// The client seeds, the adversarial JWT corpus and the scheduling cases in Deno and Bun, with
// the package resolved through its `exports` as a user's import would be. Deno runs with no
// permission flag and --no-prompt: an entry that read the wasm file (the `node` one) would
// fail there. Deno and Bun come from their npm packages (scripts/lib.sh `ensure_runtimes`,
// run by `make test-runtimes`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkVectorResults } from "../support/vectors-check.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "tests/runtimes/node_modules/.bin");
const RUNNER = "tests/runtimes/run-vectors.mjs";

function run(bin, args, env = {}) {
  assert.ok(existsSync(join(BIN, bin)), `${bin} is not installed: run make test-runtimes (scripts/lib.sh ensure_runtimes)`);
  const out = execFileSync(join(BIN, bin), args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop());
}

test("Deno, without permissions: client seeds, JWT corpus, scheduling, rotor/issuer", () => {
  const denoDir = mkdtempSync(join(tmpdir(), "rotor-deno-"));
  const results = run("deno", ["run", "--no-prompt", "--no-lock", "--quiet", RUNNER], { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" });
  checkVectorResults(results);
});

test("Bun: client seeds, JWT corpus, scheduling, rotor/issuer", () => {
  const results = run("bun", [RUNNER]);
  checkVectorResults(results);
});
