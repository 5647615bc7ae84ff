// rotor/worker's glue under Node with an in-process stand-in for Durable Objects: config from
// bindings, routing to one object per family, storage failures answered as 503.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWorker, configFromEnv, DurableObjectStore } from "rotor/worker";

const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

function env(extra = {}) {
  return {
    ROTOR_ISSUER: "https://id.example.com",
    ROTOR_AUDIENCE: '["a","b"]',
    ROTOR_SIGNING_KEY: KEY,
    ROTOR_CLIENTS: JSON.stringify([{ clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "x y" }]),
    WEB_SECRET: "pw",
    ROTOR_ACCESS_TOKEN_TTL: "60",
    ...extra,
  };
}

class FakeStorage {
  map = new Map();
  failPut = false;
  alarm = null;
  async get(k) {
    return structuredClone(this.map.get(k));
  }
  async put(k, v) {
    if (this.failPut) throw new Error("storage down");
    this.map.set(k, structuredClone(v));
  }
  async delete(k) {
    return this.map.delete(k);
  }
  async list() {
    return new Map(this.map);
  }
  async setAlarm(at) {
    this.alarm = at;
  }
  async deleteAlarm() {
    this.alarm = null;
  }
}

/** A Durable Object namespace stand-in: one object (and storage) per name. */
function fakeNamespace(RotorFamily, envRef) {
  const objects = new Map();
  return {
    objects,
    idFromName: (name) => name,
    get(id) {
      if (!objects.has(id)) {
        const storage = new FakeStorage();
        objects.set(id, { storage, object: new RotorFamily({ storage }, envRef()) });
      }
      const { object } = objects.get(id);
      return { fetch: (input, init) => object.fetch(input instanceof Request ? input : new Request(input, init)) };
    },
  };
}

const form = (params) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic " + btoa("web:pw") },
  body: new URLSearchParams(params),
});

test("configFromEnv reads bindings and refuses what is missing", () => {
  const c = configFromEnv(env());
  assert.deepEqual(c.audience, ["a", "b"]);
  assert.deepEqual(c.keys, [{ kid: "k1", key: KEY }]);
  assert.equal(c.clients[0].clientSecret, "pw");
  assert.equal(c.accessTokenTtl, 60);
  assert.throws(() => configFromEnv({}), { code: "invalid_config", message: /ROTOR_ISSUER/ });
  assert.throws(() => configFromEnv(env({ ROTOR_SIGNING_KEY: undefined })), { code: "invalid_config", message: /no signing key/ });
  assert.throws(() => configFromEnv(env({ WEB_SECRET: undefined })), { code: "invalid_config", message: /WEB_SECRET/ });
  assert.throws(() => configFromEnv(env({ ROTOR_CLIENTS: "{" })), { code: "invalid_config", message: /ROTOR_CLIENTS/ });
  assert.throws(() => configFromEnv(env({ ROTOR_ACCESS_TOKEN_TTL: "soon" })), { code: "invalid_config" });
});

test("the Worker routes each family to its own object; a storage failure is a 503 with the family unchanged", async () => {
  const { worker, RotorFamily, startSession } = createWorker();
  let e;
  const ns = fakeNamespace(RotorFamily, () => e);
  e = { ...env(), ROTOR_FAMILY: ns };
  const a = await startSession(e, { clientId: "web", subject: "alice" });
  const b = await startSession(e, { clientId: "web", subject: "bob" });
  assert.equal(ns.objects.size, 2);
  for (const { storage } of ns.objects.values()) {
    const [[key, record]] = [...storage.map];
    assert.match(key, /^rotor:family:/);
    assert.equal(typeof record.expiresAt, "number");
    assert.equal(storage.alarm, record.expiresAt);
    assert.ok(!record.value.includes(a.refresh_token) && !record.value.includes(b.refresh_token));
  }
  const res = await worker.fetch(new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: a.refresh_token })), e, {});
  assert.equal(res.status, 200);
  const a1 = (await res.json()).refresh_token;
  // Storage fails: 503, and the token in hand still works afterwards.
  for (const { storage } of ns.objects.values()) storage.failPut = true;
  const down = await worker.fetch(new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: a1 })), e, {});
  assert.equal(down.status, 503);
  assert.equal((await down.json()).error, "temporarily_unavailable");
  for (const { storage } of ns.objects.values()) storage.failPut = false;
  const ok = await worker.fetch(new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: a1 })), e, {});
  assert.equal(ok.status, 200);
  // Metadata and malformed requests never reach an object.
  const meta = await worker.fetch(new Request("https://id.example.com/.well-known/oauth-authorization-server"), e, {});
  assert.equal((await meta.json()).issuer, "https://id.example.com");
  const bad = await worker.fetch(new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: "nope" })), e, {});
  assert.equal(bad.status, 400);
  assert.equal(ns.objects.size, 2);
});

