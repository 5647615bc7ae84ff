//! JS bindings for `crate::jwt`: `signJwt` and `verifyJwt` (shared API.md, "JWT (HS256)").
//!
//! Claims cross the boundary as JSON text, not as serde-converted objects: `signJwt` takes
//! `JSON.stringify(claims)` (checked by the core's JSON reader) as the exact payload, and
//! `verifyJwt` hands the already verified header and payload text to `JSON.parse`. That keeps
//! the number of wasm/JS crossings constant whatever the size of the claims.

use super::{bad_argument, get, now_or_clock, to_js_error};
use crate::jwt::{self, Key, KeySet, Validation};
use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use serde_json::{Map, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// A key given as a `Uint8Array` (raw bytes) or a base64url string (RFC 4648 §5).
fn read_key(value: &JsValue, what: &str) -> Result<Key, JsValue> {
    if let Some(text) = value.as_string() {
        return Key::from_base64url(&text).map_err(to_js_error);
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Key::from_slice(&bytes.to_vec()).map_err(to_js_error);
    }
    Err(bad_argument(
        what,
        "expected a Uint8Array or a base64url string of at least 32 bytes",
    ))
}

fn read_keys(value: &JsValue) -> Result<KeySet, JsValue> {
    if !Array::is_array(value) {
        return Ok(KeySet::single(read_key(value, "keys")?));
    }
    let list: &Array = value.unchecked_ref();
    let mut keys = Vec::with_capacity(list.length() as usize);
    for entry in list.iter() {
        let kid = get(&entry, "kid")
            .and_then(|k| k.as_string())
            .ok_or_else(|| {
                bad_argument("keys", "each entry must be an object { kid: string, key }")
            })?;
        let key = get(&entry, "key").ok_or_else(|| {
            bad_argument("keys", "each entry must be an object { kid: string, key }")
        })?;
        keys.push((kid, read_key(&key, "keys[].key")?));
    }
    KeySet::by_kid(keys).map_err(to_js_error)
}

fn optional_string(options: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    match get(options, name) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| bad_argument(name, "expected a string")),
    }
}

fn string_list(value: &JsValue, name: &str) -> Result<Vec<String>, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(vec![s]);
    }
    if !Array::is_array(value) {
        return Err(bad_argument(
            name,
            "expected a string or an array of strings",
        ));
    }
    let list: &Array = value.unchecked_ref();
    list.iter()
        .map(|v| {
            v.as_string()
                .ok_or_else(|| bad_argument(name, "expected an array of strings"))
        })
        .collect()
}

fn optional_count(options: &JsValue, name: &str, min: f64) -> Result<Option<f64>, JsValue> {
    match get(options, name) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= min && n.fract() == 0.0 && n <= 9.0e15 => Ok(Some(n)),
            _ => Err(bad_argument(
                name,
                format!("expected an integer of at least {min}"),
            )),
        },
    }
}

fn read_validation(options: &JsValue) -> Result<(KeySet, Validation, u64), JsValue> {
    if !options.is_object() {
        return Err(bad_argument(
            "verifyJwt options",
            "expected an object with at least `keys`",
        ));
    }
    let keys =
        read_keys(&get(options, "keys").ok_or_else(|| bad_argument("keys", "is required"))?)?;
    let mut validation = Validation {
        issuer: optional_string(options, "issuer")?,
        typ: optional_string(options, "typ")?,
        ..Validation::default()
    };
    if let Some(aud) = get(options, "audience") {
        validation.audience = string_list(&aud, "audience")?;
        if validation.audience.is_empty() {
            return Err(bad_argument("audience", "must name at least one audience"));
        }
    }
    if let Some(leeway) = optional_count(options, "leewaySeconds", 0.0)? {
        validation.leeway_seconds = leeway as u64;
    }
    if let Some(max) = optional_count(options, "maxTokenBytes", 1.0)? {
        validation.max_token_bytes = max as usize;
    }
    if let Some(required) = get(options, "requiredClaims") {
        if !Array::is_array(&required) {
            return Err(bad_argument(
                "requiredClaims",
                "expected an array of strings",
            ));
        }
        validation.required_claims = string_list(&required, "requiredClaims")?;
    }
    let now = match get(options, "now") {
        None => now_or_clock(None)?,
        Some(v) => {
            now_or_clock(Some(v.as_f64().ok_or_else(|| {
                bad_argument("now", "expected a number of milliseconds")
            })?))?
        }
    };
    Ok((keys, validation, now as u64))
}

