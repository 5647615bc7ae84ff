// The in-process benchmark cases, shared by Node (bench/node.mjs) and workerd (bench/worker.js).
// Every case first checks that rotor and the peer agree on the result (so that we never time
// a fast failure), then measures them alternately with measure.compare.
import { SignJWT, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { compare, single } from "./measure.mjs";
import {
  ACCESS_HEADER, AUDIENCE, ISSUER, KEY_BYTES, KID, NOW_MS, NEW_REFRESH_TOKEN, O4W_AS, O4W_CLIENT,
  REFRESH_TOKEN, RESPONSE_HEADERS, ROTOR_CLIENT, CLIENT_SECRET, SCOPE, TOKEN_POOL, accessClaims,
  tokenResponseBody,
} from "./fixtures.mjs";
import { makeRotorIssuer, refreshRequest } from "./rotor-issuer.mjs";

function assert(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

function sameJson(a, b) {
  const norm = (o) => JSON.stringify(o, Object.keys(o).sort());
  return norm(a) === norm(b);
}

async function hmacKey() {
  return crypto.subtle.importKey("raw", KEY_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function josePool(cryptoKey) {
  const pool = [];
  for (let i = 0; i < TOKEN_POOL; i++) pool.push(await new SignJWT(accessClaims(i)).setProtectedHeader(ACCESS_HEADER).sign(cryptoKey));
  return pool;
}

const rotorVerifyOptions = { keys: KEY_BYTES, issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", now: NOW_MS };
const joseVerifyOptions = {
  algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", currentDate: new Date(NOW_MS), requiredClaims: ["exp"],
};

/**
 * Runs `rotorSide` against `peerSide` when rotor is usable; otherwise measures the peer alone
 * and records why rotor could not run (so the harness works before every feature exists).
 */
async function pair(name, { setupRotor, peer, opts }) {
  let rotorFn;
  let rotorError = null;
  try {
    rotorFn = await setupRotor();
  } catch (e) {
    rotorError = String(e?.message ?? e);
  }
  if (rotorFn) {
    const m = await compare(rotorFn, peer, opts);
    return { name, rotor: { ops: m.rotorOps, us: m.rotorUs }, peer: { ops: m.peerOps, us: m.peerUs }, ratio: m.ratio, rounds: m.rounds, batch: m.batch };
  }
  const p = await single(peer, opts);
  return { name, rotor: null, rotorError, peer: { ops: p.ops, us: p.us }, ratio: null, rounds: p.rounds };
}

export async function caseVerify(rotor, opts) {
  const cryptoKey = await hmacKey();
  const pool = await josePool(cryptoKey);
  let sink = 0;
  const peer = async (n) => {
    for (let i = 0; i < n; i++) sink += (await jwtVerify(pool[i % TOKEN_POOL], cryptoKey, joseVerifyOptions)).payload.exp;
  };
  return pair("verify", {
    opts,
    peer,
    async setupRotor() {
      if (typeof rotor.createVerifier !== "function") throw new Error("rotor.createVerifier is not exported by this build");
      // Made once, as jose's CryptoKey is imported once: the keys and options are read here.
      const verifier = rotor.createVerifier(rotorVerifyOptions);
      for (const t of pool) {
        const r = verifier.verify(t);
        assert(JSON.stringify(r) === JSON.stringify(rotor.verifyJwt(t, rotorVerifyOptions)), "the Verifier and verifyJwt agree");
        const j = await jwtVerify(t, cryptoKey, joseVerifyOptions);
        assert(sameJson(r.claims, j.payload), "rotor and jose return the same claims");
        assert(r.header.kid === KID && r.header.typ === "at+jwt", "rotor returns the header");
      }
      // A tampered token must fail in both, or the timing compares different work.
      const bad = pool[0].slice(0, -2) + (pool[0].endsWith("AA") ? "AB" : "AA");
      let rotorCode = null;
      try { verifier.verify(bad); } catch (e) { rotorCode = e.code; }
      assert(rotorCode === "bad_signature" || rotorCode === "malformed", `rotor refuses a tampered token (got ${rotorCode})`);
      return async (n) => {
        for (let i = 0; i < n; i++) sink += verifier.verify(pool[i % TOKEN_POOL]).claims.exp;
      };
    },
  });
}

export async function caseSign(rotor, opts) {
  const cryptoKey = await hmacKey();
  let sink = 0;
  const claims = accessClaims(7);
  const peer = async (n) => {
    for (let i = 0; i < n; i++) sink += (await new SignJWT(claims).setProtectedHeader(ACCESS_HEADER).sign(cryptoKey)).length;
  };
  const signOpts = { key: KEY_BYTES, kid: KID, typ: "at+jwt" };
  return pair("sign", {
    opts,
    peer,
    async setupRotor() {
      if (typeof rotor.signJwt !== "function") throw new Error("rotor.signJwt is not exported by this build");
      const t = rotor.signJwt(claims, signOpts);
      const j = await jwtVerify(t, cryptoKey, joseVerifyOptions);
      assert(sameJson(j.payload, claims), "jose verifies rotor's token with the same claims");
      assert(j.protectedHeader.kid === KID && j.protectedHeader.typ === "at+jwt" && j.protectedHeader.alg === "HS256", "header");
      return async (n) => {
        for (let i = 0; i < n; i++) sink += rotor.signJwt(claims, signOpts).length;
      };
    },
  });
}

export async function caseClient(rotor, opts) {
  const cryptoKey = await hmacKey();
  const accessToken = await new SignJWT(accessClaims(1)).setProtectedHeader(ACCESS_HEADER).sign(cryptoKey);
  const body = tokenResponseBody(accessToken);
  const respond = () => new Response(body, { status: 200, headers: RESPONSE_HEADERS });
  // Both sides start from a Response that already exists (as when `fetch` resolves): its
  // construction is untimed, reading its body is timed for both.
  const queue = (fn) => {
    let responses = [];
    let next = 0;
    fn.prepare = (n) => {
      responses = Array.from({ length: n }, respond);
      next = 0;
    };
    fn.take = () => responses[next++] ?? respond();
    return fn;
  };
  const clientAuth = oauth.ClientSecretBasic(CLIENT_SECRET);
  let captured = null;
  let sink = 0;
  const peer = queue(async (n) => {
    for (let i = 0; i < n; i++) sink += (await peerOnce()).expires_in;
  });
  const fetchOpts = {
    [oauth.customFetch]: async (url, init) => {
      captured = { url, init };
      return peer.take();
    },
  };
  const peerOnce = async () => {
    const res = await oauth.refreshTokenGrantRequest(O4W_AS, O4W_CLIENT, clientAuth, REFRESH_TOKEN, fetchOpts);
    return oauth.processRefreshTokenResponse(O4W_AS, O4W_CLIENT, res);
  };
  const previous = {
    accessToken: "old-access-token", tokenType: "Bearer", expiresAt: NOW_MS, refreshToken: REFRESH_TOKEN,
    refreshExpiresAt: null, scope: SCOPE, idToken: null, rotated: false, receivedAt: NOW_MS - 300_000,
  };
  let rotorFn;
  // Made once, as oauth4webapi's ClientSecretBasic is: the configuration is checked here.
  const client = typeof rotor.createClient === "function" ? rotor.createClient(ROTOR_CLIENT) : null;
  const rotorOnce = async () => {
    const req = client.buildRefreshRequest({ refreshToken: REFRESH_TOKEN, now: NOW_MS });
    sink += req.body.length;
    const res = rotorFn ? rotorFn.take() : respond();
    // The body's bytes, as TokenManager reads them: no UTF-16 string is made for the core.
    const body = new Uint8Array(await res.arrayBuffer());
    return client.parseTokenResponse({ status: res.status, headers: res.headers, body }, { now: NOW_MS, previous });
  };
  // The floor both sides share: reading the body of a Response that already exists (the
  // cheapest way, as bytes). Neither library can go below it, so it bounds the achievable
  // ratio (reported next to the ratio).
  const readOnly = queue(async (n) => {
    for (let i = 0; i < n; i++) sink += (await readOnly.take().arrayBuffer()).byteLength;
  });
  const result = await pair("client", {
    opts,
    peer,
    async setupRotor() {
      if (!client) throw new Error("rotor.createClient is not exported by this build");
      const p = await peerOnce();
      const pinit = captured.init;
      const r = await rotorOnce();
      const req = client.buildRefreshRequest({ refreshToken: REFRESH_TOKEN, now: NOW_MS });
      assert(JSON.stringify(req) === JSON.stringify(rotor.buildRefreshRequest(ROTOR_CLIENT, { refreshToken: REFRESH_TOKEN, now: NOW_MS })), "the Client and buildRefreshRequest agree");
      assert(req.url === String(captured.url), "same token endpoint");
      assert(new URLSearchParams(req.body).get("refresh_token") === new URLSearchParams(String(pinit.body)).get("refresh_token"), "same refresh_token parameter");
      assert(new URLSearchParams(req.body).get("grant_type") === "refresh_token", "grant_type");
      // RFC 6749 §2.3.1: both form-urlencode before base64 (oauth4webapi also escapes "-"), so
      // compare the decoded credentials.
      const basic = (h) => atob(h.replace(/^Basic /, "")).split(":").map((x) => decodeURIComponent(x.replace(/\+/g, " ")));
      assert(JSON.stringify(basic(req.headers.authorization)) === JSON.stringify(basic(new Headers(pinit.headers).get("authorization"))), "same Basic credentials");
      assert(r.accessToken === p.access_token && r.refreshToken === NEW_REFRESH_TOKEN && p.refresh_token === NEW_REFRESH_TOKEN, "same tokens");
      assert(r.expiresAt === NOW_MS + 300_000 && r.rotated === true && r.scope === SCOPE, "rotor token set");
      rotorFn = queue(async (n) => {
        for (let i = 0; i < n; i++) sink += (await rotorOnce()).expiresAt;
      });
      return rotorFn;
    },
  });
  // Measured against the peer in alternating rounds too, so the floor and the peer share the
  // same moments of the machine's load.
  const floor = await compare(readOnly, peer, { ...opts, warmMs: 100 });
  result.bodyReadUs = floor.rotorUs;
  result.ceiling = floor.ratio;
  return result;
}

/** One lane of refreshes through `handle`, always presenting the newest refresh token. */
export function refreshLane(handle, url, session) {
  let rt = session.refreshToken;
  return async (n) => {
    for (let i = 0; i < n; i++) {
      const res = await handle(refreshRequest(url, session.authorization, rt));
      const json = await res.json();
      if (res.status !== 200 || !json.refresh_token) throw new Error(`refresh failed: ${res.status} ${JSON.stringify(json)}`);
      rt = json.refresh_token;
    }
  };
}

export async function caseIssuer(rotor, makeWop, opts) {
  const origin = "http://127.0.0.1";
  const wop = await makeWop({ origin });
  const peer = refreshLane(wop.handle, `${origin}/token`, await wop.newSession());
  return pair("issuer", {
    opts,
    peer,
    async setupRotor() {
      const iss = makeRotorIssuer(rotor, { origin });
      const lane = refreshLane(iss.handle, `${origin}/token`, await iss.newSession());
      await lane(3); // rotates three times: the chain works
      // The token just retired (outside any grace) must now be refused: rotation is real.
      const s = await iss.newSession();
      const first = await iss.handle(refreshRequest(`${origin}/token`, s.authorization, s.refreshToken));
      assert(first.status === 200, `rotor refresh answers 200 (got ${first.status})`);
      const j = await first.json();
      assert(typeof j.access_token === "string" && j.access_token.split(".").length === 3 && j.refresh_token !== s.refreshToken, "rotated, JWT access token");
      const replay = await iss.handle(refreshRequest(`${origin}/token`, s.authorization, s.refreshToken));
      assert(replay.status === 400 && (await replay.json()).error === "invalid_grant", "a retired refresh token is refused");
      return lane;
    },
  });
}
