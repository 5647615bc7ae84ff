//! HS256 sign/verify: RFC 7515 Appendix A.1 known answer, table-driven checks with a fixed
//! `now`, and properties (round trip; no single-byte mutation of a signed token verifies).

use proptest::prelude::*;
use rotor::JwtErrorCode as C;
use rotor::jwt::{self, Key, KeySet, Validation};
use serde_json::{Map, Value, json};

const RFC7515_A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const RFC7515_A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7515_A1_EXP_MS: u64 = 1_300_819_380_000;

const NOW_MS: u64 = 1_700_000_000_000;
const NOW: i64 = 1_700_000_000;

fn key() -> Key {
    Key::new(*b"0123456789abcdef0123456789abcdef").unwrap()
}
fn other_key() -> Key {
    Key::new(*b"fedcba9876543210fedcba9876543210").unwrap()
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A verified token's header and claims, read from `verify_json`'s text with serde_json.
#[derive(Debug)]
struct Verified {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

fn verify(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Result<Verified, rotor::JwtError> {
    let ok = jwt::verify_json(token, keys, validation, now_ms)?;
    Ok(Verified {
        header: serde_json::from_str(ok.header_json()).unwrap(),
        claims: serde_json::from_str(ok.claims_json()).unwrap(),
    })
}

/// A token with any header (`alg: HS256` first, then the other parameters by name) and the
/// claims' serde_json text, signed with `key`: hostile headers (`crit`, a non-string `kid`,
/// ...) need a signer of their own. When the header has only string `kid`/`typ` members, the
/// token is exactly what `jwt::sign_claims_json`, rotor's signer, writes.
fn sign(header: &Map<String, Value>, claims: &Map<String, Value>, key: &Key) -> String {
    let mut h = Map::new();
    h.insert("alg".into(), json!("HS256"));
    for (k, v) in header {
        if k != "alg" {
            h.insert(k.clone(), v.clone());
        }
    }
    let header_json = serde_json::to_vec(&Value::Object(h)).unwrap();
    let claims_json = serde_json::to_vec(claims).unwrap();
    let input = format!(
        "{}.{}",
        rotor::b64::encode(&header_json),
        rotor::b64::encode(&claims_json)
    );
    let token = format!("{input}.{}", rotor::b64::encode(key.mac(input.as_bytes())));
    let kid = header.get("kid").and_then(Value::as_str);
    let typ = header.get("typ").and_then(Value::as_str);
    let simple = header.keys().all(|k| k == "kid" || k == "typ")
        && header.get("kid").is_none_or(Value::is_string)
        && header.get("typ").is_none_or(Value::is_string);
    if simple {
        if let Ok(signed) = jwt::sign_claims_json(kid, typ, &claims_json, key) {
            assert_eq!(signed, token, "sign_claims_json writes the same bytes");
        }
    }
    token
}

fn token(header: Value, claims: Value) -> String {
    sign(&obj(header), &obj(claims), &key())
}

#[test]
fn rfc7515_appendix_a1_known_answer() {
    let keys = KeySet::single(Key::from_base64url(RFC7515_A1_KEY).unwrap());
    let v = Validation::default();
    // One second before exp: valid; the exact header and claims come back.
    let ok = verify(RFC7515_A1_TOKEN, &keys, &v, RFC7515_A1_EXP_MS - 1000).unwrap();
    assert_eq!(
        Value::Object(ok.header),
        json!({"typ": "JWT", "alg": "HS256"})
    );
    assert_eq!(
        Value::Object(ok.claims),
        json!({"iss": "joe", "exp": 1_300_819_380, "http://example.com/is_root": true})
    );
    // The last millisecond before exp is valid, exp itself is not (RFC 7519 §4.1.4).
    assert!(verify(RFC7515_A1_TOKEN, &keys, &v, RFC7515_A1_EXP_MS - 1).is_ok());
    let e = verify(RFC7515_A1_TOKEN, &keys, &v, RFC7515_A1_EXP_MS).unwrap_err();
    assert_eq!(e.code, C::Expired);
    // With 30 s of leeway it is valid until exp + 30 s.
    let lenient = Validation {
        leeway_seconds: 30,
        ..Validation::default()
    };
    assert!(
        verify(
            RFC7515_A1_TOKEN,
            &keys,
            &lenient,
            RFC7515_A1_EXP_MS + 29_999
        )
        .is_ok()
    );
    assert_eq!(
        verify(
            RFC7515_A1_TOKEN,
            &keys,
            &lenient,
            RFC7515_A1_EXP_MS + 30_000
        )
        .unwrap_err()
        .code,
        C::Expired
    );
    // Our MAC of the RFC's signing input is the RFC's signature, byte for byte.
    let key = Key::from_base64url(RFC7515_A1_KEY).unwrap();
    let (input, sig) = RFC7515_A1_TOKEN.rsplit_once('.').unwrap();
    assert_eq!(rotor::b64::encode(key.mac(input.as_bytes())), sig);
    // Any other key: bad_signature.
    assert_eq!(
        verify(RFC7515_A1_TOKEN, &KeySet::single(other_key()), &v, 0)
            .unwrap_err()
            .code,
        C::BadSignature
    );
}

#[test]
fn sign_then_verify_exact_wire() {
    let t = token(
        json!({"kid": "k1", "typ": "at+jwt"}),
        json!({"sub": "alice", "exp": NOW + 60}),
    );
    let (h, rest) = t.split_once('.').unwrap();
    let (p, _) = rest.split_once('.').unwrap();
    // serde_json maps are sorted by name: the header is exactly this text.
    assert_eq!(
        rotor::b64::decode(h).unwrap(),
        br#"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#
    );
    assert_eq!(
        rotor::b64::decode(p).unwrap(),
        br#"{"exp":1700000060,"sub":"alice"}"#
    );
    let v = Validation {
        typ: Some("at+jwt".into()),
        ..Validation::default()
    };
    let keys = KeySet::by_kid(vec![("k0".into(), other_key()), ("k1".into(), key())]).unwrap();
    let ok = verify(&t, &keys, &v, NOW_MS).unwrap();
    assert_eq!(ok.claims["sub"], "alice");
    assert_eq!(ok.header["kid"], "k1");
}

#[test]
fn signing_key_is_the_first_of_the_set() {
    let keys = KeySet::by_kid(vec![("new".into(), other_key()), ("old".into(), key())]).unwrap();
    let (kid, signer) = keys.signing_key().unwrap();
    assert_eq!(kid, Some("new"));
    assert_eq!(signer.mac(b"x"), other_key().mac(b"x"));
    let single = KeySet::single(key());
    let (kid, signer) = single.signing_key().unwrap();
    assert_eq!(kid, None);
    assert_eq!(signer.mac(b"x"), key().mac(b"x"));
    assert!(KeySet::ByKid(Vec::new()).signing_key().is_none());
}

#[test]
fn sign_claims_json_checks_claims() {
    let ok = jwt::sign_claims_json(None, None, br#"{"sub":"a","exp":1.5}"#, &key()).unwrap();
    assert!(verify(&ok, &KeySet::single(key()), &Validation::default(), 0).is_ok());
    for bad in [
        &br#"[1]"#[..],
        br#"{"a":1,"a":2}"#,
        br#"{"exp":"1"}"#,
        br#"{"nbf":null}"#,
        br#"{"iat":-5}"#,
        br#"{"x":1} {}"#,
    ] {
        let e = jwt::sign_claims_json(None, None, bad, &key()).unwrap_err();
        assert_eq!(
            e.code,
            rotor::RotorErrorCode::InvalidArgument,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn key_rules() {
    assert_eq!(Key::new(vec![1u8; 31]).unwrap_err().code, C::WeakKey);
    assert!(Key::new(vec![1u8; 32]).is_ok());
    assert_eq!(
        Key::from_base64url("c2hvcnQ").unwrap_err().code(),
        "weak_key"
    );
    assert_eq!(
        Key::from_base64url("not base64!").unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(
        Key::from_base64url(&(rotor::b64::encode([9u8; 32]) + "="))
            .unwrap_err()
            .code(),
        "invalid_argument"
    );
    assert!(KeySet::by_kid(vec![]).is_err());
    assert!(KeySet::by_kid(vec![("a".into(), key()), ("a".into(), other_key())]).is_err());
    assert!(KeySet::by_kid(vec![("".into(), key())]).is_err());
    // Messages never carry key material.
    let e = Key::from_base64url("c2VjcmV0LXNlY3JldA").unwrap_err();
    assert!(!e.to_string().contains("c2VjcmV0"));
}

struct Case {
    name: &'static str,
    header: Value,
    claims: Value,
    validation: Validation,
    expect: Result<(), C>,
}

fn v() -> Validation {
    Validation::default()
}

#[test]
fn claims_table() {
    let h = json!({"typ": "JWT"});
    let good = |extra: Value| {
        let mut m =
            obj(json!({"iss": "https://as.example", "aud": "api", "exp": NOW + 60, "iat": NOW}));
        m.extend(obj(extra));
        Value::Object(m)
    };
    let cases = vec![
        Case {
            name: "valid",
            header: h.clone(),
            claims: good(json!({})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "exp now",
            header: h.clone(),
            claims: good(json!({"exp": NOW})),
            validation: v(),
            expect: Err(C::Expired),
        },
        Case {
            name: "exp now-1, leeway 1",
            header: h.clone(),
            claims: good(json!({"exp": NOW - 1})),
            validation: Validation {
                leeway_seconds: 1,
                ..v()
            },
            expect: Err(C::Expired),
        },
        Case {
            name: "exp now-1, leeway 2",
            header: h.clone(),
            claims: good(json!({"exp": NOW - 1})),
            validation: Validation {
                leeway_seconds: 2,
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "exp missing",
            header: h.clone(),
            claims: json!({"sub": "a"}),
            validation: v(),
            expect: Err(C::MissingClaim),
        },
        Case {
            name: "exp optional",
            header: h.clone(),
            claims: json!({"sub": "a"}),
            validation: Validation {
                required_claims: vec![],
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "exp optional but expired",
            header: h.clone(),
            claims: json!({"exp": NOW - 10}),
            validation: Validation {
                required_claims: vec![],
                ..v()
            },
            expect: Err(C::Expired),
        },
        Case {
            name: "exp string",
            header: h.clone(),
            claims: good(json!({"exp": "1700000060"})),
            validation: v(),
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "exp string, not required",
            header: h.clone(),
            claims: good(json!({"exp": "x"})),
            validation: Validation {
                required_claims: vec![],
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "nbf = now",
            header: h.clone(),
            claims: good(json!({"nbf": NOW})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "nbf now+1",
            header: h.clone(),
            claims: good(json!({"nbf": NOW + 1})),
            validation: v(),
            expect: Err(C::NotYetValid),
        },
        Case {
            name: "nbf now+1 leeway 1",
            header: h.clone(),
            claims: good(json!({"nbf": NOW + 1})),
            validation: Validation {
                leeway_seconds: 1,
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "iat now+1",
            header: h.clone(),
            claims: good(json!({"iat": NOW + 1})),
            validation: v(),
            expect: Err(C::IssuedInFuture),
        },
        Case {
            name: "iat float",
            header: h.clone(),
            claims: good(json!({"iat": 1_699_999_999.25})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "iss exact",
            header: h.clone(),
            claims: good(json!({})),
            validation: Validation {
                issuer: Some("https://as.example".into()),
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "iss case differs",
            header: h.clone(),
            claims: good(json!({})),
            validation: Validation {
                issuer: Some("https://AS.example".into()),
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "iss missing",
            header: h.clone(),
            claims: json!({"exp": NOW + 1}),
            validation: Validation {
                issuer: Some("x".into()),
                ..v()
            },
            expect: Err(C::MissingClaim),
        },
        Case {
            name: "aud one of accepted",
            header: h.clone(),
            claims: good(json!({})),
            validation: Validation {
                audience: vec!["web".into(), "api".into()],
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "aud array match",
            header: h.clone(),
            claims: good(json!({"aud": ["x", "api"]})),
            validation: Validation {
                audience: vec!["api".into()],
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "aud array no match",
            header: h.clone(),
            claims: good(json!({"aud": ["x", "y"]})),
            validation: Validation {
                audience: vec!["api".into()],
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "aud number",
            header: h.clone(),
            claims: good(json!({"aud": 1})),
            validation: Validation {
                audience: vec!["api".into()],
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "aud not checked",
            header: h.clone(),
            claims: good(json!({"aud": 1})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "typ at+jwt",
            header: json!({"typ": "at+jwt"}),
            claims: good(json!({})),
            validation: Validation {
                typ: Some("at+jwt".into()),
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "typ application/at+jwt vs at+JWT",
            header: json!({"typ": "application/at+jwt"}),
            claims: good(json!({})),
            validation: Validation {
                typ: Some("at+JWT".into()),
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "typ JWT vs at+jwt",
            header: h.clone(),
            claims: good(json!({})),
            validation: Validation {
                typ: Some("at+jwt".into()),
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "typ number",
            header: json!({"typ": 1}),
            claims: good(json!({})),
            validation: Validation {
                typ: Some("at+jwt".into()),
                ..v()
            },
            expect: Err(C::ClaimMismatch),
        },
        Case {
            name: "required jti",
            header: h.clone(),
            claims: good(json!({})),
            validation: Validation {
                required_claims: vec!["exp".into(), "jti".into()],
                ..v()
            },
            expect: Err(C::MissingClaim),
        },
        Case {
            name: "required jti present as null",
            header: h.clone(),
            claims: good(json!({"jti": null})),
            validation: Validation {
                required_claims: vec!["jti".into()],
                ..v()
            },
            expect: Ok(()),
        },
        Case {
            name: "crit",
            header: json!({"crit": ["exp"]}),
            claims: good(json!({})),
            validation: v(),
            expect: Err(C::CritUnsupported),
        },
        Case {
            name: "b64 true is harmless",
            header: json!({"b64": true}),
            claims: good(json!({})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "b64 false",
            header: json!({"b64": false}),
            claims: good(json!({})),
            validation: v(),
            expect: Err(C::CritUnsupported),
        },
        Case {
            name: "b64 string",
            header: json!({"b64": "false"}),
            claims: good(json!({})),
            validation: v(),
            expect: Err(C::CritUnsupported),
        },
        Case {
            name: "kid ignored by a single key",
            header: json!({"kid": "whatever"}),
            claims: good(json!({})),
            validation: v(),
            expect: Ok(()),
        },
        Case {
            name: "kid not a string",
            header: json!({"kid": ["a"]}),
            claims: good(json!({})),
            validation: v(),
            expect: Err(C::Malformed),
        },
    ];
    let keys = KeySet::single(key());
    for case in cases {
        let t = token(case.header, case.claims);
        let got = verify(&t, &keys, &case.validation, NOW_MS)
            .map(|_| ())
            .map_err(|e| e.code);
        assert_eq!(got, case.expect, "{}", case.name);
    }
}

#[test]
fn alg_is_checked_before_keys_and_crit() {
    // An unknown kid and a crit header do not matter when alg is wrong: alg_not_allowed wins.
    let keys = KeySet::by_kid(vec![("k1".into(), key())]).unwrap();
    let h = rotor::b64::encode(br#"{"alg":"none","kid":"nope","crit":["x"]}"#);
    let p = rotor::b64::encode(br#"{"exp":1}"#);
    let e = verify(&format!("{h}.{p}."), &keys, &v(), NOW_MS).unwrap_err();
    assert_eq!(e.code, C::AlgNotAllowed);
    // crit before kid.
    let t = sign(
        &obj(json!({"kid": "nope", "crit": ["x"]})),
        &obj(json!({"exp": 1})),
        &key(),
    );
    assert_eq!(
        verify(&t, &keys, &v(), NOW_MS).unwrap_err().code,
        C::CritUnsupported
    );
    // kid before signature; signature before claims.
    let t = sign(
        &obj(json!({"kid": "nope"})),
        &obj(json!({"exp": 1})),
        &other_key(),
    );
    assert_eq!(
        verify(&t, &keys, &v(), NOW_MS).unwrap_err().code,
        C::UnknownKid
    );
    let t = sign(
        &obj(json!({"kid": "k1"})),
        &obj(json!({"exp": 1})),
        &other_key(),
    );
    assert_eq!(
        verify(&t, &keys, &v(), NOW_MS).unwrap_err().code,
        C::BadSignature
    );
    // Size before structure.
    let small = Validation {
        max_token_bytes: 3,
        ..v()
    };
    assert_eq!(
        verify("a.b.", &keys, &small, NOW_MS).unwrap_err().code,
        C::TooLarge
    );
}

#[test]
fn error_messages_carry_no_token_or_key() {
    let secret_claim = "s3cr3t-claim-value";
    let t = sign(
        &Map::new(),
        &obj(json!({"exp": 1, "x": secret_claim})),
        &key(),
    );
    for keys in [KeySet::single(key()), KeySet::single(other_key())] {
        let e = verify(&t, &keys, &v(), NOW_MS).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains(&t[..20]) && !text.contains(secret_claim),
            "{text}"
        );
        assert!(!text.contains("0123456789abcdef"), "{text}");
    }
    assert_eq!(
        format!("{:?}", KeySet::single(key())),
        "Single(Key([redacted]))"
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e15f64..1e15).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn claims_strategy() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..8),
        NOW + 1..NOW + 100_000,
    )
        .prop_map(|(m, exp)| {
            let mut m: Map<String, Value> = m
                .into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "exp" | "nbf" | "iat"))
                .collect();
            m.insert("exp".into(), Value::from(exp));
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trips(claims in claims_strategy(), kid in "[ -~]{1,16}") {
        let header = obj(json!({"kid": kid.clone(), "typ": "at+jwt"}));
        let t = sign(&header, &claims, &key());
        let keys = KeySet::by_kid(vec![(kid.clone(), key())]).unwrap();
        let validation = Validation { typ: Some("at+jwt".into()), ..Validation::default() };
        let ok = verify(&t, &keys, &validation, NOW_MS).unwrap();
        prop_assert_eq!(&ok.claims, &claims);
        prop_assert_eq!(&ok.header["kid"], &Value::String(kid));
        prop_assert_eq!(&ok.header["alg"], &Value::String("HS256".into()));
    }

    #[test]
    fn no_single_byte_mutation_verifies(
        claims in claims_strategy(),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let t = sign(&Map::new(), &claims, &key());
        let mut bytes = t.clone().into_bytes();
        let i = position.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        // A mutation that breaks UTF-8 cannot even be a &str; everything else must be refused.
        if let Ok(mutated) = String::from_utf8(bytes) {
            let keys = KeySet::single(key());
            prop_assert!(verify(&mutated, &keys, &Validation::default(), NOW_MS).is_err());
        }
    }
}
