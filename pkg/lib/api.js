// The public surface of rotor, shared by every entry. Each area lives in its own file.
export { version } from "../gen/rotor.js";
export * from "./client.js";
export * from "./schedule.js";
export * from "./jwt.js";
export * from "./manager.js";
export * from "./issuer.js";
