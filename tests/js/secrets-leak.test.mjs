// No refresh token, access token, ID token, client secret or key appears in any error
// (`message`, `String(err)`, `JSON.stringify(err)`, `util.inspect(err)`, `stack`), in issuer
// error responses, in TokenManager events, or in anything written to console.* — through the
// wasm package, with inputs that carry the secrets in many positions (RFC 6819 §4.4, §5.1.4;
// RFC 9700 §4.3).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as jose from "jose";
import {
  buildRefreshRequest,
  parseTokenResponse,
  signJwt,
  verifyJwt,
  TokenManager,
  MemoryStorage,
} from "rotor";
import { Issuer } from "rotor/issuer";
import { configFromEnv, createWorker } from "rotor/worker";

const REFRESH = "rt_7Qm9ZpX2vLw8Ks4Nd6Hf1Jb3Gc5Ta0Ry";
const ACCESS = "at_Vx4Pq8Lm2Wn6Kj9Hs3Df7Ga1Zc5Xb0Yr";
const ID_TOKEN = "idt_Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0X";
const SECRET = "cs_Mn8Bv6Cx4Za2Sd1Fg3Hj5Kl7Qw9Er0T";
const KEY = new TextEncoder().encode("key-material-0123456789abcdefXYZ");
const NOW = 1_800_000_000_000;

/** name -> list of textual forms (raw, base64url, base64, hex, form-urlencoded). */
const secrets = new Map();
function watch(name, value) {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  const forms = new Set([
    jose.base64url.encode(bytes),
    Buffer.from(bytes).toString("base64"),
    Buffer.from(bytes).toString("hex"),
    encodeURIComponent(new TextDecoder().decode(bytes)),
  ]);
  if (typeof value === "string") forms.add(value);
  secrets.set(name + " " + secrets.size, [...forms]);
}
watch("refresh token", REFRESH);
watch("access token", ACCESS);
watch("id token", ID_TOKEN);
watch("client secret", SECRET);
watch("key", KEY);
watch("basic credentials", `web:${SECRET}`);

let checked = 0;
function clean(what, text) {
  checked++;
  for (const [name, forms] of secrets) {
    for (const f of forms) assert.ok(!String(text).includes(f), `${what}: the ${name} appears in ${String(text).slice(0, 300)}`);
  }
}

function cleanError(what, err) {
  assert.ok(err instanceof Error, `${what}: not an Error: ${err}`);
  clean(`${what} message`, err.message);
  clean(`${what} String`, String(err));
  clean(`${what} JSON`, JSON.stringify(err));
  clean(`${what} JSON of own props`, JSON.stringify(Object.fromEntries(Object.getOwnPropertyNames(err).map((k) => [k, err[k]]))));
  clean(`${what} inspect`, inspect(err, { depth: 5, showHidden: true }));
  clean(`${what} stack`, err.stack);
}

function caught(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}

async function caughtAsync(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return null;
}

// Capture everything written to console.* for the whole file.
const consoleText = [];
const originals = {};
before(() => {
  for (const k of ["log", "info", "warn", "error", "debug", "trace"]) {
    originals[k] = console[k];
    console[k] = (...args) => consoleText.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 5 }))).join(" "));
  }
});
after(() => {
  Object.assign(console, originals);
});

const client = (extra = {}) => ({
  tokenEndpoint: "https://id.example.com/token",
  clientId: "web",
  clientSecret: SECRET,
  grantedScope: "openid api.read",
  ...extra,
});

