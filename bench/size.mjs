// Sizes: rotor's wasm module and package (full and client-only builds) next to the minified,
// gzipped esbuild bundles of the peers. Prints one JSON object.
//   node bench/size.mjs <clientOnlyGenDir>
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { BENCH } from "./lib/build-peers.mjs";

const ROOT = resolve(BENCH, "..");
const PKG = join(ROOT, "pkg");
const clientGen = process.argv[2];
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

/**
 * For the client-only build, pkg/lib/issuer.js (which imports IssuerCore, absent without the
 * `issuer` feature) is replaced by an empty module, as a client-only package would ship it.
 */
const dropIssuerLib = {
  name: "drop-issuer-lib",
  setup(build) {
    build.onLoad({ filter: /[\\/]lib[\\/]issuer\.js$/ }, () => ({ contents: "export {};", loader: "js" }));
  },
};

/** The minified JS a browser loads from rotor (entry + lib + glue), without the .wasm file. */
async function rotorJsBundle(pkgDir, clientOnly) {
  const r = await esbuild.build({
    plugins: clientOnly ? [dropIssuerLib] : [],
    entryPoints: [join(pkgDir, "entry/browser.js")],
    bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false,
    loader: { ".wasm": "empty" }, logLevel: "error",
  });
  return Buffer.from(r.outputFiles[0].contents);
}

function rotorBuild(pkgDir, label) {
  return (async () => {
    const wasm = sizes(readFileSync(join(pkgDir, "gen/rotor_bg.wasm")));
    const js = sizes(await rotorJsBundle(pkgDir, label === "client-only"));
    return { label, wasm, js, shipped: { raw: wasm.raw + js.raw, gz: wasm.gz + js.gz }, package: packSize(pkgDir) };
  })();
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
result.rotor.full = await rotorBuild(PKG, "full");
if (clientGen) {
  const tmp = mkdtempSync(join(tmpdir(), "rotor-client-only-"));
  cpSync(PKG, tmp, { recursive: true, filter: (src) => !src.includes("node_modules") });
  rmSync(join(tmp, "gen"), { recursive: true, force: true });
  cpSync(clientGen, join(tmp, "gen"), { recursive: true });
  result.rotor.clientOnly = await rotorBuild(tmp, "client-only");
  rmSync(tmp, { recursive: true, force: true });
}
result.peers.push(await peerBundle("oauth4webapi", `export * from "oauth4webapi";`));
result.peers.push(await peerBundle("jose", `export * from "jose";`));
result.peers.push(await peerBundle("jose (jwtVerify + SignJWT)", `export { jwtVerify, SignJWT } from "jose";`));
result.peers.push(await peerBundle("oidc-client-ts", `export * from "oidc-client-ts";`));
result.peers.push(await peerBundle("keycloak-js", `export { default } from "keycloak-js";`));
result.peers.push(await peerBundle("@cloudflare/workers-oauth-provider", `export * from "@cloudflare/workers-oauth-provider";`, { platform: "neutral", external: ["cloudflare:*"] }));
process.stdout.write(JSON.stringify(result) + "\n");
