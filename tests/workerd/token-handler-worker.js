// The token handler of rotor/worker on workerd: its options come from bindings (BFF_OPTIONS,
// JSON), its cookie keys from the secret ROTOR_BFF_KEYS (the default `keys`).
import { createTokenHandler } from "rotor/worker";

let handler;
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/__rotor_ready") return new Response("ready");
    handler ??= createTokenHandler(env.BFF_OPTIONS);
    return handler.fetch(request, env);
  },
};
