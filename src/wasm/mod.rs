//! The JavaScript boundary: the only module with `#[wasm_bindgen]`, `JsValue` and `js_sys`.
//!
//! One convention for every export (shared STYLE.md, "A boundary a reader learns once"):
//! - **Handles.** A configuration is read once, when its handle is made
//!   (`new ClientHandle(config)`, `new VerifierHandle(options)`, `new SignerHandle(options)`,
//!   `new RenewalMachine(policy)`, `new IssuerCore(config)`): the members of the JS object are
//!   read one by one with js-sys type checks (`options::Fields`) into the core's options struct
//!   and the core checks it; the checked value stays in wasm memory. That is the cold path:
//!   one JS call per member, which is fine once per configuration and too much per request.
//! - **Per call**, only tokens, bodies, numbers and short strings cross (as wasm-bindgen
//!   passes them); results are strings, numbers, or one JS object built by one call of a
//!   constructor in `pkg/lib/shapes.js` (a `TokenSet`).
//! - **Errors** are `Result<_, JsValue>`: wasm-bindgen throws the value. [`js_error`] is the one
//!   place that makes it, by calling the error class constructors of `pkg/lib/errors.js`
//!   (`OAuthError`, `RotorError`, `JwtError`, with `code`, `kind` and the fields of shared
//!   API.md), so that `instanceof` works on every error rotor throws.
//!
//! Which exports a module has is its role (cargo features): the browser module (`rotor`,
//! built without features) has the client and scheduling; the JWT module (feature `jwt`,
//! loaded by pkg/lib/jwt.js) has HS256 sign/verify; the DPoP module (feature `dpop`, loaded by
//! pkg/lib/dpop.js) has the client's asymmetric-JWS steps and thumbprints; the edge module
//! (`rotor/issuer`, built with `issuer`) has the issuer and the server's DPoP proof check.

use crate::error::{Error, RotorError};
use wasm_bindgen::prelude::*;

#[cfg(not(any(feature = "issuer", feature = "jwt", feature = "dpop")))]
mod client;
// The server's DPoP proof check is the issuer's (its token endpoint and createDpopVerifier):
// an edge Worker then ships one module, not the issuer's and the DPoP one.
#[cfg(all(feature = "issuer", not(feature = "dpop")))]
mod dpop;
#[cfg(all(feature = "issuer", not(feature = "dpop")))]
mod issuer;
#[cfg(feature = "dpop")]
mod jws;
#[cfg(feature = "jwt")]
mod jwt;
#[cfg_attr(
    any(feature = "issuer", feature = "jwt", feature = "dpop"),
    allow(dead_code)
)]
mod options;
#[cfg(not(any(feature = "issuer", feature = "jwt", feature = "dpop")))]
mod schedule;

#[wasm_bindgen(raw_module = "../lib/errors.js")]
extern "C" {
    /// `new OAuthError(...)` (RFC 6749 §5.2 answers).
    #[wasm_bindgen(js_name = newOAuthError)]
    fn new_oauth_error(
        code: &str,
        message: &str,
        kind: &str,
        status: u16,
        description: Option<String>,
        uri: Option<String>,
        retry_after: Option<f64>,
    ) -> JsValue;

    /// `new RotorError(code, message, kind)`.
    #[wasm_bindgen(js_name = newRotorError)]
    fn new_rotor_error(code: &str, message: &str, kind: &str) -> JsValue;

    /// `new JwtError(code, message)`.
    #[wasm_bindgen(js_name = newJwtError)]
    fn new_jwt_error(code: &str, message: &str) -> JsValue;
}

/// The JS error for `err`: the one place errors cross into JS (as `Result<_, JsValue>`,
/// which wasm-bindgen throws).
pub(crate) fn js_error(err: impl Into<Error>) -> JsValue {
    match err.into() {
        Error::OAuth(e) => new_oauth_error(
            &e.code,
            &e.message(),
            e.kind.as_str(),
            e.status,
            e.description,
            e.uri,
            e.retry_after_ms,
        ),
        Error::Rotor(e) => new_rotor_error(e.code.as_str(), &e.message, e.code.kind().as_str()),
        Error::Jwt(e) => new_jwt_error(e.code.as_str(), &e.message),
    }
}

/// A result of the core as the boundary's result.
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
pub(crate) fn js<T, E: Into<Error>>(result: Result<T, E>) -> Result<T, JsValue> {
    result.map_err(js_error)
}

/// `invalid_argument` as a JS error.
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
pub(crate) fn argument(message: &str) -> JsValue {
    js_error(RotorError::argument(message))
}

/// Refuses NaN, infinite and negative instants (ms since the epoch): `invalid_argument`.
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
pub(crate) fn instant(now: f64) -> Result<f64, JsValue> {
    if now.is_finite() && now >= 0.0 {
        Ok(now)
    } else {
        Err(argument(
            "now must be a finite, non-negative number of milliseconds",
        ))
    }
}

/// `now` from options: `undefined`/`null` is `Date.now()`, else a valid instant (ms).
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
pub(crate) fn now_or_clock(now: &JsValue) -> Result<f64, JsValue> {
    if now.is_undefined() || now.is_null() {
        return Ok(js_sys::Date::now());
    }
    instant(
        now.as_f64()
            .ok_or_else(|| argument("now: expected a number"))?,
    )
}

/// `N` random bytes from the platform (`crypto.getRandomValues`, through `getrandom`);
/// `invalid_config` without one.
#[cfg_attr(
    any(feature = "issuer", feature = "jwt", feature = "dpop"),
    allow(dead_code)
)]
pub(crate) fn random<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|_| js_error(RotorError::config("no secure random source")))?;
    Ok(buf)
}

thread_local! {
    /// The input buffer: JS writes a per-call input (a token, a body) straight into wasm memory
    /// here (`TextEncoder.encodeInto`, pkg/lib/input.js) and passes only its length. That is
    /// many times faster than wasm-bindgen's string copy (a JS loop over the characters) and
    /// needs no allocation per call; pkg/lib/input.js zeroes what it wrote after each call.
    static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The address of the input buffer, grown to at least `len` bytes (its old contents are not
/// kept); pkg/lib/input.js makes a view of wasm memory there.
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(len: usize) -> *const u8 {
    INPUT.with_borrow_mut(|buf| {
        if buf.len() < len {
            *buf = vec![0; len.next_power_of_two()];
        }
        buf.as_ptr()
    })
}

/// The wasm module's memory, for the view of pkg/lib/input.js.
#[cfg_attr(any(feature = "issuer", feature = "dpop"), allow(dead_code))]
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Runs `f` on the first `len` bytes JS wrote into the input buffer (`invalid_argument` when
/// `len` is larger than the buffer). The JWT module's verify reads it itself (it writes its
/// result there too).
#[cfg_attr(
    any(feature = "issuer", feature = "jwt", feature = "dpop"),
    allow(dead_code)
)]
pub(crate) fn with_input<R>(
    len: usize,
    f: impl FnOnce(&[u8]) -> Result<R, JsValue>,
) -> Result<R, JsValue> {
    INPUT.with_borrow(|buf| match buf.get(..len) {
        Some(input) => f(input),
        None => Err(argument("the input is larger than the input buffer")),
    })
}

/// The version of the rotor package (from `Cargo.toml`).
/// (A JS string made from the constant: nothing allocated, copied out and freed.)
#[wasm_bindgen(js_name = version, unchecked_return_type = "string")]
pub fn version() -> JsValue {
    JsValue::from_str(env!("CARGO_PKG_VERSION"))
}
