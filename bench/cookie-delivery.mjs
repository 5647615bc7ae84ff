// Cookie delivery (issue 16) vs body delivery: one refresh chain each through Issuer.handle in
// one process, alternating batches (bench/lib/measure.mjs). Also: what a body-delivery client
// pays on an issuer that has a cookie client configured (the front looks at every body).
// Each side is checked to rotate first. `node bench/cookie-delivery.mjs` (taskset -c 0 advised).
import assert from "node:assert/strict";
import { Issuer } from "rotor/issuer";
import { compare } from "./lib/measure.mjs";

const ISS = "https://id.example.com";
const ORIGIN = "https://app.example.com";
const base = { issuer: ISS, audience: "a", keys: [{ kid: "k", key: new Uint8Array(32).fill(1) }], refreshTokenTtl: 86400 };
const cookieClient = { clientId: "c", scope: "api", allowedOrigins: [ORIGIN], refreshTokenDelivery: "cookie" };
const bodyClient = { clientId: "b", scope: "api", allowedOrigins: [ORIGIN] };

async function bodyChain(issuer) {
  let token = (await issuer.startSession({ clientId: "b", subject: "u" })).refresh_token;
  const step = async () => {
    const res = await issuer.handle(new Request(ISS + "/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: `grant_type=refresh_token&client_id=b&refresh_token=${token}`,
    }));
    const next = (await res.json()).refresh_token;
    assert.ok(next && next !== token);
    token = next;
  };
  return step;
}

async function cookieChain(issuer) {
  const first = await issuer.sessionResponse({ clientId: "c", subject: "u" });
  let token = first.headers.getSetCookie()[0].split(";")[0].split("=")[1];
  const step = async () => {
    const res = await issuer.handle(new Request(ISS + "/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "x-rotor-csrf": "1", cookie: `__Secure-rotor-refresh=${token}` },
      body: "grant_type=refresh_token&client_id=c",
    }));
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const next = res.headers.getSetCookie()[0].split(";")[0].split("=")[1];
    assert.ok(next && next !== token);
    token = next;
  };
  return step;
}

const loop = (step) => async (n) => {
  for (let i = 0; i < n; i++) await step();
};

const mixed = new Issuer({ ...base, clients: [cookieClient, bodyClient] });
const plain = new Issuer({ ...base, clients: [bodyClient] });
const a = await compare(loop(await cookieChain(mixed)), loop(await bodyChain(plain)));
console.log(`cookie delivery ${a.rotorUs.toFixed(1)} µs/refresh vs body delivery ${a.peerUs.toFixed(1)} µs: body/cookie time ratio ${a.ratio.toFixed(2)}`);
const b = await compare(loop(await bodyChain(mixed)), loop(await bodyChain(plain)));
console.log(`body client on an issuer with a cookie client ${b.rotorUs.toFixed(1)} µs vs without ${b.peerUs.toFixed(1)} µs: ratio ${b.ratio.toFixed(2)}`);
