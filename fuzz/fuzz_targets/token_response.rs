//! Token-response parsing in every dialect never panics, and what it accepts is sane:
//! finite instants, the access token present, `rotated` consistent with the refresh token.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::client::{
    ClientConfig, ClientOptions, ParseOptions, PreviousTokens, TokenResponse, parse_token_response,
};

const DIALECTS: [&str; 5] = ["rfc6749", "keycloak", "curity", "pingfederate", "tokenidp"];
const NOW: f64 = 1_700_000_000_000.0;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let dialect = DIALECTS[data[0] as usize % DIALECTS.len()];
    let status = 100 + (u16::from_le_bytes([data[1], data[2]]) % 500);
    let body = &data[3..];
    let config = ClientConfig::from_options(ClientOptions {
        token_endpoint: "https://as.example.com/token".into(),
        client_id: "app".into(),
        dialect: Some(dialect.into()),
        granted_scope: Some("openid profile api".into()),
        ..Default::default()
    })
    .expect("valid config");
    let headers = vec![("retry-after".to_string(), "120".to_string())];
    let response = TokenResponse { status, headers: &headers, body };
    let previous: PreviousTokens =
        serde_json::from_str(r#"{"refreshToken":"old-rt","scope":"openid","idToken":null}"#).unwrap();
    let options = ParseOptions { previous: Some(previous), ..Default::default() };
    match parse_token_response(&config, &response, &options, NOW) {
        Ok(set) => {
            assert!((200..300).contains(&status));
            assert!(!set.access_token.expose().is_empty());
            if let Some(e) = set.expires_at {
                assert!(e.is_finite() && e >= NOW);
            }
            if let Some(e) = set.refresh_expires_at {
                assert!(e.is_finite() && e >= NOW);
            }
            // The previous refresh token is never silently dropped.
            assert!(set.refresh_token.is_some());
            let rt = set.refresh_token.as_ref().unwrap().expose();
            assert_eq!(set.rotated, rt != "old-rt");
        }
        Err(err) => {
            // Messages never echo the previous refresh token.
            assert!(!err.to_string().contains("old-rt"));
        }
    }
});