test("client: bad configurations and bad requests never echo a secret", () => {
  let errors = 0;
  for (const authMethod of ["client_secret_basic", "client_secret_post", "client_secret_jwt"]) {
    const c = client({ authMethod });
    const req = buildRefreshRequest(c, { refreshToken: REFRESH }, { now: NOW });
    assert.ok(req.body.includes(REFRESH) || req.body.includes(encodeURIComponent(REFRESH)));
    for (const params of [
      { refreshToken: `${REFRESH}\n` },
      { refreshToken: `\u0000${REFRESH}` },
      { refreshToken: `${REFRESH}é` },
      { refreshToken: REFRESH + "x".repeat(20_000) },
      { refreshToken: REFRESH, scope: "openid admin" },
      { refreshToken: REFRESH, scope: 'a"b' },
      { refreshToken: REFRESH, extraParams: { refresh_token: REFRESH } },
      { refreshToken: REFRESH, extraParams: { client_secret: SECRET } },
      { refreshToken: REFRESH, extraParams: { x: "" } },
      { refreshToken: REFRESH, now: NaN },
      { refreshToken: 42 },
      { refreshToken: { toString: () => REFRESH } },
    ]) {
      const err = caught(() => buildRefreshRequest(c, params));
      if (err) {
        errors++;
        cleanError(`buildRefreshRequest ${authMethod}`, err);
      }
    }
  }
  for (const bad of [
    { tokenEndpoint: `https://id.example.com/token?refresh_token=${REFRESH}` },
    { tokenEndpoint: `https://id.example.com/token?client_secret=${SECRET}` },
    { tokenEndpoint: `https://web:${SECRET}@id.example.com/token` },
    { tokenEndpoint: `https://id.example.com/token#${SECRET}` },
    { tokenEndpoint: `http://id.example.com/${SECRET}` },
    { tokenEndpoint: `not a url ${SECRET}` },
    { tokenEndpoint: `https://id.example.com/${REFRESH}/token` },
    { authMethod: "client_secret_jwt", clientSecret: "short" },
    { authMethod: "none" },
    { clientSecret: "" },
    { clientSecret: 5 },
    { unknownOption: SECRET },
  ]) {
    const err = caught(() => buildRefreshRequest(client(bad), { refreshToken: REFRESH }, { now: NOW }));
    assert.ok(err, `accepted ${JSON.stringify(Object.keys(bad))}`);
    errors++;
    cleanError("bad client config", err);
  }
  assert.ok(errors >= 30, `${errors} errors`);
});

test("client: error responses that echo the credentials are redacted", () => {
  const echo = `token ${REFRESH} client ${SECRET} basic ${Buffer.from(`web:${SECRET}`).toString("base64")} id ${ID_TOKEN}`;
  const previous = { refreshToken: REFRESH, idToken: ID_TOKEN, scope: "openid api.read" };
  const headerSets = [
    { "content-type": "application/json", "www-authenticate": `Basic realm="${SECRET}"`, "retry-after": REFRESH },
    new Headers({ "x-echo": REFRESH, authorization: `Bearer ${ACCESS}` }),
    [["x-echo", SECRET]],
  ];
  const bodies = [
    JSON.stringify({ error: "invalid_grant", error_description: echo }),
    JSON.stringify({ error: "invalid_client", error_description: SECRET, error_uri: `https://e.example/${REFRESH}` }),
    JSON.stringify({ error: REFRESH, error_description: REFRESH }),
    `<html>${REFRESH} ${SECRET}</html>`,
    `{"error":"invalid_grant","error_description":"${REFRESH}","error":"x"}`,
    `{"error":"${REFRESH}`,
  ];
  let n = 0;
  for (const dialect of ["rfc6749", "keycloak", "curity", "pingfederate", "tokenidp"]) {
    const c = client({ dialect });
    const dialectBodies = dialect === "tokenidp"
      ? [...bodies, JSON.stringify({ isSuccess: false, errorCode: "invalid_grant", message: echo, errorUri: echo })]
      : bodies;
    for (const status of [400, 401, 429, 500, 503]) {
      for (const body of dialectBodies) {
        for (const headers of headerSets) {
          const err = caught(() => parseTokenResponse(c, { status, headers, body }, { now: NOW, previous }));
          assert.ok(err);
          cleanError(`${dialect} ${status}`, err);
          n++;
        }
      }
    }
    // 2xx bodies that are not token responses but carry tokens.
    for (const body of [
      { access_token: ACCESS, token_type: 5 },
      { access_token: ACCESS, token_type: "Bearer", expires_in: REFRESH },
      { access_token: 7, refresh_token: REFRESH },
      { access_token: ACCESS, token_type: "Bearer", refresh_token: 5, id_token: ID_TOKEN },
      { isSuccess: true, data: REFRESH },
      [ACCESS, REFRESH],
    ]) {
      const err = caught(() => parseTokenResponse(c, { status: 200, headers: {}, body: JSON.stringify(body) }, { now: NOW, previous }));
      if (err) cleanError(`${dialect} bad 2xx`, err);
    }
  }
  assert.ok(n > 400);
  // The description is kept, with the credentials replaced.
  const err = caught(() =>
    parseTokenResponse(client(), { status: 400, headers: {}, body: JSON.stringify({ error: "invalid_grant", error_description: echo }) }, { now: NOW, previous }),
  );
  assert.equal(err.code, "invalid_grant");
  assert.equal(err.kind, "reauthenticate");
  assert.match(err.description, /^token \[redacted\] client \[redacted\] basic \[redacted\] id \[redacted\]$/);
});

