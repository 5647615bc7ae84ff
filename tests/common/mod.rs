//! Helpers shared by the issuer's integration tests (`mod common;` in each test file).
#![allow(dead_code)]

use rotor::b64;
use rotor::issuer::{HttpRequest, HttpResponse, IssuerConfig, RANDOM_BYTES};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The fixed clock of the issuer tests (ms).
pub const T0: u64 = 1_700_000_000_000;
/// The issuer's signing key.
pub const KEY: [u8; 32] = [7u8; 32];

/// The test issuer's configuration with `clients` and the members of `extra` on top.
pub fn config_with(clients: Value, extra: Value) -> IssuerConfig {
    let mut base = json!({
        "issuer": "https://id.example.com",
        "audience": "https://api.example.com",
        "keys": [{ "kid": "k1", "key": b64::encode(KEY) }],
        "clients": clients,
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    IssuerConfig::from_json(&base.to_string()).unwrap()
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

/// `Authorization: Basic` for `id` and `secret`, form-urlencoded first (RFC 6749 §2.3.1).
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = [enc(id), enc(secret)].join(":");
    ["Basic ", &b64::encode_standard(credentials)].concat()
}

/// A form POST to `path` with `headers` (replacing the default content type if given).
pub fn post(path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> HttpRequest {
    let mut h: Vec<(String, String)> = vec![(
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    )];
    for (k, v) in headers {
        h.retain(|(n, _)| n != k);
        h.push((k.to_string(), v.to_string()));
    }
    HttpRequest {
        method: "POST".into(),
        path: path.into(),
        headers: h,
        body,
    }
}

/// The JSON body of a response.
pub fn json_body(r: &HttpResponse) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

/// Deterministic "random" bytes: the `counter`-th of a SHA-256 chain.
pub fn random_bytes(counter: u64) -> [u8; RANDOM_BYTES] {
    let a = Sha256::digest(counter.to_be_bytes());
    let b = Sha256::digest(a);
    let mut out = [0u8; RANDOM_BYTES];
    out[..32].copy_from_slice(&a);
    out[32..].copy_from_slice(&b);
    out
}
