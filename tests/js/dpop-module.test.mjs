// The DPoP module (gen/dpop_bg.wasm, cargo feature `dpop`) holds the asymmetric-JWS steps
// (DPoP proofs, private_key_jwt assertions, RFC 7638 thumbprints) and the server's proof check;
// neither the browser module (gen/rotor_bg.wasm) nor the edge module (gen/issuer_bg.wasm)
// exports any of it. A client-only browser bundle holds none of the module's bytes (it is
// fetched on first use, pkg/lib/dpop-module.js) and no code of the others; in Node it is ready
// on import (a proof is made below without init()).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as esbuild from "esbuild";
import { createDpop, generateDpopKey } from "rotor";

const ROOT = new URL("../../", import.meta.url);
const gen = (name) => readFileSync(new URL(`pkg/gen/${name}`, ROOT));
// The browser and edge modules ship with minified export names (scripts/glue-names.mjs): theirs are
// read from the build that keeps them (target/wasm-names/, the same code).
const named = (name) => (name === "rotor_bg.wasm" || name === "issuer_bg.wasm" ? readFileSync(new URL(`target/wasm-names/${name}`, ROOT)) : gen(name));
const exportsOf = (name) => WebAssembly.Module.exports(new WebAssembly.Module(named(name))).map((e) => e.name);
const DPOP_EXPORT = /jws|dpop|thumbprint|assertion/i;

async function browserBundle(source) {
  const r = await esbuild.build({
    stdin: { contents: source, resolveDir: new URL("tests/js", ROOT).pathname, loader: "js" },
    bundle: true, minify: true, format: "esm", platform: "browser", conditions: ["browser"],
    target: "es2022", write: false, loader: { ".wasm": "empty" }, logLevel: "error",
  });
  return r.outputFiles[0].text;
}

test("the browser module exports nothing of DPoP; the DPoP module makes proofs, the edge module checks them", () => {
  assert.ok(exportsOf("rotor_bg.wasm").includes("clienthandle_parse"), "the browser module's names are read");
  assert.deepEqual(exportsOf("rotor_bg.wasm").filter((n) => DPOP_EXPORT.test(n)), []);
  // The server's side is the edge module's: the issuer's DPoP policy (bindings, replay state,
  // nonces: src/issuer, issuercore_dpopRules) and the proof check (src/dpop.rs) that both its
  // token endpoint and createDpopVerifier call, so rotor/issuer and rotor/worker ship one module.
  assert.deepEqual(exportsOf("issuer_bg.wasm").filter((n) => DPOP_EXPORT.test(n)).sort(), ["checkDpopProof", "issuercore_dpopRules"]);
  const dpop = exportsOf("dpop_bg.wasm");
  for (const name of ["dpopkeyhandle_new", "dpopkeyhandle_thumbprint", "dpopkeyhandle_proofInput", "dpopkeyhandle_compact", "assertionInput", "compactJws"]) {
    assert.ok(dpop.includes(name), `${name} in the DPoP module`);
  }
  assert.ok(!dpop.includes("checkDpopProof"), "the proof check is the edge module's");
  assert.deepEqual(dpop.filter((n) => /^(clienthandle|issuercore|renewalmachine)_/.test(n)), [], "nothing of the client or the issuer");
});

test("rotor/worker and rotor/issuer bundle the edge module only, DPoP proof check included", async () => {
  const { bundleWorker } = await import("../support/workerd.mjs");
  const { modules } = await bundleWorker(new URL("../support/edge-entry.js", import.meta.url).pathname);
  assert.deepEqual(modules.filter((m) => m.endsWith(".wasm")), ["issuer_bg.wasm"]);
});

test("a page bundle of the client API holds none of the DPoP module's bytes", async () => {
  const js = await browserBundle(`import init, { TokenManager, buildRefreshRequest, parseTokenResponse } from "rotor";
    await init(); globalThis.page = { TokenManager, buildRefreshRequest, parseTokenResponse };`);
  assert.ok(js.includes("rotor_bg.wasm"), "the bundle loads the browser module");
  assert.ok(!js.includes(gen("dpop_bg.wasm").toString("base64").slice(0, 400)), "no DPoP module bytes");
});

test("a code-split page bundle of the client API loads the DPoP driver only through import()", async () => {
  const r = await esbuild.build({
    stdin: { contents: `import init, { TokenManager, buildRefreshRequest, parseTokenResponse } from "rotor";
      await init(); globalThis.page = { TokenManager, buildRefreshRequest, parseTokenResponse };`, resolveDir: new URL("tests/js", ROOT).pathname, loader: "js" },
    bundle: true, minify: true, format: "esm", platform: "browser", conditions: ["browser"], target: "es2022",
    splitting: true, outdir: "/tmp/rotor-split", write: false, metafile: true, loader: { ".wasm": "empty" }, logLevel: "error",
  });
  const outputs = r.metafile.outputs;
  const text = new Map(r.outputFiles.map((f) => [f.path, f.text]));
  const of = (name) => text.get(new URL(name, `file://${process.cwd()}/`).pathname);
  const entry = Object.keys(outputs).find((name) => outputs[name].entryPoint !== undefined);
  const loaded = new Set();
  const visit = (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    for (const dep of outputs[name].imports) if (dep.kind === "import-statement") visit(dep.path);
  };
  visit(entry);
  const inputs = [...loaded].flatMap((name) => Object.keys(outputs[name].inputs));
  assert.ok(inputs.some((i) => i.endsWith("pkg/lib/manager.js")), "the page holds the manager");
  assert.deepEqual(inputs.filter((i) => /pkg\/(lib\/dpop|gen\/dpop)\.js$/.test(i)), [], "no DPoP driver or glue before import()");
  const lazy = outputs[entry].imports.filter((dep) => dep.kind === "dynamic-import").map((dep) => dep.path);
  assert.ok(lazy.some((name) => of(name).includes("dpopkeyhandle_proofInput")), "the driver's chunk holds the DPoP glue");
});

test("a page bundle that uses createDpop fetches the DPoP module and holds its glue", async () => {
  const js = await browserBundle(`import init, { createDpop, generateDpopKey } from "rotor";
    await init(); globalThis.page = { createDpop, generateDpopKey };`);
  assert.ok(js.includes("dpop_bg.wasm"), "the module's URL next to the package");
  assert.ok(js.includes("dpopkeyhandle_proofInput"), "the DPoP glue");
});

test("Node: the DPoP module is ready on import", async () => {
  const dpop = await createDpop(await generateDpopKey());
  assert.match(dpop.thumbprint, /^[A-Za-z0-9_-]{43}$/);
  const proof = await dpop.proof({ method: "POST", url: "https://as.example/token", now: 1_900_000_000_000 });
  const [header, claims] = proof.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url")));
  assert.equal(header.typ, "dpop+jwt");
  assert.equal(header.alg, "ES256");
  assert.deepEqual({ htm: claims.htm, htu: claims.htu, iat: claims.iat }, { htm: "POST", htu: "https://as.example/token", iat: 1_900_000_000 });
});
