// The rotor issuer for the load test: the stock rotor/worker glue plus two test-only routes
// (enabled only by the ROTOR_TEST_CLOCK binding): `POST /test/session` starts a family, and
// `POST /test/records` (a /token-shaped body) answers how many storage records the family's
// Durable Object still holds and whether its purge alarm is set — to prove expired families
// are purged.
import { createWorker } from "rotor/worker";
import { familyStub, startSessionRoute } from "./shared-routes.js";

const { worker, RotorFamily: Base } = createWorker({
  async fetch(request, env, ctx, tools) {
    if (env.ROTOR_TEST_CLOCK !== "1" || request.method !== "POST") return undefined;
    const url = new URL(request.url);
    if (url.pathname === "/test/session") return startSessionRoute(request, tools);
    if (url.pathname === "/test/records") {
      const stub = await familyStub(request, env, tools);
      if (!stub) return new Response("no family in that request", { status: 400 });
      return stub.fetch("https://rotor-family/__test/records", { method: "POST" });
    }
    return undefined;
  },
});

export class RotorFamily extends Base {
  #storage;
  constructor(state, env) {
    super(state, env);
    this.#storage = state.storage;
  }
  async fetch(request) {
    if (new URL(request.url).pathname === "/__test/records") {
      const records = (await this.#storage.list()).size;
      const alarm = await this.#storage.getAlarm();
      return Response.json({ records, alarm });
    }
    return super.fetch(request);
  }
}

export default worker;
