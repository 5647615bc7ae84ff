//! Reading JS option objects, once per handle (the cold path: one JS call per member).
//!
//! Members are read one by one ([`Fields`]) with js-sys type checks ([`Member`]: a string, a
//! number or an array of strings), so that a message names the member that is wrong and never
//! quotes its value (which may be a token or secret given in the wrong place); keys no member
//! has are refused by [`Shape::check_keys`] (a typo such as `tokenEndpiont` must be an error,
//! not a silent default).
//!
//! Not `serde-wasm-bindgen`'s deserializer: its error path (`serde::de::Unexpected`, which
//! formats floats with `core::fmt`, and the float formatting tables) measured 20.5 KB of the
//! browser module before gzip, 10.2 KB gzipped (`core::fmt` left the module with it). Nor its serializer (3.0 KB gzipped; src/wasm/schedule.rs).
//! [`scrub`] removes quoted values from `serde_json` messages (the edge module).

use super::js_error;
use crate::error::RotorError;
use wasm_bindgen::{JsCast, JsValue};

/// A type an option member is read as, with its js-sys type check.
pub(crate) trait Member: Sized {
    /// The message for a value of another type.
    const EXPECTED: &'static str;
    /// The value, if `value` has this type.
    fn from_js(value: &JsValue) -> Option<Self>;
}

impl Member for String {
    const EXPECTED: &'static str = "expected a string";
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl Member for f64 {
    const EXPECTED: &'static str = "expected a number";
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_f64()
    }
}

impl Member for Vec<String> {
    const EXPECTED: &'static str = "expected an array of strings";
    fn from_js(value: &JsValue) -> Option<Self> {
        if !js_sys::Array::is_array(value) {
            return None;
        }
        let array: &js_sys::Array = value.unchecked_ref();
        array.iter().map(|item| item.as_string()).collect()
    }
}

/// What an option object is, for messages and the error code.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    /// Named in messages: `client`, `verifyJwt options`, ...
    pub what: &'static str,
    /// The keys the struct knows.
    pub keys: &'static [&'static str],
    /// `invalid_config` when true, else `invalid_argument`.
    pub config: bool,
}

impl Shape {
    /// `what: message` as `invalid_config` or `invalid_argument`.
    pub(crate) fn error(self, message: &str) -> JsValue {
        let text = [self.what, ": ", message].concat();
        js_error(if self.config {
            RotorError::config(text)
        } else {
            RotorError::argument(text)
        })
    }

    /// Whether `value` is a plain object (not null, an array or a function).
    pub(crate) fn is_object(value: &JsValue) -> bool {
        value.is_object() && !js_sys::Array::is_array(value)
    }

    /// Refuses a value that is not an object, and keys the struct does not know.
    pub(crate) fn check_keys(self, value: &JsValue) -> Result<&js_sys::Object, JsValue> {
        if !Self::is_object(value) {
            return Err(self.error("expected an object"));
        }
        let object: &js_sys::Object = value.unchecked_ref();
        for key in js_sys::Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !self.keys.contains(&key.as_str()) {
                let shown = crate::text::prefix(&key, 40);
                return Err(self.error(&crate::text::join(&["unknown option \"", shown, "\""])));
            }
        }
        Ok(object)
    }

    /// The members of the option object `value` (after [`Shape::check_keys`]).
    pub(crate) fn fields(self, value: &JsValue) -> Result<Fields<'_>, JsValue> {
        let object = self.check_keys(value)?;
        Ok(Fields {
            shape: self,
            object,
        })
    }
}

/// An option object being read, member by member (so that a message names the member that is
/// wrong: `client: tokenEndpoint: expected a string`).
pub(crate) struct Fields<'a> {
    shape: Shape,
    object: &'a js_sys::Object,
}

impl Fields<'_> {
    /// The raw value of member `name` (undefined when absent).
    pub(crate) fn raw(&self, name: &str) -> JsValue {
        js_sys::Reflect::get(self.object, &JsValue::from_str(name)).unwrap_or_default()
    }

    /// Member `name`, `None` when absent, undefined or null.
    pub(crate) fn get<T: Member>(&self, name: &str) -> Result<Option<T>, JsValue> {
        let value = self.raw(name);
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        match T::from_js(&value) {
            Some(v) => Ok(Some(v)),
            None => Err(self.error(name, T::EXPECTED)),
        }
    }

    /// Member `name`, which must be present.
    pub(crate) fn require<T: Member>(&self, name: &str) -> Result<T, JsValue> {
        self.get(name)?
            .ok_or_else(|| self.shape.error(&["missing ", name].concat()))
    }

    /// `what: name: message` in the shape's error code.
    pub(crate) fn error(&self, name: &str, message: &str) -> JsValue {
        self.shape.error(&[name, ": ", message].concat())
    }
}

/// serde's message (`serde_json`'s, in the edge module) without the parts that can quote the caller's values: a string given
/// where something else was expected is shown as `string "…"`, an unknown enum value as
/// ``unknown variant `…` ``, a number as ``floating point `…` ``; any may be a token or secret
/// put in the wrong place.
#[cfg_attr(not(feature = "issuer"), allow(dead_code))]
pub(crate) fn scrub(message: &str) -> String {
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
        rest = &quoted[end..];
    }
    out.push_str(rest);
    for (quote, shown) in [
        ("unknown variant `", "unknown value"),
        ("floating point `", "a number"),
        ("integer `", "a number"),
    ] {
        while let Some(at) = out.find(quote) {
            let tail = &out[at + quote.len()..];
            let after = tail.find('`').map_or("", |end| &tail[end + 1..]);
            out = [&out[..at], shown, after].concat();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrub_hides_quoted_strings_and_variants() {
        let s = scrub(r#"invalid type: string "rt-secret \"quoted\" value", expected f64"#);
        assert_eq!(s, "invalid type: a string, expected f64");
        let s = scrub("unknown variant `s3cret-value`, expected one of `a`, `b`");
        assert_eq!(s, "unknown value, expected one of `a`, `b`");
        let s = scrub("invalid type: floating point `123456.5`, expected a string");
        assert_eq!(s, "invalid type: a number, expected a string");
    }
}
