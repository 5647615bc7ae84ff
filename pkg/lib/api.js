// The public surface of `rotor` (the browser module: client, scheduling, TokenManager and its
// storages, HS256 JWT — no issuer code). Each area lives in its own file.
export { version } from "../gen/rotor.js";
export * from "./client.js";
export * from "./schedule.js";
export * from "./jwt.js";
export * from "./manager.js";
export { DPoP, createDpop, generateDpopKey, dpopFetch, sendWithDpop } from "./dpop-api.js";
export { OAuthError, RotorError, JwtError, isOAuthError, isRotorError, isJwtError } from "./errors.js";
