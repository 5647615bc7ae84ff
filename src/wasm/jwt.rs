//! JS bindings for `crate::jwt`, called by `pkg/lib/jwt.js` (`signJwt`, `verifyJwt`; shared
//! API.md, "JWT (HS256)").
//!
//! Everything crosses the boundary as one byte array and numbers. `pkg/lib/jwt.js` checks the
//! option shapes (the same `invalid_argument` errors as before), then writes into one reused
//! buffer, with `TextEncoder.encodeInto` (several times faster than wasm-bindgen's per-character
//! string copy for a few hundred characters), `[key bytes | spec | text]`:
//! - the `Uint8Array` keys' bytes, concatenated;
//! - the options as one small JSON text, the *spec* (see [`VerifySpec`] and [`SignSpec`]);
//!   string keys travel inside it;
//! - the token (or `JSON.stringify(claims)`, the exact JWS payload).
//!
//! and passes the lengths of the first two parts and `now` as numbers.
//!
//! The result is one string: for `verifyJwt` the verified `{"header":..,"claims":..}` JSON,
//! exactly as decoded from the token (the JS side `JSON.parse`s it); for `signJwt` the token;
//! for errors `"!"` and the error's JSON (`super::error_text`).
//!
//! Speed (the verifier runs on every API request): preparing a spec (reading its JSON, the
//! HMAC key schedule of every key) is cached, keyed by the spec text *and the key bytes*, so
//! repeated options cost a comparison of a few dozen bytes. The cache is keyed by content, not
//! by JS object identity, so a caller who mutates a key's `Uint8Array` between calls gets the
//! new key.

use super::error_text;
use crate::error::{Error, RotorError};
use crate::jwt::{self, Key, KeySet, Validation};
use serde::Deserialize;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// How many prepared specs each cache keeps (a few option sets, each with a rotation set).
const CACHE_SIZE: usize = 8;

/// A small cache of prepared values keyed by (spec text, key bytes), most recent last.
struct Cache<T> {
    entries: Vec<(String, Vec<u8>, Rc<T>)>,
}

impl<T> Cache<T> {
    const fn new() -> Self {
        Cache {
            entries: Vec::new(),
        }
    }

