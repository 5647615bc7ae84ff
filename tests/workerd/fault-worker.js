// The rotor issuer on workerd with fault injection in Durable Object storage (test only).
// `POST /test/session` starts a family; `POST /test/fault?mode=M` (a /token-shaped body naming
// the family) arms one fault in that family's object for its next rotation; `POST /test/record`
// returns the family's stored record. Modes: "put-before" (put throws, nothing written),
// "put-after" (put writes, then throws: the response is lost), "get" (the read throws).
import { createWorker } from "rotor/worker";
import { familyStub, startSessionRoute } from "./shared-routes.js";

const { worker, RotorFamily: Base } = createWorker({
  async fetch(request, env, ctx, tools) {
    if (env.ROTOR_TEST_CLOCK !== "1" || request.method !== "POST") return undefined;
    const url = new URL(request.url);
    if (url.pathname === "/test/session") return startSessionRoute(request, tools);
    if (url.pathname === "/test/fault" || url.pathname === "/test/record") {
      const stub = await familyStub(request, env, tools);
      if (!stub) return new Response("no family", { status: 400 });
      return stub.fetch(`https://rotor-family/__test${url.pathname.slice(5)}${url.search}`, { method: "POST" });
    }
    return undefined;
  },
});

export class RotorFamily extends Base {
  #fault = { mode: null };
  #storage;
  constructor(state, env) {
    const fault = { mode: null };
    const storage = state.storage;
    const faulty = {
      async get(key) {
        if (fault.mode === "get") {
          fault.mode = null;
          throw new Error("injected: storage get failed");
        }
        return storage.get(key);
      },
      async put(key, value) {
        if (fault.mode === "put-before") {
          fault.mode = null;
          throw new Error("injected: storage put failed");
        }
        await storage.put(key, value);
        if (fault.mode === "put-after") {
          fault.mode = null;
          throw new Error("injected: connection lost after put");
        }
      },
      delete: (key) => storage.delete(key),
      list: (o) => storage.list(o),
      setAlarm: (t) => storage.setAlarm(t),
      getAlarm: () => storage.getAlarm(),
      deleteAlarm: () => storage.deleteAlarm(),
    };
    super({ id: state.id, storage: faulty }, env);
    this.#fault = fault;
    this.#storage = storage;
  }
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__test/fault") {
      this.#fault.mode = url.searchParams.get("mode");
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/__test/record") {
      const all = await this.#storage.list();
      const [entry] = [...all.values()];
      return Response.json(entry ? JSON.parse(entry.value) : null);
    }
    return super.fetch(request);
  }
}

export default worker;
