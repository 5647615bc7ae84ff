// rotor: client — building the refresh-token request and reading the answer (RFC 6749 §6,
// §5.1, §5.2). The work happens in the wasm core; this file only re-exports it.
export { buildRefreshRequest, parseTokenResponse, unverifiedJwtTimes } from "../gen/rotor.js";
