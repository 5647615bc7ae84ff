// Builds and starts the rotor demo: dev secrets, the page and service-worker bundles (esbuild),
// the worker bundle with every asset embedded, and workerd. Used by www/serve.mjs (`make demo`)
// and by tests/browser/demo*.test.mjs.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { startWorkerd } from "../tests/support/workerd.mjs";

export const WWW = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(WWW, "..");
export const DIST = join(WWW, "dist");
export const SECRETS_FILE = join(WWW, ".dev-secrets.json");
const WASM = join(ROOT, "pkg/gen/rotor_bg.wasm");

/** Demo defaults (seconds unless named ...Ms); each has an environment variable in serve.mjs. */
export const DEFAULTS = {
  port: 8787,
  accessTokenTtl: 20,
  refreshTokenTtl: 300,
  refreshIdleTtl: 120,
  rotation: "rotate",
  reuseGraceSeconds: 5,
  apiIntervalMs: 2000,
  timelineSeconds: 90,
  outageSeconds: 12,
  backoffBaseMs: 500,
  backoffCapMs: 8000,
  password: "demo",
};

function writeAtomic(path, data, mode) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, mode ? { mode } : undefined);
  renameSync(tmp, path);
}

/**
 * The dev signing key, generated on first run into www/.dev-secrets.json (git-ignored, mode
 * 0600) and reused afterwards so that sessions survive a restart. Returns `[{ kid, key }]`.
 */
export function ensureDevSecrets(file = SECRETS_FILE) {
  let signingKeys = null;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8"));
    if (Array.isArray(saved.signingKeys) && saved.signingKeys.every((k) => k.kid && typeof k.key === "string")) {
      signingKeys = saved.signingKeys;
    }
  }
  const created = signingKeys === null;
  if (created) {
    const kid = `dev-${randomBytes(4).toString("hex")}`;
    signingKeys = [{ kid, key: randomBytes(32).toString("base64url") }];
    writeAtomic(file, JSON.stringify({ note: "rotor demo dev secrets: generated locally, never commit", signingKeys }, null, 2) + "\n", 0o600);
  }
  // The same key for `wrangler dev --env-file .dev-secrets.env` (also git-ignored).
  const envFile = file.replace(/\.json$/, ".env");
  // Also the local-only settings that www/wrangler.toml (the deployable template) leaves out.
  const envText =
    `# rotor demo dev secrets for wrangler dev: generated locally, never commit\n` +
    `ROTOR_SIGNING_KEYS='${JSON.stringify(signingKeys)}'\nDEMO_PASSWORD='${DEFAULTS.password}'\nDEMO_CONTROLS='1'\n`;
  if (envFile !== file && (!existsSync(envFile) || readFileSync(envFile, "utf8") !== envText)) writeAtomic(envFile, envText, 0o600);
  return { signingKeys, created };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * Bundles the page (www/app.js) and the service worker (www/sw.js) for browsers, copies
 * rotor_bg.wasm, and writes www/dist/assets.js: every file the worker serves, embedded (text
 * as strings, binaries as base64) so that the worker bundle is self-contained.
 */
export async function buildAssets({ outdir = DIST } = {}) {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run \`make pkg\` first (\`make demo\` does)`);
  mkdirSync(outdir, { recursive: true });
  const common = {
    bundle: true,
    platform: "browser",
    target: "es2022",
    conditions: ["browser", "import"],
    outdir,
    minify: false,
    sourcemap: false,
    write: false,
    logLevel: "error",
  };
  // The page is an ES module (<script type="module">). The service worker is one classic
  // script (IIFE), registered without `type: "module"`: Firefox ESR 140 has no module service
  // workers (it throws "ServiceWorker script ... threw an exception during script evaluation"
  // on the first `import`/`export`), and a classic script has no top-level await, which
  // esbuild refuses here at build time. rotor/sw loads the wasm with `init(wasm)` from the
  // URL it is given (`wasm: "/rotor_bg.wasm"`), so `import.meta.url` (empty in an IIFE) is
  // never needed.
  const [page, worker] = await Promise.all([
    esbuild.build({ ...common, entryPoints: { app: join(WWW, "app.js") }, format: "esm" }),
    esbuild.build({ ...common, entryPoints: { sw: join(WWW, "sw.js") }, format: "iife" }),
  ]);
  const result = { outputFiles: [...page.outputFiles, ...worker.outputFiles] };
  const files = {
    "/index.html": { type: TYPES[".html"], text: readFileSync(join(WWW, "index.html"), "utf8") },
    "/style.css": { type: TYPES[".css"], text: readFileSync(join(WWW, "style.css"), "utf8") },
    "/rotor_bg.wasm": { type: TYPES[".wasm"], base64: readFileSync(WASM).toString("base64") },
    // The DPoP module ("page + DPoP" mode): pkg/lib/dpop-module.js fetches it from
    // ../gen/dpop_bg.wasm next to the page's bundle (/app.js) the first time a key is made.
    "/gen/dpop_bg.wasm": { type: TYPES[".wasm"], base64: readFileSync(join(ROOT, "pkg/gen/dpop_bg.wasm")).toString("base64") },
  };
  for (const out of result.outputFiles) {
    const name = out.path.slice(outdir.length).replaceAll("\\", "/");
    files[name] = { type: TYPES[".js"], text: out.text };
    writeAtomic(out.path, out.text);
  }
  copyFileSync(WASM, join(outdir, "rotor_bg.wasm"));
  const module = `// Generated by www/demo.mjs (buildAssets): the demo's static files. Do not edit.\nexport default ${JSON.stringify(files)};\n`;
  writeAtomic(join(outdir, "assets.js"), module);
  return Object.keys(files);
}