test("JWT: signing and verification failures never echo tokens or key material", () => {
  const token = signJwt({ sub: "alice", exp: NOW / 1000 + 60 }, { key: KEY, kid: "k1", typ: "at+jwt" });
  watch("signed JWT", token);
  watch("JWT signature", token.split(".")[2]);
  for (const key of [KEY.slice(0, 31), jose.base64url.encode(KEY.slice(0, 20)), jose.base64url.encode(KEY) + "=", Buffer.from(KEY).toString("base64") + "+", new TextDecoder().decode(KEY), 5, null]) {
    const err = caught(() => signJwt({ sub: "a" }, { key }));
    assert.ok(err);
    cleanError("signJwt bad key", err);
    const err2 = caught(() => verifyJwt(token, { keys: key, now: NOW }));
    assert.ok(err2);
    cleanError("verifyJwt bad key", err2);
  }
  const err = caught(() => signJwt({ sub: REFRESH, [SECRET]: 1n }, { key: KEY }));
  if (err) cleanError("signJwt bad claims", err);
  const [h, p, s] = token.split(".");
  const enc = (o) => jose.base64url.encode(typeof o === "string" ? o : JSON.stringify(o));
  for (const bad of [
    `${h}.${p}.${enc("x".repeat(32))}`,
    token + "x",
    `${token}.${ACCESS}`,
    ACCESS,
    REFRESH,
    `${ACCESS}.${REFRESH}.${SECRET}`,
    `${enc({ alg: "none", kid: SECRET })}.${enc({ sub: REFRESH })}.`,
    `${enc({ alg: REFRESH })}.${enc({ sub: REFRESH })}.${s}`,
    `${enc({ alg: "HS256", kid: REFRESH })}.${p}.${s}`,
    `${enc(`{"alg":"HS256","alg":"${REFRESH}"}`)}.${p}.${s}`,
    `${h}.${enc(`{"sub":"${REFRESH}","sub":"x"}`)}.${s}`,
    "a".repeat(20_000) + REFRESH,
  ]) {
    for (const opts of [
      { keys: KEY, now: NOW },
      { keys: [{ kid: "k1", key: KEY }], now: NOW, issuer: "https://x", audience: "y", typ: "at+jwt" },
      { keys: new Uint8Array(32).fill(1), now: NOW },
    ]) {
      const e = caught(() => verifyJwt(bad, opts));
      assert.ok(e, bad.slice(0, 40));
      cleanError("verifyJwt", e);
    }
  }
  for (const now of [NOW + 3_600_000]) cleanError("verifyJwt time", caught(() => verifyJwt(token, { keys: KEY, now })));
});

