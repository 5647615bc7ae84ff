// Which failures are outages and which are bugs (issue 14 item 9): Issuer.handle / route and
// rotor/worker answer 503 temporarily_unavailable only when the *store* fails; any other
// exception is a 500 server_error, logged without secrets, so that a bug never looks like an
// outage; configuration errors are logged for the operator and never sent to a caller. Bodies
// of unknown length are read by the Worker with the 64 KiB cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Issuer, MemoryStore } from "rotor/issuer";
import { createWorker } from "rotor/worker";

const ISS = "https://id.example.com";
const T0 = 1_800_000_000_000;
const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const SECRET = "rt-SECRET-d0-not-log";

const config = (extra = {}) => ({
  issuer: ISS,
  audience: "https://api.example.com",
  keys: [{ kid: "k1", key: KEY }],
  clients: [{ clientId: "spa", scope: "api.read" }],
  ...extra,
});

const refreshRequest = (token) =>
  new Request(`${ISS}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
  });

/** Runs `fn` with console.error captured; returns [result, logged lines]. */
async function logged(fn) {
  const lines = [];
  const original = console.error;
  console.error = (...args) => lines.push(args.map(String).join(" "));
  try {
    return [await fn(), lines];
  } finally {
    console.error = original;
  }
}

async function expectJson(res, status, error) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  assert.equal(body.error, error);
  return body;
}

test("Issuer.handle: a store that throws is 503; a bug in what the store runs is 500, logged without secrets", async () => {
  const inner = new MemoryStore();
  let mode = "ok";
  const store = {
    get: (k, c) => inner.get(k, c),
    update: async (k, fn, c) => {
      if (mode === "down") throw new Error(`KV down while holding ${SECRET}`);
      if (mode === "bug") {
        // An injected bug: the record handed to the core's function blows up when read.
        return fn({
          get value() {
            throw new TypeError(`cannot read ${SECRET}`);
          },
          expiresAt: T0 + 1e9,
        });
      }
      return inner.update(k, fn, c);
    },
  };
  const issuer = new Issuer(config({ store }));
  const session = await issuer.startSession({ clientId: "spa", subject: "u" }, { now: T0 });

  mode = "down";
  const [down, downLog] = await logged(() => issuer.handle(refreshRequest(session.refresh_token), { now: T0 }));
  await expectJson(down, 503, "temporarily_unavailable");
  assert.equal(down.headers.get("retry-after"), "1");
  assert.deepEqual(downLog, [], "an outage is not logged as a bug");

  mode = "bug";
  const [bug, bugLog] = await logged(() => issuer.handle(refreshRequest(session.refresh_token), { now: T0 }));
  const body = await expectJson(bug, 500, "server_error");
  assert.equal(body.error_description, "internal error");
  assert.equal(bug.headers.get("retry-after"), null);
  assert.equal(bugLog.length, 1);
  assert.match(bugLog[0], /rotor issuer: internal error in Issuer\.handle: TypeError \(message withheld\)/);
  assert.doesNotMatch(bugLog.join("\n"), /SECRET|rt-/);

  // The family was not touched by either: the token still works.
  mode = "ok";
  assert.equal((await issuer.handle(refreshRequest(session.refresh_token), { now: T0 })).status, 200);

  // A caller's bug (a `now` that is not a time) is a 500 as well, not an outage.
  const [badNow, badNowLog] = await logged(() => issuer.handle(refreshRequest("x"), { now: "soon" }));
  await expectJson(badNow, 500, "server_error");
  assert.match(badNowLog[0], /RotorError invalid_argument: now must be/);
});

test("Issuer.route: it uses no store, so an exception is always a 500 (a broken request object here), never a 503", async () => {
  const issuer = new Issuer(config());
  const broken = new Proxy(refreshRequest("rt-x"), {
    get(target, prop) {
      if (prop === "headers") throw new TypeError(`headers of ${SECRET}`);
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const [routed, log] = await logged(() => issuer.route(broken, { now: T0 }));
  await expectJson(routed.response, 500, "server_error");
  assert.match(log[0], /internal error in Issuer\.route: TypeError \(message withheld\)/);
  assert.doesNotMatch(log.join("\n"), /SECRET/);
  const [handled] = await logged(() => issuer.handle(broken, { now: T0 }));
  await expectJson(handled, 500, "server_error");
  // A body that cannot be read (the client went away) is the client's problem: 400.
  const aborted = new Request(`${ISS}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" },
    body: new ReadableStream({
      pull(c) {
        c.error(new Error("connection reset"));
      },
    }),
    duplex: "half",
  });
  await expectJson(await issuer.handle(aborted, { now: T0 }), 400, "invalid_request");
});

/** A Durable Object namespace stand-in: one object per name, over a Map storage. */
function namespace(RotorFamily, envRef, { failFetch = () => false } = {}) {
  const objects = new Map();
  return {
    idFromName: (name) => name,
    get(id) {
      if (!objects.has(id)) {
        const map = new Map();
        const storage = {
          get: async (k) => structuredClone(map.get(k)),
          put: async (k, v) => void map.set(k, structuredClone(v)),
          delete: async (k) => map.delete(k),
          list: async () => new Map(map),
          setAlarm: async () => {},
          deleteAlarm: async () => {},
        };
        objects.set(id, new RotorFamily({ storage }, envRef()));
      }
      const object = objects.get(id);
      return {
        fetch: async (input, init) => {
          if (failFetch()) throw new Error("Durable Object unreachable");
          return object.fetch(input instanceof Request ? input : new Request(input, init));
        },
      };
    },
  };
}

