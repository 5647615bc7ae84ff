// DPoP proof creation and resource-server verification: rotor vs oauth4webapi (proofs) and
// vs jose (verification), same process, same ES256 key, alternating rounds; every proof is
// checked to verify (jose) before timing. `BENCH_QUICK=1` for fewer rounds.
//   taskset -c 0 node bench/dpop.mjs
import * as jose from "jose";
import * as oauth from "oauth4webapi";
import { createDpop, generateDpopKey, signJwt, createVerifier } from "rotor";
import { createDpopVerifier, MemoryReplayCache } from "rotor/issuer";

const ROUNDS = process.env.BENCH_QUICK ? 3 : 7;
const N = process.env.BENCH_QUICK ? 300 : 1500;
const URL_ = "https://api.example/items";
const keyPair = await generateDpopKey();
const rotor = await createDpop(keyPair);
const o4w = oauth.DPoP({ client_id: "c" }, keyPair);
const key = new Uint8Array(32).fill(7);
const at = signJwt({ sub: "u", exp: 4_000_000_000, cnf: { jkt: rotor.thumbprint } }, { key, typ: "at+jwt" });

// oauth4webapi adds its proof as a DPoP header when it prepares a request.
async function o4wProof() {
  const headers = new Headers();
  await o4w.addProof(new URL(URL_), headers, "GET", at);
  return headers.get("dpop");
}
const rotorProof = () => rotor.proof({ method: "GET", url: URL_, accessToken: at });
for (const make of [rotorProof, o4wProof]) {
  const { payload } = await jose.jwtVerify(await make(), jose.EmbeddedJWK, { typ: "dpop+jwt" });
  if (payload.htu !== URL_ || payload.htm !== "GET" || typeof payload.ath !== "string") throw new Error("bad proof");
}

const tokens = createVerifier({ keys: key, typ: "at+jwt" });
const verifier = createDpopVerifier({ accessToken: (t) => tokens.verify(t).claims, replay: new MemoryReplayCache() });
const proofs = await Promise.all(Array.from({ length: N * ROUNDS * 2 }, rotorProof));
let next = 0;
const rotorVerify = async () => {
  const req = { method: "GET", url: URL_, headers: new Headers({ authorization: `DPoP ${at}`, dpop: proofs[next++] }) };
  await verifier.verify(req);
};
const jwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
const joseKey = await jose.importJWK(jwk, "ES256");
const seen = new Set();
const ath = async (t) => Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t))).toString("base64url");
// What a jose-based resource server does: verify the proof and the token, compare htm, htu, ath, jkt, jti.
const joseVerify = async () => {
  const proof = proofs[next++];
  const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256", "EdDSA"], maxTokenAge: 60 });
  const claims = tokens.verify(at).claims;
  if (payload.htm !== "GET" || payload.htu !== URL_ || payload.ath !== (await ath(at))) throw new Error("claims");
  if ((await jose.calculateJwkThumbprint(protectedHeader.jwk)) !== claims.cnf.jkt) throw new Error("jkt");
  if (seen.has(payload.jti)) throw new Error("replay");
  seen.add(payload.jti);
  void joseKey;
};

async function time(fn) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn();
  return (N / (performance.now() - t)) * 1000;
}
async function compare(name, a, b) {
  const ra = [];
  const rb = [];
  for (let r = 0; r < ROUNDS; r++) {
    ra.push(await time(a));
    rb.push(await time(b));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1];
  const [ma, mb] = [median(ra), median(rb)];
  console.log(`${name}: rotor ${ma.toFixed(0)}/s, peer ${mb.toFixed(0)}/s, ratio ${(ma / mb).toFixed(2)}`);
}
await compare("DPoP proof (vs oauth4webapi)", rotorProof, o4wProof);
await compare("DPoP request verify (vs jose)", rotorVerify, joseVerify);
