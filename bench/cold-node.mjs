// Cold start in Node: a fresh process times, from its first line, the import of the library and
// the first verified token. Static imports would run before the clock starts, so everything is
// a dynamic import.  node bench/cold-node.mjs <rotor|jose> <token>
const t0 = performance.now();
const [which, token] = process.argv.slice(2);
const { KEY_BYTES, ISSUER, AUDIENCE, NOW_MS } = await import("./lib/fixtures.mjs");
const tf = performance.now();
let claims;
let tImport;
if (which === "rotor") {
  const rotor = await import("rotor");
  tImport = performance.now();
  claims = rotor.verifyJwt(token, { keys: KEY_BYTES, issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", now: NOW_MS }).claims;
} else {
  const jose = await import("jose");
  tImport = performance.now();
  const key = await crypto.subtle.importKey("raw", KEY_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  claims = (await jose.jwtVerify(token, key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", currentDate: new Date(NOW_MS) })).payload;
}
const t1 = performance.now();
if (claims.client_id !== "bench-client") throw new Error("wrong claims");
// The fixtures import is harness, not library: subtract it.
process.stdout.write(JSON.stringify({ which, importMs: tImport - tf, firstVerifyMs: t1 - tImport, totalMs: t1 - tf, harnessMs: tf - t0 }) + "\n");
