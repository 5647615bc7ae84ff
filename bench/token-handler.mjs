// Where the token handler keeps the upstream refresh token: an AES-GCM sealed cookie or a
// Durable Object. Measures, in one workerd, the per-refresh cost of each (sequential requests,
// alternating rounds, median per request) and the size of the sealed cookie for refresh tokens
// of typical lengths. `node bench/token-handler.mjs` (BENCH_QUICK=1 for a short run).
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../tests/support/workerd.mjs";

const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = QUICK ? 4 : 10;
const PER_ROUND = QUICK ? 100 : 300;
const worker = await startWorkerd(fileURLToPath(new URL("./token-handler-worker.js", import.meta.url)), {
  text: { KEY: randomBytes(32).toString("base64url") },
  durableObjects: ["SESSIONS:Sessions"],
});
try {
  const payload = (rtLength) => ({ sid: randomBytes(16).toString("base64url"), rt: "r".repeat(rtLength), rtExp: null, scope: "openid offline_access api", end: Date.now() + 43_200_000, exp: Date.now() + 43_200_000 });
  const sizes = {};
  for (const [what, n] of [["oidc-provider (43)", 43], ["rotor issuer (86)", 86], ["Keycloak JWT (~900)", 900], ["2500 characters", 2500]]) {
    const sealed = await (await fetch(`${worker.url}/seal`, { method: "POST", body: JSON.stringify(payload(n)) })).text();
    sizes[what] = `__Host-rotor-session=${sealed}; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict`.length;
  }
  const cookie = await (await fetch(`${worker.url}/seal`, { method: "POST", body: JSON.stringify(payload(43)) })).text();
  const modes = { none: "/none", cookie: "/cookie", "durable object": "/do" };
  const samples = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = Object.keys(modes);
    if (r % 2) order.reverse();
    for (const mode of order) {
      for (let i = 0; i < PER_ROUND; i++) {
        const t0 = performance.now();
        const res = await fetch(worker.url + modes[mode], { headers: { cookie } });
        await res.arrayBuffer();
        if (res.status !== 204) throw new Error(`${mode}: HTTP ${res.status}`);
        samples[mode].push(performance.now() - t0);
      }
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const base = median(samples.none);
  console.log("| storage | median per request (ms) | over the baseline (ms) |");
  console.log("|---|---|---|");
  for (const m of Object.keys(modes)) {
    const v = median(samples[m]);
    console.log(`| ${m} | ${v.toFixed(3)} | ${(v - base).toFixed(3)} |`);
  }
  console.log("\n| refresh token length | Set-Cookie header bytes |\n|---|---|");
  for (const [k, v] of Object.entries(sizes)) console.log(`| ${k} | ${v} |`);
} finally {
  await worker.stop();
}
