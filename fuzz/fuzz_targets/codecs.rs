//! rotor's own codecs agree with the reference crates on any input: base64 (RFC 4648, both
//! alphabets), form-urlencoding (URL Standard §5) and HTTP dates (RFC 9110 §5.6.7; rotor may
//! refuse what httpdate accepts, never the reverse, and never disagrees on the instant).
#![no_main]
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use rotor::{b64, form, http_date};

fuzz_target!(|data: &[u8]| {
    let reference: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    assert_eq!(form::parse(data), reference);
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(b64::decode(text), URL_SAFE_NO_PAD.decode(text).ok());
        assert_eq!(b64::decode_standard(text), STANDARD.decode(text).ok());
        let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        assert_eq!(form::encode(text), encoded);
        if let Some(secs) = http_date::parse(text) {
            let reference = httpdate::parse_http_date(text)
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            assert_eq!(Some(secs), reference, "{text:?}");
        }
    }
    assert_eq!(b64::encode(data), URL_SAFE_NO_PAD.encode(data));
    assert_eq!(b64::encode_standard(data), STANDARD.encode(data));
});
