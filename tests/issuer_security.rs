//! The security review of the issuer core (issue 14), one regression test per finding, with a
//! fixed clock and a store that counts its operations: hostile input costs linear work before
//! authentication, forged refresh tokens never reach the store, revocation is as strong as
//! refresh, introspection does not leak across clients or outlive its family, checks run in an
//! order that neither hides reuse nor reveals clients, CORS answers only listed origins.
#![cfg(feature = "issuer")]

use rotor::b64;
use rotor::issuer::{
    HttpRequest, HttpResponse, Issuer, IssuerConfig, MAX_FORM_PARAMETERS, MAX_SCOPE_TOKENS, Route,
    SessionInput,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

mod common;
use common::{Harness, KEY, T0, basic, config_with, form, json_body, post};

fn config(extra: Value) -> IssuerConfig {
    config_with(
        json!([
            { "clientId": "spa", "scope": "openid profile api.read api.write" },
            { "clientId": "web", "clientSecret": "s3cr:et", "scope": "openid api.read" },
            { "clientId": "off", "clientSecret": "pw", "scope": "api.read", "disabled": true },
            { "clientId": "post-only", "clientSecret": "pw", "authMethods": ["client_secret_post"], "scope": "api.read" },
        ]),
        extra,
    )
}

/// The driver's role (tests/common/mod.rs), over a map whose every operation is counted.
fn harness(extra: Value) -> Harness {
    Harness::new(Issuer::new(config(extra)).unwrap())
}

fn assert_error(r: &HttpResponse, status: u16, code: &str) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(json_body(r)["error"], code, "body: {}", r.body);
}

fn rt(body: &Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

// ---------- 3. linear work before authentication ----------

/// The time of `iterations` calls of `f`.
fn time(iterations: u32, f: &mut impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed()
}

/// The median over five rounds of (time of `worst`) / (time of `normal`), the two measured
/// back to back in each round, so that a noisy neighbour slows both sides of a ratio alike.
fn median_ratio(iterations: u32, normal: &mut impl FnMut(), worst: &mut impl FnMut()) -> f64 {
    let mut ratios: Vec<f64> = (0..5)
        .map(|round| {
            // The order alternates, so that neither side always runs warm.
            let (n, w) = if round % 2 == 0 {
                let n = time(iterations, normal);
                (n, time(iterations, worst))
            } else {
                let w = time(iterations, worst);
                (time(iterations, normal), w)
            };
            w.as_secs_f64() / n.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[2]
}

/// The hostile bodies of at most 64 KiB that cost the most before authentication.
fn worst_bodies() -> Vec<(&'static str, HttpRequest)> {
    let limit = rotor::issuer::MAX_BODY_BYTES;
    // 15,000 distinct three-character names (the report's case).
    let mut names = String::new();
    let mut i = 0u32;
    while names.len() + 5 <= limit {
        let n = format!("{:03}", i % 1000);
        let c = (b'a' + (i / 1000) as u8) as char;
        names.push_str(&format!("{c}{n}&"));
        i += 1;
    }
    // Distinct scope tokens filling the body.
    let mut scope = format!(
        "grant_type=refresh_token&client_id=spa&refresh_token={}&scope=",
        "A".repeat(86)
    );
    let mut j = 0u32;
    while scope.len() + 8 <= limit {
        scope.push_str(&format!("s{j}+"));
        j += 1;
    }
    // Just under the parameter cap, every value percent-encoded up to the body limit.
    let each = limit / MAX_FORM_PARAMETERS - 8;
    let mut encoded = String::new();
    for p in 0..MAX_FORM_PARAMETERS {
        if p > 0 {
            encoded.push('&');
        }
        encoded.push_str(&format!("p{p:02}="));
        encoded.push_str(&"%41".repeat(each / 3));
    }
    // A JSON body (TokenIDP) with as many members as fit.
    let mut members = String::from("{");
    let mut m = 0u32;
    while members.len() + 12 <= limit {
        members.push_str(&format!("\"m{m}\":\"\","));
        m += 1;
    }
    members.pop();
    members.push('}');
    let json_req = {
        let mut r = post("/token", &[], members.into_bytes());
        r.headers = vec![("content-type".into(), "application/json".into())];
        r
    };
    // The largest scope below the token cap: every token long and distinct.
    let long: Vec<String> = (0..MAX_SCOPE_TOKENS)
        .map(|k| format!("{k:03}{}", "x".repeat(limit / MAX_SCOPE_TOKENS - 12)))
        .collect();
    let capped = form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "spa"),
        ("refresh_token", &"A".repeat(86)),
        ("scope", &long.join(" ")),
    ]);
    let bodies = vec![
        (
            "15,000 distinct names",
            post("/token", &[], names.into_bytes()),
        ),
        (
            "16,000 scope tokens",
            post("/token", &[], scope.into_bytes()),
        ),
        (
            "64 encoded values",
            post("/token", &[], encoded.into_bytes()),
        ),
        ("JSON members", json_req),
        ("256 long scope tokens", post("/token", &[], capped)),
    ];
    for (name, req) in &bodies {
        assert!(req.body.len() <= limit, "{name}: {}", req.body.len());
    }
    bodies
}

