// Compares the exports of bench/experiments/boundary.patch with the current ones, in one
// process, alternately (bench/lib/measure.mjs).  node compare.mjs <scratch dir of run.sh>
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { SignJWT } from "jose";
import { compare } from "../lib/measure.mjs";
import * as F from "../lib/fixtures.mjs";

const dir = process.argv[2];
async function load(gen) {
  const m = await import(`${dir}/${gen}/rotor.js`);
  m.initSync({ module: readFileSync(`${dir}/${gen}/rotor_bg.wasm`) });
  return m;
}
const z = await load("gen-z");
const o3 = await load("gen-o3");
for (const gen of ["gen-z", "gen-o3"]) {
  const b = readFileSync(`${dir}/${gen}/rotor_bg.wasm`);
  console.log(`${gen}: wasm ${b.length} bytes, ${gzipSync(b, { level: 9 }).length} gzipped`);
}

// JWT verify: verifyJwt (options read on every call) vs a prepared verifier.
const k = await crypto.subtle.importKey("raw", F.KEY_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const pool = [];
for (let i = 0; i < 16; i++) pool.push(await new SignJWT(F.accessClaims(i)).setProtectedHeader(F.ACCESS_HEADER).sign(k));
const opts = { keys: F.KEY_BYTES, issuer: F.ISSUER, audience: F.AUDIENCE, typ: "at+jwt", now: F.NOW_MS };
const verifyZ = async (n) => { for (let i = 0; i < n; i++) z.verifyJwt(pool[i & 15], opts); };
const prepared = (m) => {
  const v = new m.JwtVerifierExp(opts);
  return async (n) => { for (let i = 0; i < n; i++) JSON.parse(v.verify(pool[i & 15], F.NOW_MS)); };
};
if (JSON.stringify(JSON.parse(new z.JwtVerifierExp(opts).verify(pool[3], F.NOW_MS))) !== JSON.stringify(z.verifyJwt(pool[3], opts))) throw new Error("the prepared verifier returns something else");
for (const [name, fn] of [
  ["verifyJwt at opt-level 3", async (n) => { for (let i = 0; i < n; i++) o3.verifyJwt(pool[i & 15], opts); }],
  ["prepared verifier, z", prepared(z)],
  ["prepared verifier, opt-level 3", prepared(o3)],
]) {
  const c = await compare(fn, verifyZ);
  console.log(`verify: ${name.padEnd(32)} ${c.rotorUs.toFixed(1)} µs vs verifyJwt (z) ${c.peerUs.toFixed(1)} µs: ${c.ratio.toFixed(2)}× faster`);
}

// Client: objects across the boundary (current) vs one JSON string each way.
const body = F.tokenResponseBody(pool[1]);
const H = new Headers(F.RESPONSE_HEADERS);
const prev = { refreshToken: F.REFRESH_TOKEN, scope: F.SCOPE };
const objects = (m) => async (n) => {
  for (let i = 0; i < n; i++) {
    m.buildRefreshRequest(F.ROTOR_CLIENT, { refreshToken: F.REFRESH_TOKEN, now: F.NOW_MS });
    m.parseTokenResponse(F.ROTOR_CLIENT, { status: 200, headers: H, body }, { now: F.NOW_MS, previous: prev });
  }
};
const json = (m) => async (n) => {
  for (let i = 0; i < n; i++) {
    JSON.parse(m.buildRefreshRequestJson(JSON.stringify({ client: F.ROTOR_CLIENT, params: { refreshToken: F.REFRESH_TOKEN, now: F.NOW_MS } })));
    JSON.parse(m.parseTokenResponseJson(JSON.stringify({ client: F.ROTOR_CLIENT, status: 200, headers: [...H], options: { now: F.NOW_MS, previous: prev } }), body));
  }
};
const a = JSON.parse(z.parseTokenResponseJson(JSON.stringify({ client: F.ROTOR_CLIENT, status: 200, headers: [...H], options: { now: F.NOW_MS, previous: prev } }), body));
if (JSON.stringify(a) !== JSON.stringify(z.parseTokenResponse(F.ROTOR_CLIENT, { status: 200, headers: H, body }, { now: F.NOW_MS, previous: prev }))) throw new Error("the JSON path returns something else");
for (const [name, fn] of [["objects at opt-level 3", objects(o3)], ["JSON strings, z", json(z)], ["JSON strings, opt-level 3", json(o3)]]) {
  const c = await compare(fn, objects(z));
  console.log(`client build+parse: ${name.padEnd(28)} ${c.rotorUs.toFixed(1)} µs vs objects (z) ${c.peerUs.toFixed(1)} µs: ${c.ratio.toFixed(2)}× faster`);
}
