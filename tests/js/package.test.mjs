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

test("rotor/token-handler is rotor/worker's token handler, and its bundle holds no issuer code", async () => {
  const own = await import("rotor/token-handler");
  const worker = await import("rotor/worker");
  assert.equal(own.createTokenHandler, worker.createTokenHandler, "one implementation");
  assert.equal(typeof own.default, "function", "init is the default export");
  await own.default();
  const { bundleWorker } = await import("../support/workerd.mjs");
  const entry = new URL("../workerd/token-handler-worker.js", import.meta.url).pathname;
  const { modules } = await bundleWorker(entry);
  assert.ok(modules.includes("rotor_bg.wasm"), `the client module: ${modules}`);
  // workerd's entry of `rotor` has its JWT and DPoP modules ready on import (private_key_jwt
  // assertions are the DPoP module's); the issuer's is not among them.
  assert.deepEqual(modules.filter((m) => m.endsWith(".wasm")).sort(), ["dpop_bg.wasm", "jwt_bg.wasm", "rotor_bg.wasm"]);
});
