// Types of the rotor npm package's main entry, `rotor` (client, scheduling, TokenManager,
// HS256 JWT). The issuer is `rotor/issuer` (./types/issuer.d.ts).
// Types used by several areas are defined once in ./types/common.d.ts: the area files import
// them and never export them again, so no name comes from two `export *` lines.
export * from "./types/common.js";
export * from "./types/client.js";
export * from "./types/schedule.js";
export * from "./types/jwt.js";
export * from "./types/manager.js";
export * from "./types/dpop.js";

/**
 * Loads and instantiates the wasm module. Required once in browsers, web workers and service
 * workers; idempotent, and a no-op in Node and workerd where the module initialises on import.
 */
export default function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** The version of the rotor package. */
export function version(): string;
