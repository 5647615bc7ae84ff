//! # rotor
//!
//! OAuth 2.0 refresh-token handling for the web, as one sans-IO Rust core compiled to
//! WebAssembly.
//!
//! The core does no I/O and keeps no clock: callers hand it bytes, the current time (`now`, in
//! milliseconds since the Unix epoch) and random bytes, and it returns values — "send this
//! request", "this token set", "refresh at T", "store this record and answer with this
//! response". That is what lets one core serve a page, a service worker, a Cloudflare Worker
//! and a Durable Object, and what makes every test deterministic.
//!
//! - [`client`]: building refresh-token requests (RFC 6749 §6) and parsing token responses
//!   (RFC 6749 §5.1, §5.2) for strict RFC 6749 servers and the Keycloak, Curity,
//!   PingFederate and TokenIDP dialects.
//! - [`schedule`]: when to refresh, backoff, clock skew and the renewal state machine.
//! - [`jwt`]: HS256 JSON Web Tokens (RFC 7519, RFC 7515, RFC 8725).
//! - [`jws`]: the sans-IO step of asymmetric JWS (ES256, EdDSA, RS256 signed by the caller's
//!   WebCrypto key): DPoP proofs (RFC 9449), `private_key_jwt` assertions (RFC 7523), RFC 7638
//!   thumbprints.
//! - [`dpop`]: checking DPoP proofs at a server (RFC 9449 §4.3, §7.1), all but the signature.
//! - `issuer` (cargo feature `issuer`, on by default): an edge token endpoint with refresh-token
//!   rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2, RFC 7009, RFC 7662, RFC 8414).
//!
//! - [`json`]: the one JSON reader of the core (a validating scanner, RFC 8259) and writer;
//!   `serde_json` is linked only with the `issuer` feature.
//!
//! The only place that knows about JavaScript is the private `wasm` module, compiled for
//! `wasm32` only.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod b64;
pub mod client;
pub mod dpop;
pub mod error;
pub mod form;
pub mod http_date;
#[cfg(feature = "issuer")]
pub mod issuer;
pub mod json;
pub mod jws;
pub mod jwt;
pub mod schedule;
pub mod secret;
pub mod text;

#[cfg(any(target_arch = "wasm32", feature = "lint-wasm"))]
mod wasm;

/// The browser and edge modules' allocator: power-of-two size classes (crates/rotor-alloc), a
/// few hundred bytes instead of dlmalloc's 5.6 KB; memory stays bounded by the most blocks live
/// at once (tests/alloc.rs).
#[cfg(all(target_arch = "wasm32", not(any(feature = "jwt", feature = "dpop"))))]
#[global_allocator]
static ALLOCATOR: rotor_alloc::Allocator<rotor_alloc::Memory> =
    rotor_alloc::Allocator::new(rotor_alloc::Memory);

pub use error::{Error, ErrorKind, JwtError, JwtErrorCode, OAuthError, RotorError, RotorErrorCode};
pub use secret::Secret;
