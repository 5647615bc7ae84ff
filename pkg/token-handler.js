// rotor/token-handler: a token handler (backend for frontend) in front of an upstream
// authorization server (README, "Token handler for an upstream server"). The same
// createTokenHandler as rotor/worker's, on its own so that a Worker that is only a token
// handler loads the client module (`#rotor`) and none of the issuer's code.
export { createTokenHandler } from "./lib/token-handler.js";

/** `init` (the default export of every rotor entry): a no-op where the module loads on import. */
export { default, default as init } from "#rotor";
