//! Property: whatever tokens of a family are presented, in any order and at any time, there
//! is never more than one live branch (RFC 9700 §4.14.2). At most two tokens are redeemable at
//! any moment — the live one and, inside the grace window, its predecessor — and the
//! predecessor then yields exactly the live one.
#![cfg(feature = "issuer")]

use proptest::prelude::*;
use rotor::b64;
use rotor::issuer::{HttpRequest, Issuer, IssuerConfig, RecordChange, Route, SessionInput};
use serde_json::{Value, json};
use std::collections::HashMap;

fn issuer(grace: u64, rotation: &str) -> Issuer {
    let config = IssuerConfig::from_json(
        &json!({
            "issuer": "https://id.example.com",
            "audience": "api",
            "keys": [{ "kid": "k", "key": b64::encode([1u8; 32]) }],
            "clients": [{ "clientId": "spa", "scope": "a b" }],
            "reuseGraceSeconds": grace,
            "rotation": rotation,
            "refreshTokenTtl": 60,
        })
        .to_string(),
    )
    .unwrap();
    Issuer::new(config).unwrap()
}

fn request(token: &str) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: format!("grant_type=refresh_token&client_id=spa&refresh_token={token}").into_bytes(),
        ..Default::default()
    }
}

/// Redeems `token` against `stored`; returns the new refresh token on success and the change.
fn redeem(
    issuer: &Issuer,
    stored: Option<&String>,
    token: &str,
    now: u64,
    seed: u8,
) -> (Option<String>, RecordChange) {
    let req = request(token);
    let Route::Family { .. } = issuer.route(&req, now) else {
        panic!("a well-formed refresh request needs its family")
    };
    let applied = issuer.apply(&req, stored.map(|s| s.as_str()), now, &[seed; 64]);
    let token = (applied.response.status == 200).then(|| {
        let body: Value = serde_json::from_str(&applied.response.body).unwrap();
        body["refresh_token"].as_str().unwrap().to_owned()
    });
    (token, applied.change)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn never_two_live_branches(
        grace in prop_oneof![Just(0u64), Just(5u64)],
        reuse_mode in any::<bool>(),
        steps in proptest::collection::vec((0usize..16, 0u64..4_000), 1..40),
    ) {
        let grace = if reuse_mode { 0 } else { grace };
        let issuer = issuer(grace, if reuse_mode { "reuse" } else { "rotate" });
        let mut now = 1_700_000_000_000u64;
        let session = issuer
            .start_session(
                SessionInput { client_id: "spa".into(), subject: "u".into(), scope: None, claims: None, ..Default::default() },
                now,
                &[0; 64],
            )
            .unwrap();
        let key = session.family_key.clone();
        let mut store: HashMap<String, String> = HashMap::new();
        store.insert(key.clone(), session.record.to_json());
        let mut last_rotation_at = now;
        let body: Value = serde_json::from_str(&session.body).unwrap();
        let mut seen = vec![body["refresh_token"].as_str().unwrap().to_owned()];
        for (i, (pick, dt)) in steps.into_iter().enumerate() {
            now += dt;
            let token = seen[pick % seen.len()].clone();
            let (issued, change) = redeem(&issuer, store.get(&key), &token, now, (i % 250 + 1) as u8);
            match change {
                RecordChange::Keep => {}
                RecordChange::Delete => { store.remove(&key); }
                RecordChange::Put(r) => { store.insert(key.clone(), r.to_json()); }
            }
            if let Some(t) = issued {
                if !seen.contains(&t) {
                    seen.push(t);
                    last_rotation_at = now;
                }
            }
            // Trial redemptions (pure: nothing is committed) of every token ever seen.
            let redeemable: Vec<(String, String)> = seen
                .iter()
                .filter_map(|t| redeem(&issuer, store.get(&key), t, now, 251).0.map(|n| (t.clone(), n)))
                .collect();
            let limit = if grace > 0 { 2 } else { 1 };
            prop_assert!(redeemable.len() <= limit, "{} redeemable tokens", redeemable.len());
            if redeemable.len() == 2 {
                // One is the grace predecessor and yields exactly the other, the live token.
                let (a, an) = &redeemable[0];
                let (b, bn) = &redeemable[1];
                prop_assert!(an == b || bn == a);
                // ...and only inside the grace window after the latest rotation.
                prop_assert!(now - last_rotation_at <= grace * 1000);
            }
            if reuse_mode {
                for (t, n) in &redeemable { prop_assert_eq!(t, n); }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// Hostile input: any method, path, headers and body gives a 2xx/4xx answer, never a
    /// panic or a 5xx, in both phases and for a stored record that is garbage.
    #[test]
    fn hostile_requests_never_panic_or_5xx(
        method in prop_oneof![Just("POST".to_owned()), Just("GET".to_owned()), "[A-Z]{0,7}"],
        path in prop_oneof![Just("/token".to_owned()), Just("/revoke".to_owned()), Just("/introspect".to_owned()), "/[a-z./-]{0,40}"],
        content_type in prop_oneof![Just("application/x-www-form-urlencoded".to_owned()), Just("application/json".to_owned()), ".{0,30}"],
        authorization in proptest::option::of(prop_oneof![Just("Basic c3BhOg==".to_owned()), "Basic [A-Za-z0-9+/=%:]{0,30}", ".{0,40}"]),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            "(grant_type|refresh_token|client_id|client_secret|scope|token)=[A-Za-z0-9_%+-]{0,70}(&(grant_type|refresh_token|client_id|scope|token)=[A-Za-z0-9_%+-]{0,70}){0,4}".prop_map(String::into_bytes),
            "\\{(\"(grantType|clientId|refreshToken|scope)\":(\"[a-zA-Z0-9_-]{0,70}\"|null|1|\\[\\]),?){0,4}\\}".prop_map(String::into_bytes),
        ],
        stored in proptest::option::of(".{0,80}"),
        dialect in prop_oneof![Just("rfc6749"), Just("tokenidp"), Just("keycloak")],
    ) {
        let config = IssuerConfig::from_json(&json!({
            "issuer": "https://id.example.com",
            "audience": "api",
            "keys": [{ "kid": "k", "key": b64::encode([1u8; 32]) }],
            "clients": [{ "clientId": "spa", "scope": "a b" }, { "clientId": "c", "clientSecret": "s", "scope": "a" }],
            "dialect": dialect,
        }).to_string()).unwrap();
        let issuer = Issuer::new(config).unwrap();
        let mut headers = vec![("content-type".to_owned(), content_type)];
        if let Some(a) = authorization { headers.push(("authorization".to_owned(), a)); }
        let req = HttpRequest { method, path, headers, body, ..Default::default() };
        let response = match issuer.route(&req, 1_700_000_000_000) {
            Route::Respond(r) => r,
            Route::Family { .. } => issuer.apply(&req, stored.as_deref(), 1_700_000_000_000, &[3; 64]).response,
        };
        prop_assert!((200..500).contains(&response.status), "status {}", response.status);
        if !response.body.is_empty() {
            prop_assert!(serde_json::from_str::<Value>(&response.body).is_ok());
        }
    }
}
