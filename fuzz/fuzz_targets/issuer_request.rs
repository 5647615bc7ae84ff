//! The issuer's request parsing (form, JSON, Basic header) never panics and never answers 5xx,
//! whatever the method, headers and body, for every dialect, against a live family.
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
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut issuers = Vec::new();
        let mut records = Vec::new();
        for dialect in ["rfc6749", "keycloak", "tokenidp"] {
            let config: IssuerConfig = serde_json::from_value(serde_json::json!({
                "issuer": "https://issuer.example.com",
                "audience": "api",
                "keys": [{ "kid": "k1", "key": "c2VjcmV0LWtleS1vZi1hdC1sZWFzdC0zMi1ieXRlcy0hIQ" }],
                "reuseGraceSeconds": 5,
                "dialect": dialect,
                "clients": [
                    { "clientId": "spa", "scope": "openid api" },
                    { "clientId": "svc", "clientSecret": "s3cr3t", "scope": "api" }
                ]
            }))
            .unwrap();
            let issuer = Issuer::new(config).expect("valid issuer");
            let input: SessionInput = serde_json::from_value(serde_json::json!({
                "clientId": "spa", "subject": "alice", "scope": "openid api"
            }))
            .unwrap();
            let session = issuer.start_session(input, NOW, &[7u8; 64]).unwrap();
            records.push(serde_json::to_string(&session.record).unwrap());
            issuers.push(issuer);
        }
        Fixture { issuers, records }
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
    let request = HttpRequest {
        method: METHODS[data[1] as usize % METHODS.len()].into(),
        path: PATHS[data[2] as usize % PATHS.len()].into(),
        headers,
        body: body.to_vec(),
    };
    let issuer = &f.issuers[which];
    let response = match issuer.route(&request, NOW) {
        Route::Respond(r) => r,
        Route::Family { .. } => {
            issuer.apply(&request, Some(&f.records[which]), NOW + 1000, &[9u8; 64]).response
        }
    };
    assert!(response.status < 500, "status {} for a client's input", response.status);
});