#[test]
fn hostile_bodies_cost_under_20x_a_normal_grant() {
    let mut h = harness(json!({ "dialect": "tokenidp" }));
    let body = h.start("spa", None);
    let mut token = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    // A normal grant: route + apply + the record's JSON, as a driver runs it.
    let mut grant = || {
        let req = post(
            "/token",
            &[],
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
                ("client_id", "spa"),
            ]),
        );
        let r = h.send(req);
        assert_eq!(r.status, 200, "{}", r.body);
        token = json_body(&r)["data"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
    };
    let issuer = Issuer::new(config(json!({ "dialect": "tokenidp" }))).unwrap();
    for (name, req) in worst_bodies() {
        let answer = match issuer.route(&req, T0) {
            Route::Respond(r) => r,
            Route::Family { .. } => panic!("{name}: a hostile body reached the store"),
        };
        assert!(
            (400..500).contains(&answer.status),
            "{name}: {}",
            answer.body
        );
        let mut hostile = || {
            std::hint::black_box(issuer.route(&req, T0));
        };
        let ratio = median_ratio(40, &mut grant, &mut hostile);
        eprintln!("{name}: {ratio:.2}x a normal grant");
        assert!(
            ratio < 20.0,
            "{name}: {ratio:.1}x the time of a normal grant"
        );
    }
}

#[test]
fn parameter_and_scope_caps_are_invalid_request() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let mut pairs: Vec<(String, String)> = vec![
        ("grant_type".into(), "refresh_token".into()),
        ("refresh_token".into(), t0.clone()),
        ("client_id".into(), "spa".into()),
    ];
    for i in pairs.len()..MAX_FORM_PARAMETERS {
        pairs.push((format!("x{i}"), "1".into()));
    }
    let at_cap: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = h.send(post("/token", &[], form(&at_cap)));
    assert_eq!(r.status, 200, "{}", r.body);
    let t1 = rt(&json_body(&r));
    let mut over = at_cap.clone();
    over[1] = ("refresh_token", &t1);
    over.push(("one_more", "1"));
    let ops = h.store_ops;
    assert_error(
        &h.send(post("/token", &[], form(&over))),
        400,
        "invalid_request",
    );
    assert_eq!(h.store_ops, ops, "refused before the store");
    // A repeated parameter among many is still found.
    let mut dup = at_cap.clone();
    dup[1] = ("refresh_token", &t1);
    dup.pop();
    dup.push(("x5", "2"));
    assert_error(
        &h.send(post("/token", &[], form(&dup))),
        400,
        "invalid_request",
    );
    // Scope: MAX_SCOPE_TOKENS tokens pass the parser (and are then too wide), one more is
    // invalid_request before the store.
    let tokens: Vec<String> = (0..MAX_SCOPE_TOKENS).map(|i| format!("s{i}")).collect();
    let r = h.refresh_as("spa", &t1, Some(&tokens.join(" ")));
    assert_error(&r, 400, "invalid_scope");
    let ops = h.store_ops;
    let r = h.refresh_as("spa", &t1, Some(&format!("{} api.read", tokens.join(" "))));
    assert_error(&r, 400, "invalid_request");
    assert_eq!(h.store_ops, ops);
    assert_eq!(h.refresh(&t1).status, 200);
}

