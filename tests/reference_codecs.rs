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

    // Inputs near the grammar: a real date written in one of the three formats, then zero to
    // three single-byte edits (replace, delete, insert) from the grammar's own alphabet, so
    // that a good share stay valid and the rest are near misses (a wrong weekday, day 31 of a
    // 30-day month, a digit where a space belongs). rotor must agree with httpdate on each:
    // the same instant, or both refuse.
    #[test]
    fn http_date_parsing_never_accepts_what_httpdate_refuses(
        secs in 0u64..253_402_300_799,
        format in 0u8..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(NEAR.to_vec())), 0..4),
    ) {
        let mut text = written_as(secs, format).into_bytes();
        for (at, op, byte) in &edits {
            match op {
                0 if !text.is_empty() => { let i = at.index(text.len()); text[i] = *byte; }
                1 if !text.is_empty() => { text.remove(at.index(text.len())); }
                _ => { let i = at.index(text.len() + 1); text.insert(i, *byte); }
            }
        }
        let text = String::from_utf8(text).unwrap();
        let reference = httpdate::parse_http_date(&text).ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        let ours = http_date::parse(&text);
        if let Some(secs) = ours {
            prop_assert_eq!(Some(secs), reference, "rotor accepted {:?}, httpdate did not agree", text);
        }
        if edits.is_empty() {
            // An unedited date is valid: both read it, to the second (RFC 850 only within its
            // two-digit years).
            prop_assert!(ours.is_some() || (format == 2 && !(1970..2070).contains(&year_of(secs))), "{:?}", text);
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

/// Bytes the edits of `http_date_parsing_never_accepts_what_httpdate_refuses` draw from: the
/// HTTP-date alphabet, weighted to digits and separators.
const NEAR: &[u8] = b"0123456789012345 ,:- ,:-ADFJMNOSTWadehinorstuyGMT";

/// The civil year of an instant (UTC).
fn year_of(secs: u64) -> u64 {
    httpdate::HttpDate::from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()[12..16]
        .parse()
        .unwrap()
}

/// `secs` as an IMF-fixdate (0), an asctime date (1) or an RFC 850 date (2).
fn written_as(secs: u64, format: u8) -> String {
    let imf = httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let (wd, day, mon, year, time) = (
        &imf[0..3],
        &imf[5..7],
        &imf[8..11],
        &imf[12..16],
        &imf[17..25],
    );
    match format {
        0 => imf,
        1 => {
            let day = match day.strip_prefix('0') {
                Some(digit) => format!(" {digit}"),
                None => day.to_string(),
            };
            format!("{wd} {mon} {day} {time} {year}")
        }
        _ => {
            const LONG: [(&str, &str); 7] = [
                ("Mon", "Monday"),
                ("Tue", "Tuesday"),
                ("Wed", "Wednesday"),
                ("Thu", "Thursday"),
                ("Fri", "Friday"),
                ("Sat", "Saturday"),
                ("Sun", "Sunday"),
            ];
            let long = LONG.iter().find(|(s, _)| *s == wd).unwrap().1;
            format!("{long}, {day}-{mon}-{} {time} GMT", &year[2..])
        }
    }
}
