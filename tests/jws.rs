//! The asymmetric JWS step (src/jws.rs) and `private_key_jwt` in the client's request bodies
//! (RFC 7523 §2.2): exact wire bodies with a fixed clock and fixed `jti` entropy. The
//! signatures themselves are made and checked by WebCrypto and jose in
//! tests/js/dpop.test.mjs.
use rotor::b64;
use rotor::client::{
    ClientConfig, ClientOptions, RefreshParams, refresh_request_body, refresh_request_body_signed,
    revocation_request_body_signed,
};
use rotor::jws::{self, Alg, JwkMembers, PublicJwk};
use rotor::{RotorErrorCode, Secret};

const NOW: f64 = 1_700_000_000_123.0;

fn config(method: &str, secret: Option<&str>) -> Result<ClientConfig, rotor::RotorError> {
    ClientConfig::from_options(ClientOptions {
        token_endpoint: "https://id.example.com/token".into(),
        client_id: "app".into(),
        client_secret: secret.map(Secret::new),
        auth_method: Some(method.into()),
        revocation_endpoint: Some("https://id.example.com/revoke".into()),
        ..ClientOptions::default()
    })
}

fn params() -> RefreshParams {
    RefreshParams {
        refresh_token: Secret::new("rt-1"),
        scope: None,
        extra_params: vec![],
    }
}

#[test]
fn private_key_jwt_assertion_signing_input_and_body() {
    let header = jws::assertion_header(Alg::Es256, Some("key-1")).unwrap();
    assert_eq!(header, r#"{"alg":"ES256","kid":"key-1","typ":"JWT"}"#);
    let claims =
        jws::assertion_claims("app", "https://id.example.com/token", NOW, &[1; 16]).unwrap();
    assert_eq!(
        claims,
        r#"{"aud":"https://id.example.com/token","exp":1700000060,"iat":1700000000,"iss":"app","jti":"AQEBAQEBAQEBAQEBAQEBAQ","sub":"app"}"#
    );
    let input = jws::signing_input(&header, &claims);
    assert_eq!(
        input,
        [b64::encode(&header), b64::encode(&claims)].join(".")
    );
    let assertion = jws::compact(&input, Alg::Es256, None, &[9; 64]).unwrap();

    let config = config("private_key_jwt", None).unwrap();
    let body =
        refresh_request_body_signed(&config, &params(), NOW, &[0; 16], Some(&assertion)).unwrap();
    assert_eq!(
        body,
        [
            "grant_type=refresh_token&refresh_token=rt-1&client_id=app",
            "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
            "&client_assertion=",
            &assertion,
        ]
        .concat()
    );
    let revoke = revocation_request_body_signed(
        &config,
        "rt-1",
        Some("refresh_token"),
        NOW,
        &[0; 16],
        Some(&assertion),
    )
    .unwrap();
    assert!(revoke.starts_with("token=rt-1&token_type_hint=refresh_token&client_id=app&"));
}

#[test]
fn private_key_jwt_refusals() {
    let config = config("private_key_jwt", None).unwrap();
    let err = refresh_request_body(&config, &params(), NOW, &[0; 16]).unwrap_err();
    assert_eq!(err.code, RotorErrorCode::InvalidArgument);
    assert!(err.message.contains("clientAssertion"), "{}", err.message);
    for bad in ["a.b", "a.b.c d", "a.b.c&x=1", ""] {
        let err =
            refresh_request_body_signed(&config, &params(), NOW, &[0; 16], Some(bad)).unwrap_err();
        assert_eq!(err.code, RotorErrorCode::InvalidArgument, "{bad}");
    }
    // An assertion for another method, a secret for private_key_jwt, TokenIDP.
    let basic = self::config("client_secret_basic", Some("s3cret")).unwrap();
    let err =
        refresh_request_body_signed(&basic, &params(), NOW, &[0; 16], Some("a.b.c")).unwrap_err();
    assert_eq!(err.code, RotorErrorCode::InvalidArgument);
    let err = self::config("private_key_jwt", Some("s3cret")).unwrap_err();
    assert_eq!(err.code, RotorErrorCode::InvalidConfig);
    let err = ClientConfig::from_options(ClientOptions {
        token_endpoint: "https://id.example.com/token".into(),
        client_id: "app".into(),
        auth_method: Some("private_key_jwt".into()),
        dialect: Some("tokenidp".into()),
        ..ClientOptions::default()
    })
    .unwrap_err();
    assert_eq!(err.code, RotorErrorCode::InvalidConfig);
}

#[test]
fn ed25519_thumbprint_rfc_8037() {
    // RFC 8037 Appendix A.2 and A.3: the Ed25519 public key and its RFC 7638 thumbprint.
    let jwk = PublicJwk::new(
        Alg::EdDsa,
        &JwkMembers {
            kty: Some("OKP"),
            crv: Some("Ed25519"),
            x: Some("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            ..JwkMembers::default()
        },
    )
    .unwrap();
    assert_eq!(
        jwk.canonical_json(),
        r#"{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
    );
    assert_eq!(
        jwk.thumbprint(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
    assert_eq!(jwk.signature_len(), 64);
}

#[test]
fn the_issuer_refuses_private_key_jwt_clients() {
    // The issuer verifies shared secrets only; a client listing private_key_jwt could never
    // authenticate, so the configuration is refused.
    let text = serde_json::json!({
        "issuer": "https://id.example.com",
        "audience": "https://api.example.com",
        "keys": [{ "kid": "k1", "key": b64::encode([7u8; 32]) }],
        "clients": [{ "clientId": "app", "authMethods": ["private_key_jwt"], "scope": "api" }],
    })
    .to_string();
    let config = rotor::issuer::IssuerConfig::from_json(&text).unwrap();
    let err = rotor::issuer::Issuer::new(config).unwrap_err();
    assert!(
        matches!(&err, rotor::Error::Rotor(e) if e.code == RotorErrorCode::InvalidConfig),
        "{err:?}"
    );
}
