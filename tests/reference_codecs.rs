//! rotor's own base64 (RFC 4648), form-urlencoding (URL Standard §5) and HTTP-date (RFC 9110
//! §5.6.7) code, checked against the reference crates on arbitrary input.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use rotor::{b64, form, http_date};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn base64_encodes_like_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        prop_assert_eq!(b64::encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
        prop_assert_eq!(b64::encode_standard(&bytes), STANDARD.encode(&bytes));
    }

    #[test]
    fn base64_decodes_like_the_base64_crate(text in "[A-Za-z0-9+/_=-]{0,24}") {
        prop_assert_eq!(b64::decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        prop_assert_eq!(b64::decode_standard(&text), STANDARD.decode(&text).ok());
    }

    #[test]
    fn base64_refuses_what_the_crate_refuses(text in ".{0,12}") {
        prop_assert_eq!(b64::decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        prop_assert_eq!(b64::decode_standard(&text), STANDARD.decode(&text).ok());
    }

    #[test]
    fn form_encodes_like_form_urlencoded(value in ".{0,40}") {
        let reference: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        prop_assert_eq!(form::encode(&value), reference);
    }

    #[test]
    fn form_parses_like_form_urlencoded(body in proptest::collection::vec(
        prop_oneof![Just(b'&'), Just(b'='), Just(b'+'), Just(b'%'), Just(b'a'), Just(b'F'), Just(b'3'), any::<u8>()],
        0..40,
    )) {
        let reference: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        prop_assert_eq!(form::parse(&body), reference);
    }

    #[test]
    fn http_dates_agree_with_httpdate(secs in 0u64..253_402_300_799) {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let text = httpdate::fmt_http_date(at);
        prop_assert_eq!(http_date::parse(&text), Some(secs), "{}", text);
    }

    #[test]
    fn http_date_parsing_never_accepts_what_httpdate_refuses(text in "[A-Za-z0-9 ,:-]{20,32}") {
        if let Some(secs) = http_date::parse(&text) {
            let reference = httpdate::parse_http_date(&text).ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            prop_assert_eq!(Some(secs), reference, "{}", text);
        }
    }
}

#[test]
fn obsolete_http_date_formats_agree_with_httpdate() {
    for text in [
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Thu Feb 29 12:00:00 2024",
        "Saturday, 01-Jan-00 00:00:00 GMT",
    ] {
        let reference = httpdate::parse_http_date(text)
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(http_date::parse(text), Some(reference), "{text}");
    }
}
