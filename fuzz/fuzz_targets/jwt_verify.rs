//! JWT verification never panics and accepts nothing not signed with the key: any input that
//! verifies must re-sign to the same signature.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::jwt::{Key, KeySet, Validation, verify_json};
use std::sync::OnceLock;

const KEY: &[u8] = b"fuzzing-key-of-at-least-32-bytes-long!";

fn keys() -> &'static KeySet {
    static K: OnceLock<KeySet> = OnceLock::new();
    K.get_or_init(|| KeySet::single(Key::new(KEY).unwrap()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let validation = Validation { required_claims: vec![], ..Validation::default() };
    if let Ok(verified) = verify_json(token, keys(), &validation, 1_700_000_000_000) {
        // The verified texts are JSON objects any reader accepts.
        serde_json::from_str::<serde_json::Value>(verified.as_str()).expect("verified JSON");
        // Only a token carrying the true HMAC of its first two segments verifies.
        let (signing_input, sig) = token.rsplit_once('.').unwrap();
        let tag = Key::new(KEY).unwrap().mac(signing_input.as_bytes());
        assert_eq!(rotor::b64::encode(tag), sig);
    }
});
