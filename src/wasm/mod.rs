//! The JavaScript boundary: the only module with `#[wasm_bindgen]`.
//!
//! Arguments cross as bytes (JSON texts and bodies written by `TextEncoder.encodeInto`, which
//! is many times faster than wasm-bindgen's per-character string copy) and numbers; every
//! result crosses as ONE string: the value's JSON, or [`ERROR_MARK`] and the error's JSON
//! ([`error_text`]). `pkg/lib/boundary.js` turns that into a value (`JSON.parse`, one native
//! call) or a real JS `Error` with `name`, a stable `code` and the error's fields. Building
//! objects from Rust would instead cost one call across the boundary per property.

use crate::error::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

mod client;
#[cfg(feature = "issuer")]
mod issuer;
mod jwt;
mod schedule;

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

/// An error as boundary text: `!{"name":..,"message":..,"code":..,...}` with the fields of a JS
/// error (name, message, code, kind, status, description, uri, retryAfter), which `pkg/lib/boundary.js` turns into a JS `Error`.
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
    o.insert("message".into(), Value::from(err.message()));
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
        let message = format!("{what}: {}", scrub(&e));
        if config {
            crate::error::RotorError::config(message).into()
        } else {
            crate::error::RotorError::argument(message).into()
        }
    })
}

/// serde_json's message without the parts that can quote the caller's values: a string given
/// where something else was expected is shown as `string "…"`, an unknown enum value as
/// ``unknown variant `…` ``, and either may be a token or secret put in the wrong place. The position suffix means nothing to a caller who passed an object.
pub(crate) fn scrub(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("string \"") {
        out.push_str(&rest[..at]);
        out.push_str("a string");
        // The quoted value is Debug-escaped: skip to the first unescaped quote.
        let quoted = &rest[at + "string \"".len()..];
        let mut escaped = false;
        let mut end = quoted.len();
        for (i, c) in quoted.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &quoted[end.min(quoted.len())..];
    }
    out.push_str(rest);
    match out.find("unknown variant `") {
        Some(at) => {
            let tail = &out[at + "unknown variant `".len()..];
            let after = tail.find('`').map_or("", |end| &tail[end + 1..]);
            format!("{}unknown value{after}", &out[..at])
        }
        None => out,
    }
}

/// The version of the rotor package (from `Cargo.toml`).
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_quoted_values() {
        let e = serde_json::from_str::<f64>(r#""rt-secret \"quoted\" value""#).unwrap_err();
        let s = scrub(&e);
        assert!(!s.contains("rt-secret"), "{s}");
        assert!(s.starts_with("invalid type: a string, expected"), "{s}");
    }

    #[test]
    fn scrub_hides_unknown_variants() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "lowercase")]
        enum Mode {
            Always,
        }
        let e = serde_json::from_str::<Mode>(r#""s3cret-value""#).unwrap_err();
        let s = scrub(&e);
        assert!(!s.contains("s3cret"), "{s}");
        assert!(s.starts_with("unknown value, expected"), "{s}");
    }
}
