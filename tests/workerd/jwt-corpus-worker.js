// A worker for tests/workerd/jwt-corpus.test.mjs: runs the adversarial JWT corpus (POSTed as
// JSON) through rotor inside workerd, and measures rotor against jose there (GET /bench).
import * as rotor from "rotor";
import * as jose from "jose";

const tokenOf = (c) => c.token ?? c.tokenRepeat.prefix + c.tokenRepeat.repeat.repeat(c.tokenRepeat.count) + c.tokenRepeat.suffix;

async function corpus(request) {
  const { now, cases } = await request.json();
  const results = cases.map((c) => {
    try {
      rotor.verifyJwt(tokenOf(c), { ...c.options, now });
      return "ok";
    } catch (e) {
      return `${e.name}:${e.code}`;
    }
  });
  // A round trip signed here, and a jose token verified here.
  const key = new Uint8Array(32).fill(9);
  const exp = Math.floor(now / 1000) + 60;
  const own = rotor.verifyJwt(rotor.signJwt({ sub: "w", exp }, { key, kid: "a", typ: "at+jwt" }), {
    keys: [{ kid: "a", key }],
    typ: "at+jwt",
    now,
  });
  const fromJose = rotor.verifyJwt(await new jose.SignJWT({ sub: "j", exp }).setProtectedHeader({ alg: "HS256" }).sign(key), { keys: key, now });
  return Response.json({ results, own, fromJose: fromJose.claims });
}

// workerd's clocks stand still while a request computes (Spectre mitigation), so the test
// times GET /bench?which=...&n=... from outside and subtracts the n=0 round trip.
async function bench(url) {
  const which = url.searchParams.get("which");
  const n = Number(url.searchParams.get("n"));
  const key = new Uint8Array(32).fill(3);
  const now = 1_750_000_000;
  const claims = { iss: "https://as.example", sub: "alice", aud: "api", exp: now + 600, iat: now, jti: "abc-123", client_id: "spa", scope: "openid profile" };
  const token = rotor.signJwt(claims, { key, kid: "k1", typ: "at+jwt" });
  const opts = { keys: key, issuer: "https://as.example", audience: "api", typ: "at+jwt", now: now * 1000 };
  const joseOpts = { issuer: "https://as.example", audience: "api", typ: "at+jwt", currentDate: new Date(now * 1000) };
  for (let i = 0; i < n; i++) {
    if (which === "rotorVerify") rotor.verifyJwt(token, opts);
    else if (which === "joseVerify") await jose.jwtVerify(token, key, joseOpts);
    else if (which === "rotorSign") rotor.signJwt(claims, { key, kid: "k1", typ: "at+jwt" });
    else if (which === "version") rotor.version();
    else if (which === "rotorBadOptions") {
      try {
        rotor.verifyJwt(token, { keys: 1 });
      } catch {}
    } else if (which === "joseSign") await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: "k1", typ: "at+jwt" }).sign(key);
  }
  return new Response("done");
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/corpus") return corpus(request);
    if (url.pathname === "/bench") return bench(url);
    return new Response("not found", { status: 404 });
  },
};
