// Concurrency and load against the rotor/worker issuer on the real workerd (loopback only),
// with Durable Object storage on disk. The load comes from a second process
// (tests/support/load.mjs). The soak lasts ROTOR_SOAK_SECONDS (default 10; `make soak` runs 60).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as jose from "jose";
import { startWorkerd } from "../support/workerd.mjs";

const ENTRY = fileURLToPath(new URL("./load-worker.js", import.meta.url));
const DRIVER = fileURLToPath(new URL("../support/load.mjs", import.meta.url));
const KEY = new Uint8Array(32).map((_, i) => 200 - i);
const KEY_B64 = jose.base64url.encode(KEY);
const SECRET = "load-client-s3cret-value";
const ISSUER = "https://id.example.com";
const AUDIENCE = "https://api.example.com";
const IDLE_TTL = 6; // seconds: abandoned families expire quickly and must be purged
const SOAK_SECONDS = Number(process.env.ROTOR_SOAK_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.ROTOR_SOAK_WARMUP_SECONDS ?? 10);

let server;
let storageDir;
const allSecrets = new Set([KEY_B64, SECRET, Buffer.from(KEY).toString("base64"), Buffer.from(KEY).toString("hex")]);

before(async () => {
  storageDir = mkdtempSync(join(tmpdir(), "rotor-load-do-"));
  server = await startWorkerd(ENTRY, {
    durableObjects: ["ROTOR_FAMILY:RotorFamily"],
    storageDir,
    text: {
      ROTOR_ISSUER: ISSUER,
      ROTOR_AUDIENCE: AUDIENCE,
      ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "load-1", key: KEY_B64 }]),
      ROTOR_CLIENTS: JSON.stringify([
        { clientId: "spa", scope: "api.read" },
        { clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "api.read" },
      ]),
      WEB_SECRET: SECRET,
      ROTOR_REUSE_GRACE_SECONDS: "2",
      ROTOR_REFRESH_TOKEN_TTL: "3600",
      ROTOR_REFRESH_IDLE_TTL: String(IDLE_TTL),
      // Enables the test-only /test/session and /test/records routes; no clock header is
      // sent, so the issuer and the purge alarms use real time.
      ROTOR_TEST_CLOCK: "1",
    },
  });
});

after(async () => {
  await server?.stop();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
});

/** Runs the load driver in a second process; resolves with its JSON result. */
function drive(mode, options = {}) {
  const args = JSON.stringify({ url: server.url, mode, key: KEY_B64, issuer: ISSUER, audience: AUDIENCE, ...options });
  return new Promise((ok, fail) => {
    execFile(process.execPath, [DRIVER, args], { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`load driver ${mode} failed: ${err.message}\n${stderr}`));
      const result = JSON.parse(stdout);
      for (const s of result.secrets ?? []) allSecrets.add(s);
      ok(result);
    });
  });
}

/** workerd's resident set size in KiB (Linux /proc). */
function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

