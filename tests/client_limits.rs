//! Client core: limits, redaction, JWT assertions and robustness (never a panic, never NaN).

use proptest::prelude::*;
use rotor::client::{
    self, ClientConfig, ClientOptions, ParseOptions, PreviousTokens, RefreshParams, TokenResponse,
};
use rotor::jwt::Key;
use rotor::{Error, ErrorKind, RotorErrorCode, Secret, b64};
use serde_json::{Map, Value, json};

const NOW: f64 = 1_700_000_000_000.0;

fn config(v: Value) -> ClientConfig {
    ClientConfig::from_options(serde_json::from_value::<ClientOptions>(v).unwrap()).unwrap()
}

fn strict() -> ClientConfig {
    config(
        json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "clientSecret": "client-secret-value" }),
    )
}

fn parse(
    cfg: &ClientConfig,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<client::TokenSet, Error> {
    parse_with(cfg, status, headers, body, &ParseOptions::default(), NOW)
}

fn parse_with(
    cfg: &ClientConfig,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    options: &ParseOptions,
    now: f64,
) -> Result<client::TokenSet, Error> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    client::parse_token_response(
        cfg,
        &TokenResponse {
            status,
            headers: &headers,
            body,
        },
        options,
        now,
    )
}

fn rotor_code(r: Result<client::TokenSet, Error>) -> &'static str {
    match r {
        Err(Error::Rotor(e)) => e.code.as_str(),
        other => panic!("expected a RotorError, got {other:?}"),
    }
}

fn oauth(r: Result<client::TokenSet, Error>) -> rotor::OAuthError {
    match r {
        Err(Error::OAuth(e)) => e,
        other => panic!("expected an OAuthError, got {other:?}"),
    }
}

#[test]
fn client_body_over_one_mib_is_refused() {
    let cfg = strict();
    let mut body = br#"{"access_token":"a","token_type":"Bearer","pad":""#.to_vec();
    body.resize(client::MAX_RESPONSE_BYTES - 2, b'x');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), client::MAX_RESPONSE_BYTES);
    assert!(
        parse(&cfg, 200, &[], &body).is_ok(),
        "exactly 1 MiB is accepted"
    );
    body.insert(body.len() - 2, b'x');
    assert_eq!(rotor_code(parse(&cfg, 200, &[], &body)), "invalid_response");
    let e = oauth(parse(&cfg, 503, &[], &body));
    assert_eq!(
        (e.code.as_str(), e.kind),
        ("temporarily_unavailable", ErrorKind::Retry)
    );
    let e = oauth(parse(&cfg, 400, &[], &body));
    assert_eq!(
        (e.code.as_str(), e.kind),
        ("invalid_request", ErrorKind::Config)
    );
}

