// rotor: scheduling — refresh timing, backoff, clock skew and the renewal state machine.
// All of it is the Rust core (src/schedule), exported through wasm-bindgen.
export { nextRefreshAt, backoffDelay, estimateClockSkew, RenewalMachine } from "../gen/rotor.js";
