// The adversarial JWT corpus (tests/vectors/jwt/adversarial.json), run through the wasm
// package. tests/jwt_adversarial.rs runs the same file against the native core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { verifyJwt } from "rotor";

const corpus = JSON.parse(readFileSync(new URL("../vectors/jwt/adversarial.json", import.meta.url), "utf8"));
const tokenOf = (c) => c.token ?? c.tokenRepeat.prefix + c.tokenRepeat.repeat.repeat(c.tokenRepeat.count) + c.tokenRepeat.suffix;

test("the corpus has at least 40 cases, refusals and controls", () => {
  assert.ok(corpus.cases.length >= 40);
  assert.ok(corpus.cases.some((c) => c.expect === "ok"));
  assert.ok(new Set(corpus.cases.map((c) => c.expect)).size >= 12);
});

for (const c of corpus.cases) {
  test(`adversarial: ${c.name} -> ${c.expect}`, () => {
    const token = tokenOf(c);
    let got;
    try {
      const out = verifyJwt(token, { ...c.options, now: corpus.now });
      assert.equal(out.header.alg, "HS256");
      assert.equal(typeof out.claims, "object");
      got = "ok";
    } catch (e) {
      assert.ok(e instanceof Error, "thrown value is an Error");
      assert.equal(e.name, "JwtError", `${e.name}: ${e.message}`);
      assert.ok(e.message.length > 0);
      // Messages never echo the token (or a long piece of it).
      if (token.length > 24) assert.ok(!e.message.includes(token.slice(0, 24)), e.message);
      got = e.code;
    }
    assert.equal(got, c.expect);
  });
}
