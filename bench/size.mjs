// Sizes: what a browser page loads from rotor, the edge module, the npm package and what each
// wasm module holds (twiggy), next to the minified, gzipped esbuild bundles of the peers.
// Prints one JSON object.   node bench/size.mjs
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { BENCH } from "./lib/build-peers.mjs";

const ROOT = resolve(BENCH, "..");
const PKG = join(ROOT, "pkg");
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const sizes = (buf) => ({ raw: buf.length, gz: gz(buf) });

/** npm pack of a package folder: { raw (unpacked bytes of the packed files), gz (tarball) }. */
function packSize(dir) {
  const out = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--silent"], { cwd: dir, encoding: "utf8" }));
  const dest = mkdtempSync(join(tmpdir(), "rotor-pack-"));
  const file = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: dir, encoding: "utf8" }).trim().split("\n").pop();
  const tgz = statSync(join(dest, file)).size;
  rmSync(dest, { recursive: true, force: true });
  return { raw: out[0].unpackedSize, gz: tgz, files: out[0].entryCount };
}

/** Minified ESM bundle of `source` (resolved from bench/, where `rotor` is the package). */
async function bundle(source, { platform, conditions }) {
  const r = await esbuild.build({
    stdin: { contents: source, resolveDir: BENCH, loader: "js" },
    bundle: true, minify: true, format: "esm", platform, conditions, target: "es2022", write: false,
    // The .wasm a module fetches (browser) or imports (workerd) is counted on its own.
    loader: { ".wasm": "empty" }, external: ["cloudflare:*", "node:*"], logLevel: "error",
  });
  return Buffer.from(r.outputFiles[0].contents);
}

/**
 * What a browser page loads for `TokenManager` + `buildRefreshRequest` + `parseTokenResponse`:
 * an esbuild browser bundle of a page importing them, and the wasm module it fetches.
 * Counting rule: the bundle is built with code splitting, as a bundler builds an app; `js` is
 * the entry chunk plus every chunk it imports statically (what the page loads before it runs).
 * Chunks reached only through a dynamic `import()` (DPoP proofs and keys, private_key_jwt
 * assertions: the page above uses neither) are listed in `lazy`, not counted: a page that
 * does not use them never fetches them.
 */