/// `verifyJwt(token, { keys, issuer?, audience?, typ?, leewaySeconds?, now?, requiredClaims?,
/// maxTokenBytes? }) -> { header, claims }`: verifies an HS256 JWT (RFC 7515 §5.2, RFC 7519
/// §7.2, RFC 8725 §3). Throws `JwtError` with a stable `code`, or `RotorError`
/// `invalid_argument` for options of the wrong shape.
#[wasm_bindgen(js_name = verifyJwt)]
pub fn verify_jwt(token: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let token = token
        .as_string()
        .ok_or_else(|| bad_argument("token", "expected a string"))?;
    let (keys, validation, now_ms) = read_validation(&options)?;
    let verified = jwt::verify_raw(&token, &keys, &validation, now_ms).map_err(to_js_error)?;
    // Both texts were read by the core's JSON reader, so they are UTF-8 JSON objects without
    // duplicate names: JSON.parse yields exactly the verified values.
    let text = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .map_err(|_| bad_argument("token", "JSON text is not UTF-8"))
            .and_then(|s| JSON::parse(s))
    };
    let out = Object::new();
    Reflect::set(
        &out,
        &JsValue::from_str("header"),
        &text(&verified.header_json)?,
    )?;
    Reflect::set(
        &out,
        &JsValue::from_str("claims"),
        &text(&verified.claims_json)?,
    )?;
    Ok(out.into())
}

/// `signJwt(claims, { key, kid?, typ? }) -> string`: signs a plain object of claims as a
/// compact JWS with `alg: "HS256"` (RFC 7515 §7.1, RFC 7519 §7.1). The payload is
/// `JSON.stringify(claims)`; `exp`, `nbf` and `iat`, when present, must be finite numbers of
/// seconds. Throws `JwtError` `weak_key`, or `RotorError` `invalid_argument`.
#[wasm_bindgen(js_name = signJwt)]
pub fn sign_jwt(claims: JsValue, options: JsValue) -> Result<String, JsValue> {
    if !is_plain_object(&claims) {
        return Err(bad_argument("claims", "expected a plain object"));
    }
    if !options.is_object() {
        return Err(bad_argument(
            "signJwt options",
            "expected an object with at least `key`",
        ));
    }
    let key = read_key(
        &get(&options, "key").ok_or_else(|| bad_argument("key", "is required"))?,
        "key",
    )?;
    let mut header = Map::new();
    if let Some(kid) = optional_string(&options, "kid")? {
        if kid.is_empty() {
            return Err(bad_argument("kid", "must not be empty"));
        }
        header.insert("kid".into(), Value::String(kid));
    }
    if let Some(typ) = optional_string(&options, "typ")? {
        if typ.is_empty() {
            return Err(bad_argument("typ", "must not be empty"));
        }
        header.insert("typ".into(), Value::String(typ));
    }
    let json = JSON::stringify(&claims)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            bad_argument(
                "claims",
                "cannot be written as JSON (BigInt values or cycles?)",
            )
        })?;
    jwt::sign_json(&header, json.as_bytes(), &key).map_err(to_js_error)
}

/// An object whose prototype is `Object.prototype` (or `null`): not an array, class instance,
/// `Date`, `Map`, ...
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || Array::is_array(value) || value.is_function() {
        return false;
    }
    let proto: JsValue = Object::get_prototype_of(value).into();
    proto.is_null() || JsValue::from(Object::get_prototype_of(&proto)).is_null()
}
