#!/usr/bin/env node
// `make demo`: builds the demo (page + service worker bundles, the worker with every asset
// embedded) and serves it on workerd at http://127.0.0.1:PORT until Ctrl-C.
//
//   node www/serve.mjs            build and serve (PORT, default 8787)
//   node www/serve.mjs --build    only build www/dist (what `wrangler deploy` needs)
//
// Settings (environment variables, seconds unless named _MS):
//   PORT=8787  DEMO_ACCESS_TTL=20  DEMO_REFRESH_TTL=300  DEMO_REFRESH_IDLE_TTL=120
//   DEMO_ROTATION=rotate|reuse  DEMO_REUSE_GRACE=5  DEMO_API_INTERVAL_MS=2000
//   DEMO_TIMELINE_SECONDS=90  DEMO_OUTAGE_SECONDS=12  DEMO_PASSWORD=demo (local only: the
//   deployable www/wrangler.toml has no password and no DEMO_CONTROLS)
//   DEMO_STORAGE=disk|temp (Durable Object storage: www/dist/do-storage, the default, kept
//   across restarts; or a temporary folder removed on exit)
import { join } from "node:path";
import { DEFAULTS, DIST, buildAssets, ensureDevSecrets, startDemo, SECRETS_FILE } from "./demo.mjs";

const env = process.env;

function number(name, fallback) {
  if (env[name] === undefined || env[name] === "") return fallback;
  const n = Number(env[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`rotor demo: ${name} must be a non-negative number (got ${JSON.stringify(env[name])})`);
    process.exit(2);
  }
  return n;
}

function bold(s) {
  return process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s;
}

if (process.argv.includes("--build")) {
  const { created } = ensureDevSecrets();
  const files = await buildAssets();
  console.log(`rotor demo: built ${files.length} assets into ${DIST}${created ? `; new dev key in ${SECRETS_FILE}` : ""}`);
  process.exit(0);
}

const options = {
  port: number("PORT", DEFAULTS.port),
  accessTokenTtl: number("DEMO_ACCESS_TTL", DEFAULTS.accessTokenTtl),
  refreshTokenTtl: number("DEMO_REFRESH_TTL", DEFAULTS.refreshTokenTtl),
  refreshIdleTtl: number("DEMO_REFRESH_IDLE_TTL", DEFAULTS.refreshIdleTtl),
  rotation: env.DEMO_ROTATION || DEFAULTS.rotation,
  reuseGraceSeconds: number("DEMO_REUSE_GRACE", DEFAULTS.reuseGraceSeconds),
  apiIntervalMs: number("DEMO_API_INTERVAL_MS", DEFAULTS.apiIntervalMs),
  timelineSeconds: number("DEMO_TIMELINE_SECONDS", DEFAULTS.timelineSeconds),
  outageSeconds: number("DEMO_OUTAGE_SECONDS", DEFAULTS.outageSeconds),
  password: env.DEMO_PASSWORD || DEFAULTS.password,
  storageDir: env.DEMO_STORAGE === "temp" ? undefined : join(DIST, "do-storage"),
  echo: env.DEMO_VERBOSE === "1",
};

const { created } = ensureDevSecrets();
let server;
try {
  server = await startDemo(options);
} catch (err) {
  const inUse = /address already in use|EADDRINUSE/i.test(String(err.message));
  console.error(
    inUse
      ? `rotor demo: port ${options.port} is in use; choose another one: PORT=8788 make demo`
      : `rotor demo: could not start: ${err.message}`,
  );
  process.exit(1);
}

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\nrotor demo: ${signal}, stopping workerd`);
  await server.stop();
  process.exit(0);
}
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGHUP", () => shutdown("SIGHUP"));
// Whatever ends this process, never leave workerd behind.
process.on("exit", () => {
  try {
    process.kill(server.pid, "SIGKILL");
  } catch {
    // already gone
  }
});
server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`rotor demo: workerd exited (${signal ?? code}):\n${server.output().slice(-2000)}`);
  process.exit(1);
});

console.log(`rotor demo${created ? ` (new dev signing key in ${SECRETS_FILE})` : ""}
  access tokens ${options.accessTokenTtl} s, refresh family ${options.refreshTokenTtl} s (idle ${options.refreshIdleTtl} s), rotation ${options.rotation}
  Durable Object storage: ${server.storageDir}${options.storageDir ? "" : " (temporary)"}

  ${bold(`open ${server.url}`)}   (sign in as any name, password "${options.password}")

  Ctrl-C stops it.`);