// ---------- 4. forged refresh tokens never reach the store ----------

#[test]
fn forged_refresh_tokens_are_refused_before_the_store() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    assert_eq!(t0.len(), 86);
    let raw = b64::decode(&t0).unwrap();
    // The right family id, a made-up random part and MAC.
    let mut same_family = raw.clone();
    same_family[16..].copy_from_slice(&[0x5a; 48]);
    // The right family id and random part, one MAC bit flipped.
    let mut bad_mac = raw.clone();
    bad_mac[63] ^= 0x80;
    let forged = [
        "A".repeat(80),
        b64::encode([0x42u8; 60]),
        b64::encode(&same_family),
        b64::encode(&bad_mac),
        t0[..85].to_owned(),
        t0[..64].to_owned(),
        b64::encode(&raw[..48]),
        format!("{t0}A"),
    ];
    for token in &forged {
        let r = h.refresh(token);
        assert_error(&r, 400, "invalid_grant");
        assert_eq!(
            json_body(&r)["error_description"],
            "the refresh token is invalid, expired or revoked"
        );
        // Revocation and introspection of a forgery: answered without the store too.
        let r = h.send(post(
            "/revoke",
            &[],
            form(&[("token", token), ("client_id", "spa")]),
        ));
        assert_eq!((r.status, r.body.as_str()), (200, ""));
        let r = h.send(post(
            "/introspect",
            &[("authorization", &basic("web", "s3cr:et"))],
            form(&[("token", token)]),
        ));
        assert_eq!(json_body(&r), json!({ "active": false }));
    }
    assert_eq!(h.store_ops, 0, "no forged token reached the store");
    // Knowing the family id did not end the family.
    assert_eq!(h.store.len(), 1);
    assert_eq!(h.refresh(&t0).status, 200);
}

#[test]
fn refresh_token_macs_rotate_with_the_signing_keys() {
    let old = json!([{ "kid": "k1", "key": b64::encode(KEY) }]);
    let rotated = json!([
        { "kid": "k2", "key": b64::encode([8u8; 32]) },
        { "kid": "k1", "key": b64::encode(KEY) },
    ]);
    let mut h = harness(json!({ "keys": old }));
    let t0 = rt(&h.start("spa", None));
    // The next deployment signs with k2 and still verifies k1: the token is accepted, and its
    // successor is MACed with k2.
    h.issuer = Issuer::new(config(json!({ "keys": rotated }))).unwrap();
    let r = h.refresh(&t0);
    assert_eq!(r.status, 200, "{}", r.body);
    let t1 = rt(&json_body(&r));
    assert!(h.issuer.parse_refresh_token(&t1).is_some());
    // Once k1 is dropped, tokens MACed with it are forgeries (and k2's stay valid).
    let k2_only = json!([{ "kid": "k2", "key": b64::encode([8u8; 32]) }]);
    h.issuer = Issuer::new(config(json!({ "keys": k2_only }))).unwrap();
    assert!(h.issuer.parse_refresh_token(&t0).is_none());
    let ops = h.store_ops;
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert_eq!(h.store_ops, ops);
    assert_eq!(h.refresh(&t1).status, 200);
}

// ---------- 5. revocation is as strong as refresh ----------

#[test]
fn revoking_a_retired_token_revokes_the_family() {
    let mut h = harness(json!({}));
    let t1 = rt(&h.start("spa", None));
    let t2 = rt(&json_body(&h.refresh(&t1)));
    let t3 = rt(&json_body(&h.refresh(&t2)));
    let revoke = |h: &mut Harness, auth: &[(&str, &str)], pairs: &[(&str, &str)]| {
        let r = h.send(post("/revoke", auth, form(pairs)));
        assert_eq!((r.status, r.body.as_str()), (200, ""));
    };
    // Another client: 200 and nothing happens (RFC 7009 §2.1: the token was not issued to it).
    let web = basic("web", "s3cr:et");
    revoke(&mut h, &[("authorization", &web)], &[("token", &t1)]);
    assert_eq!(h.store.len(), 1);
    // The family's client, with the token two generations back: the family ends.
    revoke(&mut h, &[], &[("token", &t1), ("client_id", "spa")]);
    assert!(h.store.is_empty());
    assert_error(&h.refresh(&t3), 400, "invalid_grant");
    // The same with the just-retired token (T2 after T2 -> T3), inside a grace window.
    let mut h = harness(json!({ "reuseGraceSeconds": 30 }));
    let t1 = rt(&h.start("spa", None));
    let t2 = rt(&json_body(&h.refresh(&t1)));
    revoke(&mut h, &[], &[("token", &t1), ("client_id", "spa")]);
    assert!(h.store.is_empty());
    assert_error(&h.refresh(&t2), 400, "invalid_grant");
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
}

