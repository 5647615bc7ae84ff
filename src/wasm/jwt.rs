//! JS bindings for `crate::jwt`: the `VerifierHandle` and `SignerHandle` classes behind
//! `createVerifier`/`verifyJwt` and `createSigner`/`signJwt` (pkg/lib/jwt.js; shared API.md,
//! "JWT (HS256)").
//!
//! A handle reads its options once (the HMAC key schedule of every key included); a call
//! passes the token (or the claims' JSON text) and `now`. A verified token comes back as the
//! `{"header":..,"claims":..}` JSON text decoded from it, which pkg/lib/jwt.js hands to
//! `JSON.parse`: the engine builds the objects in one native call.

use super::now_or_clock;
use super::options::{Fields, Shape};
use super::{argument, js};
use crate::error::{JwtError, JwtErrorCode};
use crate::jwt::{self, Key, KeySet, Validation};
use wasm_bindgen::prelude::*;

const VERIFY: Shape = Shape {
    what: "verifyJwt options",
    keys: &[
        "keys",
        "issuer",
        "audience",
        "typ",
        "leewaySeconds",
        "now",
        "requiredClaims",
        "maxTokenBytes",
    ],
    config: false,
};

const SIGN: Shape = Shape {
    what: "signJwt options",
    keys: &["key", "kid", "typ"],
    config: false,
};

const KEY_SHAPE: &str = "expected a Uint8Array or a base64url string of at least 32 bytes";

/// Largest count accepted for `leewaySeconds`/`maxTokenBytes` (below 2^53).
const MAX_COUNT: f64 = 9e15;

/// A key: a `Uint8Array` of its bytes, or their base64url text.
fn key_of(value: &JsValue, what: &str) -> Result<Key, JsValue> {
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return js(Key::from_slice(&bytes.to_vec()));
    }
    match value.as_string() {
        Some(text) => js(Key::from_base64url(&text)),
        None => Err(argument(&[what, ": ", KEY_SHAPE].concat())),
    }
}

/// `keys`: one key, or `[{ kid, key }]` (RFC 7515 §4.1.4: the token's `kid` selects).
fn key_set(value: &JsValue) -> Result<KeySet, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Err(argument("keys: is required"));
    }
    if !js_sys::Array::is_array(value) {
        return Ok(KeySet::single(key_of(value, "keys")?));
    }
    const ENTRY: &str = "keys: each entry must be an object { kid: string, key }";
    let list: &js_sys::Array = value.unchecked_ref();
    let mut keys = Vec::with_capacity(list.length() as usize);
    for entry in list.iter() {
        if !Shape::is_object(&entry) {
            return Err(argument(ENTRY));
        }
        let get = |name: &str| js_sys::Reflect::get(&entry, &JsValue::from_str(name));
        let kid = get("kid").ok().and_then(|k| k.as_string());
        let key = get("key").unwrap_or_default();
        let (Some(kid), false) = (kid, key.is_undefined() || key.is_null()) else {
            return Err(argument(ENTRY));
        };
        keys.push((kid, key_of(&key, "keys[].key")?));
    }
    js(KeySet::by_kid(keys))
}

/// A whole number option of at least `min`.
fn count(o: &Fields<'_>, name: &str, min: f64) -> Result<Option<u64>, JsValue> {
    let message = if min > 0.0 {
        "expected an integer of at least 1"
    } else {
        "expected an integer of at least 0"
    };
    match o.raw(name) {
        v if v.is_undefined() || v.is_null() => Ok(None),
        v => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && (min..=MAX_COUNT).contains(&n) => Ok(Some(n as u64)),
            _ => Err(o.error(name, message)),
        },
    }
}