function issuerConfig(extra = {}) {
  return {
    issuer: "https://id.example.com",
    audience: "https://api.example.com",
    keys: [{ kid: "k1", key: KEY }],
    clients: [
      { clientId: "spa", scope: "openid api.read" },
      { clientId: "web", clientSecret: SECRET, scope: "openid api.read" },
      { clientId: "off", clientSecret: SECRET, scope: "api.read", disabled: true },
    ],
    reuseGraceSeconds: 2,
    ...extra,
  };
}

test("issuer: bad configurations never echo keys or secrets", () => {
  for (const extra of [
    { keys: [{ kid: "k1", key: KEY.slice(0, 16) }] },
    { keys: [{ kid: "k1", key: jose.base64url.encode(KEY) + "=" }] },
    { keys: [{ kid: "k1", key: Buffer.from(KEY).toString("base64") + "+/" }] },
    { keys: [{ kid: "k1", key: new TextDecoder().decode(KEY) }] },
    { keys: [{ kid: "k1", key: KEY }, { kid: "k1", key: KEY }] },
    { clients: [{ clientId: "web", clientSecret: "", scope: "a" }] },
    { clients: [{ clientId: "web", clientSecret: SECRET }, { clientId: "web", clientSecret: SECRET }] },
    { issuer: `https://id.example.com/?k=${SECRET}` },
    { issuer: `http://${SECRET}.example.com` },
    { store: { secret: SECRET } },
  ]) {
    const err = caught(() => new Issuer(issuerConfig(extra)));
    assert.ok(err, JSON.stringify(Object.keys(extra)));
    cleanError("new Issuer", err);
  }
  // rotor/worker's configuration from bindings.
  const env = {
    ROTOR_ISSUER: "https://id.example.com",
    ROTOR_AUDIENCE: "api",
    ROTOR_SIGNING_KEYS: JSON.stringify([{ kid: "k", key: jose.base64url.encode(KEY) }]),
    ROTOR_CLIENTS: JSON.stringify([{ clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "a" }]),
    WEB_SECRET: SECRET,
  };
  for (const bad of [
    { ROTOR_SIGNING_KEYS: `[{"kid":"k","key":"${jose.base64url.encode(KEY)}"` },
    { ROTOR_SIGNING_KEYS: undefined, ROTOR_SIGNING_KEY: jose.base64url.encode(KEY.slice(0, 20)) },
    { ROTOR_CLIENTS: `[{"clientId":"web","clientSecret":"${SECRET}"` },
    { ROTOR_CLIENTS: JSON.stringify([{ clientId: "web", clientSecretEnv: "MISSING", scope: "a" }]) },
    { ROTOR_REFRESH_TOKEN_TTL: SECRET },
  ]) {
    const e = { ...env, ...bad };
    const err = caught(() => new Issuer(configFromEnv(e)));
    assert.ok(err, JSON.stringify(Object.keys(bad)));
    cleanError("configFromEnv", err);
  }
});

test("rotor/worker: a broken configuration answers 500 without secrets, and logs none", async () => {
  const { worker } = createWorker();
  const env = {
    ROTOR_ISSUER: "https://id.example.com",
    ROTOR_AUDIENCE: "api",
    ROTOR_SIGNING_KEY: jose.base64url.encode(KEY.slice(0, 20)),
    ROTOR_CLIENTS: JSON.stringify([{ clientId: "web", clientSecretEnv: "WEB_SECRET", scope: "a" }]),
    WEB_SECRET: SECRET,
    RotorFamily: { idFromName: () => ({}), get: () => ({ fetch: async () => new Response("x") }) },
  };
  const res = await worker.fetch(
    new Request("https://id.example.com/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic " + btoa(`web:${SECRET}`) },
      body: `grant_type=refresh_token&refresh_token=${REFRESH}`,
    }),
    env,
    {},
  );
  assert.equal(res.status, 500);
  clean("worker 500 body", await res.text());
  assert.ok(consoleText.length > 0, "the configuration error is logged");
});

