// The npm package loads in Node without an explicit init call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as rotor from "rotor";
import init from "rotor";

test("importing rotor in Node needs no init call", () => {
  assert.equal(rotor.version(), "0.1.0");
});

test("init is the default export, idempotent and safe to await in Node", async () => {
  assert.equal(typeof init, "function");
  await init();
  await init();
  assert.equal(rotor.version(), "0.1.0");
});

test("node -e imports the package through its package.json", () => {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", 'import * as r from "rotor"; console.log(r.version())'], {
    encoding: "utf8",
  });
  assert.equal(out.trim(), "0.1.0");
});
