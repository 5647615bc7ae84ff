//! The bounded JSON reader never panics, and whatever it accepts serde_json accepts too
//! (rotor's reader is stricter: duplicate names and depth > 64 are refused).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = rotor::json::parse(data, 1 << 20) {
        let reparsed: serde_json::Value = serde_json::from_slice(data).expect("serde_json accepts what rotor accepts");
        assert_eq!(value, reparsed);
        // Re-serialised output parses back to the same value.
        let text = serde_json::to_vec(&value).unwrap();
        assert_eq!(rotor::json::parse(&text, usize::MAX).unwrap(), value);
    }
});