function dirUsage(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        // workerd deletes files while we walk (purged objects): skip those that vanished.
        let size;
        try {
          size = statSync(p).size;
        } catch {
          continue;
        }
        if (e.name.endsWith(".sqlite")) files++;
        bytes += size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

async function records(token) {
  const res = await fetch(server.url + "/test/records", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

test("load: rounds of 50 simultaneous redemptions of one token yield exactly one successor", async () => {
  const r = await drive("burst", { rounds: 5, n: 50 });
  assert.equal(r.rounds.length, 5, JSON.stringify(r.rounds));
  for (const [i, round] of r.rounds.entries()) {
    // Every caller got 200 (one rotation, the others within the grace window got the same
    // successor), exactly one successor, different from the token redeemed, of the same family.
    assert.deepEqual(round.statuses, { 200: 50 }, `round ${i}`);
    assert.equal(round.successors, 1, `round ${i}`);
    assert.equal(round.changed, true);
    assert.equal(round.sameFamily, true);
    assert.deepEqual(round.subs, ["burst-user"]);
  }
  assert.equal(r.finalStatus, 200);
});

test("load: 200 families refreshed in parallel for 4 rounds: none lost, none crossed", async () => {
  const r = await drive("families", { count: 200, rounds: 4 });
  assert.deepEqual(r.problems, []);
  assert.equal(r.families, 200);
  assert.equal(r.distinctFamilies, 200);
  assert.equal(r.refreshed, 800);
  assert.equal(r.crossed, 10);
  console.log(`# families: 800 parallel refreshes, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms`);
});

test(`load: sustained ${SOAK_SECONDS} s at bounded concurrency: zero 5xx, flat memory, expired families purged`, async () => {
  // Warm up at the same load before the baseline: workerd's RSS climbs while the set of
  // resident Durable Objects (and its caches) fills up, about 10-15 s, then stays flat.
  const rssCold = rssKiB(server.pid);
  await drive("soak", { seconds: WARMUP_SECONDS, concurrency: 16, perFamily: 5, badEvery: 10 });
  const rssStart = rssKiB(server.pid);
  const samples = [rssStart];
  const sampler = setInterval(() => samples.push(rssKiB(server.pid)), 1000);
  let r;
  try {
    r = await drive("soak", { seconds: SOAK_SECONDS, concurrency: 16, perFamily: 5, badEvery: 10 });
  } finally {
    clearInterval(sampler);
  }
  const rssAfterLoad = rssKiB(server.pid);
  assert.equal(r.fiveXX, 0, JSON.stringify(r.statuses));
  assert.deepEqual(r.problems, []);
  assert.ok(r.requests > SOAK_SECONDS * 20, `only ${r.requests} requests`);
  // Only 200 (refreshes) and 400 (made-up tokens) are expected.
  assert.deepEqual(Object.keys(r.statuses).sort(), ["200", "400"]);

  // Every abandoned family expires IDLE_TTL seconds after its last use; the Durable Object's
  // alarm then deletes its record. Wait for the last one (+ slack for the alarm).
  const usageBefore = dirUsage(storageDir);
  await new Promise((ok) => setTimeout(ok, (IDLE_TTL + 3) * 1000));
  const sample = r.abandoned.slice(-40);
  let purged = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const counts = await Promise.all(sample.map(records));
    purged = counts.filter((c) => c.records === 0 && c.alarm === null).length;
    if (purged === sample.length) break;
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  assert.equal(purged, sample.length, "expired families still have records or alarms");
  const rssEnd = rssKiB(server.pid);
  const usageAfter = dirUsage(storageDir);

  console.log(
    `# soak: ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.rps.toFixed(0)}/s), ${r.sessions} sessions, ` +
      `statuses ${JSON.stringify(r.statuses)}, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, max ${r.latency.max.toFixed(1)} ms`,
  );
  console.log(
    `# workerd RSS: cold ${(rssCold / 1024).toFixed(1)} MiB, after ${WARMUP_SECONDS} s warm-up ${(rssStart / 1024).toFixed(1)} MiB, peak ${(Math.max(...samples) / 1024).toFixed(1)} MiB, ` +
      `after load ${(rssAfterLoad / 1024).toFixed(1)} MiB, after purge ${(rssEnd / 1024).toFixed(1)} MiB`,
  );
  console.log(
    `# DO storage: ${usageBefore.files} objects / ${(usageBefore.bytes / 1024).toFixed(0)} KiB after load, ` +
      `${usageAfter.files} objects / ${(usageAfter.bytes / 1024).toFixed(0)} KiB after purge`,
  );
  // (workerd's local disk storage keeps an empty .sqlite file for every object that ever
  // existed: the file count is printed, not asserted; the records themselves are gone.)
  // Memory stays flat after the warm-up: generous bound.
  assert.ok(rssEnd < rssStart * 1.3 + 64 * 1024, `RSS grew from ${rssStart} KiB to ${rssEnd} KiB`);
});

test("load: workerd wrote no token, client secret or key to stdout/stderr", () => {
  const out = server.output();
  assert.ok(allSecrets.size > 1000, `only ${allSecrets.size} secrets collected`);
  for (const s of allSecrets) assert.ok(!out.includes(s), "a secret appears in workerd output");
});
