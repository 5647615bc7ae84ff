//! The JavaScript boundary: the only module with `#[wasm_bindgen]`, `JsValue` and `js_sys`.
//!
//! Errors cross into JS in exactly one place ([`to_js_error`]), which builds a real JS `Error`
//! with `name`, a stable `code` and the error's fields. Values cross with `serde-wasm-bindgen`
//! as plain objects (`Serializer::json_compatible()`).

use crate::error::{Error, ErrorKind};
use js_sys::{Object, Reflect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

mod client;
#[cfg(feature = "issuer")]
mod issuer;
mod jwt;
mod schedule;

/// Converts a core error into a JS `Error` with `name`, `code` and the error's fields.
pub(crate) fn to_js_error(err: impl Into<Error>) -> JsValue {
    let err: Error = err.into();
    let js = js_sys::Error::new(&err.to_string());
    let obj: &Object = js.as_ref();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(obj, &JsValue::from_str(wasm_bindgen::intern(k)), &v);
    };
    set("code", JsValue::from_str(err.code()));
    match &err {
        Error::OAuth(e) => {
            js.set_name("OAuthError");
            set("status", JsValue::from(e.status));
            set("kind", JsValue::from_str(e.kind.as_str()));
            set(
                "description",
                e.description
                    .as_deref()
                    .map_or(JsValue::NULL, JsValue::from_str),
            );
            set(
                "uri",
                e.uri.as_deref().map_or(JsValue::NULL, JsValue::from_str),
            );
            set(
                "retryAfter",
                e.retry_after_ms.map_or(JsValue::NULL, JsValue::from_f64),
            );
        }
        Error::Rotor(e) => {
            js.set_name("RotorError");
            set("kind", JsValue::from_str(e.code.kind().as_str()));
        }
        Error::Jwt(_) => {
            js.set_name("JwtError");
        }
    }
    js.into()
}

/// The first byte of a result that is an error: `"!"` then the error as JSON
/// (see [`error_text`]); anything else is the value as JSON. `pkg/lib/boundary.js` reads it.
///
/// Results cross the boundary as one string: building a JS object (or `Error`) from Rust takes
/// one call into JS per property, while `JSON.parse` in JS builds it in one native call.
pub(crate) const ERROR_MARK: char = '!';

/// A result as boundary text: the value's JSON, or [`ERROR_MARK`] and the error's JSON.
pub(crate) fn result_text<T: Serialize + ?Sized>(result: Result<&T, Error>) -> String {
    match result {
        Ok(value) => serde_json::to_string(value).unwrap_or_else(|e| {
            error_text(crate::error::RotorError::argument(format!(
                "the result cannot be written as JSON: {e}"
            )))
        }),
        Err(err) => error_text(err),
    }
}

/// An error as boundary text: `!{"name":..,"message":..,"code":..,...}` with the same fields
/// [`to_js_error`] sets, which `pkg/lib/boundary.js` turns into a JS `Error`.
pub(crate) fn error_text(err: impl Into<Error>) -> String {
    use serde_json::{Map, Value};
    let err: Error = err.into();
    let mut o = Map::new();
    let name = match &err {
        Error::OAuth(_) => "OAuthError",
        Error::Rotor(_) => "RotorError",
        Error::Jwt(_) => "JwtError",
    };
    o.insert("name".into(), Value::from(name));
    o.insert("message".into(), Value::from(err.to_string()));
    o.insert("code".into(), Value::from(err.code()));
    match &err {
        Error::OAuth(e) => {
            o.insert("status".into(), Value::from(e.status));
            o.insert("kind".into(), Value::from(e.kind.as_str()));
            o.insert("description".into(), e.description.clone().into());
            o.insert("uri".into(), e.uri.clone().into());
            o.insert(
                "retryAfter".into(),
                e.retry_after_ms.map_or(Value::Null, Value::from),
            );
        }
        Error::Rotor(e) => {
            o.insert("kind".into(), Value::from(e.code.kind().as_str()));
        }
        Error::Jwt(_) => {}
    }
    let mut text = String::from(ERROR_MARK);
    text.push_str(&Value::Object(o).to_string());
    text
}

