// Fault injection in the issuer's store during a rotation (RFC 9700 §4.14.2): whatever step
// fails, the family stays consistent — either the old token still works (nothing committed)
// or a retry within the grace window returns the committed successor (response lost) — never
// neither, never two live tokens. Against MemoryStore and against rotor/worker's
// DurableObjectStore over a failing fake of Durable Object storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as jose from "jose";
import { Issuer, MemoryStore } from "rotor/issuer";
import { DurableObjectStore } from "rotor/worker";

const T0 = 1_800_000_000_000;
const KEY = new Uint8Array(32).fill(11);
const GRACE = 5;

function config(store) {
  return {
    issuer: "https://id.example.com",
    audience: "https://api.example.com",
    keys: [{ kid: "k", key: KEY }],
    clients: [{ clientId: "spa", scope: "api.read" }],
    reuseGraceSeconds: GRACE,
    refreshTokenTtl: 3600,
    store,
  };
}

function refresh(issuer, token, now) {
  const request = new Request("https://id.example.com/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
  });
  return issuer.handle(request, { now });
}

/**
 * base64url(SHA-256(family id ‖ random)): what the record stores for the live token (the
 * token's first 48 bytes; its last 16 are the MAC).
 */
function hashOf(token) {
  return jose.base64url.encode(createHash("sha256").update(jose.base64url.decode(token).subarray(0, 48)).digest());
}

function familyKeyOf(store) {
  const keys = [...store.keys()];
  assert.equal(keys.length, 1);
  return keys[0];
}

/**
 * A store that fails once, on the `failOn`-th call of `update`, at `phase`:
 * - "before": throws before reading anything (nothing committed);
 * - "in-fn": runs the issuer's decision, then throws before writing (nothing committed);
 * - "after": commits the change, then throws (the response is lost).
 */
class FaultyStore {
  #inner = new MemoryStore();
  #map = new Map();
  calls = 0;
  constructor(failOn, phase) {
    this.failOn = failOn;
    this.phase = phase;
  }
  keys() {
    return this.#map.keys();
  }
  record(key) {
    return JSON.parse(this.#map.get(key).value);
  }
  async get(key, ctx) {
    return this.#inner.get(key, ctx);
  }
  async update(key, fn, ctx) {
    const n = ++this.calls;
    const fail = n === this.failOn;
    if (fail && this.phase === "before") throw new Error("store unavailable");
    const out = await this.#inner.update(
      key,
      (current) => {
        const next = fn(current);
        if (fail && this.phase === "in-fn") throw new Error("write failed");
        return next;
      },
      ctx,
    );
    if (out) this.#map.set(key, out);
    else this.#map.delete(key);
    if (fail && this.phase === "after") throw new Error("connection reset after commit");
    return out;
  }
}

async function expectStatus(res, status, code) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  if (code) assert.equal(body.error, code);
  return body;
}

for (const phase of ["before", "in-fn", "after"]) {
  for (const step of [1, 2, 3]) {
    test(`fault: MemoryStore fails ${phase} commit at rotation ${step}; the retry within grace recovers`, async () => {
      // Call 1 is startSession; call 1 + step is the step-th rotation.
      const store = new FaultyStore(1 + step, phase);
      const issuer = new Issuer(config(store));
      const first = await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 });
      const key = familyKeyOf(store);
      let token = first.refresh_token;
      let now = T0;
      for (let i = 1; i < step; i++) {
        now += 1000;
        token = (await expectStatus(await refresh(issuer, token, now), 200)).refresh_token;
      }
      const before = store.record(key);
      assert.equal(before.currentHash, hashOf(token));

      now += 1000;
      const failed = await refresh(issuer, token, now);
      const body = await expectStatus(failed, 503, "temporarily_unavailable");
      assert.equal(failed.headers.get("retry-after"), "1");
      assert.ok(!JSON.stringify(body).includes(token));
      const after = store.record(key);
      if (phase === "after") {
        // Committed: the record moved on to a successor the client never saw.
        assert.equal(after.generation, before.generation + 1);
        assert.equal(after.previous.hash, hashOf(token));
        assert.notEqual(after.currentHash, hashOf(token));
      } else {
        // Nothing committed: the record is untouched.
        assert.deepEqual(after, before);
      }

      // The client retries the same token within the grace window.
      const retry = await expectStatus(await refresh(issuer, token, now + (GRACE * 1000) / 2), 200);
      const successor = retry.refresh_token;
      const rec = store.record(key);
      // Exactly one live token, and it is the successor the client now holds.
      assert.equal(rec.currentHash, hashOf(successor));
      assert.equal(rec.generation, before.generation + 1);
      assert.equal(rec.previous.hash, hashOf(token));
      if (phase === "after") assert.equal(rec.currentHash, after.currentHash, "the committed successor, not a second one");
      // A second retry (within grace) gives the same successor again.
      const again = await expectStatus(await refresh(issuer, token, now + GRACE * 1000 - 1), 200);
      assert.equal(again.refresh_token, successor);
      // The chain continues from the successor; the old token is then reuse.
      const next = await expectStatus(await refresh(issuer, successor, now + GRACE * 1000), 200);
      assert.ok(next.refresh_token !== successor && next.refresh_token !== token);
      await expectStatus(await refresh(issuer, token, now + GRACE * 1000 + 1), 400, "invalid_grant");
    });
  }
}