test("issuer: error responses (bad secret, reuse, revoked, malformed) never echo a secret", async () => {
  const issuer = new Issuer(issuerConfig());
  const spa = await issuer.startSession({ clientId: "spa", subject: "alice" }, { now: NOW });
  const web = await issuer.startSession({ clientId: "web", subject: "bob" }, { now: NOW });
  for (const s of [spa, web]) {
    watch("issued refresh token", s.refresh_token);
    watch("issued access token", s.access_token);
  }
  const wrong = SECRET + "x";
  watch("wrong secret", wrong);
  const basic = (id, secret) => "Basic " + btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);
  const form = "application/x-www-form-urlencoded";
  const send = async (path, body, headers = {}, now = NOW + 1000, method = "POST") => {
    const res = await issuer.handle(
      new Request("https://id.example.com" + path, { method, headers: { "content-type": form, ...headers }, body: method === "GET" ? undefined : body }),
      { now },
    );
    const text = await res.text();
    clean(`${path} response body`, text);
    clean(`${path} response headers`, JSON.stringify([...res.headers]));
    return { status: res.status, text };
  };
  const grant = (t, extra = "") => `grant_type=refresh_token&refresh_token=${encodeURIComponent(t)}&client_id=spa${extra}`;
  const rt = spa.refresh_token;
  const at = spa.access_token;
  const results = [
    await send("/token", `grant_type=refresh_token&refresh_token=${web.refresh_token}`, { authorization: basic("web", wrong) }),
    await send("/token", `grant_type=refresh_token&refresh_token=${web.refresh_token}&client_id=web&client_secret=${encodeURIComponent(wrong)}`),
    await send("/token", `grant_type=refresh_token&refresh_token=${web.refresh_token}`, { authorization: basic("off", SECRET) }),
    await send("/token", `grant_type=refresh_token&refresh_token=${web.refresh_token}`, { authorization: basic(SECRET, SECRET) }),
    await send("/token", grant(rt), { authorization: `Basic ${SECRET}` }),
    await send("/token", grant(rt), { authorization: `Bearer ${at}` }),
    await send("/token", grant(rt, `&refresh_token=${rt}`)),
    await send("/token", grant(rt + "x")),
    await send("/token", grant(at)),
    await send("/token", grant(REFRESH)),
    await send("/token", grant(rt, `&scope=${rt}`)),
    await send("/token", `grant_type=${rt}&refresh_token=${rt}`),
    await send("/token", `grant_type=refresh_token&refresh_token=${rt}&client_id=${rt}`),
    await send("/token", grant(rt), { "content-type": `text/${rt}` }),
    await send("/token", JSON.stringify({ refresh_token: rt })),
    await send("/token", grant(rt).repeat(2000)),
    await send(`/token/${rt}`, grant(rt)),
    await send(`/token?refresh_token=${rt}&client_secret=${SECRET}`, "", {}, NOW, "GET"),
    await send("/revoke", `token=${web.refresh_token}`, { authorization: basic("web", wrong) }),
    await send("/introspect", `token=${at}`, { authorization: basic("web", wrong) }),
    await send("/introspect", `token=${at}`),
    await send("/introspect", `token=${at}x`, { authorization: basic("web", SECRET) }),
  ];
  assert.ok(results.filter((r) => r.status >= 400).length >= 18, JSON.stringify(results.map((r) => r.status)));
  // Reuse after the grace window revokes the family; then the successor is refused too.
  const rotated = JSON.parse((await send("/token", grant(rt), {}, NOW + 1000)).text);
  watch("rotated refresh token", rotated.refresh_token);
  watch("rotated access token", rotated.access_token);
  assert.equal((await send("/token", grant(rt), {}, NOW + 10_000)).status, 400);
  assert.equal((await send("/token", grant(rotated.refresh_token), {}, NOW + 11_000)).status, 400);
  // Revocation, then use of the revoked token.
  assert.equal((await send("/revoke", `token=${web.refresh_token}`, { authorization: basic("web", SECRET) })).status, 200);
  const revoked = await send("/token", `grant_type=refresh_token&refresh_token=${web.refresh_token}`, { authorization: basic("web", SECRET) });
  assert.equal(revoked.status, 400);
  // A failing store: 503 without secrets, and nothing logged with secrets.
  const failing = new Issuer(issuerConfig({
    store: {
      async update() {
        throw new Error(`store down while writing ${REFRESH} ${SECRET}`);
      },
    },
  }));
  const res = await failing.handle(new Request("https://id.example.com/token", { method: "POST", headers: { "content-type": form }, body: grant(rt) }), { now: NOW });
  assert.equal(res.status, 503);
  clean("503 body", await res.text());
  const sessionErr = await caughtAsync(() => failing.startSession({ clientId: "spa", subject: "a" }, { now: NOW }));
  // The store's own error is rethrown as is by startSession (the caller's store, the caller's text).
  assert.ok(sessionErr);
  const badSession = await caughtAsync(() => issuer.startSession({ clientId: SECRET, subject: REFRESH }, { now: NOW }));
  assert.ok(badSession);
  clean("startSession unknown client", badSession.message);
});