// ---------- 7. order of checks ----------

#[test]
fn reuse_is_detected_before_the_scope_is_checked() {
    for scope in [
        "openid profile api.read api.write admin",
        "bad\\scope",
        "api.read",
    ] {
        let mut h = harness(json!({}));
        let t1 = rt(&h.start("spa", None));
        let t2 = rt(&json_body(&h.refresh(&t1)));
        // The retired token with a too-wide (or malformed, or fine) scope: reuse.
        let r = h.refresh_as("spa", &t1, Some(scope));
        assert_error(&r, 400, "invalid_grant");
        assert_eq!(
            json_body(&r)["error_description"],
            "refresh token reuse detected: the token family is revoked",
            "{scope}"
        );
        assert!(h.store.is_empty(), "{scope}");
        assert_error(&h.refresh(&t2), 400, "invalid_grant");
        // A forged token with a too-wide scope: invalid_grant, not invalid_scope.
        let mut forged = b64::decode(&t2).unwrap();
        forged[50] ^= 1;
        let r = h.refresh_as("spa", &b64::encode(&forged), Some(scope));
        assert_error(&r, 400, "invalid_grant");
    }
    // The live token with a too-wide scope is still invalid_scope and keeps the family.
    let mut h = harness(json!({}));
    let t1 = rt(&h.start("spa", Some("api.read")));
    assert_error(
        &h.refresh_as("spa", &t1, Some("api.write")),
        400,
        "invalid_scope",
    );
    assert_error(
        &h.refresh_as("spa", &t1, Some("bad\\scope")),
        400,
        "invalid_scope",
    );
    assert_eq!(h.refresh(&t1).status, 200);
}

#[test]
fn failed_client_authentication_has_one_answer() {
    let mut h = harness(json!({}));
    let t = rt(&h.start("web", None));
    let grant = [
        ("grant_type", "refresh_token"),
        ("refresh_token", t.as_str()),
    ];
    // Each shape of request: the answers for unknown, disabled, wrong-secret and
    // wrong-method clients must be byte-identical (status, headers, body).
    type Pairs<'a> = Vec<Vec<(&'a str, String)>>;
    let shapes: Vec<(&str, Pairs, Pairs)> = vec![
        // HTTP Basic: unknown, disabled (right and wrong secret), wrong secret, a method the
        // client may not use.
        (
            "basic",
            vec![
                vec![("authorization", basic("ghost", "pw"))],
                vec![("authorization", basic("off", "pw"))],
                vec![("authorization", basic("off", "nope"))],
                vec![("authorization", basic("web", "nope"))],
                vec![("authorization", basic("post-only", "pw"))],
            ],
            vec![],
        ),
        // client_secret_post
        (
            "post",
            vec![],
            vec![
                vec![
                    ("client_id", "ghost".into()),
                    ("client_secret", "pw".into()),
                ],
                vec![("client_id", "off".into()), ("client_secret", "pw".into())],
                vec![
                    ("client_id", "web".into()),
                    ("client_secret", "nope".into()),
                ],
            ],
        ),
        // client_id alone (a public client): unknown, or a confidential client posing as one.
        (
            "public",
            vec![],
            vec![
                vec![("client_id", "ghost".into())],
                vec![("client_id", "web".into())],
                vec![("client_id", "off".into())],
            ],
        ),
    ];
    for path in ["/token", "/revoke", "/introspect"] {
        for (shape, headers, bodies) in &shapes {
            let mut answers: Vec<HttpResponse> = Vec::new();
            let cases = headers.len().max(bodies.len());
            for i in 0..cases {
                let hdrs: Vec<(&str, &str)> = headers
                    .get(i)
                    .map(|h| h.iter().map(|(k, v)| (*k, v.as_str())).collect())
                    .unwrap_or_default();
                let mut pairs: Vec<(&str, &str)> = if path == "/token" {
                    grant.to_vec()
                } else {
                    vec![("token", t.as_str())]
                };
                if let Some(b) = bodies.get(i) {
                    pairs.extend(b.iter().map(|(k, v)| (*k, v.as_str())));
                }
                answers.push(h.send(post(path, &hdrs, form(&pairs))));
            }
            assert_error(&answers[0], 401, "invalid_client");
            for (i, a) in answers.iter().enumerate() {
                assert_eq!(a, &answers[0], "{path} {shape} case {i}");
            }
        }
    }
    // A public client at /introspect is refused like an unknown one.
    let public = h.send(post(
        "/introspect",
        &[],
        form(&[("token", &t), ("client_id", "spa")]),
    ));
    let unknown = h.send(post(
        "/introspect",
        &[],
        form(&[("token", &t), ("client_id", "ghost")]),
    ));
    assert_eq!(public, unknown);
    assert_eq!(h.store_ops, 0);
}

