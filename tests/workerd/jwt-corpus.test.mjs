// The adversarial JWT corpus and a sign/verify round trip inside the real workerd runtime.
// Set ROTOR_JWT_BENCH=1 to also print rotor vs jose rates measured inside workerd.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";

const corpus = JSON.parse(readFileSync(new URL("../vectors/jwt/adversarial.json", import.meta.url), "utf8"));
let server;
before(async () => {
  server = await startWorkerd(fileURLToPath(new URL("./jwt-corpus-worker.js", import.meta.url)));
});
after(() => server?.stop());

test("workerd: every adversarial case gives the expected code", async () => {
  const res = await fetch(`${server.url}/corpus`, { method: "POST", body: JSON.stringify(corpus) });
  assert.equal(res.status, 200);
  const { results, own, fromJose } = await res.json();
  assert.equal(results.length, corpus.cases.length);
  const wrong = corpus.cases
    .map((c, i) => [c.name, c.expect === "ok" ? "ok" : `JwtError:${c.expect}`, results[i]])
    .filter(([, want, got]) => want !== got);
  assert.deepEqual(wrong, []);
  assert.deepEqual(own.header, { alg: "HS256", kid: "a", typ: "at+jwt" });
  assert.equal(own.claims.sub, "w");
  assert.equal(fromJose.sub, "j");
});

test("workerd: rotor vs jose rates (printed with ROTOR_JWT_BENCH=1)", { skip: !process.env.ROTOR_JWT_BENCH }, async () => {
  const time = async (which, n) => {
    const t = performance.now();
    assert.equal(await (await fetch(`${server.url}/bench?which=${which}&n=${n}`)).text(), "done");
    return performance.now() - t;
  };
  const rates = {};
  for (const [which, n] of [["rotorVerify", 20000], ["joseVerify", 5000], ["rotorSign", 20000], ["joseSign", 5000], ["version", 20000], ["rotorBadOptions", 5000]]) {
    await time(which, 100); // warm up
    const base = Math.min(await time(which, 0), await time(which, 0));
    const ms = (await time(which, n)) - base;
    rates[which] = Math.round((n / ms) * 1000);
  }
  rates.verifyRatio = +(rates.rotorVerify / rates.joseVerify).toFixed(1);
  rates.signRatio = +(rates.rotorSign / rates.joseSign).toFixed(1);
  console.log(JSON.stringify(rates));
  assert.ok(rates.rotorVerify > 0);
});
