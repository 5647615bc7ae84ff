//! base64url decoding never panics and is canonical: decode(s) = b implies encode(b) = s.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(bytes) = rotor::b64::decode(text) {
            assert_eq!(rotor::b64::encode(&bytes), text);
        }
    }
    assert_eq!(rotor::b64::decode(&rotor::b64::encode(data)).as_deref(), Some(data));
});
