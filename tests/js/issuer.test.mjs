// The Issuer driver through the wasm package: handle(), startSession(), MemoryStore,
// concurrency, store failures; access tokens checked with jose.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as jose from "jose";
import { Issuer, MemoryStore } from "../support/delivery.mjs";

const T0 = 1_800_000_000_000;
const KEY = new Uint8Array(32).fill(7);
const OLD_KEY = new Uint8Array(40).fill(9);
const ISS = "https://id.example.com";

function config(extra = {}) {
  return {
    issuer: ISS,
    audience: "https://api.example.com",
    keys: [
      { kid: "k2", key: KEY },
      { kid: "k1", key: jose.base64url.encode(OLD_KEY) },
    ],
    clients: [
      { clientId: "spa", scope: "openid profile api.read" },
      { clientId: "web", clientSecret: "s3cret", scope: "openid api.read" },
      { clientId: "off", clientSecret: "pw", scope: "api.read", disabled: true },
    ],
    ...extra,
  };
}

function tokenRequest(params, headers = {}, path = "/token") {
  return new Request(ISS + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });
}

const refresh = (issuer, token, now, extra = {}) =>
  issuer.handle(tokenRequest({ grant_type: "refresh_token", refresh_token: token, client_id: "spa", ...extra }), { now });

async function expectError(res, status, code) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error, code);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("pragma"), "no-cache");
  return body;
}

test("startSession and refresh issue RFC 9068 access tokens that jose verifies", async () => {
  const issuer = new Issuer(config());
  const first = await issuer.startSession({ clientId: "spa", subject: "alice", scope: "openid api.read", claims: { tenant: "acme" } }, { now: T0 });
  assert.deepEqual(Object.keys(first).sort(), ["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
  assert.equal(first.token_type, "Bearer");
  assert.equal(first.expires_in, 300);
  assert.match(first.refresh_token, /^[A-Za-z0-9_-]{86}$/);
  const res = await refresh(issuer, first.refresh_token, T0 + 1000);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("pragma"), "no-cache");
  const body = await res.json();
  assert.notEqual(body.refresh_token, first.refresh_token);
  for (const [at, iat] of [[first.access_token, T0 / 1000], [body.access_token, T0 / 1000 + 1]]) {
    const { payload, protectedHeader } = await jose.jwtVerify(at, KEY, {
      typ: "at+jwt",
      issuer: ISS,
      audience: "https://api.example.com",
      algorithms: ["HS256"],
      currentDate: new Date(iat * 1000),
    });
    assert.deepEqual(protectedHeader, { alg: "HS256", typ: "at+jwt", kid: "k2" });
    assert.equal(payload.sub, "alice");
    assert.equal(payload.client_id, "spa");
    assert.equal(payload.scope, "openid api.read");
    assert.equal(payload.tenant, "acme");
    assert.equal(payload.iat, iat);
    assert.equal(payload.exp, iat + 300);
    assert.match(payload.jti, /^[A-Za-z0-9_-]{22}$/);
  }
  const a = jose.decodeJwt(first.access_token).jti;
  const b = jose.decodeJwt(body.access_token).jti;
  assert.notEqual(a, b);
});

test("Issuer.handle refuses forged refresh tokens without calling the store", async () => {
  const inner = new MemoryStore();
  let updates = 0;
  const store = { update: (k, fn, c) => (updates++, inner.update(k, fn, c)), get: (k, c) => inner.get(k, c) };
  const issuer = new Issuer(config({ store }));
  const s = await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: T0 });
  const raw = jose.base64url.decode(s.refresh_token);
  raw[63] ^= 1; // a bit of the MAC
  updates = 0;
  for (const token of [jose.base64url.encode(raw), s.refresh_token.slice(0, 64), "A".repeat(80)]) {
    await expectError(await refresh(issuer, token, T0 + 1000), 400, "invalid_grant");
  }
  assert.equal(updates, 0);
  assert.equal((await refresh(issuer, s.refresh_token, T0 + 1000)).status, 200);
  assert.equal(updates, 1);
});

