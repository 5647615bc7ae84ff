// The JWT module (gen/jwt_bg.wasm) is the browser page's only when the page uses it: an
// esbuild browser bundle of the client API holds none of it; one that uses signJwt/verifyJwt
// holds the module's bytes (pkg/entry/jwt-browser.js) and the JWT classes. In Node the module
// is ready on import (the round trip below runs without init()).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as esbuild from "esbuild";
import { signJwt, verifyJwt } from "rotor";

const ROOT = new URL("../../", import.meta.url);
const jwtBase64 = readFileSync(new URL("pkg/gen/jwt_bg.wasm", ROOT)).toString("base64");

async function browserBundle(source) {
  const r = await esbuild.build({
    stdin: { contents: source, resolveDir: new URL("tests/js", ROOT).pathname, loader: "js" },
    bundle: true, minify: true, format: "esm", platform: "browser", conditions: ["browser"],
    target: "es2022", write: false, loader: { ".wasm": "empty" }, logLevel: "error",
  });
  return r.outputFiles[0].text;
}

test("a page bundle of the client API holds nothing of the JWT module", async () => {
  const js = await browserBundle(`import init, { TokenManager, buildRefreshRequest, parseTokenResponse } from "rotor";
    await init(); globalThis.page = { TokenManager, buildRefreshRequest, parseTokenResponse };`);
  assert.ok(js.includes("rotor_bg.wasm"), "the bundle loads the browser module");
  assert.ok(!js.includes(jwtBase64.slice(0, 400)), "no JWT module bytes");
  assert.ok(!js.includes("verifierhandle_verify"), "no JWT glue");
});

test("a page bundle that uses signJwt/verifyJwt holds the JWT module's bytes", async () => {
  const js = await browserBundle(`import init, { signJwt, verifyJwt } from "rotor";
    await init(); globalThis.page = { signJwt, verifyJwt };`);
  assert.ok(js.includes(jwtBase64), "the whole module, as base64");
  assert.ok(js.includes("verifierhandle_verify"), "the JWT glue");
});

test("Node: the JWT module is ready on import", () => {
  const key = new Uint8Array(32).fill(3);
  const token = signJwt({ sub: "a", exp: 2_000_000_000 }, { key, typ: "at+jwt" });
  const { header, claims } = verifyJwt(token, { keys: key, typ: "at+jwt", now: 1_900_000_000_000 });
  assert.deepEqual(header, { alg: "HS256", typ: "at+jwt" });
  assert.deepEqual(claims, { sub: "a", exp: 2_000_000_000 });
});
