// A ready-to-deploy rotor issuer on Cloudflare Workers.
//
// - POST /token, /revoke, /introspect and GET /.well-known/oauth-authorization-server are
//   served by rotor (one Durable Object per refresh-token family).
// - POST /session starts a family. Your sign-in backend calls it after it has authenticated
//   the user, with `Authorization: Bearer <SESSION_API_KEY>` and a JSON body
//   { "clientId", "subject", "scope"?, "claims"? }; it answers the first token response.
import { createWorker } from "rotor/worker";

async function sameSecret(given, expected) {
  // Compare digests so that neither content nor length leaks through timing.
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const { worker, RotorFamily } = createWorker({
  async fetch(request, env, ctx, tools) {
    const url = new URL(request.url);
    if (url.pathname !== "/session") return undefined;
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const key = env.SESSION_API_KEY;
    const auth = request.headers.get("authorization") ?? "";
    if (typeof key !== "string" || key.length < 32 || !auth.startsWith("Bearer ") || !(await sameSecret(auth.slice(7), key))) {
      return Response.json({ error: "unauthorized" }, { status: 401 });
    }
    let input;
    try {
      input = await request.json();
    } catch {
      return Response.json({ error: "invalid_request", error_description: "the body must be JSON" }, { status: 400 });
    }
    try {
      const tokens = await tools.startSession(input);
      return Response.json(tokens, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
    } catch (err) {
      if (err?.code === "invalid_argument") {
        return Response.json({ error: "invalid_request", error_description: err.message }, { status: 400 });
      }
      return Response.json({ error: "temporarily_unavailable" }, { status: 503, headers: { "retry-after": "1" } });
    }
  },
});

export { RotorFamily };
export default worker;