// ---------- 6. introspection (RFC 7662) ----------

fn with_resource_server() -> Value {
    let mut clients = config_clients();
    clients.as_array_mut().unwrap().push(
        json!({ "clientId": "rs", "clientSecret": "rs-secret", "scope": "", "introspect": true }),
    );
    json!({ "clients": clients })
}

fn config_clients() -> Value {
    json!([
        { "clientId": "spa", "scope": "openid profile api.read api.write" },
        { "clientId": "web", "clientSecret": "s3cr:et", "scope": "openid api.read" },
        { "clientId": "off", "clientSecret": "pw", "scope": "api.read", "disabled": true },
        { "clientId": "post-only", "clientSecret": "pw", "authMethods": ["client_secret_post"], "scope": "api.read" },
        { "clientId": "other", "clientSecret": "other-secret", "scope": "api.read" },
    ])
}

fn introspect(h: &mut Harness, who: (&str, &str), token: &str) -> Value {
    json_body(&h.send(post(
        "/introspect",
        &[("authorization", &basic(who.0, who.1))],
        form(&[("token", token)]),
    )))
}

#[test]
fn introspection_only_for_the_tokens_client_and_introspect_clients() {
    let mut h = harness(with_resource_server());
    let body = h.start("web", None);
    let (refresh, access) = (rt(&body), body["access_token"].as_str().unwrap().to_owned());
    let spa_access = h.start("spa", None)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let web = ("web", "s3cr:et");
    let other = ("other", "other-secret");
    let rs = ("rs", "rs-secret");
    // The token's own client and a resource server marked `introspect`: active.
    for who in [web, rs] {
        let a = introspect(&mut h, who, &access);
        assert_eq!(a["active"], true, "{}", who.0);
        assert_eq!(a["client_id"], "web");
        assert_eq!(introspect(&mut h, who, &refresh)["active"], true);
    }
    assert_eq!(introspect(&mut h, rs, &spa_access)["active"], true);
    // Any other client: active false, and nothing else (RFC 7662 §2.2).
    for token in [&access, &refresh] {
        assert_eq!(introspect(&mut h, other, token), json!({ "active": false }));
    }
    assert_eq!(
        introspect(&mut h, web, &spa_access),
        json!({ "active": false })
    );
    // `introspect` needs a secret.
    let mut clients = config_clients();
    clients[0]["introspect"] = json!(true);
    let err = Issuer::new(config(json!({ "clients": clients }))).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
}

