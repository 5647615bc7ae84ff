// rotor: scheduling — refresh timing, backoff, clock skew and the renewal state machine, all
// of it the Rust core's (src/schedule, bound in src/wasm/schedule.rs) exported as it is.
export { RenewalMachine, backoffDelay, estimateClockSkew, nextRefreshAt } from "../gen/rotor.js";
