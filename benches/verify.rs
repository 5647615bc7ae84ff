//! The physical reference for `make bench`: rotor's HS256 verify and sign, natively, built with
//! the `bench-native` profile (opt-level 3). Prints one JSON line with nanoseconds per
//! operation (medians over rounds), so bench/run.sh can put the wasm overhead next to it.
//!
//! Usage: `verify [TOKEN ...]` — the RFC 9068 access tokens to verify (bench/main.mjs passes
//! the same jose-signed tokens the JS benchmarks use); without tokens, it signs its own.

use rotor::Secret;
use rotor::client::{
    ClientConfig, ClientOptions, ParseOptions, PreviousTokens, RefreshParams, TokenResponse,
    build_refresh_request, parse_token_response,
};
use rotor::jwt::{Key, KeySet, Validation, VerifiedJson, sign_claims_json, verify_json};
use serde_json::{Map, Value, json};
use std::hint::black_box;
use std::time::Instant;

const NOW_MS: u64 = 1_800_000_000_000;
const NOW_S: u64 = NOW_MS / 1000;

fn key_bytes() -> Vec<u8> {
    (0..32u32).map(|i| ((i * 37 + 11) & 0xff) as u8).collect()
}

fn claims(i: u32) -> Map<String, Value> {
    let v = json!({
        "iss": "https://issuer.example",
        "sub": "user-42",
        "aud": "https://api.example",
        "exp": NOW_S + 3600,
        "iat": NOW_S,
        "jti": format!("jti-{i:08x}"),
        "client_id": "bench-client",
        "scope": "openid profile api:read",
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// rotor's one signer with the bench header (`kid: bench-k1`, `typ: at+jwt`), from the claims'
/// serde_json text as the issuer writes it.
fn sign(claims: &Map<String, Value>, key: &Key) -> String {
    let claims_json = serde_json::to_vec(claims).expect("JSON of a map");
    sign_claims_json(Some("bench-k1"), Some("at+jwt"), &claims_json, key).expect("valid claims")
}

/// `verify_json`, then the claims as serde_json values (what a Rust caller does).
fn verify(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Option<Map<String, Value>> {
    let verified: VerifiedJson = verify_json(token, keys, validation, now_ms).ok()?;
    serde_json::from_str(verified.claims_json()).ok()
}

/// Median ns/op of `rounds` batches of `n` calls of `f`.
fn measure(mut f: impl FnMut(usize), rounds: usize, target_ms: f64) -> f64 {
    // Warm-up and calibration: grow the batch until it takes `target_ms`.
    let mut n = 1usize;
    loop {
        let t = Instant::now();
        for i in 0..n {
            f(i);
        }
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if ms >= target_ms || n >= 1 << 24 {
            break;
        }
        n *= 2;
    }
    let mut per_op: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for i in 0..n {
                f(i);
            }
            t.elapsed().as_secs_f64() * 1e9 / n as f64
        })
        .collect();
    per_op.sort_by(|a, b| a.partial_cmp(b).expect("finite timings"));
    per_op[rounds / 2]
}

fn main() {
    let key = Key::new(key_bytes()).expect("a 32-byte key");
    let mut tokens: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if tokens.is_empty() {
        tokens = (0..16).map(|i| sign(&claims(i), &key)).collect();
    }
    let keys = KeySet::single(key.clone());
    let validation = Validation {
        issuer: Some("https://issuer.example".into()),
        audience: vec!["https://api.example".into()],
        typ: Some("at+jwt".into()),
        ..Validation::default()
    };
    for t in &tokens {
        let claims =
            verify(t, &keys, &validation, NOW_MS).expect("the bench tokens verify natively");
        assert_eq!(claims.get("client_id"), Some(&json!("bench-client")));
    }
    let rounds = 9;
    // One verify loop over the tokens; `ok` runs one verification and says whether it passed.
    let verify_loop = |ok: &dyn Fn(&str) -> bool| {
        measure(
            |i| {
                black_box(ok(black_box(&tokens[i % tokens.len()])));
            },
            rounds,
            60.0,
        )
    };
    // `verify_json`: the work the wasm binding does per call (verify, then the verified JSON
    // text; JS builds the objects with JSON.parse), so `verify_ns` is the like-for-like
    // reference of the wasm verifyJwt row.
    let verify_ns = verify_loop(&|t| verify_json(t, &keys, &validation, NOW_MS).is_ok());
    // `verify_json` plus a serde_json map of the claims (what a Rust caller does).
    let verify_maps_ns = verify_loop(&|t| verify(t, &keys, &validation, NOW_MS).is_some());
    // Verification including key set-up, as a binding that receives key bytes per call does.
    let raw = key_bytes();
    let verify_with_key_ns = measure(
        |i| {
            let keys = KeySet::single(Key::new(black_box(raw.clone())).expect("key"));
            let v = verify_json(&tokens[i % tokens.len()], &keys, &validation, NOW_MS);
            black_box(v.is_ok());
        },
        rounds,
        60.0,
    );
    let c = claims(7);
    let sign_ns = measure(
        |_| {
            black_box(sign(black_box(&c), &key));
        },
        rounds,
        60.0,
    );
    // The client round trip of the JS benchmark, natively: check the config, build the
    // refresh request, parse the same token response (what one buildRefreshRequest +
    // parseTokenResponse pair does, minus the JS boundary).
    let body = format!(
        "{{\"access_token\":\"{}\",\"token_type\":\"Bearer\",\"expires_in\":300,\"refresh_token\":\"rt-1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f\",\"scope\":\"openid profile api:read\"}}",
        tokens[1 % tokens.len()]
    );
    let headers = vec![
        (
            "content-type".to_owned(),
            "application/json;charset=UTF-8".to_owned(),
        ),
        ("cache-control".to_owned(), "no-store".to_owned()),
        ("pragma".to_owned(), "no-cache".to_owned()),
    ];
    let old_refresh = "rt-0f4e2d1c3b5a69788796a5b4c3d2e1f0aabbccddeeff";
    let client_ns = measure(
        |_| {
            let config = ClientConfig::from_options(ClientOptions {
                token_endpoint: "https://as.example/token".into(),
                client_id: "bench-client".into(),
                client_secret: Some(Secret::new("bench-client-secret-0123456789")),
                auth_method: Some("client_secret_basic".into()),
                dialect: None,
                granted_scope: None,
                revocation_endpoint: None,
            })
            .expect("valid client");
            let params = RefreshParams {
                refresh_token: Secret::new(old_refresh),
                ..RefreshParams::default()
            };
            let request =
                build_refresh_request(&config, &params, NOW_MS as f64, &[0; 16]).expect("request");
            black_box(&request);
            let options = ParseOptions {
                previous: Some(PreviousTokens {
                    refresh_token: Some(Secret::new(old_refresh)),
                    scope: Some("openid profile api:read".into()),
                    id_token: None,
                }),
                ..ParseOptions::default()
            };
            let response = TokenResponse {
                status: 200,
                headers: &headers,
                body: body.as_bytes(),
            };
            let set = parse_token_response(&config, &response, &options, NOW_MS as f64)
                .expect("token set");
            black_box(set);
        },
        rounds,
        60.0,
    );
    println!(
        "{{\"verify_ns\":{verify_ns:.1},\"verify_maps_ns\":{verify_maps_ns:.1},\"verify_with_key_ns\":{verify_with_key_ns:.1},\"sign_ns\":{sign_ns:.1},\"client_ns\":{client_ns:.1},\"tokens\":{},\"rounds\":{rounds}}}",
        tokens.len()
    );
}