/// A string or an array of strings.
fn strings(o: &Fields<'_>, name: &str, array_only: bool) -> Result<Option<Vec<String>>, JsValue> {
    let value = o.raw(name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let (Some(one), false) = (value.as_string(), array_only) {
        return Ok(Some(vec![one]));
    }
    o.get::<Vec<String>>(name)
}

/// An optional non-empty string.
fn text(o: &Fields<'_>, name: &str, non_empty: bool) -> Result<Option<String>, JsValue> {
    let value = o.raw(name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_string() {
        Some(s) if non_empty && s.is_empty() => Err(o.error(name, "must not be empty")),
        Some(s) => Ok(Some(s)),
        None => Err(o.error(name, "expected a string")),
    }
}

/// Verification keys and options (RFC 8725 §3), read once.
#[wasm_bindgen]
pub struct VerifierHandle {
    keys: KeySet,
    validation: Validation,
    /// A fixed clock from the options (`now`, ms), else `Date.now()` at each call.
    now: Option<f64>,
    /// The HMAC state after the last token's header block (`jwt::verify_json_into`).
    prefix: std::cell::RefCell<jwt::PrefixCache>,
    /// The error of the last refused token, until `takeError`.
    error: std::cell::Cell<Option<JsValue>>,
}

#[wasm_bindgen]
impl VerifierHandle {
    /// Reads `{ keys, issuer?, audience?, typ?, leewaySeconds?, now?, requiredClaims?,
    /// maxTokenBytes? }`; shapes are `invalid_argument`, short keys `weak_key`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<VerifierHandle, JsValue> {
        let o = VERIFY.fields(&options)?;
        let keys = key_set(&o.raw("keys"))?;
        let mut validation = Validation {
            issuer: text(&o, "issuer", false)?,
            typ: text(&o, "typ", false)?,
            ..Validation::default()
        };
        if let Some(audience) = strings(&o, "audience", false)? {
            if audience.is_empty() {
                return Err(o.error("audience", "must name at least one audience"));
            }
            validation.audience = audience;
        }
        if let Some(required) = strings(&o, "requiredClaims", true)? {
            validation.required_claims = required;
        }
        if let Some(leeway) = count(&o, "leewaySeconds", 0.0)? {
            validation.leeway_seconds = leeway;
        }
        if let Some(max) = count(&o, "maxTokenBytes", 1.0)? {
            validation.max_token_bytes = usize::try_from(max).unwrap_or(usize::MAX);
        }
        let now = o.raw("now");
        let now = if now.is_undefined() || now.is_null() {
            None
        } else {
            Some(now_or_clock(&now)?)
        };
        Ok(VerifierHandle {
            keys,
            validation,
            now,
            prefix: Default::default(),
            error: Default::default(),
        })
    }

    /// The longest token accepted, in bytes (pkg/lib/jwt.js refuses a longer string before
    /// writing it into wasm memory).
    #[wasm_bindgen(getter, js_name = maxTokenBytes)]
    pub fn max_token_bytes(&self) -> f64 {
        self.validation.max_token_bytes as f64
    }

    /// Throws the `too_large` `JwtError` of this verifier (for a string longer than
    /// [`Self::max_token_bytes`], refused before it is copied).
    #[wasm_bindgen(js_name = tooLarge)]
    pub fn too_large(&self) -> Result<(), JsValue> {
        let limit = crate::text::u64_text(self.validation.max_token_bytes as u64);
        Err(super::js_error(JwtError::new(
            JwtErrorCode::TooLarge,
            ["the JWT is longer than ", &limit, " bytes"].concat(),
        )))
    }

    /// Verifies the HS256 JWT of `len` UTF-8 bytes in the input buffer (RFC 7515 §5.2, RFC
    /// 7519 §7.2, RFC 8725 §3) at the options' `now`, else `Date.now()`. The
    /// `{"header":..,"claims":..}` JSON text of a verified token replaces the token at the
    /// start of the input buffer (it is always shorter) and the result is its length in bytes,
    /// which pkg/lib/jwt.js reads from there (no string to allocate, return and free per call).
    /// A refused token returns 0 (the text is never empty) and keeps its `JwtError` for
    /// [`Self::take_error`]: one plain number crosses per call, not the array a `Result` comes
    /// back to JS as.
    pub fn verify(&self, len: usize) -> usize {
        let now = self.now.unwrap_or_else(js_sys::Date::now);
        self.settle(self.verify_now(len, now))
    }

    /// [`Self::verify`] at `now` (ms since the epoch); a NaN, infinite or negative `now` is
    /// `invalid_argument`.
    #[wasm_bindgen(js_name = verifyAt)]
    pub fn verify_at(&self, len: usize, now: f64) -> usize {
        let verified = super::instant(now).and_then(|now| self.verify_now(len, now));
        self.settle(verified)
    }

    /// The error of the last call that returned 0 (`undefined` when there is none).
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&self) -> JsValue {
        self.error.take().unwrap_or_default()
    }
}

impl VerifierHandle {
    /// The length a verify returns: the text's, or 0 with the error kept for `takeError`.
    fn settle(&self, verified: Result<usize, JsValue>) -> usize {
        verified.unwrap_or_else(|e| {
            self.error.set(Some(e));
            0
        })
    }

    fn verify_now(&self, len: usize, now: f64) -> Result<usize, JsValue> {
        super::INPUT.with_borrow_mut(|input| {
            DECODED.with_borrow_mut(|decoded| {
                // The token's bytes as JS wrote them (valid UTF-8 by construction; a JWS is
                // ASCII and verify_json_into refuses any other byte): no UTF-8 check here.
                let verified = match input.get(..len) {
                    Some(token) => js(jwt::verify_json_into(
                        token,
                        decoded,
                        &mut self.prefix.borrow_mut(),
                        &self.keys,
                        &self.validation,
                        now as u64,
                    )),
                    None => Err(argument("the input is larger than the input buffer")),
                };
                let result = verified.and_then(|_| match input.get_mut(..decoded.len()) {
                    Some(out) => {
                        out.copy_from_slice(decoded);
                        Ok(decoded.len())
                    }
                    None => Err(argument("the input buffer is too small for the result")),
                });
                // The decoded token is as secret as the token: zeroed, as JS zeroes the input.
                decoded.fill(0);
                result
            })
        })
    }
}

thread_local! {
    /// The decoded header and claims of the token being verified, reused by every call (and
    /// zeroed after each).
    static DECODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A signing key and header parameters, read once.
#[wasm_bindgen]
pub struct SignerHandle {
    key: Key,
    kid: Option<String>,
    typ: Option<String>,
}

#[wasm_bindgen]
impl SignerHandle {
    /// Reads `{ key, kid?, typ? }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<SignerHandle, JsValue> {
        let o = SIGN.fields(&options)?;
        let key = o.raw("key");
        if key.is_undefined() || key.is_null() {
            return Err(argument("key: is required"));
        }
        Ok(SignerHandle {
            key: key_of(&key, "key")?,
            kid: text(&o, "kid", true)?,
            typ: text(&o, "typ", true)?,
        })
    }

    /// Signs the claims' JSON text (the exact JWS payload) as an HS256 compact JWS (RFC 7515
    /// §7.1, RFC 7519 §7.1).
    pub fn sign(&self, claims_json: &str) -> Result<String, JsValue> {
        js(jwt::sign_claims_json(
            self.kid.as_deref(),
            self.typ.as_deref(),
            claims_json.as_bytes(),
            &self.key,
        ))
    }
}