test("rotation chain, then reuse of a retired token revokes the family", async () => {
  const issuer = new Issuer(config());
  let token = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  const seen = [token];
  for (let i = 1; i <= 5; i++) {
    const res = await refresh(issuer, token, T0 + i * 1000);
    assert.equal(res.status, 200);
    token = (await res.json()).refresh_token;
    assert.ok(!seen.includes(token));
    seen.push(token);
  }
  const body = await expectError(await refresh(issuer, seen[2], T0 + 10_000), 400, "invalid_grant");
  assert.match(body.error_description, /reuse/);
  await expectError(await refresh(issuer, token, T0 + 11_000), 400, "invalid_grant");
});

test("grace: the just-retired token returns the same successor; later it is reuse", async () => {
  const issuer = new Issuer(config({ reuseGraceSeconds: 5 }));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  const t1 = (await (await refresh(issuer, t0, T0)).json()).refresh_token;
  const retry = await refresh(issuer, t0, T0 + 5000);
  assert.equal(retry.status, 200);
  assert.equal((await retry.json()).refresh_token, t1);
  await expectError(await refresh(issuer, t0, T0 + 5001), 400, "invalid_grant");
  await expectError(await refresh(issuer, t1, T0 + 5002), 400, "invalid_grant");
});

test("50 concurrent redemptions of one token: one successor (grace) / one winner, family revoked (no grace)", async () => {
  {
    const issuer = new Issuer(config({ reuseGraceSeconds: 30 }));
    const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(issuer, t0, T0 + 100)));
    const bodies = await Promise.all(results.map((r) => r.json()));
    assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
    const successors = new Set(bodies.map((b) => b.refresh_token));
    assert.equal(successors.size, 1);
    assert.ok(!successors.has(t0));
    const [t1] = successors;
    assert.equal((await refresh(issuer, t1, T0 + 200)).status, 200);
  }
  {
    const issuer = new Issuer(config());
    const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(issuer, t0, T0 + 100)));
    const bodies = await Promise.all(results.map((r) => r.json()));
    const winners = bodies.filter((b) => b.refresh_token);
    assert.equal(winners.length, 1);
    assert.equal(bodies.filter((b) => b.error === "invalid_grant").length, 49);
    // The retries were reuse: the family is revoked, so no branch stays alive.
    await expectError(await refresh(issuer, winners[0].refresh_token, T0 + 200), 400, "invalid_grant");
  }
});

test("reuse rotation keeps the refresh token", async () => {
  const issuer = new Issuer(config({ rotation: "reuse" }));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  for (let i = 0; i < 3; i++) {
    const res = await refresh(issuer, t0, T0 + i);
    assert.equal((await res.json()).refresh_token, t0);
  }
});

test("absolute and idle expiry, and MemoryStore purges expired families", async () => {
  const store = new MemoryStore();
  const issuer = new Issuer(config({ refreshTokenTtl: 3600, refreshIdleTtl: 600, store }));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  const t1 = (await (await refresh(issuer, t0, T0 + 599_000)).json()).refresh_token;
  await expectError(await refresh(issuer, t1, T0 + 599_000 + 600_000), 400, "invalid_grant");
  // Many families, then time passes: the store does not grow without bound.
  for (let i = 0; i < 2000; i++) await issuer.startSession({ clientId: "spa", subject: "u" + i }, { now: T0 });
  assert.ok(store.size >= 2000);
  for (let i = 0; i < 300; i++) await issuer.startSession({ clientId: "spa", subject: "v" + i }, { now: T0 + 3_600_000 });
  assert.ok(store.size <= 300, `store holds ${store.size} records`);
});

test("client binding, disabled client, scope narrowing and widening", async () => {
  const issuer = new Issuer(config());
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  const basic = "Basic " + btoa("web:s3cret");
  await expectError(await issuer.handle(tokenRequest({ grant_type: "refresh_token", refresh_token: t0 }, { authorization: basic }), { now: T0 }), 400, "invalid_grant");
  const off = await issuer.handle(tokenRequest({ grant_type: "refresh_token", refresh_token: t0 }, { authorization: "Basic " + btoa("off:pw") }), { now: T0 });
  await expectError(off, 401, "invalid_client");
  assert.equal(off.headers.get("www-authenticate"), `Basic realm="${ISS}", charset="UTF-8"`);
  const narrow = await (await refresh(issuer, t0, T0, { scope: "api.read" })).json();
  assert.equal(narrow.scope, "api.read");
  assert.equal(jose.decodeJwt(narrow.access_token).scope, "api.read");
  await expectError(await refresh(issuer, narrow.refresh_token, T0, { scope: "api.write" }), 400, "invalid_scope");
  const full = await (await refresh(issuer, narrow.refresh_token, T0)).json();
  assert.equal(full.scope, "openid profile api.read");
});

