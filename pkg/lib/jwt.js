// rotor: HS256 JWT signing and verification (shared API.md, "JWT (HS256)").
// Both functions are implemented in the Rust core (src/jwt) and exported by src/wasm/jwt.rs.
export { signJwt, verifyJwt } from "../gen/rotor.js";
