//! Properties of the two codecs every other parser stands on:
//! - `rotor::b64` (RFC 4648 §5 base64url without padding, RFC 7515 §2): encode/decode round
//!   trip, and decode accepts only canonical text (`decode(s) == Some(b)` implies
//!   `encode(b) == s`), so each byte string has exactly one accepted encoding;
//! - `rotor::json::scan`, the core's JSON reader (RFC 8259, bounded): any object within depth
//!   64 is read with every member's JSON text and value intact; one level deeper is
//!   `TooDeep`; duplicate member names (RFC 8725 §3.1) are refused wherever they occur;
//! - with the `issuer` feature, the serde_json reference reader (`tests/support/json_reference.rs`): the
//!   same properties for any JSON value.

use proptest::prelude::*;
use rotor::b64;
#[cfg(feature = "issuer")]
use rotor::json::{JsonError, MAX_DEPTH, scan};

/// The serde_json reference reader (`parse`, `parse_object`).
#[path = "support/json_reference.rs"]
mod json;
use serde_json::{Map, Number, Value};

#[cfg(feature = "issuer")]
const BIG: usize = 1 << 20;

// ---------- base64url ----------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn b64_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = b64::encode(&bytes);
        prop_assert!(!text.contains('='), "padding in {}", text);
        prop_assert!(text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        prop_assert_eq!(text.len(), (bytes.len() * 4).div_ceil(3));
        prop_assert_eq!(b64::decode(&text), Some(bytes));
    }

    /// Arbitrary text over the alphabet plus the characters a lax decoder would accept
    /// (`=`, `+`, `/`, whitespace, `.`): whatever decodes must be the canonical encoding.
    #[test]
    fn b64_decode_accepts_only_canonical(text in "[A-Za-z0-9_\\-=+/ .\n]{0,40}") {
        if let Some(bytes) = b64::decode(&text) {
            prop_assert_eq!(b64::encode(&bytes), text);
        }
    }

    /// Alphabet-only text: decodes exactly when its length is not 1 mod 4 and the unused
    /// trailing bits are zero; and then it is canonical.
    #[test]
    fn b64_decode_alphabet_only(text in "[A-Za-z0-9_\\-]{0,40}") {
        let decoded = b64::decode(&text);
        if text.len() % 4 == 1 {
            prop_assert_eq!(decoded, None);
        } else if let Some(bytes) = decoded {
            prop_assert_eq!(b64::encode(&bytes), text);
        } else {
            // Refused: must be because of non-zero trailing bits in the last character.
            let last = text.bytes().last().unwrap();
            let sextet = match last {
                b'A'..=b'Z' => last - b'A',
                b'a'..=b'z' => last - b'a' + 26,
                b'0'..=b'9' => last - b'0' + 52,
                b'-' => 62,
                _ => 63,
            };
            let unused = match text.len() % 4 { 2 => 4, 3 => 2, _ => 0 };
            prop_assert!(unused > 0 && sextet & ((1 << unused) - 1) != 0, "{} refused", text);
        }
    }

    /// Flipping a stray bit of a canonical encoding (the last character's unused bits) is
    /// refused.
    #[test]
    fn b64_stray_bits_refused(bytes in proptest::collection::vec(any::<u8>(), 1..64), bit in 0u8..4) {
        let text = b64::encode(&bytes);
        let unused = match bytes.len() % 3 { 1 => 4, 2 => 2, _ => 0 };
        // Length 0 mod 3 has no unused bits: no stray bit to flip.
        prop_assume!(unused > 0);
        let bit = bit % unused;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = text.as_bytes()[text.len() - 1];
        let idx = alphabet.iter().position(|&c| c == last).unwrap() as u8;
        let mut tampered = text[..text.len() - 1].to_string();
        tampered.push(alphabet[(idx ^ (1 << bit)) as usize] as char);
        prop_assert_eq!(b64::decode(&tampered), None);
        // Padding added to a canonical encoding is refused too.
        prop_assert_eq!(b64::decode(&format!("{text}=")), None);
    }

    /// Standard base64 (HTTP Basic) round trips too.
    #[test]
    fn b64_standard_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        prop_assert_eq!(b64::decode_standard(&b64::encode_standard(&bytes)), Some(bytes));
    }
}

