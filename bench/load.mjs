// Bounded HTTP load on loopback, from a process of its own: `lanes` concurrent refresh chains
// against one issuer of the bench worker, each always presenting its newest refresh token.
//   node bench/load.mjs <baseUrl> <rotor|wop> <lanes> <warmMs> <measureMs>
// Prints { target, requests, errors, rps, p50Ms, p99Ms, maxMs }.
import http from "node:http";

const [base, target, lanesArg, warmArg, measureArg] = process.argv.slice(2);
const lanes = Number(lanesArg ?? 8);
const warmMs = Number(warmArg ?? 500);
const measureMs = Number(measureArg ?? 3000);
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) throw new Error("load.mjs only talks to http://127.0.0.1:<port>");
const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });

function post(path, body, headers) {
  return new Promise((ok, fail) => {
    const req = http.request(`${base}${path}`, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(body);
  });
}

const latencies = [];
let errors = 0;
let requests = 0;
let measuring = false;
let stop = false;
const firstErrors = [];

async function lane() {
  const s = await post(`/${target}/session`, "", {});
  if (s.status !== 200) throw new Error(`session: ${s.status} ${s.text}`);
  let { refreshToken, authorization } = JSON.parse(s.text);
  while (!stop) {
    const t0 = process.hrtime.bigint();
    let ok = false;
    try {
      const r = await post(`/${target}/token`, `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}`, {
        "content-type": "application/x-www-form-urlencoded",
        authorization,
      });
      if (r.status === 200) {
        const j = JSON.parse(r.text);
        if (j.refresh_token) {
          refreshToken = j.refresh_token;
          ok = true;
        }
      }
      if (!ok && firstErrors.length < 3) firstErrors.push(`${r.status} ${r.text.slice(0, 200)}`);
    } catch (e) {
      if (firstErrors.length < 3) firstErrors.push(String(e));
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (measuring) {
      requests++;
      if (ok) latencies.push(ms);
      else errors++;
    }
    if (!ok) {
      // A broken chain cannot go on: start a new session (counted as an error above).
      const s2 = await post(`/${target}/session`, "", {});
      ({ refreshToken, authorization } = JSON.parse(s2.text));
    }
  }
}

const running = Array.from({ length: lanes }, lane);
await new Promise((r) => setTimeout(r, warmMs));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, measureMs));
measuring = false;
const elapsed = performance.now() - t0;
stop = true;
await Promise.all(running);
agent.destroy();
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
process.stdout.write(
  JSON.stringify({ target, lanes, requests, errors, rps: (requests - errors) / (elapsed / 1000), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: latencies.at(-1) ?? null, firstErrors }) + "\n",
);