/// Reads a JSON text argument (made by `JSON.stringify` in `pkg/lib/boundary.js`) into `T`.
/// Errors are `invalid_argument` naming `what` (or `invalid_config` when `config`).
pub(crate) fn read_json<T: DeserializeOwned>(
    text: &str,
    what: &str,
    config: bool,
) -> Result<T, Error> {
    serde_json::from_str::<T>(text).map_err(|e| {
        // serde_json's position suffix means nothing to a caller who passed an object.
        let e = e.to_string();
        let e = e.split(" at line ").next().unwrap_or_default();
        let message = format!("{what}: {e}");
        if config {
            crate::error::RotorError::config(message).into()
        } else {
            crate::error::RotorError::argument(message).into()
        }
    })
}

/// An `invalid_argument` error for a JS value of the wrong shape.
pub(crate) fn bad_argument(what: &str, err: impl std::fmt::Display) -> JsValue {
    to_js_error(crate::error::RotorError::argument(format!("{what}: {err}")))
}

/// An `invalid_config` error for a configuration of the wrong shape.
pub(crate) fn bad_config(what: &str, err: impl std::fmt::Display) -> JsValue {
    to_js_error(crate::error::RotorError::config(format!("{what}: {err}")))
}

/// Reads a JS value into a Rust type; `undefined`/`null` are taken as `T::default()` by
/// callers that use `Option`.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(value)
}

/// Writes a Rust value as a plain JS object (no `Map`s; `None` as `null`).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| to_js_error(crate::error::RotorError::argument(e.to_string())))
}

/// `now` from options, else `Date.now()`. Refuses NaN, infinities and negative instants.
pub(crate) fn now_or_clock(now: Option<f64>) -> Result<f64, JsValue> {
    match now {
        None => Ok(js_sys::Date::now()),
        Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
        Some(_) => Err(to_js_error(crate::error::RotorError::argument(
            "now must be a finite, non-negative number of milliseconds",
        ))),
    }
}

/// `N` random bytes from the platform (`crypto.getRandomValues`).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| {
        to_js_error(crate::error::RotorError::config(format!(
            "no secure random source: {e}"
        )))
    })?;
    Ok(buf)
}

/// Reads an optional property of a JS object.
pub(crate) fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    if !obj.is_object() {
        return None;
    }
    // Property names are interned: the JS string is made once, not on every call.
    Reflect::get(obj, &JsValue::from_str(wasm_bindgen::intern(key)))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Reads HTTP headers from a `Headers` instance, an iterable of pairs or a plain object,
/// lower-casing the names (they are case-insensitive, RFC 9110 §5.1).
pub(crate) fn read_headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let mut out = Vec::new();
    if value.is_undefined() || value.is_null() {
        return Ok(out);
    }
    if let Ok(Some(iter)) = js_sys::try_iter(value) {
        for item in iter {
            let item = item?;
            let k = Reflect::get_u32(&item, 0)?.as_string();
            let v = Reflect::get_u32(&item, 1)?.as_string();
            match (k, v) {
                (Some(k), Some(v)) => out.push((k.to_ascii_lowercase(), v)),
                _ => {
                    return Err(bad_argument(
                        "headers",
                        "each header must be a [name, value] pair of strings",
                    ));
                }
            }
        }
        return Ok(out);
    }
    if !value.is_object() {
        return Err(bad_argument(
            "headers",
            "expected a Headers instance or a plain object",
        ));
    }
    let entries = Object::entries(value.unchecked_ref());
    for entry in entries.iter() {
        let k = Reflect::get_u32(&entry, 0)?.as_string().unwrap_or_default();
        let v = Reflect::get_u32(&entry, 1)?;
        let v = if let Some(s) = v.as_string() {
            s
        } else if let Some(n) = v.as_f64() {
            n.to_string()
        } else {
            return Err(bad_argument(
                "headers",
                format!("the value of header \"{k}\" is not a string"),
            ));
        };
        out.push((k.to_ascii_lowercase(), v));
    }
    Ok(out)
}

/// The JS name of an [`ErrorKind`] (kept here so the wasm layer has one mapping).
#[allow(dead_code)]
pub(crate) fn kind_name(kind: ErrorKind) -> &'static str {
    kind.as_str()
}

/// The version of the rotor package (from `Cargo.toml`).
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