const bindings = (extra = {}) => ({
  ROTOR_ISSUER: ISS,
  ROTOR_AUDIENCE: "https://api.example.com",
  ROTOR_SIGNING_KEY: KEY,
  ROTOR_CLIENTS: JSON.stringify([{ clientId: "spa", scope: "api.read" }]),
  ...extra,
});

test("rotor/worker: configuration errors are logged and answered with a generic 500 (never the message)", async () => {
  const { worker, RotorFamily } = createWorker();
  for (const [extra, logPattern] of [
    [{ ROTOR_SIGNING_KEY: undefined }, /no signing key/],
    [{ ROTOR_CLIENTS: "{not json" }, /ROTOR_CLIENTS is not valid JSON/],
    [{ ROTOR_SIGNING_KEY: "c2hvcnQ" }, /JwtError weak_key: .*32 bytes/],
  ]) {
    let e;
    e = { ...bindings(extra), ROTOR_FAMILY: namespace(RotorFamily, () => e) };
    const [res, log] = await logged(() => worker.fetch(new Request(`${ISS}/.well-known/oauth-authorization-server`), e, {}));
    const body = await expectJson(res, 500, "server_error");
    assert.deepEqual(body, { error: "server_error", error_description: "internal error" }, "the caller learns nothing of the configuration");
    assert.match(log.join("\n"), logPattern, "the operator does");
    assert.doesNotMatch(log.join("\n"), /c2hvcnQ/, "never a key");
  }
  // The Durable Object binding missing: a configuration error too, not an outage.
  const { worker: w2 } = createWorker({ binding: "MISSING" });
  const [res] = await logged(() => w2.fetch(refreshRequest("rt-x"), bindings(), {}));
  await expectJson(res, 500, "server_error");
  // The Durable Object's own configuration errors: the same generic answer.
  let e;
  const { RotorFamily: Family } = createWorker();
  e = bindings({ ROTOR_SIGNING_KEY: undefined });
  const object = new Family({ storage: { get: async () => undefined, put: async () => {}, delete: async () => {}, list: async () => new Map() } }, e);
  const [doRes, doLog] = await logged(() => object.fetch(refreshRequest("rt-x")));
  assert.deepEqual(await doRes.json(), { error: "server_error", error_description: "internal error" });
  assert.match(doLog.join("\n"), /no signing key/);
});

test("rotor/worker: only the family store failing is 503; a bug in the fetch hook is a 500 logged without secrets", async () => {
  let down = false;
  let e;
  const { worker, RotorFamily } = createWorker({
    async fetch(request, env, ctx, { startSession }) {
      const { pathname } = new URL(request.url);
      if (pathname === "/signin") return Response.json(await startSession({ clientId: "spa", subject: "u" }));
      if (pathname === "/buggy") throw new TypeError(`oops near ${SECRET}`);
      return undefined;
    },
  });
  e = { ...bindings(), ROTOR_FAMILY: namespace(RotorFamily, () => e, { failFetch: () => down }) };
  const signin = await worker.fetch(new Request(`${ISS}/signin`, { method: "POST" }), e, {});
  assert.equal(signin.status, 200);
  const { refresh_token } = await signin.json();

  down = true;
  const [failedSignin, log1] = await logged(() => worker.fetch(new Request(`${ISS}/signin`, { method: "POST" }), e, {}));
  await expectJson(failedSignin, 503, "temporarily_unavailable");
  assert.equal(failedSignin.headers.get("retry-after"), "1");
  const [failedRefresh, log2] = await logged(() => worker.fetch(refreshRequest(refresh_token), e, {}));
  await expectJson(failedRefresh, 503, "temporarily_unavailable");
  assert.deepEqual([...log1, ...log2], [], "outages are not logged as bugs");
  down = false;

  const [bug, log3] = await logged(() => worker.fetch(new Request(`${ISS}/buggy`), e, {}));
  assert.deepEqual(await bug.json(), { error: "server_error", error_description: "internal error" });
  assert.equal(bug.status, 500);
  assert.match(log3.join("\n"), /rotor\/worker: fetch hook: TypeError \(message withheld\)/);
  assert.doesNotMatch(log3.join("\n"), /SECRET/);
  assert.equal((await worker.fetch(refreshRequest(refresh_token), e, {})).status, 200, "the family is intact");
});

test("rotor/worker: a body of unknown length (no Content-Length, no Transfer-Encoding: HTTP/2 streams) is cut at 64 KiB", async () => {
  const { worker, RotorFamily } = createWorker();
  let e;
  e = { ...bindings(), ROTOR_FAMILY: namespace(RotorFamily, () => e) };
  let pulled = 0;
  let cancelled = false;
  const chunk = new TextEncoder().encode("a=" + "x".repeat(8 * 1024));
  const endless = new Request(`${ISS}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new ReadableStream({
      pull(c) {
        pulled++;
        if (pulled > 1000) c.close(); // 8 MiB in all
        else c.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    }),
    duplex: "half",
  });
  assert.equal(endless.headers.get("content-length"), null);
  assert.equal(endless.headers.get("transfer-encoding"), null);
  const body = await expectJson(await worker.fetch(endless, e, {}), 400, "invalid_request");
  assert.match(body.error_description, /larger than 65536 bytes/);
  assert.ok(cancelled && pulled < 20, `read ${pulled} chunks of 8 KiB before answering`);
  // A small body of unknown length still reaches the issuer whole (here: a bad token, 400 invalid_grant).
  const form = new TextEncoder().encode("grant_type=refresh_token&client_id=spa&refresh_token=rt-unknown");
  const small = new Request(`${ISS}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new ReadableStream({
      start(c) {
        c.enqueue(form.subarray(0, 7));
        c.enqueue(form.subarray(7));
        c.close();
      },
    }),
    duplex: "half",
  });
  await expectJson(await worker.fetch(small, e, {}), 400, "invalid_grant");
});
