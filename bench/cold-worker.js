// Cold start in workerd. The library is imported dynamically on the first request (esbuild
// keeps a dynamic import lazy: the module graph, including rotor's WebAssembly instantiation,
// is evaluated only then) and the time to the first verified token is measured in the isolate
// with performance.now() (which advances during execution in local workerd). The compiled
// WebAssembly.Module itself is prepared by workerd when it loads the config, before any request,
// as on Cloudflare; that part is not in this number (see bench/README-section.md).
// Bindings: WHICH ("rotor" | "jose"), TOKEN.
let result;
async function measure(env) {
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const opts = { issuer: "https://issuer.example", audience: "https://api.example", typ: "at+jwt" };
  const now = 1_800_000_000_000;
  const t0 = performance.now();
  let claims;
  let tImport;
  if (env.WHICH === "rotor") {
    const rotor = await import("rotor");
    tImport = performance.now();
    claims = rotor.verifyJwt(env.TOKEN, { keys: key, ...opts, now }).claims;
    var t1 = performance.now();
    rotor.verifyJwt(env.TOKEN, { keys: key, ...opts, now });
    var secondVerifyMs = performance.now() - t1;
  } else {
    const jose = await import("jose");
    tImport = performance.now();
    const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    claims = (await jose.jwtVerify(env.TOKEN, k, { algorithms: ["HS256"], ...opts, currentDate: new Date(now) })).payload;
    t1 = performance.now();
    await jose.jwtVerify(env.TOKEN, k, { algorithms: ["HS256"], ...opts, currentDate: new Date(now) });
    secondVerifyMs = performance.now() - t1;
  }
  if (claims.client_id !== "bench-client") throw new Error("wrong claims");
  // The second verify shows how much of the first was one-time work (compiling the wasm
  // functions and JS on first use).
  return { which: env.WHICH, importMs: tImport - t0, firstVerifyMs: t1 - tImport, totalMs: t1 - t0, secondVerifyMs };
}
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/__rotor_ready") return new Response("ready");
    try {
      result ??= await measure(env);
      return Response.json(result);
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
