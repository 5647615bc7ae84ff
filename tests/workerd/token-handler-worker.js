// The token handler (rotor/token-handler) on workerd: its options come from bindings (BFF_OPTIONS,
// JSON), its cookie keys from the secret ROTOR_BFF_KEYS (the default `keys`). With
// `sessionBinding` in the options, refreshes run in the TokenHandlerSession Durable Object.
import { createTokenHandler } from "rotor/token-handler";

let handler;
const handlerOf = (env) => (handler ??= createTokenHandler(env.BFF_OPTIONS));

export class TokenHandlerSession {
  #inner;
  constructor(state, env) {
    this.#inner = new (handlerOf(env).TokenHandlerSession)(state, env);
  }
  fetch(request) {
    return this.#inner.fetch(request);
  }
}

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/__rotor_ready") return new Response("ready");
    return handlerOf(env).fetch(request, env);
  },
};
