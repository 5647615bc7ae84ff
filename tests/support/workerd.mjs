// Starts a real workerd (Cloudflare's runtime) on loopback with a worker bundled by esbuild.
// Used by tests, the demo and the benchmarks.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORKERD = join(ROOT, "node_modules/.bin/workerd");

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Bundles `entry` (an ES module exporting a worker and optionally Durable Object classes) for
 * workerd, with the `.wasm` module alongside. Returns the output folder and module list.
 */
export async function bundleWorker(entry, outdir = mkdtempSync(join(tmpdir(), "rotor-workerd-"))) {
  await esbuild.build({
    entryPoints: { worker: entry },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "import"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    outdir,
    logLevel: "error",
    external: ["cloudflare:*", "node:*"],
  });
  const modules = readdirSync(outdir).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"));
  return { outdir, modules };
}

function capnpString(s) {
  return JSON.stringify(s);
}

/**
 * Writes a workerd config for a bundled worker.
 * @param {object} o
 * @param {string} o.outdir bundle folder (from bundleWorker)
 * @param {string[]} o.modules module file names (worker.js first)
 * @param {Record<string,string>} [o.text] text bindings (e.g. secrets)
 * @param {Record<string,object>} [o.json] JSON bindings
 * @param {string[]} [o.durableObjects] Durable Object bindings, "BINDING:Class" (Class exported by the worker)
 * @param {string} [o.storageDir] a folder for Durable Object storage (in memory when omitted)
 * @param {string} [o.compatibilityDate]
 * @param {boolean} [o.allowLoopback] let the worker's fetch() reach loopback servers (a test's upstream)
 */
export function writeConfig(o) {
  const mods = ["worker.js", ...o.modules.filter((m) => m !== "worker.js")].map((m) =>
    m.endsWith(".wasm")
      ? `(name = ${capnpString(m)}, wasm = embed ${capnpString(m)})`
      : `(name = ${capnpString(m)}, esModule = embed ${capnpString(m)})`,
  );
  const bindings = [];
  for (const [k, v] of Object.entries(o.text ?? {})) bindings.push(`(name = ${capnpString(k)}, text = ${capnpString(v)})`);
  for (const [k, v] of Object.entries(o.json ?? {})) bindings.push(`(name = ${capnpString(k)}, json = ${capnpString(JSON.stringify(v))})`);
  // "BINDING:Class" (as wrangler.toml's [[durable_objects.bindings]] name and class_name), or
  // "Class" bound under its own name.
  const dos = (o.durableObjects ?? []).map((d) => (d.includes(":") ? d.split(":") : [d, d]));
  for (const [name, cls] of dos) bindings.push(`(name = ${capnpString(name)}, durableObjectNamespace = ${capnpString(cls)})`);
  const doNamespaces = dos.map(([, cls]) => `(className = ${capnpString(cls)}, uniqueKey = ${capnpString("rotor-" + cls)})`);
  const storage = dos.length
    ? o.storageDir
      ? `durableObjectStorage = (localDisk = "do-storage"),`
      : `durableObjectStorage = (inMemory = void),`
    : "";
  const services = [`(name = "main", worker = .mainWorker)`];
  if (o.allowLoopback) services.push(`(name = "loopback", network = (allow = ["public", "private", "local"]))`);
  if (o.storageDir) services.push(`(name = "do-storage", disk = (path = ${capnpString(o.storageDir)}, writable = true))`);
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [${services.join(", ")}],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const mainWorker :Workerd.Worker = (
  modules = [${mods.join(",\n    ")}],
  compatibilityDate = ${capnpString(o.compatibilityDate ?? "2025-09-01")},
  compatibilityFlags = ["nodejs_compat"],
  bindings = [${bindings.join(",\n    ")}],
  ${dos.length ? `durableObjectNamespaces = [${doNamespaces.join(", ")}],` : ""}
  ${storage}
  ${o.allowLoopback ? `globalOutbound = "loopback",` : ""}
);
`;
  const path = join(o.outdir, "config.capnp");
  writeFileSync(path, config);
  return path;
}

/**
 * Bundles `entry`, starts workerd on a free loopback port and waits until it answers.
 * Returns `{ url, port, stop() }`. Options are those of writeConfig (except outdir/modules),
 * plus `port` to choose the port and `quiet` to hide workerd's output.
 * The result also has `pid` and `exited` (a promise of `{ code, signal }`).
 */
export async function startWorkerd(entry, options = {}) {
  const { outdir, modules } = await bundleWorker(entry);
  const config = writeConfig({ ...options, outdir, modules });
  const port = options.port ?? (await freePort());
  const child = spawn(WORKERD, ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`, "--verbose"], {
    cwd: outdir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (d) => {
    output += d;
    if (options.echo) process.stderr.write(d);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited early:\n${output}`);
    try {
      await fetch(url + "/__rotor_ready");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not start within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    pid: child.pid,
    /** Resolves with `{ code, signal }` when workerd exits (for whatever reason). */
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