test("fault: a lost response retried AFTER the grace window is reuse: the family is revoked (never two live branches)", async () => {
  const store = new FaultyStore(2, "after");
  const issuer = new Issuer(config(store));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 })).refresh_token;
  await expectStatus(await refresh(issuer, t0, T0 + 1000), 503);
  await expectStatus(await refresh(issuer, t0, T0 + 1000 + GRACE * 1000 + 1), 400, "invalid_grant");
  // The family is gone: nothing is redeemable any more.
  assert.equal([...store.keys()].length, 0);
});

test("fault: a store failure on every attempt never loses the family; it recovers when the store does", async () => {
  const store = new FaultyStore(0, "before");
  const issuer = new Issuer(config(store));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 })).refresh_token;
  const key = familyKeyOf(store);
  const before = store.record(key);
  for (let i = 0; i < 5; i++) {
    store.failOn = store.calls + 1;
    await expectStatus(await refresh(issuer, t0, T0 + 1000 + i), 503);
  }
  assert.deepEqual(store.record(key), before);
  assert.ok((await expectStatus(await refresh(issuer, t0, T0 + 2000), 200)).refresh_token);
});

// ---------- DurableObjectStore over a failing storage ----------

/**
 * A fake of Durable Object storage (get/put/delete/setAlarm/deleteAlarm). `faults` maps an
 * operation name to the call number (1-based) on which it fails: "put" fails before writing,
 * "put-after" writes and then throws, "setAlarm" fails (housekeeping).
 */
class FakeStorage {
  map = new Map();
  alarm = null;
  counts = {};
  constructor(faults = {}) {
    this.faults = faults;
  }
  #tick(op) {
    this.counts[op] = (this.counts[op] ?? 0) + 1;
    return this.faults[op] === this.counts[op];
  }
  async get(key) {
    if (this.#tick("get")) throw new Error("storage get failed");
    return structuredClone(this.map.get(key));
  }
  async put(key, value) {
    if (this.#tick("put")) throw new Error("storage put failed");
    this.map.set(key, structuredClone(value));
    if (this.#tick("put-after")) throw new Error("storage connection lost after put");
  }
  async delete(key) {
    this.map.delete(key);
  }
  async setAlarm(t) {
    if (this.#tick("setAlarm")) throw new Error("alarm failed");
    this.alarm = t;
  }
  async deleteAlarm() {
    this.alarm = null;
  }
}

for (const [fault, committed] of [
  [{ get: 2 }, false],
  [{ put: 2 }, false],
  [{ "put-after": 2 }, true],
  [{ setAlarm: 2 }, true],
]) {
  const name = Object.keys(fault)[0];
  test(`fault: DurableObjectStore, storage ${name} fails during the rotation`, async () => {
    const storage = new FakeStorage(fault);
    const issuer = new Issuer(config(new DurableObjectStore(storage)));
    const t0 = (await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 })).refresh_token;
    const [key] = [...storage.map.keys()];
    const before = JSON.parse(storage.map.get(key).value);
    const res = await refresh(issuer, t0, T0 + 1000);
    const rec = JSON.parse(storage.map.get(key).value);
    if (name === "setAlarm") {
      // The purge alarm is housekeeping: its failure does not fail a committed rotation.
      const body = await expectStatus(res, 200);
      assert.equal(rec.currentHash, hashOf(body.refresh_token));
      return;
    }
    await expectStatus(res, 503, "temporarily_unavailable");
    if (committed) assert.equal(rec.previous.hash, hashOf(t0));
    else assert.deepEqual(rec, before);
    // The store keeps working after a failure (its serialising chain is not poisoned), and
    // the retry within grace yields the one live successor.
    const retry = await expectStatus(await refresh(issuer, t0, T0 + 2000), 200);
    const after = JSON.parse(storage.map.get(key).value);
    assert.equal(after.currentHash, hashOf(retry.refresh_token));
    assert.equal(after.generation, 1);
    if (committed) assert.equal(after.currentHash, rec.currentHash);
    // The purge alarm follows the committed record.
    assert.equal(storage.alarm, storage.map.get(key).expiresAt);
    const next = await expectStatus(await refresh(issuer, retry.refresh_token, T0 + 3000), 200);
    assert.ok(next.refresh_token);
  });
}

test("fault: DurableObjectStore serialises concurrent rotations: 20 at once give one successor", async () => {
  const storage = new FakeStorage();
  const issuer = new Issuer(config(new DurableObjectStore(storage)));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 })).refresh_token;
  const bodies = await Promise.all(Array.from({ length: 20 }, () => refresh(issuer, t0, T0 + 1000).then((r) => expectStatus(r, 200))));
  assert.equal(new Set(bodies.map((b) => b.refresh_token)).size, 1);
  const [key] = [...storage.map.keys()];
  assert.equal(JSON.parse(storage.map.get(key).value).generation, 1);
});