/**
 * The worker's bindings (what `wrangler.toml` vars and `wrangler secret` hold in production).
 * @param {object} o see DEFAULTS; `origin` is the public origin (issuer and audience derive from it)
 */
export function bindings(o) {
  return {
    ROTOR_ISSUER: o.origin,
    ROTOR_AUDIENCE: `${o.origin}/api`,
    ROTOR_SIGNING_KEYS: JSON.stringify(o.signingKeys),
    ROTOR_CLIENTS: JSON.stringify([{ clientId: "demo-spa", scope: "openid profile api.read" }]),
    ROTOR_ACCESS_TOKEN_TTL: String(o.accessTokenTtl),
    ROTOR_REFRESH_TOKEN_TTL: String(o.refreshTokenTtl),
    ROTOR_REFRESH_IDLE_TTL: String(o.refreshIdleTtl),
    ROTOR_ROTATION: o.rotation,
    ROTOR_REUSE_GRACE_SECONDS: String(o.reuseGraceSeconds),
    // Local only (www/wrangler.toml, the deployable template, has neither).
    DEMO_CONTROLS: "1",
    DEMO_PASSWORD: o.password,
    DEMO_API_INTERVAL_MS: String(o.apiIntervalMs),
    DEMO_TIMELINE_SECONDS: String(o.timelineSeconds),
    DEMO_OUTAGE_SECONDS: String(o.outageSeconds),
    DEMO_BACKOFF_BASE_MS: String(o.backoffBaseMs),
    DEMO_BACKOFF_CAP_MS: String(o.backoffCapMs),
    // Tests only: lets the x-rotor-test-now header set the clock (issuer and sign-in limits).
    ...(o.testClock ? { ROTOR_TEST_CLOCK: "1" } : {}),
  };
}

/**
 * Builds everything and starts the demo worker on workerd at 127.0.0.1:`port`.
 * Returns `{ url, port, pid, stop(), output() }` (see tests/support/workerd.mjs).
 * @param {Partial<typeof DEFAULTS> & { storageDir?: string, echo?: boolean, secretsFile?: string }} [options]
 *   `storageDir`: where Durable Objects store their data (default: a temporary folder, removed
 *   by `stop()`)
 */
export async function startDemo(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { signingKeys } = ensureDevSecrets(o.secretsFile);
  await buildAssets();
  // Durable Object storage on disk. Not workerd's in-memory storage: that is dropped whenever
  // workerd evicts an idle object (~10 s), which would end every session that waits longer.
  const temporary = !o.storageDir;
  const storageDir = o.storageDir ?? mkdtempSync(join(tmpdir(), "rotor-demo-do-"));
  mkdirSync(storageDir, { recursive: true });
  const origin = `http://127.0.0.1:${o.port}`;
  let server;
  try {
    server = await startWorkerd(join(WWW, "worker.js"), {
      port: o.port,
      durableObjects: ["ROTOR_FAMILY:RotorFamily"],
      storageDir,
      text: bindings({ ...o, origin, signingKeys }),
      echo: o.echo,
    });
  } catch (err) {
    if (temporary) rmSync(storageDir, { recursive: true, force: true });
    throw err;
  }
  const stop = server.stop;
  server.storageDir = storageDir;
  server.stop = async () => {
    await stop();
    if (temporary) rmSync(storageDir, { recursive: true, force: true });
  };
  return server;
}
