// The JS side of signJwt/verifyJwt (pkg/lib/jwt.js): the core caches prepared options and keys
// by content, and the JS side reuses an argument buffer and the last options text. None of
// that may let a changed key or option go unnoticed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signJwt, verifyJwt } from "rotor";
import { codeOf } from "../support/code-of.mjs";

const NOW = 1_700_000_000;
const NOW_MS = NOW * 1000;


test("a Uint8Array key changed in place between calls is the new key", () => {
  const key = new Uint8Array(32).fill(7);
  const options = { keys: key, now: NOW_MS };
  const token = signJwt({ exp: NOW + 60 }, { key });
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  key[31] ^= 1;
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:bad_signature");
  const token2 = signJwt({ exp: NOW + 60 }, { key });
  assert.notEqual(token2, token);
  const [h, p, s] = token2.split(".");
  assert.equal(s, createHmac("sha256", key).update(`${h}.${p}`).digest("base64url"));
  assert.equal(codeOf(() => verifyJwt(token2, options)), "ok");
  key[31] ^= 1;
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  // A key made short in place (a new array) is refused, not served from a cache.
  assert.equal(codeOf(() => verifyJwt(token, { keys: key.subarray(0, 31), now: NOW_MS })), "JwtError:weak_key");
});

test("key sets: byte keys are told apart by kid and content, also when changed in place", () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const keys = [{ kid: "a", key: a }, { kid: "b", key: b }, { kid: "c", key: Buffer.from(a).toString("base64url") }];
  const ta = signJwt({ exp: NOW + 60 }, { key: a, kid: "a" });
  const tb = signJwt({ exp: NOW + 60 }, { key: b, kid: "b" });
  const tc = signJwt({ exp: NOW + 60 }, { key: a, kid: "c" });
  for (const t of [ta, tb, tc]) assert.equal(codeOf(() => verifyJwt(t, { keys, now: NOW_MS })), "ok");
  b[0] = 9;
  assert.equal(codeOf(() => verifyJwt(ta, { keys, now: NOW_MS })), "ok");
  assert.equal(codeOf(() => verifyJwt(tb, { keys, now: NOW_MS })), "JwtError:bad_signature");
  keys[1].key = a; // same kid, other key
  assert.equal(codeOf(() => verifyJwt(tb, { keys, now: NOW_MS })), "JwtError:bad_signature");
  assert.equal(codeOf(() => verifyJwt(signJwt({ exp: NOW + 60 }, { key: a, kid: "b" }), { keys, now: NOW_MS })), "ok");
});

test("options changed in place between calls take effect", () => {
  const key = new Uint8Array(32).fill(3);
  const token = signJwt({ exp: NOW + 60, iss: "https://as", aud: "api" }, { key, typ: "at+jwt" });
  const audience = ["api"];
  const options = { keys: key, now: NOW_MS, issuer: "https://as", audience, typ: "at+jwt" };
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  audience[0] = "other";
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:claim_mismatch");
  audience.push("api");
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  options.issuer = "https://as/";
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:claim_mismatch");
  options.issuer = "https://as";
  const required = ["exp"];
  options.requiredClaims = required;
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  required.push("sub");
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:missing_claim");
  delete options.requiredClaims;
  options.typ = "JWT";
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:claim_mismatch");
  options.typ = undefined;
  options.leewaySeconds = 0;
  options.now = (NOW + 60) * 1000;
  assert.equal(codeOf(() => verifyJwt(token, options)), "JwtError:expired");
  options.leewaySeconds = 1;
  assert.equal(codeOf(() => verifyJwt(token, options)), "ok");
  // signJwt: the same options object with a changed kid signs a different header.
  const signOptions = { key, kid: "k1" };
  const one = signJwt({}, signOptions);
  signOptions.kid = "k2";
  assert.equal(Buffer.from(signJwt({}, signOptions).split(".")[0], "base64url").toString(), '{"alg":"HS256","kid":"k2"}');
  assert.notEqual(signJwt({}, signOptions), one);
});

test("large and non-ASCII payloads cross the boundary intact", () => {
  const key = new Uint8Array(32).fill(4);
  const claims = { exp: NOW + 60, pad: "é😀x".repeat(30_000), s: "\u2028" };
  const token = signJwt(claims, { key });
  const [, p] = token.split(".");
  assert.equal(Buffer.from(p, "base64url").toString(), JSON.stringify(claims));
  assert.deepEqual(verifyJwt(token, { keys: key, now: NOW_MS, maxTokenBytes: 1 << 20 }).claims, claims);
  // Then a small one again (the reused buffer holds nothing of the large one).
  const small = signJwt({ exp: NOW + 60 }, { key });
  assert.deepEqual(verifyJwt(small, { keys: key, now: NOW_MS }).claims, { exp: NOW + 60 });
  // A lone surrogate in a token is malformed, not an exception of another kind.
  assert.equal(codeOf(() => verifyJwt(`${small}\ud800`, { keys: key, now: NOW_MS })), "JwtError:malformed");
  // Lone surrogates in claims are written by JSON.stringify as escapes, which the core refuses.
  assert.equal(codeOf(() => signJwt({ s: "\ud800" }, { key })), "RotorError:invalid_argument");
});
