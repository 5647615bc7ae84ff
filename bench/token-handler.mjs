// Where the token handler keeps the upstream refresh token: an AES-GCM sealed cookie or a
// Durable Object. Measures, in one workerd, the per-refresh cost of each (sequential requests,
// alternating rounds, median per request) and the size of the sealed cookie for refresh tokens
// of typical lengths; then a whole refresh against oidc-provider on loopback, straight from
// Node with rotor's client and through the token handler in workerd (both storage modes).
// `node bench/token-handler.mjs` (BENCH_QUICK=1 for a short run).
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { buildRefreshRequest, parseTokenResponse } from "rotor";
import { startWorkerd, freePort } from "../tests/support/workerd.mjs";
import { startProvider, handlerOptions, jar, signIn, openSealed, CLIENT_ID, CLIENT_SECRET } from "../tests/support/token-handler-app.mjs";

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

// ---- A whole refresh: direct vs through the handler ----------------------------------------
const KEYS = [{ kid: "b1", key: randomBytes(32).toString("base64url") }];
const port = await freePort();
const app = `http://127.0.0.1:${port}`;
const portDo = await freePort();
const appDo = `http://127.0.0.1:${portDo}`;
const idp = await startProvider({ redirectUris: [`${app}/auth/callback`, `${appDo}/auth/callback`] });
const entry = fileURLToPath(new URL("../tests/workerd/token-handler-worker.js", import.meta.url));
const handlers = [
  await startWorkerd(entry, { port, allowLoopback: true, json: { BFF_OPTIONS: handlerOptions(idp.issuer, app) }, text: { ROTOR_BFF_KEYS: JSON.stringify(KEYS) } }),
  await startWorkerd(entry, {
    port: portDo,
    allowLoopback: true,
    json: { BFF_OPTIONS: { ...handlerOptions(idp.issuer, appDo), redirectUri: `${appDo}/auth/callback`, sessionBinding: "S" } },
    text: { ROTOR_BFF_KEYS: JSON.stringify(KEYS) },
    durableObjects: ["S:TokenHandlerSession"],
  }),
];
try {
  const client = { tokenEndpoint: `${idp.issuer}/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
  const cookies = { cookie: jar(), durable: jar() };
  await signIn(app, cookies.cookie);
  await signIn(appDo, cookies.durable);
  const direct = jar();
  await signIn(app, direct, { user: "direct" });
  let set = { refreshToken: (await openSealed(KEYS, "__Host-rotor-session", direct.cookies.get("__Host-rotor-session"))).rt };
  const ways = {
    "rotor client, direct": async () => {
      const req = buildRefreshRequest(client, { refreshToken: set.refreshToken });
      const res = await fetch(req.url, { method: "POST", headers: req.headers, body: req.body });
      set = parseTokenResponse(client, { status: res.status, headers: res.headers, body: await res.text() }, { previous: set });
      if (!set.rotated) throw new Error("direct: not rotated");
    },
    "token handler (cookie)": async () => {
      const res = await fetch(`${app}/auth/token`, { method: "POST", headers: { origin: app, "x-rotor-csrf": "1", cookie: cookies.cookie.header() } });
      if (res.status !== 200 || res.headers.getSetCookie().length !== 1) throw new Error(`handler: HTTP ${res.status}`);
      cookies.cookie.store(res);
      await res.arrayBuffer();
    },
    "token handler (sessionBinding)": async () => {
      const res = await fetch(`${appDo}/auth/token`, { method: "POST", headers: { origin: appDo, "x-rotor-csrf": "1", cookie: cookies.durable.header() } });
      if (res.status !== 200 || res.headers.getSetCookie().length !== 1) throw new Error(`handler: HTTP ${res.status}`);
      cookies.durable.store(res);
      await res.arrayBuffer();
    },
  };
  const times = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
  const n = QUICK ? 20 : 60;
  for (let r = 0; r < ROUNDS; r++) {
    const order = Object.keys(ways);
    if (r % 2) order.reverse();
    for (const w of order) {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await ways[w]();
        times[w].push(performance.now() - t0);
      }
    }
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const base = med(times["rotor client, direct"]);
  console.log("\n| a refresh against oidc-provider (rotating) | median (ms) | vs direct |\n|---|---|---|");
  for (const w of Object.keys(ways)) console.log(`| ${w} | ${med(times[w]).toFixed(2)} | ${(med(times[w]) / base).toFixed(2)}x |`);
} finally {
  for (const h of handlers) await h.stop();
  await idp.close();
}