    /// The prepared value for this spec and key bytes, from the cache or made by `make` and
    /// remembered (only successes are cached). The comparison is of the caller's own options
    /// and keys, never of attacker input, so it need not be constant time.
    fn get_or_make(
        cell: &'static std::thread::LocalKey<RefCell<Self>>,
        spec: &str,
        bytes: &[u8],
        make: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Rc<T>, Error> {
        let hit = cell.with(|c| {
            c.borrow()
                .entries
                .iter()
                .rev()
                .find(|(s, b, _)| s == spec && b == bytes)
                .map(|(_, _, v)| v.clone())
        });
        if let Some(v) = hit {
            return Ok(v);
        }
        let v = Rc::new(make()?);
        cell.with(|c| {
            let mut c = c.borrow_mut();
            if c.entries.len() >= CACHE_SIZE {
                c.entries.remove(0);
            }
            c.entries.push((spec.to_owned(), bytes.to_vec(), v.clone()));
        });
        Ok(v)
    }
}

thread_local! {
    static VERIFY_CACHE: RefCell<Cache<(KeySet, Validation)>> = const { RefCell::new(Cache::new()) };
    static SIGN_CACHE: RefCell<Cache<Signer>> = const { RefCell::new(Cache::new()) };
}

/// `[keys, issuer, audience, typ, requiredClaims, leewaySeconds, maxTokenBytes]`, as
/// `pkg/lib/jwt.js` writes it (absent options are `null`). `keys` is `null` (one key: all of
/// the key bytes), a string (one base64url key) or `[[kid, key], ...]` where `key` is a
/// base64url string or the number of key bytes the entry takes, in order.
#[derive(Deserialize)]
struct VerifySpec(
    Value,
    Option<String>,
    Option<Vec<String>>,
    Option<String>,
    Option<Vec<String>>,
    Option<u64>,
    Option<u64>,
);

/// A prepared [`SignSpec`].
struct Signer {
    key: Key,
    kid: Option<String>,
    typ: Option<String>,
}

/// `[key, kid, typ]`: `key` is `null` (the key bytes) or a base64url string.
#[derive(Deserialize)]
struct SignSpec(Option<String>, Option<String>, Option<String>);

fn argument(message: impl Into<String>) -> Error {
    RotorError::argument(message).into()
}

/// A key: the base64url text `text`, or else the bytes.
fn key_from(text: Option<&str>, bytes: &[u8]) -> Result<Key, Error> {
    match text {
        Some(text) => Key::from_base64url(text),
        None => Ok(Key::from_slice(bytes)?),
    }
}

fn read_keys(spec: &Value, bytes: &[u8]) -> Result<KeySet, Error> {
    let list = match spec {
        Value::Null => return Ok(KeySet::single(key_from(None, bytes)?)),
        Value::String(text) => return Ok(KeySet::single(key_from(Some(text), bytes)?)),
        Value::Array(list) => list,
        _ => return Err(argument("keys: expected a key or an array of { kid, key }")),
    };
    let bad = || argument("keys: each entry must be an object { kid: string, key }");
    let mut keys = Vec::with_capacity(list.len());
    let mut rest = bytes;
    for entry in list {
        let Some([Value::String(kid), key]) = entry.as_array().map(Vec::as_slice) else {
            return Err(bad());
        };
        let key = match key {
            Value::String(text) => key_from(Some(text), &[])?,
            Value::Number(n) => {
                let n = n.as_u64().ok_or_else(bad)? as usize;
                if n > rest.len() {
                    return Err(bad());
                }
                let (mine, others) = rest.split_at(n);
                rest = others;
                key_from(None, mine)?
            }
            _ => return Err(bad()),
        };
        keys.push((kid.clone(), key));
    }
    Ok(KeySet::by_kid(keys)?)
}

fn prepare_verify(spec: &str, bytes: &[u8]) -> Result<(KeySet, Validation), Error> {
    let VerifySpec(keys, issuer, audience, typ, required, leeway, max) =
        serde_json::from_str(spec).map_err(|_| argument("verifyJwt options: unreadable"))?;
    let keys = read_keys(&keys, bytes)?;
    let mut validation = Validation {
        issuer,
        typ,
        ..Validation::default()
    };
    if let Some(audience) = audience {
        if audience.is_empty() {
            return Err(argument("audience: must name at least one audience"));
        }
        validation.audience = audience;
    }
    if let Some(required) = required {
        validation.required_claims = required;
    }
    if let Some(leeway) = leeway {
        validation.leeway_seconds = leeway;
    }
    if let Some(max) = max {
        if max == 0 {
            return Err(argument("maxTokenBytes: expected an integer of at least 1"));
        }
        validation.max_token_bytes = usize::try_from(max).unwrap_or(usize::MAX);
    }
    Ok((keys, validation))
}

/// `now` in milliseconds: finite and non-negative (the JS side defaults it to `Date.now()`).
fn now_ms(now: f64) -> Result<u64, Error> {
    if now.is_finite() && now >= 0.0 {
        Ok(now as u64)
    } else {
        Err(argument(
            "now must be a finite, non-negative number of milliseconds",
        ))
    }
}

/// Splits the one byte argument of the exports, `[key bytes | spec | text]`, as
/// `pkg/lib/jwt.js` lays it out (one copy into wasm memory instead of three).
fn split(input: &[u8], key_len: u32, spec_len: u32) -> Result<(&[u8], &str, &str), Error> {
    let bad = || argument("the JWT arguments are not laid out as expected");
    let (key_len, spec_len) = (key_len as usize, spec_len as usize);
    if key_len
        .checked_add(spec_len)
        .is_none_or(|n| n > input.len())
    {
        return Err(bad());
    }
    let (key, rest) = input.split_at(key_len);
    let (spec, text) = rest.split_at(spec_len);
    let spec = std::str::from_utf8(spec).map_err(|_| bad())?;
    let text = std::str::from_utf8(text).map_err(|_| argument("the text is not UTF-8"))?;
    Ok((key, spec, text))
}

fn verify(input: &[u8], key_len: u32, spec_len: u32, now: f64) -> Result<String, Error> {
    let (key_bytes, spec, token) = split(input, key_len, spec_len)?;
    let now = now_ms(now)?;
    let prepared = Cache::get_or_make(&VERIFY_CACHE, spec, key_bytes, || {
        prepare_verify(spec, key_bytes)
    })?;
    let (keys, validation) = &*prepared;
    Ok(jwt::verify_json(token, keys, validation, now)?.into_string())
}

/// Verifies an HS256 JWT (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725 §3) for `verifyJwt` in
/// `pkg/lib/jwt.js`. `input` is `[key bytes | spec | token]` (UTF-8), `key_len` and `spec_len`
/// the lengths of the first two parts; the spec is a [`VerifySpec`]. Returns
/// `{"header":..,"claims":..}` JSON, or `"!"` and a `JwtError`/`RotorError` as JSON.
#[wasm_bindgen(js_name = jwtVerify)]
pub fn jwt_verify(input: &[u8], key_len: u32, spec_len: u32, now: f64) -> String {
    verify(input, key_len, spec_len, now).unwrap_or_else(error_text)
}

fn sign(input: &[u8], key_len: u32, spec_len: u32) -> Result<String, Error> {
    let (key_bytes, spec, claims_json) = split(input, key_len, spec_len)?;
    let prepared = Cache::get_or_make(&SIGN_CACHE, spec, key_bytes, || {
        let SignSpec(key, kid, typ) =
            serde_json::from_str(spec).map_err(|_| argument("signJwt options: unreadable"))?;
        if kid.as_deref() == Some("") {
            return Err(argument("kid: must not be empty"));
        }
        if typ.as_deref() == Some("") {
            return Err(argument("typ: must not be empty"));
        }
        let key = key_from(key.as_deref(), key_bytes)?;
        Ok(Signer { key, kid, typ })
    })?;
    Ok(jwt::sign_claims_json(
        prepared.kid.as_deref(),
        prepared.typ.as_deref(),
        claims_json.as_bytes(),
        &prepared.key,
    )?)
}

/// Signs claims JSON (the exact payload) as an HS256 compact JWS (RFC 7515 §7.1, RFC 7519
/// §7.1) for `signJwt` in `pkg/lib/jwt.js`. `input` is `[key bytes | spec | claims JSON]`, the
/// spec a [`SignSpec`]. Returns the token, or `"!"` and the error as JSON (a token never starts
/// with `!`).
#[wasm_bindgen(js_name = jwtSign)]
pub fn jwt_sign(input: &[u8], key_len: u32, spec_len: u32) -> String {
    sign(input, key_len, spec_len).unwrap_or_else(error_text)
}
