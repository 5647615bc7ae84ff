import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";

let server;
before(async () => {
  server = await startWorkerd(fileURLToPath(new URL("./smoke-worker.js", import.meta.url)));
});
after(() => server?.stop());

test("workerd serves a request answered by the wasm module", async () => {
  const res = await fetch(server.url + "/");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { version: "0.1.0", runtime: "workerd" });
});