async function browserPage() {
  const r = await esbuild.build({
    stdin: {
      contents: `import init, { TokenManager, IndexedDbStorage, buildRefreshRequest, parseTokenResponse } from "rotor";
     await init();
     globalThis.page = { TokenManager, IndexedDbStorage, buildRefreshRequest, parseTokenResponse };`,
      resolveDir: BENCH, loader: "js",
    },
    bundle: true, minify: true, format: "esm", platform: "browser", conditions: ["browser"], target: "es2022",
    splitting: true, outdir: join(tmpdir(), "rotor-size-page"), write: false, metafile: true,
    loader: { ".wasm": "empty" }, logLevel: "error",
  });
  const files = new Map(r.outputFiles.map((f) => [relative(process.cwd(), f.path), Buffer.from(f.contents)]));
  const outputs = r.metafile.outputs;
  const entry = Object.keys(outputs).find((name) => outputs[name].entryPoint !== undefined);
  // The chunks reached from `from` through imports of `kind`.
  const reach = (from, kind) => {
    const seen = new Set();
    const visit = (name) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const dep of outputs[name].imports) if (dep.kind === kind || dep.kind === "import-statement") visit(dep.path);
    };
    from.forEach(visit);
    return seen;
  };
  const loaded = reach([entry], "import-statement");
  const lazy = [...reach(loaded, "dynamic-import")].filter((name) => !loaded.has(name)).map((name) => ({
    inputs: Object.keys(outputs[name].inputs).map((i) => i.replace(/^.*?pkg\//, "")).join(" "),
    ...sizes(files.get(name)),
  }));
  // Each chunk is its own response: gzipped one by one.
  const each = [...loaded].map((name) => sizes(files.get(name)));
  const js = { raw: each.reduce((n, x) => n + x.raw, 0), gz: each.reduce((n, x) => n + x.gz, 0), chunks: each.length };
  const wasm = sizes(readFileSync(join(PKG, "gen/rotor_bg.wasm")));
  return { js, wasm, total: { raw: js.raw + wasm.raw, gz: js.gz + wasm.gz }, lazy };
}

/** The edge module: `rotor/worker` (which uses `rotor/issuer`) as workerd runs it, and its wasm. */
async function edgeModule() {
  const js = sizes(await bundle(`export { default, RotorFamily, createWorker } from "rotor/worker";`, { platform: "neutral", conditions: ["workerd", "worker", "browser"] }));
  const wasm = sizes(readFileSync(join(PKG, "gen/issuer_bg.wasm")));
  return { js, wasm, total: { raw: js.raw + wasm.raw, gz: js.gz + wasm.gz } };
}

/**
 * The JWT module: its wasm, and what a browser page that uses `verifyJwt` + `signJwt` adds
 * (the module travels inside the page's JS as base64, pkg/entry/jwt-browser.js).
 */
async function jwtModule() {
  const wasm = sizes(readFileSync(join(PKG, "gen/jwt_bg.wasm")));
  const js = sizes(await bundle(
    `import init, { verifyJwt, signJwt } from "rotor";
     await init();
     globalThis.page = { verifyJwt, signJwt };`,
    { platform: "browser", conditions: ["browser"] },
  ));
  return { wasm, pageJs: js };
}

/**
 * What each wasm module holds: twiggy's largest items (of the build with names that
 * scripts/build-wasm.sh keeps in target/wasm-names/; the same code as the shipped module).
 */
function twiggyTop(name) {
  const twiggy = join(ROOT, ".tools/bin/twiggy");
  const file = join(ROOT, "target/wasm-names", `${name}_bg.wasm`);
  try {
    const out = execFileSync(twiggy, ["top", "-n", "14", "--format", "json", file], { encoding: "utf8" });
    return JSON.parse(out).map((x) => ({ name: x.name.slice(0, 90), bytes: x.shallow_size, percent: x.shallow_size_percent }));
  } catch (e) {
    return { error: String(e?.message ?? e).split("\n")[0] };
  }
}

async function peerBundle(name, source, { platform = "browser", external = [] } = {}) {
  const r = await esbuild.build({
    stdin: { contents: source, resolveDir: BENCH, loader: "js" },
    bundle: true, minify: true, format: "esm", platform, target: "es2022", write: false,
    external, logLevel: "error", mainFields: ["module", "main"], conditions: platform === "neutral" ? ["workerd", "worker", "import"] : [],
  });
  const buf = Buffer.from(r.outputFiles[0].contents);
  const version = JSON.parse(readFileSync(join(BENCH, "node_modules", name.split(" ")[0], "package.json"), "utf8")).version;
  return { name, version, ...sizes(buf) };
}

const result = { rotor: {}, peers: [] };
result.rotor.page = await browserPage();
result.rotor.edge = await edgeModule();
result.rotor.jwt = await jwtModule();
// The DPoP module (DPoP proofs, private_key_jwt, the server's proof check): fetched by a page
// on first use, instantiated on import in Node/workerd/Deno; in neither the page nor edge rows.
result.rotor.dpop = { wasm: sizes(readFileSync(join(PKG, "gen/dpop_bg.wasm"))) };
result.rotor.package = packSize(PKG);
result.rotor.twiggy = { rotor: twiggyTop("rotor"), jwt: twiggyTop("jwt"), dpop: twiggyTop("dpop"), issuer: twiggyTop("issuer") };
result.peers.push(await peerBundle("oauth4webapi", `export * from "oauth4webapi";`));
result.peers.push(await peerBundle("jose", `export * from "jose";`));
result.peers.push(await peerBundle("jose (jwtVerify + SignJWT)", `export { jwtVerify, SignJWT } from "jose";`));
result.peers.push(await peerBundle("oidc-client-ts", `export * from "oidc-client-ts";`));
result.peers.push(await peerBundle("keycloak-js", `export { default } from "keycloak-js";`));
result.peers.push(await peerBundle("@cloudflare/workers-oauth-provider", `export * from "@cloudflare/workers-oauth-provider";`, { platform: "neutral", external: ["cloudflare:*"] }));
process.stdout.write(JSON.stringify(result) + "\n");