// ---------- JSON ----------

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        // Any Unicode scalar values, including controls, quotes, backslashes and astral chars.
        any::<String>().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(8, 96, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Depth of a value as the parser counts it: each array/object is one level.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Wraps `v` in `levels` containers, alternating arrays and single-member objects.
fn nest(mut v: Value, levels: usize, key: &str) -> Value {
    for i in 0..levels {
        v = if i % 2 == 0 {
            Value::Array(vec![v])
        } else {
            let mut m = Map::new();
            m.insert(key.to_string(), v);
            Value::Object(m)
        };
    }
    v
}

/// The scanner reads `doc` (an object) with these members, each member's JSON text being the
/// serde_json text of its value.
fn scanned_members(doc: &[u8]) -> Result<Map<String, Value>, JsonError> {
    let obj = scan::object_bytes(doc)?;
    let mut out = Map::new();
    for (name, raw) in obj.members() {
        let value: Value = serde_json::from_str(raw.json()).expect("a member's text is JSON");
        if let Some(s) = raw.as_str() {
            assert_eq!(value.as_str(), Some(s.as_ref()));
        }
        if let Some(f) = raw.as_f64() {
            assert_eq!(value.as_f64(), Some(f));
        }
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any value, as a member of an object (so at most 63 levels of its own), is read by the
    /// scanner unchanged, compact or pretty, with whitespace around; trailing data is not.
    #[test]
    fn scan_round_trip(v in value()) {
        prop_assume!(depth(&v) < MAX_DEPTH);
        let mut doc = Map::new();
        doc.insert("v".into(), v);
        let compact = serde_json::to_vec(&doc).unwrap();
        prop_assert_eq!(&scanned_members(&compact).unwrap(), &doc);
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        prop_assert_eq!(&scanned_members(&pretty).unwrap(), &doc);
        let mut padded = b" \n\t".to_vec();
        padded.extend_from_slice(&compact);
        padded.extend_from_slice(b"\r\n ");
        prop_assert_eq!(&scanned_members(&padded).unwrap(), &doc);
        let mut trailing = compact.clone();
        trailing.extend_from_slice(b" 1");
        prop_assert!(matches!(scan::object_bytes(&trailing), Err(JsonError::Syntax(_))));
    }

    /// Nesting up to exactly 64 levels is read; any deeper is TooDeep.
    #[test]
    fn scan_depth_limit(v in leaf(), key in "[a-z]{0,4}", extra in 1usize..40) {
        // 64 levels with an object outside (the top level of `nest` alternates).
        let at_limit = nest(v.clone(), MAX_DEPTH, &key);
        prop_assert!(at_limit.is_object());
        let text = serde_json::to_vec(&at_limit).unwrap();
        prop_assert_eq!(&Value::Object(scanned_members(&text).unwrap()), &at_limit);
        let mut deeper = Map::new();
        deeper.insert("d".into(), nest(v, MAX_DEPTH + extra - 1, &key));
        let text = serde_json::to_vec(&deeper).unwrap();
        prop_assert_eq!(scan::object_bytes(&text).unwrap_err(), JsonError::TooDeep);
    }

    /// Duplicating any member name of any object, anywhere in the document, is refused as
    /// DuplicateKey naming that member (truncated to 64 chars).
    #[test]
    fn scan_duplicate_keys_refused(
        key in any::<String>(),
        first in leaf(),
        second in leaf(),
        wrap in 0usize..5,
    ) {
        let (a, b, k) = (
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap(),
            serde_json::to_string(&key).unwrap(),
        );
        let mut doc = format!("{{{k}:{a},\"z\":0,{k}:{b}}}");
        for i in 0..wrap {
            doc = if i % 2 == 0 { format!("[{doc}]") } else { format!("{{\"w\":{doc}}}") };
        }
        let doc = format!("{{\"top\":{doc}}}");
        let expected: String = key.chars().take(64).collect();
        prop_assume!(key != "z");
        prop_assert_eq!(scan::object_bytes(doc.as_bytes()).unwrap_err(), JsonError::DuplicateKey(expected));
    }
}

#[cfg(feature = "issuer")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn json_round_trip(v in value()) {
        prop_assert!(depth(&v) <= MAX_DEPTH);
        let compact = serde_json::to_vec(&v).unwrap();
        prop_assert_eq!(&json::parse(&compact, BIG).unwrap(), &v);
        let pretty = serde_json::to_vec_pretty(&v).unwrap();
        prop_assert_eq!(&json::parse(&pretty, BIG).unwrap(), &v);
        // Surrounding whitespace is fine; trailing data is not.
        let mut padded = b" \n\t".to_vec();
        padded.extend_from_slice(&compact);
        padded.extend_from_slice(b"\r\n ");
        prop_assert_eq!(&json::parse(&padded, BIG).unwrap(), &v);
        let mut trailing = compact.clone();
        trailing.extend_from_slice(b" 1");
        prop_assert!(matches!(json::parse(&trailing, BIG), Err(JsonError::Syntax(_))));
        // The size bound is exact.
        prop_assert!(json::parse(&compact, compact.len()).is_ok());
        if !compact.is_empty() {
            prop_assert_eq!(json::parse(&compact, compact.len() - 1), Err(JsonError::TooLarge));
        }
        if let Value::Object(m) = &v {
            prop_assert_eq!(&json::parse_object(&compact, BIG).unwrap(), m);
        } else {
            prop_assert!(matches!(json::parse_object(&compact, BIG), Err(JsonError::Syntax(_))));
        }
    }

    /// Nesting any value up to exactly 64 levels round trips; one more level is TooDeep.
    #[test]
    fn json_depth_limit(v in leaf(), key in "[a-z]{0,4}", extra in 1usize..40) {
        let at_limit = nest(v.clone(), MAX_DEPTH, &key);
        prop_assert_eq!(depth(&at_limit), MAX_DEPTH);
        let text = serde_json::to_vec(&at_limit).unwrap();
        prop_assert_eq!(&json::parse(&text, BIG).unwrap(), &at_limit);
        let deeper = nest(v, MAX_DEPTH + extra, &key);
        let text = serde_json::to_vec(&deeper).unwrap();
        prop_assert_eq!(json::parse(&text, BIG), Err(JsonError::TooDeep));
    }

    /// A value with a depth above 64 generated freely (not just a chain) is TooDeep.
    #[test]
    fn json_deep_tree(v in value(), levels in (MAX_DEPTH + 1)..(MAX_DEPTH + 10)) {
        let deeper = nest(v, levels, "k");
        let text = serde_json::to_vec(&deeper).unwrap();
        prop_assert_eq!(json::parse(&text, BIG), Err(JsonError::TooDeep));
    }

    /// Duplicating any member name of any object, anywhere in the document, is refused as
    /// DuplicateKey naming that member (truncated to 64 chars).
    #[test]
    fn json_duplicate_keys_refused(
        v in value(),
        key in any::<String>(),
        first in leaf(),
        second in leaf(),
        wrap in 0usize..5,
    ) {
        let a = serde_json::to_string(&first).unwrap();
        let b = serde_json::to_string(&second).unwrap();
        let k = serde_json::to_string(&key).unwrap();
        // A prefix of members from a generated object, then the duplicated pair.
        let mut members: Vec<String> = match &v {
            Value::Object(m) => m
                .iter()
                .filter(|(name, _)| **name != key)
                .map(|(name, val)| format!("{}:{}", serde_json::to_string(name).unwrap(), serde_json::to_string(val).unwrap()))
                .collect(),
            _ => Vec::new(),
        };
        let at = members.len() / 2;
        members.insert(at, format!("{k}:{a}"));
        members.push(format!("{k}:{b}"));
        let mut doc = format!("{{{}}}", members.join(","));
        for i in 0..wrap {
            doc = if i % 2 == 0 { format!("[{doc}]") } else { format!("{{\"w\":{doc}}}") };
        }
        let expected: String = key.chars().take(64).collect();
        prop_assert_eq!(json::parse(doc.as_bytes(), BIG), Err(JsonError::DuplicateKey(expected)));
    }
}

