// The vector suites in Deno or Bun: `deno run --no-prompt tests/runtimes/run-vectors.mjs` (no
// permission flag: the `deno` entry loads the wasm with a source-phase import) or
// `bun tests/runtimes/run-vectors.mjs`. Prints the results as one JSON line;
// tests/runtimes/runtimes.test.mjs checks them.
import * as rotor from "rotor";
import { Issuer } from "rotor/issuer";
import { runVectors } from "../support/vectors-runner.mjs";
import requests from "../vectors/client/requests.json" with { type: "json" };
import responses from "../vectors/client/responses.json" with { type: "json" };
import jwt from "../vectors/jwt/adversarial.json" with { type: "json" };
import schedule from "../vectors/schedule/timing.json" with { type: "json" };

const results = runVectors(rotor, { requests, responses, jwt, schedule });
// rotor/issuer loads too: an Issuer answers its metadata.
const issuer = new Issuer({
  issuer: "https://id.example",
  audience: "api",
  keys: [{ kid: "k1", key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" }],
  clients: [{ clientId: "spa", scope: "openid" }],
});
const metadata = await issuer.handle(new Request("https://id.example/.well-known/oauth-authorization-server"));
results.issuerMetadata = { status: metadata.status, issuer: (await metadata.json()).issuer };
console.log(JSON.stringify(results));
