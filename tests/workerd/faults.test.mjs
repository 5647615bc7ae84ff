// Fault injection in the real workerd: the family's Durable Object storage fails during a
// rotation (before the write, or after it committed with the response lost), then the client
// retries: either the old token still works or the retry within the grace window returns the
// committed successor — never neither, never two live tokens (RFC 9700 §4.14.2).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as jose from "jose";
import { startWorkerd } from "../support/workerd.mjs";

const ENTRY = fileURLToPath(new URL("./fault-worker.js", import.meta.url));
const KEY = new Uint8Array(32).fill(23);
const T0 = Date.now();
const GRACE = 5;

let server;
let storageDir;
before(async () => {
  storageDir = mkdtempSync(join(tmpdir(), "rotor-fault-do-"));
  server = await startWorkerd(ENTRY, {
    durableObjects: ["ROTOR_FAMILY:RotorFamily"],
    storageDir,
    text: {
      ROTOR_ISSUER: "https://id.example.com",
      ROTOR_AUDIENCE: "https://api.example.com",
      ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "f1", key: jose.base64url.encode(KEY) }]),
      ROTOR_CLIENTS: JSON.stringify([{ clientId: "spa", scope: "api.read" }]),
      ROTOR_REUSE_GRACE_SECONDS: String(GRACE),
      ROTOR_REFRESH_TOKEN_TTL: "3600",
      ROTOR_TEST_CLOCK: "1",
    },
  });
});
after(async () => {
  await server?.stop();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
});

// base64url(SHA-256(family id ‖ random)): the token's first 48 bytes (its last 16 are the MAC).
const hashOf = (t) => jose.base64url.encode(createHash("sha256").update(jose.base64url.decode(t).subarray(0, 48)).digest());
const form = (t) => new URLSearchParams({ grant_type: "refresh_token", refresh_token: t, client_id: "spa" });

async function post(path, token, now) {
  return fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-rotor-test-now": String(now) },
    body: form(token),
  });
}

async function session() {
  const res = await fetch(server.url + "/test/session", {
    method: "POST",
    headers: { "x-rotor-test-now": String(T0) },
    body: JSON.stringify({ clientId: "spa", subject: "alice" }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).refresh_token;
}

const record = async (token) => (await post("/test/record", token, T0)).json();

for (const [mode, committed] of [
  ["get", false],
  ["put-before", false],
  ["put-after", true],
]) {
  test(`workerd fault: storage ${mode} fails during a rotation; the retry within grace recovers`, async () => {
    let token = await session();
    // One healthy rotation first, so the fault hits a family with a history.
    token = (await (await post("/token", token, T0 + 1000)).json()).refresh_token;
    const before = await record(token);
    assert.equal(before.currentHash, hashOf(token));
    assert.equal((await post(`/test/fault?mode=${mode}`, token, T0)).status, 204);

    const failed = await post("/token", token, T0 + 2000);
    const body = await failed.json();
    assert.equal(failed.status, 503, JSON.stringify(body));
    assert.equal(body.error, "temporarily_unavailable");
    const after = await record(token);
    if (committed) {
      assert.equal(after.generation, before.generation + 1);
      assert.equal(after.previous.hash, hashOf(token));
    } else {
      assert.deepEqual(after, before);
    }

    const retry = await post("/token", token, T0 + 3000);
    assert.equal(retry.status, 200);
    const successor = (await retry.json()).refresh_token;
    const rec = await record(token);
    assert.equal(rec.currentHash, hashOf(successor), "the client holds the one live token");
    assert.equal(rec.generation, before.generation + 1);
    if (committed) assert.equal(rec.currentHash, after.currentHash, "the committed successor, not a second one");
    const again = await post("/token", token, T0 + 2000 + GRACE * 1000 - 1);
    assert.equal((await again.json()).refresh_token, successor);
    const next = await post("/token", successor, T0 + 8000);
    assert.equal(next.status, 200);
    // The predecessor is now reuse: the family is revoked.
    assert.equal((await post("/token", token, T0 + 9000)).status, 400);
  });
}
