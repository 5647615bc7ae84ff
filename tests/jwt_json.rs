//! `jwt::verify_json`, rotor's one verifier (its JSON read by the crate's scanner), against a
//! reference that reads the same segments with serde_json (`tests/support/json_reference.rs`: the
//! same depth and duplicate rules), and `jwt::sign_claims_json` against headers written by
//! serde_json: same verdicts, same bytes.
#![cfg(feature = "issuer")]

use proptest::prelude::*;
use rotor::JwtErrorCode as C;
use rotor::jwt::{self, Key, KeySet, Validation};
use serde_json::{Map, Value, json};

use rotor::json::{JsonError, MAX_DEPTH};
#[path = "support/json_reference.rs"]
mod reference;

const NOW_MS: u64 = 1_700_000_000_000;
const NOW: i64 = 1_700_000_000;

fn key() -> Key {
    Key::new(*b"0123456789abcdef0123456789abcdef").unwrap()
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A token with exactly these header and payload bytes, signed with [`key`].
fn raw_token(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        rotor::b64::encode(header),
        rotor::b64::encode(payload)
    );
    let tag = key().mac(input.as_bytes());
    format!("{input}.{}", rotor::b64::encode(tag))
}

/// The reference's verdict on the JSON of a token: `None` when the token is not three
/// base64url segments, else whether serde_json (with rotor's rules) reads both as objects.
fn reference_json_ok(token: &str) -> Option<bool> {
    let mut it = token.split('.');
    let (h, p, sig, rest) = (it.next()?, it.next()?, it.next()?, it.next());
    if rest.is_some() {
        return None;
    }
    let (h, p) = (rotor::b64::decode(h)?, rotor::b64::decode(p)?);
    rotor::b64::decode(sig)?;
    let read = |b: &[u8]| reference::parse_object(b, usize::MAX).is_ok();
    Some(read(&h) && read(&p))
}

