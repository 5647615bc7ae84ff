//! The issuer's request parsing (form, JSON, Basic header) never panics and never answers 5xx,
//! whatever the method, headers and body, for every dialect, against a live family.
//!
//! Refresh tokens carry a MAC (src/issuer/token.rs), so random bytes never reach phase 2: the
//! two-byte placeholders `@R` and `@A` in the body (or the Basic line) are replaced by the
//! fixture family's live refresh token and its access token, so that the fuzzer explores
//! `apply` with real tokens too. A forged token must never need the store.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::issuer::{HttpRequest, Issuer, IssuerConfig, Route, SessionInput};
use std::sync::OnceLock;

const NOW: u64 = 1_700_000_000_000;
const PATHS: [&str; 6] = ["/token", "/revoke", "/introspect", "/.well-known/oauth-authorization-server", "/x", ""];
const METHODS: [&str; 3] = ["POST", "GET", "PUT"];
const CTYPES: [&str; 4] = ["application/x-www-form-urlencoded", "application/json", "text/plain", ""];

struct Fixture {
    issuers: Vec<Issuer>,
    records: Vec<String>,
    /// The live refresh token and the access token of each issuer's family.
    tokens: Vec<(String, String)>,
}

/// `data` with every `@R` / `@A` replaced by the refresh / access token.
fn substitute(data: &[u8], tokens: &(String, String)) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        match (data[i], data.get(i + 1)) {
            (b'@', Some(b'R')) => out.extend_from_slice(tokens.0.as_bytes()),
            (b'@', Some(b'A')) => out.extend_from_slice(tokens.1.as_bytes()),
            (b, _) => {
                out.push(b);
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    out
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut issuers = Vec::new();
        let mut records = Vec::new();
        let mut tokens = Vec::new();
        for dialect in ["rfc6749", "keycloak", "tokenidp"] {
            let config = IssuerConfig::from_json(&serde_json::json!({
                "issuer": "https://issuer.example.com",
                "audience": "api",
                "keys": [{ "kid": "k1", "key": "c2VjcmV0LWtleS1vZi1hdC1sZWFzdC0zMi1ieXRlcy0hIQ" }],
                "reuseGraceSeconds": 5,
                "dialect": dialect,
                "clients": [
                    { "clientId": "spa", "scope": "openid api", "dpop": "allowed" },
                    { "clientId": "svc", "clientSecret": "s3cr3t", "scope": "api" }
                ]
            }).to_string())
            .unwrap();
            let issuer = Issuer::new(config).expect("valid issuer");
            let input = SessionInput::from_json(
                r#"{"clientId":"spa","subject":"alice","scope":"openid api"}"#,
            )
            .unwrap();
            let session = issuer.start_session(input, NOW, &[7u8; 64]).unwrap();
            records.push(session.record.to_json());
            let body: serde_json::Value = serde_json::from_str(&session.body).unwrap();
            let body = &body;
            let body = if body["data"].is_object() { &body["data"] } else { body };
            let field = |a: &str, b: &str| {
                body[a].as_str().or_else(|| body[b].as_str()).unwrap().to_owned()
            };
            tokens.push((field("refresh_token", "refreshToken"), field("access_token", "accessToken")));
            issuers.push(issuer);
        }
        Fixture { issuers, records, tokens }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let f = fixture();
    let which = data[0] as usize % f.issuers.len();
    let mut headers = Vec::new();
    let ctype = CTYPES[data[3] as usize % CTYPES.len()];
    if !ctype.is_empty() {
        headers.push(("content-type".to_string(), ctype.to_string()));
    }
    let data = substitute(data, &f.tokens[which]);
    let mut body = &data[4..];
    // A leading line starting with "Basic " becomes the authorization header.
    if let Some(pos) = body.iter().position(|&b| b == b'\n') {
        if let Ok(line) = std::str::from_utf8(&body[..pos]) {
            if line.starts_with("Basic ") || line.starts_with("Bearer ") {
                headers.push(("authorization".to_string(), line.to_string()));
                body = &body[pos + 1..];
            }
        }
    }
    // A leading line starting with "dpop " is the driver's DPoP verdict (its wire form, any
    // bytes after the prefix): the core must take whatever the line says without panicking.
    let mut dpop = rotor::issuer::DpopProof::None;
    if let Some(pos) = body.iter().position(|&b| b == b'\n') {
        if let Some(line) = std::str::from_utf8(&body[..pos]).ok().and_then(|l| l.strip_prefix("dpop ")) {
            dpop = rotor::issuer::DpopProof::from_wire(line);
            body = &body[pos + 1..];
        }
    }
    let request = HttpRequest {
        method: METHODS[data[1] as usize % METHODS.len()].into(),
        path: PATHS[data[2] as usize % PATHS.len()].into(),
        headers,
        body: body.to_vec(),
        dpop,
    };
    let issuer = &f.issuers[which];
    let response = match issuer.route(&request, NOW) {
        Route::Respond(r) => r,
        Route::Family { .. } => {
            // Only a token this issuer minted (its MAC or signature checks out) may need the
            // store, and the fuzzer can only have it from the placeholders.
            let (refresh, access) = &f.tokens[which];
            let has = |t: &str| request.body.windows(t.len()).any(|w| w == t.as_bytes());
            assert!(has(refresh) || has(access), "a request without a minted token reached the store");
            issuer.apply(&request, Some(&f.records[which]), NOW + 1000, &[9u8; 64]).response
        }
    };
    assert!(response.status < 500, "status {} for a client's input", response.status);
});
