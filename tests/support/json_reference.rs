//! The reference JSON reader of the differential tests: `serde_json`, bounded in size and depth
//! (`MAX_DEPTH`), refusing duplicate member names, with the verdicts rotor's scanner
//! (`src/json/scan.rs`) must give. Included with `#[path]` by the scanner's unit tests,
//! `tests/props_roundtrip.rs`, `tests/jwt_json.rs` and the `json` fuzz target; the including
//! module has `JsonError` and `MAX_DEPTH` of `rotor::json` in scope.
#![allow(dead_code)]

use super::{JsonError, MAX_DEPTH};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

const TOO_DEEP: &str = "\u{1}rotor:too-deep";
const DUPLICATE: &str = "\u{1}rotor:duplicate:";

/// Parses `input` as one JSON value of at most `max_bytes` bytes.
pub fn parse(input: &[u8], max_bytes: usize) -> Result<Value, JsonError> {
    if input.len() > max_bytes {
        return Err(JsonError::TooLarge);
    }
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = Seed { depth: 0 }.deserialize(&mut de).map_err(map_error)?;
    de.end().map_err(map_error)?;
    Ok(value)
}

/// Parses `input` and requires a JSON object.
pub fn parse_object(input: &[u8], max_bytes: usize) -> Result<Map<String, Value>, JsonError> {
    match parse(input, max_bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::Syntax("expected a JSON object".into())),
    }
}

fn map_error(e: serde_json::Error) -> JsonError {
    let msg = e.to_string();
    if msg.starts_with(TOO_DEEP) || msg.starts_with("recursion limit exceeded") {
        JsonError::TooDeep
    } else if let Some(rest) = msg.strip_prefix(DUPLICATE) {
        let key = rest.split('\u{1}').next().unwrap_or_default();
        JsonError::DuplicateKey(key.chars().take(64).collect())
    } else {
        JsonError::Syntax(msg)
    }
}

struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor { depth: self.depth })
    }
}

struct ValueVisitor {
    depth: usize,
}

impl ValueVisitor {
    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            Err(E::custom(TOO_DEEP))
        } else {
            Ok(depth)
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Seed { depth })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom([DUPLICATE, &key, "\u{1}"].concat()));
            }
            let value = map.next_value_seed(Seed { depth })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        "[".repeat(n) + &"]".repeat(n)
    }

    #[test]
    fn depth_limit_is_64() {
        assert!(parse(nested(64).as_bytes(), 1 << 20).is_ok());
        assert_eq!(
            parse(nested(65).as_bytes(), 1 << 20),
            Err(JsonError::TooDeep)
        );
        assert_eq!(
            parse(nested(100_000).as_bytes(), 1 << 20),
            Err(JsonError::TooDeep)
        );
    }

    #[test]
    fn duplicates_refused() {
        assert_eq!(
            parse(br#"{"a":1,"b":{"c":1,"c":2}}"#, 1024),
            Err(JsonError::DuplicateKey("c".into()))
        );
        // The same name in different objects is fine.
        assert!(parse(br#"{"a":{"a":1}}"#, 1024).is_ok());
    }

    #[test]
    fn floats_are_correctly_rounded() {
        // Found by the `json` fuzz target: serde_json without its `float_roundtrip` feature
        // rounds some long decimals differently from a correct parse, so a number re-read after
        // serialisation changed value. Every number must equal Rust's correctly rounded parse.
        for text in [
            "33333300000000000001605389506728077994.333333333331100000000000000000000000000",
            "1100000000000000000000000000.0",
            "0.30000000000000004",
            "2.2250738585072011e-308",
        ] {
            let value = parse(text.as_bytes(), 200).unwrap();
            assert_eq!(value.as_f64(), Some(text.parse::<f64>().unwrap()), "{text}");
            let again = parse(serde_json::to_string(&value).unwrap().as_bytes(), 200).unwrap();
            assert_eq!(again, value, "{text}");
        }
    }

    #[test]
    fn size_and_syntax() {
        assert_eq!(parse(b"[1,2,3]", 3), Err(JsonError::TooLarge));
        assert!(matches!(parse(b"{} x", 100), Err(JsonError::Syntax(_))));
        assert!(matches!(
            parse(b"\"\\ud800\"", 100),
            Err(JsonError::Syntax(_))
        ));
        assert!(matches!(parse(b"\xff", 100), Err(JsonError::Syntax(_))));
        assert!(matches!(
            parse_object(b"[]", 100),
            Err(JsonError::Syntax(_))
        ));
        assert_eq!(
            parse(b" {\"x\": [true, null, 1.5, -2]} ", 100).unwrap()["x"][2],
            1.5
        );
    }
}
