// An edge Worker's imports of rotor (tests/js/dpop-module.test.mjs bundles it for workerd and
// counts the wasm modules it ships): the default worker, its Durable Object, the issuer and the
// resource server's DPoP verifier.
export { default, RotorFamily } from "rotor/worker";
export { Issuer, createDpopVerifier } from "rotor/issuer";