test("a failing store answers 503 temporarily_unavailable and the family is unchanged", async () => {
  const inner = new MemoryStore();
  let fail = false;
  const store = {
    get: (k, c) => inner.get(k, c),
    delete: (k) => inner.delete(k),
    update: async (k, fn, c) => {
      if (fail) throw new Error("KV down");
      return inner.update(k, fn, c);
    },
  };
  const issuer = new Issuer(config({ store }));
  const t0 = (await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 })).refresh_token;
  fail = true;
  const res = await refresh(issuer, t0, T0);
  await expectError(res, 503, "temporarily_unavailable");
  assert.equal(res.headers.get("retry-after"), "1");
  fail = false;
  assert.equal((await refresh(issuer, t0, T0)).status, 200);
});

test("bad requests: 405, 404, oversized and duplicate parameters, never a 500", async () => {
  const issuer = new Issuer(config());
  const get = await issuer.handle(new Request(ISS + "/token"));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  assert.equal((await issuer.handle(new Request(ISS + "/elsewhere", { method: "POST" }))).status, 404);
  const big = new Request(ISS + "/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "a=" + "x".repeat(70 * 1024),
  });
  await expectError(await issuer.handle(big), 400, "invalid_request");
  const dup = new Request(ISS + "/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=refresh_token&client_id=spa&client_id=spa&refresh_token=x",
  });
  await expectError(await issuer.handle(dup), 400, "invalid_request");
  await expectError(await issuer.handle(new Request(ISS + "/token", { method: "POST", body: "\u0000" })), 400, "invalid_request");
  const meta = await issuer.handle(new Request(ISS + "/.well-known/oauth-authorization-server"));
  assert.equal(meta.status, 200);
  assert.equal((await meta.json()).token_endpoint, ISS + "/token");
  const head = await issuer.handle(new Request(ISS + "/.well-known/oauth-authorization-server", { method: "HEAD" }));
  assert.equal(head.status, 200);
});

test("revocation and introspection through handle()", async () => {
  const issuer = new Issuer(config());
  const s = await issuer.startSession({ clientId: "web", subject: "u" }, { now: T0 });
  const auth = { authorization: "Basic " + btoa("web:s3cret") };
  const intro = async (token) =>
    (await issuer.handle(tokenRequest({ token }, auth, "/introspect"), { now: T0 })).json();
  assert.equal((await intro(s.refresh_token)).active, true);
  const at = await intro(s.access_token);
  assert.equal(at.active, true);
  assert.equal(at.sub, "u");
  const rev = await issuer.handle(tokenRequest({ token: s.refresh_token }, auth, "/revoke"), { now: T0 });
  assert.equal(rev.status, 200);
  assert.deepEqual(await intro(s.refresh_token), { active: false });
  const again = await issuer.handle(tokenRequest({ token: s.refresh_token }, auth, "/revoke"), { now: T0 });
  assert.equal(again.status, 200);
});

