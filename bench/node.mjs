// In-process benchmarks under Node: prints one JSON object with every case's result.
//   node bench/node.mjs [case ...]   (cases: verify sign client issuer; default all)
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { buildWopForNode, BENCH } from "./lib/build-peers.mjs";
import { caseVerify, caseSign, caseClient, caseIssuer } from "./lib/cases.mjs";

const want = process.argv.slice(2);
const on = (c) => want.length === 0 || want.includes(c);
const opts = { rounds: Number(process.env.BENCH_ROUNDS ?? 9), batchMs: Number(process.env.BENCH_BATCH_MS ?? 40) };

let rotor = {};
let rotorImportError = null;
try {
  // The browser module and the edge module (rotor/issuer), as one namespace for the cases.
  rotor = { ...(await import("rotor")), ...(await import("rotor/issuer")) };
} catch (e) {
  rotorImportError = String(e?.message ?? e);
}

const out = { runtime: "node", node: process.version, rotorImportError, cases: {} };
const run = async (name, fn) => {
  if (!on(name)) return;
  try {
    out.cases[name] = await fn();
  } catch (e) {
    out.cases[name] = { name, error: String(e?.stack ?? e) };
  }
};
await run("verify", () => caseVerify(rotor, opts));
await run("sign", () => caseSign(rotor, opts));
await run("client", () => caseClient(rotor, opts));
await run("issuer", async () => {
  const dir = `${BENCH}results/build`;
  mkdirSync(dir, { recursive: true });
  const { makeWop } = await import(pathToFileURL(await buildWopForNode(dir)).href);
  return caseIssuer(rotor, makeWop, { ...opts, batchMs: Math.max(opts.batchMs, 60) });
});
process.stdout.write(JSON.stringify(out) + "\n");