test("the Worker front refuses forged refresh tokens and answers preflights without any Durable Object", async () => {
  const { worker, RotorFamily, startSession } = createWorker();
  let e;
  const ns = fakeNamespace(RotorFamily, () => e);
  let gets = 0;
  const counting = { ...ns, get: (id) => (gets++, ns.get(id)) };
  const clients = [{ clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "x y", allowedOrigins: ["https://app.example"] }];
  e = { ...env({ ROTOR_CLIENTS: JSON.stringify(clients) }), ROTOR_FAMILY: counting };
  const s = await startSession(e, { clientId: "web", subject: "alice" });
  assert.equal(s.refresh_token.length, 86);
  const raw = Buffer.from(s.refresh_token, "base64url");
  raw[63] ^= 1; // a bit of the MAC
  const forgeries = [raw.toString("base64url"), s.refresh_token.slice(0, 64), "A".repeat(80)];
  gets = 0;
  for (const token of forgeries) {
    const res = await worker.fetch(new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: token })), e, {});
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, "invalid_grant");
    const revoke = await worker.fetch(new Request("https://id.example.com/revoke", form({ token })), e, {});
    assert.equal(revoke.status, 200);
  }
  const preflight = await worker.fetch(
    new Request("https://id.example.com/token", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    }),
    e,
    {},
  );
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(preflight.headers.get("access-control-allow-methods"), "POST");
  assert.equal(gets, 0, "no Durable Object was called");
  // The real token still works, and its answer is readable by the client's page.
  const ok = await worker.fetch(
    new Request("https://id.example.com/token", {
      ...form({ grant_type: "refresh_token", refresh_token: s.refresh_token }),
      headers: { ...form({}).headers, origin: "https://app.example" },
    }),
    e,
    {},
  );
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
});

test("the test clock header is ignored unless ROTOR_TEST_CLOCK is set", async () => {
  const { worker, RotorFamily, startSession } = createWorker();
  let e;
  const ns = fakeNamespace(RotorFamily, () => e);
  e = { ...env(), ROTOR_FAMILY: ns };
  const s = await startSession(e, { clientId: "web", subject: "alice" });
  const far = String(Date.now() + 400 * 24 * 3600 * 1000);
  const req = new Request("https://id.example.com/token", form({ grant_type: "refresh_token", refresh_token: s.refresh_token }));
  req.headers.set("x-rotor-test-now", far);
  const res = await worker.fetch(req, e, {});
  assert.equal(res.status, 200);
});

test("DurableObjectStore serializes updates", async () => {
  const storage = new FakeStorage();
  const store = new DurableObjectStore(storage);
  await Promise.all(
    Array.from({ length: 20 }, () =>
      store.update("k", (cur) => ({ value: String(Number(cur?.value ?? 0) + 1), expiresAt: 1 })),
    ),
  );
  assert.equal((await store.get("k")).value, "20");
  await store.update("k", () => null);
  assert.equal(await store.get("k"), null);
});

test("DurableObjectStore writes the purge alarm only when it must move earlier", async () => {
  const storage = new FakeStorage();
  const writes = [];
  const setAlarm = storage.setAlarm.bind(storage);
  storage.setAlarm = async (at) => {
    writes.push(at);
    return setAlarm(at);
  };
  const store = new DurableObjectStore(storage);
  const put = (expiresAt) => store.update("k", () => ({ value: "v", expiresAt }));
  await put(5000);
  assert.deepEqual(writes, [5000]);
  // A later expiry (idle lifetime pushed back) or the same one: the alarm stays; when it
  // fires, RotorFamily.alarm() re-arms it for the record's expiry.
  await put(9000);
  await put(9000);
  assert.deepEqual(writes, [5000]);
  assert.equal(storage.alarm, 5000);
  // An earlier expiry moves it.
  await put(3000);
  assert.deepEqual(writes, [5000, 3000]);
  // A failed alarm write is retried by the next update.
  storage.setAlarm = async () => {
    throw new Error("alarm down");
  };
  await put(2000);
  storage.setAlarm = async (at) => {
    writes.push(at);
    return setAlarm(at);
  };
  await put(8000);
  assert.deepEqual(writes, [5000, 3000, 8000]);
  // After a delete the store no longer knows of an alarm: the next record sets one.
  await store.update("k", () => null);
  assert.equal(storage.alarm, null);
  await put(7000);
  assert.deepEqual(writes, [5000, 3000, 8000, 7000]);
  // A fresh instance (an evicted object) does not know which alarm is set: it sets one.
  await new DurableObjectStore(storage).update("k", () => ({ value: "v", expiresAt: 9999 }));
  assert.equal(storage.alarm, 9999);
});

test("the alarm purges an expired family record and re-arms for a live one", async () => {
  const { RotorFamily, startSession } = createWorker();
  let e;
  const ns = fakeNamespace(RotorFamily, () => e);
  e = { ...env(), ROTOR_FAMILY: ns };
  await startSession(e, { clientId: "web", subject: "alice" });
  const [{ storage, object }] = [...ns.objects.values()];
  const [[key, record]] = [...storage.map];
  await object.alarm();
  assert.equal(storage.map.size, 1);
  assert.equal(storage.alarm, record.expiresAt);
  storage.map.set(key, { ...record, expiresAt: Date.now() - 1 });
  await object.alarm();
  assert.equal(storage.map.size, 0);
});