#[test]
fn access_tokens_of_ended_families_are_inactive() {
    let mut h = harness(with_resource_server());
    let rs = ("rs", "rs-secret");
    // The access token names its family.
    let body = h.start("spa", None);
    let at = body["access_token"].as_str().unwrap().to_owned();
    let claims: Value =
        serde_json::from_slice(&b64::decode(at.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["sid"].as_str().unwrap().len(), 22);
    assert_eq!(introspect(&mut h, rs, &at)["active"], true);
    // Revoked family: inactive.
    let t0 = rt(&body);
    h.send(post(
        "/revoke",
        &[],
        form(&[("token", &t0), ("client_id", "spa")]),
    ));
    assert_eq!(introspect(&mut h, rs, &at), json!({ "active": false }));
    // Reuse-ended family: the access tokens of every generation are inactive.
    let body = h.start("spa", None);
    let (t0, at0) = (rt(&body), body["access_token"].as_str().unwrap().to_owned());
    let r1 = json_body(&h.refresh(&t0));
    let at1 = r1["access_token"].as_str().unwrap().to_owned();
    assert_eq!(introspect(&mut h, rs, &at0)["active"], true);
    assert_eq!(introspect(&mut h, rs, &at1)["active"], true);
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert_eq!(introspect(&mut h, rs, &at0), json!({ "active": false }));
    assert_eq!(introspect(&mut h, rs, &at1), json!({ "active": false }));
    // An expired family (idle lifetime): inactive too.
    let mut h =
        harness(json!({ "refreshIdleTtl": 60, "clients": with_resource_server()["clients"] }));
    let at = h.start("spa", None)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    h.now += 30_000;
    assert_eq!(introspect(&mut h, rs, &at)["active"], true);
    h.now += 30_000;
    assert_eq!(introspect(&mut h, rs, &at), json!({ "active": false }));
    // A session may not set `sid` itself.
    let err = h
        .issuer
        .start_session(
            SessionInput::from_json(r#"{"clientId":"spa","subject":"u","claims":{"sid":"x"}}"#)
                .unwrap(),
            T0,
            &[1; 64],
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
}

// ---------- 8. CORS ----------

fn with_origins() -> Value {
    let mut clients = config_clients();
    clients[0]["allowedOrigins"] = json!(["https://app.example", "http://localhost:5173"]);
    clients[1]["allowedOrigins"] = json!(["https://web.example"]);
    json!({ "clients": clients })
}

fn preflight(h: &mut Harness, path: &str, origin: &str, method: &str) -> HttpResponse {
    h.send(HttpRequest {
        method: "OPTIONS".into(),
        path: path.into(),
        headers: vec![
            ("origin".into(), origin.into()),
            ("access-control-request-method".into(), method.into()),
            (
                "access-control-request-headers".into(),
                "content-type".into(),
            ),
        ],
        body: Vec::new(),
        ..Default::default()
    })
}

#[test]
fn preflights_are_granted_only_to_listed_origins() {
    let mut h = harness(with_origins());
    for path in ["/token", "/revoke", "/introspect"] {
        for origin in [
            "https://app.example",
            "http://localhost:5173",
            "https://web.example",
        ] {
            let r = preflight(&mut h, path, origin, "POST");
            assert_eq!(r.status, 204, "{path} {origin}");
            assert_eq!(r.body, "");
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
            assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
            assert_eq!(
                r.header("access-control-allow-headers"),
                Some("authorization, content-type, dpop")
            );
            assert_eq!(r.header("access-control-max-age"), Some("600"));
            assert_eq!(r.header("vary"), Some("Origin"));
            assert_eq!(r.header("access-control-allow-credentials"), None);
        }
        for (origin, method) in [
            ("https://evil.example", "POST"),
            ("https://app.example.evil", "POST"),
            ("https://APP.example", "POST"),
            ("https://app.example/", "POST"),
            ("null", "POST"),
            ("https://app.example", "PUT"),
        ] {
            let r = preflight(&mut h, path, origin, method);
            assert_eq!(r.status, 403, "{path} {origin} {method}");
            assert_eq!(r.header("access-control-allow-origin"), None);
            assert_eq!(r.header("vary"), Some("Origin"));
        }
    }
    // Plain OPTIONS (no Origin): 204 with Allow.
    let r = h.send(HttpRequest {
        method: "OPTIONS".into(),
        path: "/token".into(),
        ..Default::default()
    });
    assert_eq!((r.status, r.header("allow")), (204, Some("POST, OPTIONS")));
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(h.store_ops, 0);
}

#[test]
fn responses_expose_only_to_the_authenticated_clients_origins() {
    let mut h = harness(with_origins());
    let t0 = rt(&h.start("spa", None));
    let refresh = |h: &mut Harness, origin: &str, token: &str| {
        h.send(post(
            "/token",
            &[("origin", origin)],
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", "spa"),
            ]),
        ))
    };
    // spa's own origin: the success and its later errors are readable there.
    let r = refresh(&mut h, "https://app.example", &t0);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(r.header("vary"), Some("Origin"));
    let t1 = rt(&json_body(&r));
    // Another client's origin (listed by web, not by spa): no ACAO.
    let r = refresh(&mut h, "https://web.example", &t1);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("vary"), Some("Origin"));
    let t2 = rt(&json_body(&r));
    // An invalid_grant after authentication (reuse, forged) is readable by spa's page.
    let mut forged = b64::decode(&t2).unwrap();
    forged[10] ^= 1;
    let r = refresh(&mut h, "https://app.example", &b64::encode(&forged));
    assert_error(&r, 400, "invalid_grant");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let r = refresh(&mut h, "https://app.example", &t1);
    assert_error(&r, 400, "invalid_grant");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    // Failed authentication: never exposed, whatever the origin.
    for origin in ["https://app.example", "https://web.example"] {
        let r = h.send(post(
            "/token",
            &[("origin", origin), ("authorization", &basic("web", "nope"))],
            form(&[("grant_type", "refresh_token"), ("refresh_token", &t2)]),
        ));
        assert_error(&r, 401, "invalid_client");
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    // Revocation by the listed client's page.
    let r = h.send(post(
        "/revoke",
        &[("origin", "http://localhost:5173")],
        form(&[("token", &t2), ("client_id", "spa")]),
    ));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    // Metadata: public, `*`, no credentials.
    let r = h.send(HttpRequest {
        method: "GET".into(),
        path: "/.well-known/oauth-authorization-server".into(),
        headers: vec![("origin".into(), "https://anyone.example".into())],
        body: Vec::new(),
        ..Default::default()
    });
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    // Without Origin (not a CORS request): no CORS headers at all.
    let t = rt(&h.start("spa", None));
    let r = h.refresh(&t);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("vary"), None);
}

