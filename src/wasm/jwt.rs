//! JS bindings for `crate::jwt`: `signJwt` and `verifyJwt` (shared API.md, "JWT (HS256)").
//!
//! Claims cross the boundary as JSON text, not as serde-converted objects: `signJwt` takes
//! `JSON.stringify(claims)` (checked by the core's JSON reader) as the exact payload, and
//! `verifyJwt` hands the already verified header and payload text to `JSON.parse`. That keeps
//! the number of wasm/JS crossings constant whatever the size of the claims.
//!
//! Speed (the verifier runs on every API request): option names are JS strings made once,
//! the result is built by a single `JSON.parse`, and prepared HMAC keys are kept in a small
//! cache keyed by the caller's key bytes, so that a repeated key costs no key schedule.

use super::{bad_argument, now_or_clock, to_js_error};
use crate::error::{JwtError, JwtErrorCode};
use crate::jwt::{self, Key, KeySet, Validation};
use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use serde_json::{Map, Value};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Property names read from option objects, as JS strings created once per instance.
struct Names {
    keys: JsValue,
    key: JsValue,
    kid: JsValue,
    typ: JsValue,
    issuer: JsValue,
    audience: JsValue,
    leeway_seconds: JsValue,
    now: JsValue,
    required_claims: JsValue,
    max_token_bytes: JsValue,
}

thread_local! {
    static NAMES: Names = Names {
        keys: JsValue::from_str("keys"),
        key: JsValue::from_str("key"),
        kid: JsValue::from_str("kid"),
        typ: JsValue::from_str("typ"),
        issuer: JsValue::from_str("issuer"),
        audience: JsValue::from_str("audience"),
        leeway_seconds: JsValue::from_str("leewaySeconds"),
        now: JsValue::from_str("now"),
        required_claims: JsValue::from_str("requiredClaims"),
        max_token_bytes: JsValue::from_str("maxTokenBytes"),
    };
    /// Recently prepared keys: (kind tag + the caller's key bytes or text, prepared key).
    static KEY_CACHE: RefCell<Vec<(Vec<u8>, Key)>> = const { RefCell::new(Vec::new()) };
}

/// How many prepared keys [`KEY_CACHE`] keeps (enough for a rotation set).
const KEY_CACHE_SIZE: usize = 8;

/// An optional property (`undefined` and `null` are absent).
fn get(obj: &JsValue, name: &JsValue) -> Option<JsValue> {
    Reflect::get(obj, name)
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The prepared key for `material` (a tag byte then the key's bytes or text), from the cache
/// or made by `make` and remembered. Only successfully prepared keys are cached. The lookup
/// compares the caller's own configured keys, never attacker input, so it need not be
/// constant time.
fn cached_key(
    material: Vec<u8>,
    make: impl FnOnce(&[u8]) -> Result<Key, JsValue>,
) -> Result<Key, JsValue> {
    let hit = KEY_CACHE.with(|cache| {
        let cache = cache.borrow();
        cache
            .iter()
            .find(|(m, _)| *m == material)
            .map(|(_, key)| key.clone())
    });
    if let Some(key) = hit {
        return Ok(key);
    }
    let key = make(&material[1..])?;
    KEY_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= KEY_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((material, key.clone()));
    });
    Ok(key)
}

/// A key given as a `Uint8Array` (raw bytes) or a base64url string (RFC 4648 §5).
fn read_key(value: &JsValue, what: &str) -> Result<Key, JsValue> {
    if let Some(text) = value.as_string() {
        let mut material = Vec::with_capacity(text.len() + 1);
        material.push(b's');
        material.extend_from_slice(text.as_bytes());
        return cached_key(material, |text| {
            let text = std::str::from_utf8(text).expect("came from a String");
            Key::from_base64url(text).map_err(to_js_error)
        });
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        let mut material = vec![0u8; bytes.length() as usize + 1];
        material[0] = b'u';
        bytes.copy_to(&mut material[1..]);
        return cached_key(material, |bytes| {
            Key::from_slice(bytes).map_err(to_js_error)
        });
    }
    Err(bad_argument(
        what,
        "expected a Uint8Array or a base64url string of at least 32 bytes",
    ))
}

