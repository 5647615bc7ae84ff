// The rotor issuer as a Worker with one Durable Object per family, plus a test-only sign-in
// route (enabled only by the ROTOR_TEST_CLOCK binding) that starts sessions.
import { createWorker } from "rotor/worker";

const { worker, RotorFamily } = createWorker({
  async fetch(request, env, ctx, tools) {
    const url = new URL(request.url);
    if (env.ROTOR_TEST_CLOCK === "1" && url.pathname === "/test/session" && request.method === "POST") {
      // sessionResponse: the sign-in answer of either delivery mode (Set-Cookie for cookie clients).
      // dpop: the sign-in request, whose DPoP header binds a DPoP client's family (RFC 9449 §5).
      return tools.sessionResponse({ ...(await request.json()), dpop: request }, { now: tools.now });
    }
    return undefined;
  },
});

export { RotorFamily };
export default worker;