#[test]
fn allowed_origins_are_validated() {
    for bad in [
        "*",
        "null",
        "https://app.example/",
        "https://app.example/path",
        "https://app.example?x",
        "https://user@app.example",
        "https://App.example",
        "https://app.example:443",
        "http://app.example",
        "http://localhost:080",
        "app.example",
        "ftp://app.example",
        "https://",
    ] {
        let mut clients = config_clients();
        clients[0]["allowedOrigins"] = json!([bad]);
        let err = Issuer::new(config(json!({ "clients": clients }))).unwrap_err();
        assert_eq!(err.code(), "invalid_config", "{bad}");
        assert!(
            err.to_string().contains("allowedOrigins[0]"),
            "{bad}: {err}"
        );
    }
    for good in [
        "https://app.example",
        "https://app.example:8443",
        "http://localhost:5173",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
    ] {
        let mut clients = config_clients();
        clients[0]["allowedOrigins"] = json!([good]);
        assert!(
            Issuer::new(config(json!({ "clients": clients }))).is_ok(),
            "{good}"
        );
    }
}

// ---------- 9. smaller items ----------

/// A JWT signed with the issuer's key whose `typ` header is `typ`.
fn access_token_with_typ(typ: &str) -> String {
    let claims = json!({
        "iss": "https://id.example.com", "sub": "u", "aud": "https://api.example.com",
        "exp": T0 / 1000 + 300, "iat": T0 / 1000, "client_id": "web", "scope": "api.read",
    });
    rotor::jwt::sign_claims_json(
        Some("k1"),
        Some(typ),
        claims.to_string().as_bytes(),
        &rotor::jwt::Key::new(KEY).unwrap(),
    )
    .unwrap()
}

#[test]
fn typ_with_a_multibyte_character_at_the_prefix_boundary_does_not_panic() {
    // "applicati" is 9 bytes and "é" 2: byte 12 ("application/".len()) falls inside the
    // second "é".
    for typ in ["applicatiéé", "applicatioé/at+jwt", "é", "applicationé"] {
        let validation = rotor::jwt::Validation {
            typ: Some("at+jwt".into()),
            ..Default::default()
        };
        let keys = rotor::jwt::KeySet::single(rotor::jwt::Key::new(KEY).unwrap());
        let err = rotor::jwt::verify_json(&access_token_with_typ(typ), &keys, &validation, T0)
            .err()
            .map(|e| e.code);
        assert_eq!(err, Some(rotor::JwtErrorCode::ClaimMismatch), "{typ}");
        // The same through introspection (which verifies typ at+jwt): inactive, no panic.
        let mut h = harness(json!({}));
        let r = introspect(&mut h, ("web", "s3cr:et"), &access_token_with_typ(typ));
        assert_eq!(r, json!({ "active": false }));
    }
}

