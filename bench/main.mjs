// The `make bench` driver (called by bench/run.sh after the builds): runs every measurement in
// this one run, then prints the markdown table and writes bench/results/latest.{md,json}.
//   node bench/main.mjs [--native BIN] [--native-soft BIN] [--quick]
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { startWorkerd } from "../tests/support/workerd.mjs";
import { ACCESS_HEADER, KEY_BYTES, TOKEN_POOL, accessClaims } from "./lib/fixtures.mjs";
import { renderReport } from "./lib/report.mjs";

const BENCH = fileURLToPath(new URL(".", import.meta.url));
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = args.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const t0 = Date.now();
const log = (...m) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s]`, ...m);

let HAVE_TASKSET = true;
try {
  execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
} catch {
  HAVE_TASKSET = false;
}
const pinned = (cpu, cmd, argv) => (HAVE_TASKSET ? ["taskset", ["-c", String(cpu), cmd, ...argv]] : [cmd, argv]);

/** Runs a command, returns the parsed last JSON line of its stdout. */
function runJson(cmd, argv, { cpu, timeoutMs = 180_000 } = {}) {
  const [c, a] = cpu === undefined ? [cmd, argv] : pinned(cpu, cmd, argv);
  return new Promise((ok, fail) => {
    const child = spawn(c, a, { stdio: ["ignore", "pipe", "pipe"], cwd: BENCH });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (code === 0 && line) ok(JSON.parse(line));
      else fail(new Error(`${c} ${a.join(" ").slice(0, 120)} exited ${code}: ${err.slice(-800)}`));
    });
  });
}

/** Pins the workerd process our startWorkerd just spawned (a child of this process) to a CPU. */
function pinWorkerd(cpu) {
  if (!HAVE_TASKSET) return null;
  const rows = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  const pids = rows.split("\n").map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm && comm.startsWith("workerd")).map(([pid]) => pid);
  for (const pid of pids) execFileSync("taskset", ["-a", "-p", "-c", String(cpu), pid], { stdio: "ignore" });
  return pids;
}

const R = { startedAt: new Date().toISOString(), quick: QUICK, taskset: HAVE_TASKSET, errors: {} };
async function step(name, fn) {
  log(name);
  try {
    R[name] = await fn();
  } catch (e) {
    R.errors[name] = String(e?.message ?? e);
    log(`  ${name} failed: ${R.errors[name].split("\n")[0]}`);
  }
}

// The jose-signed RFC 9068 tokens every verifier gets.
const cryptoKey = await crypto.subtle.importKey("raw", KEY_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const tokens = [];
for (let i = 0; i < TOKEN_POOL; i++) tokens.push(await new SignJWT(accessClaims(i)).setProtectedHeader(ACCESS_HEADER).sign(cryptoKey));

await step("size", () => runJson("node", ["size.mjs"]));

await step("native", async () => {
  const bin = arg("--native");
  if (!bin) throw new Error("no native binary (bench/run.sh builds it with the bench-native profile)");
  return runJson(bin, tokens, { cpu: 0 });
});

await step("nativeSoft", async () => {
  const bin = arg("--native-soft");
  if (!bin) throw new Error("no software-SHA native binary");
  return runJson(bin, tokens, { cpu: 0 });
});

process.env.BENCH_ROUNDS = String(ROUNDS);
await step("node", () => runJson("node", ["node.mjs"], { cpu: 0 }));

await step("workerd", async () => {
  const server = await startWorkerd(fileURLToPath(new URL("./worker.js", import.meta.url)));
  try {
    const pids = pinWorkerd(0);
    const out = { pinned: pids };
    for (const c of ["verify", "sign", "client", "issuer"]) {
      log(`  workerd ${c}`);
      const res = await fetch(`${server.url}/micro/${c}?rounds=${ROUNDS}`);
      out[c] = await res.json();
      if (res.status !== 200) out[c] = { name: c, error: out[c].error ?? `status ${res.status}` };
    }
    // HTTP on loopback: workerd on CPU 0, the load generator (a second process) on CPU 1,
    // rotor and the peer alternately, two rounds each.
    out.http = { rotor: [], wop: [], noop: [] };
    const lanes = 8;
    const [warm, meas] = QUICK ? [300, 1500] : [500, 3000];
    for (let round = 0; round < 2; round++) {
      for (const target of round % 2 ? ["wop", "rotor", "noop"] : ["noop", "rotor", "wop"]) {
        log(`  http ${target} round ${round + 1}`);
        try {
          out.http[target].push(await runJson("node", ["load.mjs", server.url, target, String(lanes), String(warm), String(meas)], { cpu: 1 }));
        } catch (e) {
          out.http[target].push({ target, error: String(e?.message ?? e) });
        }
      }
    }
    return out;
  } finally {
    await server.stop();
  }
});

await step("coldNode", async () => {
  const runs = { rotor: [], jose: [] };
  for (let i = 0; i < (QUICK ? 3 : 7); i++) {
    for (const which of i % 2 ? ["jose", "rotor"] : ["rotor", "jose"]) {
      try {
        runs[which].push(await runJson("node", ["cold-node.mjs", which, tokens[0]], { cpu: 0 }));
      } catch (e) {
        runs[which].push({ which, error: String(e?.message ?? e).slice(0, 300) });
      }
    }
  }
  return runs;
});

await step("coldWorkerd", async () => {
  const runs = { rotor: [], jose: [] };
  for (let i = 0; i < (QUICK ? 2 : 5); i++) {
    for (const which of i % 2 ? ["jose", "rotor"] : ["rotor", "jose"]) {
      const server = await startWorkerd(fileURLToPath(new URL("./cold-worker.js", import.meta.url)), { text: { WHICH: which, TOKEN: tokens[0] } });
      try {
        pinWorkerd(0);
        const a = performance.now();
        const first = await fetch(`${server.url}/`);
        const firstMs = performance.now() - a;
        const body = await first.json();
        const b = performance.now();
        await (await fetch(`${server.url}/`)).text();
        const warmMs = performance.now() - b;
        runs[which].push(first.status === 200 ? { ...body, firstResponseMs: firstMs, warmResponseMs: warmMs } : { which, error: body.error });
      } finally {
        await server.stop();
      }
    }
  }
  return runs;
});

R.finishedAt = new Date().toISOString();
R.seconds = (Date.now() - t0) / 1000;
const md = renderReport(R);
mkdirSync(`${BENCH}results`, { recursive: true });
writeFileSync(`${BENCH}results/latest.json`, JSON.stringify(R, null, 2) + "\n");
writeFileSync(`${BENCH}results/latest.md`, md);
process.stdout.write(md);