#[test]
fn client_json_deeper_than_64_is_refused() {
    let cfg = strict();
    let deep = |n: usize| {
        format!(
            r#"{{"access_token":"a","token_type":"Bearer","x":{}{}}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    assert!(parse(&cfg, 200, &[], deep(63).as_bytes()).is_ok());
    assert_eq!(
        rotor_code(parse(&cfg, 200, &[], deep(64).as_bytes())),
        "invalid_response"
    );
    let deep_error = format!(
        r#"{{"error":"invalid_grant","x":{}{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let e = oauth(parse(&cfg, 400, &[], deep_error.as_bytes()));
    assert_eq!(
        e.code, "invalid_request",
        "an unreadable error body falls back to the status"
    );
}

#[test]
fn client_header_names_are_case_insensitive() {
    let e = oauth(parse(&strict(), 429, &[("RETRY-After", " 7 ")], b""));
    assert_eq!(e.retry_after_ms, Some(7000.0));
    let e = oauth(parse(&strict(), 429, &[("retry-after", "315360001")], b""));
    assert_eq!(e.retry_after_ms, None, "more than 10 years is garbage");
    let e = oauth(parse(&strict(), 429, &[("retry-after", "-5")], b""));
    assert_eq!(e.retry_after_ms, None);
}

#[test]
fn client_bad_arguments() {
    let cfg = strict();
    for status in [0u16, 99, 600, 999] {
        assert_eq!(
            rotor_code(parse(&cfg, status, &[], b"{}")),
            "invalid_argument"
        );
    }
    let ok = br#"{"access_token":"a","token_type":"Bearer"}"#;
    for now in [f64::NAN, f64::INFINITY, -1.0] {
        let r = parse_with(&cfg, 200, &[], ok, &ParseOptions::default(), now);
        assert_eq!(rotor_code(r), "invalid_argument");
        let params = RefreshParams {
            refresh_token: Secret::new("rt"),
            ..Default::default()
        };
        let err = client::build_refresh_request(&cfg, &params, now, &[0; 16]).unwrap_err();
        assert_eq!(err.code, RotorErrorCode::InvalidArgument);
    }
    let options = ParseOptions {
        requested_scope: Some("a\tb".into()),
        ..Default::default()
    };
    let r = parse_with(&cfg, 200, &[], ok, &options, NOW);
    assert_eq!(rotor_code(r), "invalid_argument");
}

#[test]
fn client_secret_jwt_assertion_verifies_and_has_rfc7523_claims() {
    let secret = "an-hs256-client-secret-of-40-bytes-long!";
    let cfg = config(json!({
        "tokenEndpoint": "https://as.example/token", "clientId": "cj",
        "clientSecret": secret, "authMethod": "client_secret_jwt"
    }));
    let params = RefreshParams {
        refresh_token: Secret::new("rt"),
        ..Default::default()
    };
    let req = client::build_refresh_request(&cfg, &params, NOW + 1500.0, &[7; 16]).unwrap();
    let form: Vec<(String, String)> = form_urlencoded::parse(req.body.as_bytes())
        .into_owned()
        .collect();
    let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "grant_type",
            "refresh_token",
            "client_id",
            "client_assertion_type",
            "client_assertion"
        ]
    );
    assert_eq!(form[3].1, client::JWT_BEARER_ASSERTION_TYPE);
    assert!(!req.headers.contains_key("authorization"));
    let jwt = &form[4].1;
    let (signing_input, sig) = jwt.rsplit_once('.').unwrap();
    let key = Key::new(secret.as_bytes().to_vec()).unwrap();
    assert!(key.verify_mac(signing_input.as_bytes(), &b64::decode(sig).unwrap()));
    let claims: Map<String, Value> =
        serde_json::from_slice(&b64::decode(signing_input.split('.').nth(1).unwrap()).unwrap())
            .unwrap();
    assert_eq!(claims["iss"], "cj");
    assert_eq!(claims["sub"], "cj");
    assert_eq!(claims["aud"], "https://as.example/token");
    assert_eq!(claims["iat"], 1_700_000_001);
    assert_eq!(claims["exp"], 1_700_000_061);
    assert_eq!(claims["jti"], b64::encode([7u8; 16]));
    let times = client::unverified_jwt_times(jwt).unwrap();
    assert_eq!(
        (times.iat, times.exp),
        (Some(1_700_000_001.0), Some(1_700_000_061.0))
    );
}

#[test]
fn client_unverified_jwt_times() {
    let key = Key::new([1u8; 32].to_vec()).unwrap();
    let token = rotor::jwt::sign_claims_json(None, None, br#"{"exp":1700000300}"#, &key).unwrap();
    let t = client::unverified_jwt_times(&token).unwrap();
    assert_eq!((t.iat, t.exp), (None, Some(1_700_000_300.0)));
    // Opaque tokens, broken encodings, JWE (5 parts), non-object claims: not a JWT.
    for not_jwt in [
        "2YotnFZFEjr1zCsicMWpAA",
        "a.b.c",
        "eyJhbGciOiJIUzI1NiJ9.W10.sig",
        "eyJhbGciOiJIUzI1NiJ9.e30.sig.x.y",
        "e30.e30.sig",
        "",
    ] {
        assert_eq!(client::unverified_jwt_times(not_jwt), None, "{not_jwt}");
    }
    // A string `exp` is not a number.
    let t = client::unverified_jwt_times("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOiIxIiwiaWF0IjoxLjV9.x")
        .unwrap();
    assert_eq!((t.iat, t.exp), (Some(1.5), None));
}

#[test]
fn client_secrets_never_in_debug_or_messages() {
    let secret = "TOP-SECRET-client-secret-0123456789";
    let token = "REFRESH-TOKEN-abcdef";
    let cfg = config(
        json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "clientSecret": secret, "authMethod": "client_secret_post" }),
    );
    let params = RefreshParams {
        refresh_token: Secret::new(token),
        ..Default::default()
    };
    let req = client::build_refresh_request(&cfg, &params, NOW, &[0; 16]).unwrap();
    assert!(req.body.contains(token) && req.body.contains(secret));
    for text in [
        format!("{req:?}"),
        format!("{cfg:?}"),
        format!("{params:?}"),
    ] {
        assert!(!text.contains(secret) && !text.contains(token), "{text}");
    }
    let set = parse(
        &cfg,
        200,
        &[],
        format!(r#"{{"access_token":"{token}","token_type":"Bearer","refresh_token":"{token}"}}"#)
            .as_bytes(),
    )
    .unwrap();
    assert!(!format!("{set:?}").contains(token));
    // Errors about tokens and secrets name them without quoting them.
    let bad_inputs: Vec<Result<client::TokenSet, Error>> = vec![
        parse(
            &cfg,
            200,
            &[],
            format!(r#"{{"access_token":"{token}","token_type":5}}"#).as_bytes(),
        ),
        parse(
            &cfg,
            200,
            &[],
            format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":"{token}"}}"#)
                .as_bytes(),
        ),
        parse(
            &cfg,
            200,
            &[],
            format!(r#"{{"access_token":"{token}","token_type":"Bearer","scope":"{token}\t"}}"#)
                .as_bytes(),
        ),
        parse(
            &cfg,
            200,
            &[],
            format!(r#"{{"access_token":"{token}" "#).as_bytes(),
        ),
    ];
    for r in bad_inputs {
        let msg = r.unwrap_err().to_string();
        assert!(!msg.contains(token), "{msg}");
    }
    for url in [
        format!("https://as.example/token?x={secret}"),
        format!("https://c:{secret}@as.example/token"),
        format!("http://as.example/token/{secret}"),
    ] {
        let opts: ClientOptions = serde_json::from_value(
            json!({ "tokenEndpoint": url, "clientId": "c", "clientSecret": secret }),
        )
        .unwrap();
        let msg = ClientConfig::from_options(opts).unwrap_err().to_string();
        assert!(!msg.contains(secret), "{msg}");
    }
    let params = RefreshParams {
        refresh_token: Secret::new(format!("{token}\n")),
        ..Default::default()
    };
    let msg = client::build_refresh_request(&cfg, &params, NOW, &[0; 16])
        .unwrap_err()
        .to_string();
    assert!(!msg.contains(token), "{msg}");
}

#[test]
fn client_previous_and_rotation_rules() {
    let cfg = strict();
    let body =
        br#"{"access_token":"a","token_type":"Bearer","refresh_token":"r2","expires_in":60}"#;
    let run = |prev: Option<&str>| {
        client::parse_token_response(
            &cfg,
            &TokenResponse {
                status: 200,
                headers: &[],
                body,
            },
            &ParseOptions {
                previous: Some(PreviousTokens {
                    refresh_token: prev.map(Secret::new),
                    ..Default::default()
                }),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
    };
    assert!(run(Some("r1")).rotated);
    assert!(!run(Some("r2")).rotated);
    assert!(run(None).rotated);
    assert_eq!(run(Some("r1")).expires_at, Some(NOW + 60_000.0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the server sends, parsing never panics and never yields NaN.
    #[test]
    fn client_parse_never_panics(
        status in 100u16..600,
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            "\\{\"access_token\":\"[a-z]{0,3}\",\"token_type\":\"[A-Za-z]{0,6}\",\"expires_in\":-?[0-9]{0,12}(\\.[0-9])?(e[0-9]{1,3})?,\"scope\":\"[ -~]{0,8}\"\\}".prop_map(String::into_bytes),
        ],
        retry in "[ -~]{0,40}",
        dialect in 0usize..5,
    ) {
        let d = client::Dialect::ALL[dialect].as_str();
        let cfg = config(json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "dialect": d }));
        let headers = vec![("retry-after".to_string(), retry)];
        let r = client::parse_token_response(
            &cfg,
            &TokenResponse { status, headers: &headers, body: &body },
            &ParseOptions::default(),
            NOW,
        );
        match r {
            Ok(set) => {
                prop_assert!(set.expires_at.is_none_or(|x| x.is_finite() && x >= NOW));
                prop_assert!(!set.access_token.is_empty());
            }
            Err(Error::OAuth(e)) => prop_assert!(e.retry_after_ms.is_none_or(|x| x.is_finite() && x >= 0.0)),
            Err(_) => {}
        }
    }

    /// Whatever the caller passes, building never panics, and a built form body always
    /// decodes back to the refresh token given.
    #[test]
    fn client_build_never_panics(token in "[ -~]{0,30}", scope in proptest::option::of("[ -~]{0,20}"), extra in "[a-z_]{0,12}") {
        let cfg = strict();
        let params = RefreshParams {
            refresh_token: Secret::new(token.clone()),
            scope,
            extra_params: vec![(extra, "v".into())],
        };
        if let Ok(req) = client::build_refresh_request(&cfg, &params, NOW, &[0; 16]) {
            let form: Vec<(String, String)> = form_urlencoded::parse(req.body.as_bytes()).into_owned().collect();
            prop_assert_eq!(&form[1], &("refresh_token".to_string(), token));
        }
    }
}

#[test]
fn client_refresh_token_expires_in_in_every_dialect_with_the_lifetime_limits() {
    // draft-ietf-oauth-refresh-token-expiration: every dialect reads it, as sent.
    for dialect in ["rfc6749", "keycloak", "curity", "pingfederate"] {
        let cfg = config(
            json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "dialect": dialect }),
        );
        let set = parse(
            &cfg,
            200,
            &[],
            br#"{"access_token":"a","token_type":"Bearer","refresh_token":"r","refresh_token_expires_in":3600}"#,
        )
        .unwrap();
        assert_eq!(set.refresh_expires_at, Some(NOW + 3_600_000.0), "{dialect}");
    }
    let tokenidp = config(
        json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "dialect": "tokenidp" }),
    );
    let set = parse(
        &tokenidp,
        200,
        &[],
        br#"{"isSuccess":true,"data":{"accessToken":"a","tokenType":"Bearer","refreshTokenExpiresIn":120}}"#,
    )
    .unwrap();
    assert_eq!(set.refresh_expires_at, Some(NOW + 120_000.0));
    // Keycloak: the standard name wins over refresh_expires_in, whichever comes first.
    let keycloak = config(
        json!({ "tokenEndpoint": "https://as.example/token", "clientId": "c", "dialect": "keycloak" }),
    );
    let set = parse(
        &keycloak,
        200,
        &[],
        br#"{"access_token":"a","refresh_token_expires_in":60,"refresh_expires_in":1800}"#,
    )
    .unwrap();
    assert_eq!(set.refresh_expires_at, Some(NOW + 60_000.0));
    // The same limits as every lifetime: whole, non-negative, at most 10 years.
    for bad in [r#"-1"#, r#"1.5"#, r#"315360001"#, r#""60""#, r#"null"#] {
        let body = [
            r#"{"access_token":"a","token_type":"Bearer","refresh_token_expires_in":"#,
            bad,
            "}",
        ]
        .concat();
        assert_eq!(
            rotor_code(parse(&strict(), 200, &[], body.as_bytes())),
            "invalid_response",
            "{bad}"
        );
    }
    let ten_years = parse(
        &strict(),
        200,
        &[],
        br#"{"access_token":"a","token_type":"Bearer","refresh_token_expires_in":315360000}"#,
    )
    .unwrap();
    assert_eq!(ten_years.refresh_expires_at, Some(NOW + 315_360_000_000.0));
}

#[test]
fn a_refresh_token_in_the_endpoint_is_refused_raw_or_encoded() {
    let token = "rt a+b/c-0123456789";
    let params = RefreshParams {
        refresh_token: Secret::new(token),
        ..Default::default()
    };
    let build = |endpoint: &str| {
        let cfg = config(json!({ "tokenEndpoint": endpoint, "clientId": "c" }));
        client::refresh_request_body(&cfg, &params, NOW, &[0; 16])
    };
    // Form-encoded (`+` for the space) and percent-encoded in another way.
    for endpoint in [
        "https://as.example/token?x=rt+a%2Bb%2Fc-0123456789",
        "https://as.example/token?x=%72t%20a%2Bb%2fc-0123456789",
    ] {
        let err = build(endpoint).unwrap_err();
        assert_eq!(err.code, RotorErrorCode::InvalidConfig, "{endpoint}");
    }
    // An endpoint without `%` or `+` decodes to itself: only the raw text can match.
    let plain = RefreshParams {
        refresh_token: Secret::new("rt-0123456789"),
        ..Default::default()
    };
    let cfg =
        config(json!({ "tokenEndpoint": "https://as.example/rt-0123456789", "clientId": "c" }));
    let err = client::refresh_request_body(&cfg, &plain, NOW, &[0; 16]).unwrap_err();
    assert_eq!(err.code, RotorErrorCode::InvalidConfig);
    assert!(build("https://as.example/token?x=rt-a-b").is_ok());
}
