//! rotor's JSON readers never panic and agree: the scanner (`rotor::json::scan`, every core
//! document) and the bounded serde_json reference reader (`tests/support/json_reference.rs`) give the
//! same verdict on every input, except that only the scanner caps counts (`TooMany`); whatever
//! they accept serde_json accepts too, with the same members (rotor is stricter: duplicate
//! names and depth > 64 are refused).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::json::{JsonError, MAX_DEPTH, scan};

#[path = "../../tests/support/json_reference.rs"]
mod reference;

fuzz_target!(|data: &[u8]| {
    let scanned = scan::object_bytes(data);
    let reference = reference::parse_object(data, 1 << 20);
    match (&scanned, &reference) {
        (Ok(obj), Ok(map)) => {
            assert_eq!(obj.len(), map.len());
            for (name, raw) in obj.members() {
                let value = &map[name];
                let alone: serde_json::Value = serde_json::from_str(raw.json()).expect("a member's JSON text");
                assert_eq!(&alone, value);
                if let Some(f) = raw.as_f64() {
                    assert_eq!(Some(f), value.as_f64());
                }
            }
        }
        (Err(JsonError::TooMany), Ok(_)) | (Err(_), Err(_)) => {}
        _ => panic!("scanner {scanned:?}, serde_json reader {reference:?}"),
    }
    if let Ok(value) = reference::parse(data, 1 << 20) {
        let reparsed: serde_json::Value = serde_json::from_slice(data).expect("serde_json accepts what rotor accepts");
        assert_eq!(value, reparsed);
        // Re-serialised output parses back to the same value.
        let text = serde_json::to_vec(&value).unwrap();
        assert_eq!(reference::parse(&text, usize::MAX).unwrap(), value);
    }
});