#[test]
fn scan_fixed_cases() {
    assert_eq!(
        scan::object(r#"{"a":1,"\u0061":2}"#).unwrap_err(),
        JsonError::DuplicateKey("a".into())
    );
    assert!(scan::object(r#"{"a":{"a":1},"b":{"a":2}}"#).is_ok());
    let huge = format!("{{\"a\":{}", "[".repeat(100_000));
    assert_eq!(scan::object(&huge).unwrap_err(), JsonError::TooDeep);
    let huge_obj = "{\"a\":".repeat(100_000);
    assert_eq!(scan::object(&huge_obj).unwrap_err(), JsonError::TooDeep);
}

#[cfg(feature = "issuer")]
#[test]
fn json_fixed_cases() {
    // Escapes that decode to the same name are duplicates (RFC 8259 §8.3 compares decoded
    // names).
    assert_eq!(
        json::parse(br#"{"a":1,"\u0061":2}"#, BIG),
        Err(JsonError::DuplicateKey("a".into()))
    );
    // Same name in different objects is fine.
    assert!(json::parse(br#"{"a":{"a":1},"b":{"a":2}}"#, BIG).is_ok());
    // Depth 64 of bare arrays parses; 65 does not; thousands never overflow the stack.
    let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
    assert!(json::parse(ok.as_bytes(), BIG).is_ok());
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    assert_eq!(json::parse(deep.as_bytes(), BIG), Err(JsonError::TooDeep));
    let huge = "[".repeat(100_000);
    assert_eq!(json::parse(huge.as_bytes(), BIG), Err(JsonError::TooDeep));
    let huge_obj = "{\"a\":".repeat(100_000);
    assert_eq!(
        json::parse(huge_obj.as_bytes(), BIG),
        Err(JsonError::TooDeep)
    );
}