fn read_keys(value: &JsValue, names: &Names) -> Result<KeySet, JsValue> {
    if !Array::is_array(value) {
        return Ok(KeySet::single(read_key(value, "keys")?));
    }
    let list: &Array = value.unchecked_ref();
    let mut keys = Vec::with_capacity(list.length() as usize);
    for entry in list.iter() {
        let kid = get(&entry, &names.kid)
            .and_then(|k| k.as_string())
            .ok_or_else(|| {
                bad_argument("keys", "each entry must be an object { kid: string, key }")
            })?;
        let key = get(&entry, &names.key).ok_or_else(|| {
            bad_argument("keys", "each entry must be an object { kid: string, key }")
        })?;
        keys.push((kid, read_key(&key, "keys[].key")?));
    }
    KeySet::by_kid(keys).map_err(to_js_error)
}

fn optional_string(
    options: &JsValue,
    name: &str,
    js_name: &JsValue,
) -> Result<Option<String>, JsValue> {
    match get(options, js_name) {
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

fn optional_count(
    options: &JsValue,
    name: &str,
    js_name: &JsValue,
    min: f64,
) -> Result<Option<f64>, JsValue> {
    match get(options, js_name) {
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

fn read_validation(options: &JsValue, n: &Names) -> Result<(KeySet, Validation, u64), JsValue> {
    if !options.is_object() {
        return Err(bad_argument(
            "verifyJwt options",
            "expected an object with at least `keys`",
        ));
    }
    let keys = read_keys(
        &get(options, &n.keys).ok_or_else(|| bad_argument("keys", "is required"))?,
        n,
    )?;
    let mut validation = Validation {
        issuer: optional_string(options, "issuer", &n.issuer)?,
        typ: optional_string(options, "typ", &n.typ)?,
        ..Validation::default()
    };
    if let Some(aud) = get(options, &n.audience) {
        validation.audience = string_list(&aud, "audience")?;
        if validation.audience.is_empty() {
            return Err(bad_argument("audience", "must name at least one audience"));
        }
    }
    if let Some(leeway) = optional_count(options, "leewaySeconds", &n.leeway_seconds, 0.0)? {
        validation.leeway_seconds = leeway as u64;
    }
    if let Some(max) = optional_count(options, "maxTokenBytes", &n.max_token_bytes, 1.0)? {
        validation.max_token_bytes = max as usize;
    }
    if let Some(required) = get(options, &n.required_claims) {
        if !Array::is_array(&required) {
            return Err(bad_argument(
                "requiredClaims",
                "expected an array of strings",
            ));
        }
        validation.required_claims = string_list(&required, "requiredClaims")?;
    }
    let now = match get(options, &n.now) {
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
    let Some(js_token) = token.dyn_ref::<js_sys::JsString>() else {
        return Err(bad_argument("token", "expected a string"));
    };
    let (keys, validation, now_ms) = NAMES.with(|names| read_validation(&options, names))?;
    // A string of more UTF-16 units than the limit has at least as many UTF-8 bytes: refuse it
    // before copying it into wasm memory (which never shrinks).
    if js_token.length() as usize > validation.max_token_bytes {
        return Err(to_js_error(JwtError::new(
            JwtErrorCode::TooLarge,
            format!(
                "the JWT is longer than {} bytes",
                validation.max_token_bytes
            ),
        )));
    }
    let token = String::from(js_token);
    let verified = jwt::verify_raw(&token, &keys, &validation, now_ms).map_err(to_js_error)?;
    // Both texts were read by the core's JSON reader, so they are UTF-8 JSON objects without
    // duplicate names: JSON.parse yields exactly the verified values. One parse builds both.
    let (header, claims) = (&verified.header_json, &verified.claims_json);
    let mut text = Vec::with_capacity(header.len() + claims.len() + 24);
    text.extend_from_slice(b"{\"header\":");
    text.extend_from_slice(header);
    text.extend_from_slice(b",\"claims\":");
    text.extend_from_slice(claims);
    text.push(b'}');
    let text = String::from_utf8(text).map_err(|_| bad_argument("token", "JSON is not UTF-8"))?;
    JSON::parse(&text)
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
    let (key, kid, typ) = NAMES.with(|n| -> Result<_, JsValue> {
        let key = read_key(
            &get(&options, &n.key).ok_or_else(|| bad_argument("key", "is required"))?,
            "key",
        )?;
        let kid = optional_string(&options, "kid", &n.kid)?;
        let typ = optional_string(&options, "typ", &n.typ)?;
        Ok((key, kid, typ))
    })?;
    let mut header = Map::new();
    if let Some(kid) = kid {
        if kid.is_empty() {
            return Err(bad_argument("kid", "must not be empty"));
        }
        header.insert("kid".into(), Value::String(kid));
    }
    if let Some(typ) = typ {
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