#[test]
fn configuration_rules_of_the_review() {
    let refused = [
        // A confidential client may not be public as well.
        json!({ "clients": [{ "clientId": "c", "clientSecret": "pw", "scope": "a", "authMethods": ["client_secret_basic", "none"] }] }),
        json!({ "clients": [{ "clientId": "c", "clientSecret": "pw", "scope": "a", "authMethods": ["none"] }] }),
        // The grace window is at most 60 s.
        json!({ "reuseGraceSeconds": 61 }),
        json!({ "reuseGraceSeconds": 3600 }),
    ];
    for extra in refused {
        let err = Issuer::new(config(extra.clone())).unwrap_err();
        assert_eq!(err.code(), "invalid_config", "{extra}");
    }
    assert!(Issuer::new(config(json!({ "reuseGraceSeconds": 60 }))).is_ok());
    // RFC 8414 §3.3: the metadata's issuer is the configured one, trailing slash included;
    // the endpoints and the access tokens' iss follow.
    let mut h = harness(json!({ "issuer": "https://id.example.com/tenant/" }));
    let r = h.send(HttpRequest {
        method: "GET".into(),
        path: "/tenant/.well-known/oauth-authorization-server".into(),
        ..Default::default()
    });
    let m = json_body(&r);
    assert_eq!(m["issuer"], "https://id.example.com/tenant/");
    assert_eq!(m["token_endpoint"], "https://id.example.com/tenant/token");
    let at = h.start("spa", None)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims: Value =
        serde_json::from_slice(&b64::decode(at.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "https://id.example.com/tenant/");
}

fn stored_record(h: &Harness) -> Value {
    assert_eq!(h.store.len(), 1);
    serde_json::from_str(h.store.values().next().unwrap()).unwrap()
}

#[test]
fn the_successor_seal_is_stored_only_while_a_grace_window_is_open() {
    // No grace window: no seal (and no retired hash) is ever stored.
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let t1 = rt(&json_body(&h.refresh(&t0)));
    assert_eq!(stored_record(&h)["previous"], Value::Null);
    assert_eq!(h.refresh(&t1).status, 200);
    assert_eq!(stored_record(&h)["previous"], Value::Null);
    // A retired token is still reuse.
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
    assert!(h.store.is_empty());

    // A 10 s window: the seal is there during it...
    let mut h = harness(with_resource_server_and(json!({ "reuseGraceSeconds": 10 })));
    let body = h.start("spa", None);
    let (t0, at) = (rt(&body), body["access_token"].as_str().unwrap().to_owned());
    let t1 = rt(&json_body(&h.refresh(&t0)));
    assert!(stored_record(&h)["previous"]["sealedSuccessor"].is_string());
    h.now += 10_000;
    assert_eq!(introspect(&mut h, ("rs", "rs-secret"), &at)["active"], true);
    assert!(stored_record(&h)["previous"].is_object());
    // ...and dropped by the first contact after it, even one that changes nothing else.
    h.now += 1;
    assert_eq!(introspect(&mut h, ("rs", "rs-secret"), &at)["active"], true);
    let record = stored_record(&h);
    assert_eq!(record["previous"], Value::Null);
    assert_eq!(
        record["lastUsedAt"], T0,
        "the family's idle clock is untouched"
    );
    // The family goes on; the retired token is reuse.
    let t2 = rt(&json_body(&h.refresh(&t1)));
    assert!(stored_record(&h)["previous"]["sealedSuccessor"].is_string());
    h.now += 60_000;
    // A refused refresh (too wide a scope) after the window drops the seal too.
    assert_error(
        &h.refresh_as("spa", &t2, Some("admin")),
        400,
        "invalid_scope",
    );
    assert_eq!(stored_record(&h)["previous"], Value::Null);
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
    assert!(h.store.is_empty());
}

fn with_resource_server_and(extra: Value) -> Value {
    let mut v = with_resource_server();
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}