test("configuration errors are typed", () => {
  const cases = [
    [{ keys: [{ kid: "a", key: new Uint8Array(16) }] }, "weak_key"],
    [{ keys: [{ kid: "a", key: "AAAA" }] }, "weak_key"],
    [{ keys: [{ kid: "a", key: "not base64url!" }] }, "invalid_config"],
    [{ issuer: "http://id.example.com" }, "invalid_config"],
    [{ dialect: "nope" }, "invalid_config"],
    [{ store: {} }, "invalid_config"],
    [{ rotation: 3 }, "invalid_config"],
    [{ unknownOption: 1 }, "invalid_config"],
    // JSON would turn these into null (= the default): they are refused instead.
    [{ accessTokenTtl: NaN }, "invalid_config"],
    [{ refreshIdleTtl: Infinity }, "invalid_config"],
    [{ reuseGraceSeconds: 1.5 }, "invalid_config"],
    [{ refreshTokenTtl: 10n }, "invalid_config"],
    // A secret pasted into the wrong field is not quoted back (serde would show the value).
    [{ accessTokenTtl: "s3cret-in-the-wrong-field" }, "invalid_config"],
    [{ clients: [{ clientId: "spa", disabled: "s3cret-in-the-wrong-field" }] }, "invalid_config"],
  ];
  for (const [extra, code] of cases) {
    assert.throws(() => new Issuer(config(extra)), (e) => e.code === code && !/s3cret/.test(e.message), JSON.stringify(Object.keys(extra)));
  }
  assert.throws(() => new Issuer(), { code: "invalid_config" });
});

test("startSession refuses bad input with invalid_argument", async () => {
  const issuer = new Issuer(config());
  for (const input of [{ clientId: "nobody", subject: "u" }, { clientId: "spa", subject: "u", scope: "admin" }, { clientId: "spa" }, { clientId: "off", subject: "u" }]) {
    await assert.rejects(issuer.startSession(input), { code: "invalid_argument" });
  }
});

test("tokenidp dialect over handle(): JSON body in, envelope out", async () => {
  const issuer = new Issuer(config({ dialect: "tokenidp" }));
  const s = await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 });
  assert.equal(s.isSuccess, true);
  const res = await issuer.handle(
    new Request(ISS + "/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grantType: "refresh_token", clientId: "spa", refreshToken: s.data.refreshToken }),
    }),
    { now: T0 },
  );
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(body.data).sort(), ["accessToken", "expiresIn", "refreshToken", "tokenType"]);
});

test("request bodies: a chunked body is cut at 64 KiB unread; paths come from the URL without query", async () => {
  const issuer = new Issuer(config());
  // Transfer-Encoding and no Content-Length (a body of unknown length from the network): read
  // chunk by chunk and cancelled once over the limit, never buffered whole.
  let pulled = 0;
  let cancelled = false;
  const chunk = new TextEncoder().encode("a=" + "x".repeat(8 * 1024));
  const stream = new ReadableStream({
    pull(c) {
      pulled++;
      if (pulled > 1000) c.close();
      else c.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const chunked = new Request(ISS + "/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" },
    body: stream,
    duplex: "half",
  });
  const body = await expectError(await issuer.handle(chunked), 400, "invalid_request");
  assert.match(body.error_description, /larger than 65536 bytes/);
  assert.ok(cancelled && pulled < 20, `pulled ${pulled} chunks`);
  // A declared Content-Length over the limit is refused without reading.
  const declared = new Request(ISS + "/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "70000" },
    body: "grant_type=refresh_token",
  });
  await expectError(await issuer.handle(declared), 400, "invalid_request");
  // A chunked body under the limit is read whole.
  const s = await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 });
  const form = new TextEncoder().encode(new URLSearchParams({ grant_type: "refresh_token", refresh_token: s.refresh_token, client_id: "spa" }).toString());
  const small = new Request(ISS + "/token?ignored=1#frag", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" },
    body: new ReadableStream({
      start(c) {
        c.enqueue(form.subarray(0, 10));
        c.enqueue(form.subarray(10));
        c.close();
      },
    }),
    duplex: "half",
  });
  const ok = await issuer.handle(small, { now: T0 });
  assert.equal(ok.status, 200);
  // The path is the URL's pathname (query and port ignored; no decoding, no trailing slash).
  const table = [
    ["https://id.example.com:8443/.well-known/oauth-authorization-server?x=/token", 200],
    ["https://id.example.com/.well-known/oauth-authorization-server#/token", 200],
    ["https://id.example.com/%2Ewell-known/oauth-authorization-server", 404],
    ["https://id.example.com/.well-known/oauth-authorization-server/", 404],
    ["https://id.example.com", 404],
  ];
  for (const [url, status] of table) {
    assert.equal((await issuer.handle(new Request(url))).status, status, url);
  }
});