/// `verify_json` agrees with the serde_json reference: a token it accepts has JSON texts that
/// are the decoded segments and that serde_json reads; a token whose JSON the reference
/// refuses is `malformed`.
fn agree(token: &str, validation: &Validation) -> Result<(), C> {
    let keys = KeySet::single(key());
    let reference = reference_json_ok(token);
    match jwt::verify_json(token, &keys, validation, NOW_MS) {
        Ok(text) => {
            assert_eq!(reference, Some(true), "{token}");
            let (h, p, _) = {
                let mut it = token.split('.');
                (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
            };
            assert_eq!(
                text.header_json().as_bytes(),
                rotor::b64::decode(h).unwrap()
            );
            assert_eq!(
                text.claims_json().as_bytes(),
                rotor::b64::decode(p).unwrap()
            );
            let both: Value = serde_json::from_str(text.as_str()).unwrap();
            let header = reference::parse_object(text.header_json().as_bytes(), usize::MAX);
            let claims = reference::parse_object(text.claims_json().as_bytes(), usize::MAX);
            assert_eq!(both["header"], Value::Object(header.unwrap()));
            assert_eq!(both["claims"], Value::Object(claims.unwrap()));
            assert_eq!(
                text.as_str(),
                format!(
                    "{{\"header\":{},\"claims\":{}}}",
                    text.header_json(),
                    text.claims_json()
                )
            );
            Ok(())
        }
        Err(e) => {
            if reference != Some(true) {
                assert_eq!(e.code, C::Malformed, "{token}");
            }
            Err(e.code)
        }
    }
}

#[test]
fn verdicts_match_on_hand_written_documents() {
    let h = r#"{"alg":"HS256"}"#;
    let exp = NOW + 60;
    let v = Validation {
        required_claims: vec![],
        ..Validation::default()
    };
    let strict = Validation {
        issuer: Some("https://as".into()),
        audience: vec!["api".into()],
        typ: Some("at+jwt".into()),
        ..Validation::default()
    };
    let cases: Vec<(&str, String, &Validation, Result<(), C>)> = vec![
        (h, format!(r#"{{"exp":{exp}}}"#), &v, Ok(())),
        (h, r#"{"a":1,"a":2}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":1,"\u0061":2}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":{"b":1,"b":2}}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":[{"b":1},{"b":2}]}"#.into(), &v, Ok(())),
        (h, r#"{"a":"\ud800"}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":"\ud83d\ude00"}"#.into(), &v, Ok(())),
        (h, r#"{"a":1e400}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":01}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":1,}"#.into(), &v, Err(C::Malformed)),
        (h, r#"{"a":1} x"#.into(), &v, Err(C::Malformed)),
        (h, "[]".into(), &v, Err(C::Malformed)),
        (
            h,
            format!("{{\"a\":{}{}}}", "[".repeat(63), "]".repeat(63)),
            &v,
            Ok(()),
        ),
        (
            h,
            format!("{{\"a\":{}{}}}", "[".repeat(64), "]".repeat(64)),
            &v,
            Err(C::Malformed),
        ),
        (h, r#"{"exp":"1"}"#.into(), &v, Err(C::ClaimMismatch)),
        (h, r#"{"exp":1e300}"#.into(), &v, Err(C::ClaimMismatch)),
        (h, format!(r#"{{"exp":{exp}.5e0}}"#), &v, Ok(())),
        (h, r#"{"exp":1}"#.into(), &v, Err(C::Expired)),
        (r#"{"alg":"HS\u0032\u0035\u0036"}"#, "{}".into(), &v, Ok(())),
        (r#"{"alg":"hs256"}"#, "{}".into(), &v, Err(C::AlgNotAllowed)),
        (
            r#"{"alg":"HS256","alg":"none"}"#,
            "{}".into(),
            &v,
            Err(C::Malformed),
        ),
        (
            r#"{"alg":"HS256","crit":[]}"#,
            "{}".into(),
            &v,
            Err(C::CritUnsupported),
        ),
        (
            r#"{"alg":"HS256","b64":false}"#,
            "{}".into(),
            &v,
            Err(C::CritUnsupported),
        ),
        (r#"{"alg":"HS256","b64":true}"#, "{}".into(), &v, Ok(())),
        (
            r#"{"alg":"HS256","kid":7}"#,
            "{}".into(),
            &v,
            Err(C::Malformed),
        ),
        (
            r#"{"alg":"HS256","typ":"application/AT+JWT"}"#,
            format!(r#"{{"exp":{exp},"iss":"https://as","aud":["x","api"]}}"#),
            &strict,
            Ok(()),
        ),
        (
            r#"{"alg":"HS256","typ":"at+jwt"}"#,
            format!(r#"{{"exp":{exp},"iss":"https:\/\/as","aud":"api"}}"#),
            &strict,
            Ok(()),
        ),
        (
            r#"{"alg":"HS256","typ":"at+jwt"}"#,
            format!(r#"{{"exp":{exp},"iss":"https://as","aud":["api",1]}}"#),
            &strict,
            Err(C::ClaimMismatch),
        ),
        (
            r#"{"alg":"HS256","typ":"at+jwt"}"#,
            format!(r#"{{"exp":{exp},"iss":"https://as"}}"#),
            &strict,
            Err(C::MissingClaim),
        ),
        (
            r#"{"alg":"HS256","typ":1}"#,
            format!(r#"{{"exp":{exp},"iss":"https://as","aud":"api"}}"#),
            &strict,
            Err(C::ClaimMismatch),
        ),
    ];
    for (header, payload, validation, expect) in cases {
        let token = raw_token(header, &payload);
        assert_eq!(agree(&token, validation), expect, "{header} {payload}");
    }
}

#[test]
fn sign_claims_json_writes_what_serde_json_writes() {
    let claims = obj(json!({ "sub": "a\"b", "exp": NOW + 60, "n": 1.5 }));
    let claims_json = serde_json::to_vec(&claims).unwrap();
    for (kid, typ) in [
        (None, None),
        (Some("k1"), None),
        (None, Some("at+jwt")),
        (Some("k\"\u{e9}\u{1}\n"), Some("JWT")),
    ] {
        // serde_json maps are sorted by name: alg, kid, typ.
        let mut header = Map::new();
        header.insert("alg".into(), json!("HS256"));
        if let Some(kid) = kid {
            header.insert("kid".into(), json!(kid));
        }
        if let Some(typ) = typ {
            header.insert("typ".into(), json!(typ));
        }
        let input = format!(
            "{}.{}",
            rotor::b64::encode(serde_json::to_vec(&header).unwrap()),
            rotor::b64::encode(&claims_json)
        );
        let expected = format!(
            "{input}.{}",
            rotor::b64::encode(key().mac(input.as_bytes()))
        );
        let got = jwt::sign_claims_json(kid, typ, &claims_json, &key()).unwrap();
        assert_eq!(got, expected);
    }
    for bad in [
        &br#"{"exp":"1"}"#[..],
        br#"{"a":1,"a":2}"#,
        br#"[]"#,
        b"{\"a\":\"\xff\"}",
        br#"{"exp":-1}"#,
    ] {
        let e = jwt::sign_claims_json(None, None, bad, &key()).unwrap_err();
        assert_eq!(e.code, rotor::RotorErrorCode::InvalidArgument);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary (possibly broken) payload bytes under a valid signature: both verifiers give
    /// the same verdict.
    #[test]
    fn random_payloads_agree(payload in proptest::collection::vec(any::<u8>(), 0..64),
                             words in proptest::collection::vec(0usize..12, 0..12)) {
        const WORDS: [&str; 12] = ["{", "}", "\"exp\":", "1800000000", ",", "\"a\"", ":", "[", "]",
                                   "\"\\u00e9\"", "null", "\"aud\":"];
        let v = Validation { required_claims: vec![], ..Validation::default() };
        let text: String = words.iter().map(|&i| WORDS[i]).collect();
        let _ = agree(&raw_token(r#"{"alg":"HS256"}"#, &text), &v);
        let h = rotor::b64::encode(r#"{"alg":"HS256"}"#);
        let input = format!("{h}.{}", rotor::b64::encode(&payload));
        let tag = key().mac(input.as_bytes());
        let _ = agree(&format!("{input}.{}", rotor::b64::encode(tag)), &v);
    }
}
