// A minimal worker: the wasm module answers the request.
import * as rotor from "rotor";

export default {
  async fetch() {
    return Response.json({ version: rotor.version(), runtime: "workerd" });
  },
};