test("TokenManager: failures, events and errors never carry the tokens", async () => {
  const storage = new MemoryStorage();
  await storage.set({
    accessToken: ACCESS,
    tokenType: "Bearer",
    expiresAt: Date.now() - 1000,
    refreshToken: REFRESH,
    refreshExpiresAt: null,
    scope: null,
    idToken: ID_TOKEN,
    rotated: false,
    receivedAt: Date.now() - 301_000,
  });
  const answers = [
    () => new Response(JSON.stringify({ error: "server_error", error_description: `db down for ${REFRESH}` }), { status: 503, headers: { "content-type": "application/json", "retry-after": "0" } }),
    () => {
      throw new TypeError(`fetch failed`);
    },
    () => new Response(JSON.stringify({ error: "invalid_grant", error_description: `refresh token ${REFRESH} revoked; client ${SECRET}` }), { status: 400, headers: { "content-type": "application/json" } }),
  ];
  const fetch = async () => answers.shift()();
  const m = new TokenManager({
    client: { tokenEndpoint: "http://127.0.0.1:9/token", clientId: "web", clientSecret: SECRET, authMethod: "client_secret_post" },
    fetch,
    storage,
    policy: { baseMs: 1, capMs: 5 },
  });
  const events = [];
  for (const type of ["renewed", "rotated", "retrying", "reauthenticate", "error"]) {
    m.addEventListener(type, (e) => events.push({ type, detail: e.detail }));
  }
  const errs = [];
  for (let i = 0; i < 20 && !events.some((e) => e.type === "reauthenticate"); i++) {
    const e = await caughtAsync(() => m.getAccessToken());
    if (e) errs.push(e);
    await new Promise((r) => setTimeout(r, 20));
  }
  m.stop?.();
  assert.ok(errs.length >= 1);
  for (const e of errs) cleanError("getAccessToken", e);
  assert.ok(events.some((e) => e.type === "reauthenticate"), JSON.stringify(events.map((e) => e.type)));
  for (const e of events) {
    const d = e.detail ?? {};
    clean(`event ${e.type}`, inspect(d, { depth: 5 }));
    clean(`event ${e.type} JSON`, JSON.stringify(d, (k, v) => (v instanceof Error ? { message: v.message, ...v } : v)));
  }
  // The tokens are gone after invalid_grant.
  assert.equal(await storage.get(), null);
});

test("console: nothing written to console.* contains a secret", () => {
  for (const line of consoleText) clean("console", line);
  assert.ok(checked > 500, `${checked} checks`);
});
