// The README's single-page-app and service-worker set-ups, bundled by esbuild, vite, webpack
// and rollup exactly as the README's "Bundlers" table says, then loaded in headless Chromium:
// `init()` must find rotor_bg.wasm in every case (a 404 there is the first-hour failure this
// guards against). Each app is built into target/bundlers-* (git-ignored), where `rotor`
// resolves to this repository's pkg/ through node_modules.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { launchChromium, serveStatic, ROOT } from "../support/browser.mjs";

// The app: the README's SPA quick start, shortened to what proves the module loaded.
const app = (imports, initCall) => `import init, { createClient, signJwt, verifyJwt, TokenManager } from "rotor";
${imports}
await ${initCall};
const key = new Uint8Array(32).fill(7);
const { claims } = verifyJwt(signJwt({ sub: "alice", exp: 4102444800 }, { key }), { keys: key });
const client = createClient({ tokenEndpoint: "https://auth.example.com/token", clientId: "spa", authMethod: "none" });
const tokens = new TokenManager({ client });
window.result = { sub: claims.sub, endpoint: client.tokenEndpoint, state: tokens.state };
`;
const html = (script) => `<!doctype html><meta charset="utf-8"><title>rotor</title><script type="module" src="${script}"></script>`;

// One builder per bundler: writes its sources into `dir`, builds into `dir/dist`.
const BUILDERS = {
  // esbuild: import the module's URL with the file loader, pass it to init.
  async esbuild(dir) {
    writeFileSync(join(dir, "main.js"), app(`import wasmUrl from "rotor/rotor_bg.wasm";`, "init(wasmUrl)"));
    await esbuild.build({
      entryPoints: [join(dir, "main.js")], bundle: true, format: "esm", outdir: join(dir, "dist"),
      loader: { ".wasm": "file" }, publicPath: "/", logLevel: "error",
    });
    writeFileSync(join(dir, "dist/index.html"), html("/main.js"));
  },
  // vite: `?url` import, pass it to init.
  async vite(dir) {
    const { build } = await import("vite");
    writeFileSync(join(dir, "main.js"), app(`import wasmUrl from "rotor/rotor_bg.wasm?url";`, "init(wasmUrl)"));
    writeFileSync(join(dir, "index.html"), html("/main.js"));
    await build({ root: dir, logLevel: "error", configFile: false, build: { outDir: join(dir, "dist"), target: "es2022" } });
  },
  // webpack 5: nothing to add; it emits the wasm that init's `new URL(..., import.meta.url)` names.
  async webpack(dir) {
    const { default: webpack } = await import("webpack");
    writeFileSync(join(dir, "main.js"), app("", "init()"));
    const stats = await new Promise((ok, fail) =>
      webpack({
        mode: "production", context: dir, entry: "./main.js",
        output: { path: join(dir, "dist"), filename: "main.js", publicPath: "/", module: true },
        experiments: { outputModule: true },
      }).run((err, s) => (err ? fail(err) : ok(s))),
    );
    assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
    writeFileSync(join(dir, "dist/index.html"), html("/main.js"));
  },
  // rollup (and any bundler without a wasm asset step): copy gen/rotor_bg.wasm, pass its URL.
  async rollup(dir) {
    const { rollup } = await import("rollup");
    const { nodeResolve } = await import("@rollup/plugin-node-resolve");
    writeFileSync(join(dir, "main.js"), app("", `init("/rotor_bg.wasm")`));
    const bundle = await rollup({ input: join(dir, "main.js"), plugins: [nodeResolve({ browser: true })], logLevel: "silent" });
    await bundle.write({ dir: join(dir, "dist"), format: "es" });
    copyFileSync(join(ROOT, "node_modules/rotor/gen/rotor_bg.wasm"), join(dir, "dist/rotor_bg.wasm"));
    writeFileSync(join(dir, "dist/index.html"), html("/main.js"));
  },
};

let browser;
const dirs = [];
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workdir(name) {
  mkdirSync(join(ROOT, "target"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, "target", `bundlers-${name}-`));
  dirs.push(dir);
  return dir;
}

async function load(root, path, until) {
  const server = await serveStatic({ root });
  const page = await browser.newPage();
  const errors = [];
  const missing = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("response", (r) => r.status() >= 400 && missing.push(`${r.status()} ${r.url()}`));
  try {
    await page.goto(server.url + path);
    await page.waitForFunction(until, null, { timeout: 15_000 }).catch(() => {});
    return { value: await page.evaluate(until), errors, missing };
  } finally {
    await page.close();
    await server.close();
  }
}

for (const [name, buildApp] of Object.entries(BUILDERS)) {
  test(`SPA bundled by ${name}: init() finds the wasm, the API answers`, async () => {
    const dir = workdir(name);
    await buildApp(dir);
    const { value, errors, missing } = await load(join(dir, "dist"), "/index.html", () => window.result);
    assert.deepEqual({ errors, missing }, { errors: [], missing: [] });
    assert.deepEqual(value, { sub: "alice", endpoint: "https://auth.example.com/token", state: "idle" });
  });
}

test("service worker bundled by esbuild as a classic script (IIFE): installSilentRenewal loads the wasm", async () => {
  const dir = workdir("sw");
  // The README's service-worker example, with the wasm URL from esbuild's file loader.
  writeFileSync(join(dir, "sw.js"), `import { installSilentRenewal } from "rotor/sw";
import wasmUrl from "rotor/rotor_bg.wasm";
installSilentRenewal(self, {
  client: { tokenEndpoint: \`\${self.location.origin}/token\`, clientId: "spa", authMethod: "none" },
  apiPrefixes: [\`\${self.location.origin}/api/\`],
  sessionUrls: [\`\${self.location.origin}/signin\`],
  wasm: wasmUrl,
});
`);
  await esbuild.build({
    entryPoints: [join(dir, "sw.js")], bundle: true, format: "iife", conditions: ["browser"], outdir: join(dir, "dist"),
    loader: { ".wasm": "file" }, publicPath: "/", logLevel: "error",
  });
  writeFileSync(join(dir, "dist/index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>`);
  writeFileSync(join(dir, "dist/page.js"), `
await navigator.serviceWorker.register("/sw.js", { scope: "/" });
await navigator.serviceWorker.ready;
if (!navigator.serviceWorker.controller) await new Promise((ok) => navigator.serviceWorker.addEventListener("controllerchange", ok, { once: true }));
navigator.serviceWorker.addEventListener("message", (e) => { if (e.data.type === "rotor:status") window.swStatus = e.data; });
navigator.serviceWorker.controller.postMessage({ type: "rotor:status" });
`);
  const { value, errors, missing } = await load(join(dir, "dist"), "/index.html", () => window.swStatus);
  assert.deepEqual({ errors, missing }, { errors: [], missing: [] });
  assert.equal(value?.type, "rotor:status");
  assert.equal(value.active, false);
});
