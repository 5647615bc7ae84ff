//! The issuer core with a fixed clock: rotation, reuse detection, grace, expiry, clients,
//! scope, dialects, errors (RFC 6749 §5, §6; RFC 9700 §4.14.2; RFC 7009; RFC 7662; RFC 8414).
#![cfg(feature = "issuer")]

use rotor::b64;
use rotor::issuer::{HttpRequest, HttpResponse, Issuer, IssuerConfig, RecordChange, SessionInput};
use rotor::jwt::Key;
use serde_json::{Value, json};

mod common;
use common::{Harness, KEY, T0, basic, config_with, form, json_body, post};

fn config(extra: Value) -> IssuerConfig {
    config_with(
        json!([
            { "clientId": "spa", "scope": "openid profile api.read api.write" },
            { "clientId": "web", "clientSecret": "s3cr:et", "scope": "openid api.read" },
            { "clientId": "post-only", "clientSecret": "pw", "authMethods": ["client_secret_post"], "scope": "api.read" },
            { "clientId": "off", "clientSecret": "pw", "scope": "api.read", "disabled": true },
            { "clientId": "a b:c", "clientSecret": "p&s=w%rd", "scope": "api.read" },
        ]),
        extra,
    )
}

/// The driver's role (tests/common/mod.rs) over this file's clients; sessions carry a
/// `tenant` claim.
fn harness(extra: Value) -> Harness {
    Harness {
        claims: Some(r#"{"tenant":"acme"}"#.into()),
        ..Harness::new(Issuer::new(config(extra)).unwrap())
    }
}

fn rt(body: &Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

fn assert_error(r: &HttpResponse, status: u16, code: &str) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(json_body(r)["error"], code, "body: {}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
}

fn jwt_parts(token: &str) -> (Value, Value) {
    let mut p = token.split('.');
    let h = serde_json::from_slice(&b64::decode(p.next().unwrap()).unwrap()).unwrap();
    let c = serde_json::from_slice(&b64::decode(p.next().unwrap()).unwrap()).unwrap();
    (h, c)
}

#[test]
fn start_session_answers_rfc6749_json_and_an_rfc9068_access_token() {
    let mut h = harness(json!({}));
    let body = h.start("spa", Some("openid api.read"));
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(|s| s.as_str())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["scope"], "openid api.read");
    assert_eq!(rt(&body).len(), 86);
    let at = body["access_token"].as_str().unwrap();
    let (header, claims) = jwt_parts(at);
    assert_eq!(
        header,
        json!({ "alg": "HS256", "typ": "at+jwt", "kid": "k1" })
    );
    assert_eq!(claims["iss"], "https://id.example.com");
    assert_eq!(claims["sub"], "user-1");
    assert_eq!(claims["aud"], "https://api.example.com");
    assert_eq!(claims["iat"], T0 / 1000);
    assert_eq!(claims["exp"], T0 / 1000 + 300);
    assert_eq!(claims["client_id"], "spa");
    assert_eq!(claims["scope"], "openid api.read");
    assert_eq!(claims["tenant"], "acme");
    assert_eq!(claims["jti"].as_str().unwrap().len(), 22);
    let (signing, sig) = at.rsplit_once('.').unwrap();
    assert!(
        Key::new(KEY)
            .unwrap()
            .verify_mac(signing.as_bytes(), &b64::decode(sig).unwrap())
    );
    // Only hashes are stored: the token never appears in the record.
    let record = h.store.values().next().unwrap();
    assert!(!record.contains(&rt(&body)));
}

#[test]
fn start_session_refuses_bad_input() {
    let h = harness(json!({}));
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"clientId": "nobody", "subject": "u"}),
            "invalid_argument",
        ),
        (
            json!({"clientId": "off", "subject": "u"}),
            "invalid_argument",
        ),
        (
            json!({"clientId": "spa", "subject": ""}),
            "invalid_argument",
        ),
        (
            json!({"clientId": "spa", "subject": "u", "scope": "admin"}),
            "invalid_argument",
        ),
        (
            json!({"clientId": "spa", "subject": "u", "scope": "bad\"scope"}),
            "invalid_argument",
        ),
        (
            json!({"clientId": "spa", "subject": "u", "claims": {"sub": "x"}}),
            "invalid_argument",
        ),
    ];
    for (input, code) in cases {
        let input = SessionInput::from_json(&input.to_string()).unwrap();
        let err = h.issuer.start_session(input, T0, &[1; 64]).unwrap_err();
        assert_eq!(err.code(), code);
    }
}

#[test]
fn rotation_chain_then_reuse_revokes_the_family() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let mut tokens = vec![t0];
    for i in 1..=3 {
        h.now += 60_000;
        let r = h.refresh(tokens.last().unwrap());
        assert_eq!(r.status, 200, "round {i}: {}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("pragma"), Some("no-cache"));
        let next = rt(&json_body(&r));
        assert!(!tokens.contains(&next));
        tokens.push(next);
    }
    // The token two generations back is reuse: the family is revoked...
    let r = h.refresh(&tokens[1]);
    assert_error(&r, 400, "invalid_grant");
    assert!(
        json_body(&r)["error_description"]
            .as_str()
            .unwrap()
            .contains("reuse")
    );
    assert!(h.store.is_empty());
    // ...so the live token is dead too.
    assert_error(&h.refresh(&tokens[3]), 400, "invalid_grant");
}

#[test]
fn grace_retry_returns_the_same_successor_once_only() {
    let mut h = harness(json!({ "reuseGraceSeconds": 10 }));
    let t0 = rt(&h.start("spa", None));
    let r1 = h.refresh(&t0);
    let t1 = rt(&json_body(&r1));
    // An idempotent retry inside the grace window: the same successor, a fresh access token.
    h.now += 9_000;
    let retry = json_body(&h.refresh(&t0));
    assert_eq!(rt(&retry), t1);
    assert_ne!(retry["access_token"], json_body(&r1)["access_token"]);
    // The successor still works, and redeeming it makes t0 plain reuse.
    let t2 = rt(&json_body(&h.refresh(&t1)));
    assert_ne!(t2, t1);
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert!(h.store.is_empty());
}

#[test]
fn grace_ends_after_reuse_grace_seconds() {
    let mut h = harness(json!({ "reuseGraceSeconds": 10 }));
    let t0 = rt(&h.start("spa", None));
    let t1 = rt(&json_body(&h.refresh(&t0)));
    h.now += 10_001;
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
}

#[test]
fn predecessor_after_successor_redeemed_is_reuse_even_within_grace() {
    let mut h = harness(json!({ "reuseGraceSeconds": 30 }));
    let t0 = rt(&h.start("spa", None));
    let t1 = rt(&json_body(&h.refresh(&t0)));
    let t2 = rt(&json_body(&h.refresh(&t1)));
    h.now += 1_000;
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert_error(&h.refresh(&t2), 400, "invalid_grant");
}

#[test]
fn without_grace_a_retry_is_reuse() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let t1 = rt(&json_body(&h.refresh(&t0)));
    assert_error(&h.refresh(&t0), 400, "invalid_grant");
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
}

#[test]
fn reuse_rotation_keeps_the_same_refresh_token() {
    let mut h = harness(json!({ "rotation": "reuse" }));
    let t0 = rt(&h.start("spa", None));
    for _ in 0..3 {
        h.now += 1000;
        let r = h.refresh(&t0);
        assert_eq!(r.status, 200);
        assert_eq!(rt(&json_body(&r)), t0);
    }
    // A forged token of the same family fails its MAC: refused, and the family lives on.
    let mut forged = b64::decode(&t0).unwrap();
    forged[40] ^= 1;
    assert_error(&h.refresh(&b64::encode(&forged)), 400, "invalid_grant");
    assert_eq!(h.refresh(&t0).status, 200);
}

#[test]
fn absolute_lifetime_ends_the_family() {
    let mut h = harness(json!({ "refreshTokenTtl": 3600 }));
    let t0 = rt(&h.start("spa", None));
    h.now += 3_599_000;
    let t1 = rt(&json_body(&h.refresh(&t0)));
    h.now += 1_000;
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
    assert!(h.store.is_empty());
}

#[test]
fn idle_lifetime_ends_an_unused_family_and_use_extends_it() {
    let mut h = harness(json!({ "refreshIdleTtl": 600, "dialect": "keycloak" }));
    let body = h.start("spa", None);
    assert_eq!(body["refresh_expires_in"], 600);
    let t0 = rt(&body);
    h.now += 599_000;
    let t1 = rt(&json_body(&h.refresh(&t0)));
    h.now += 599_000;
    let t2 = rt(&json_body(&h.refresh(&t1)));
    h.now += 600_000;
    assert_error(&h.refresh(&t2), 400, "invalid_grant");
    assert!(h.store.is_empty());
}

#[test]
fn a_token_is_bound_to_its_client() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let r = h.send(post(
        "/token",
        &[("authorization", &basic("web", "s3cr:et"))],
        form(&[("grant_type", "refresh_token"), ("refresh_token", &t0)]),
    ));
    assert_error(&r, 400, "invalid_grant");
    // The family is untouched: the rightful client continues.
    assert_eq!(h.refresh(&t0).status, 200);
}

#[test]
fn client_authentication_rules() {
    let mut h = harness(json!({}));
    let t_web = rt(&h.start("web", None));
    let ok = h.send(post(
        "/token",
        &[("authorization", &basic("web", "s3cr:et"))],
        form(&[("grant_type", "refresh_token"), ("refresh_token", &t_web)]),
    ));
    assert_eq!(ok.status, 200, "{}", ok.body);
    let t_web = rt(&json_body(&ok));
    // client_secret_post works for the same client.
    let ok = h.send(post(
        "/token",
        &[],
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t_web),
            ("client_id", "web"),
            ("client_secret", "s3cr:et"),
        ]),
    ));
    assert_eq!(ok.status, 200, "{}", ok.body);
    let t_odd = rt(&h.start("a b:c", None));
    // RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
    let ok = h.send(post(
        "/token",
        &[("authorization", &basic("a b:c", "p&s=w%rd"))],
        form(&[("grant_type", "refresh_token"), ("refresh_token", &t_odd)]),
    ));
    assert_eq!(ok.status, 200, "{}", ok.body);

    let realm = "Basic realm=\"https://id.example.com\", charset=\"UTF-8\"";
    let cases: Vec<AuthCase> = vec![
        // wrong secret over Basic: 401 with WWW-Authenticate
        (
            vec![("authorization", basic("web", "nope"))],
            vec![],
            401,
            "invalid_client",
            Some(realm),
        ),
        // unknown client
        (
            vec![("authorization", basic("ghost", "x"))],
            vec![],
            401,
            "invalid_client",
            Some(realm),
        ),
        // wrong secret in the body: 401 without WWW-Authenticate
        (
            vec![],
            vec![("client_id", "web"), ("client_secret", "nope")],
            401,
            "invalid_client",
            None,
        ),
        // a confidential client may not pose as public
        (
            vec![],
            vec![("client_id", "web")],
            401,
            "invalid_client",
            None,
        ),
        // method not allowed for the client
        (
            vec![("authorization", basic("post-only", "pw"))],
            vec![],
            401,
            "invalid_client",
            Some(realm),
        ),
        // disabled client
        (
            vec![],
            vec![("client_id", "off"), ("client_secret", "pw")],
            401,
            "invalid_client",
            None,
        ),
        // no client at all
        (vec![], vec![], 401, "invalid_client", None),
        // two methods at once
        (
            vec![("authorization", basic("web", "s3cr:et"))],
            vec![("client_secret", "s3cr:et")],
            400,
            "invalid_request",
            None,
        ),
        // malformed Basic
        (
            vec![("authorization", "Basic %%%".into())],
            vec![],
            401,
            "invalid_client",
            Some(realm),
        ),
    ];
    for (headers, extra, status, code, www) in cases {
        let mut pairs = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", t_web.as_str()),
        ];
        pairs.extend(extra);
        let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = h.send(post("/token", &hdrs, form(&pairs)));
        assert_error(&r, status, code);
        assert_eq!(r.header("www-authenticate"), www, "{pairs:?}");
    }
}

#[test]
fn scope_narrowing_and_widening() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", Some("openid api.read api.write")));
    let r = json_body(&h.refresh_as("spa", &t0, Some("api.read")));
    assert_eq!(r["scope"], "api.read");
    let (_, claims) = jwt_parts(r["access_token"].as_str().unwrap());
    assert_eq!(claims["scope"], "api.read");
    // The refresh token keeps its original scope (RFC 6749 §6).
    let t1 = rt(&r);
    let r = json_body(&h.refresh(&t1));
    assert_eq!(r["scope"], "openid api.read api.write");
    let t2 = rt(&r);
    // Widening beyond the granted scope: invalid_scope, family unchanged.
    assert_error(
        &h.refresh_as("spa", &t2, Some("api.read profile")),
        400,
        "invalid_scope",
    );
    assert_error(
        &h.refresh_as("spa", &t2, Some("bad\\scope")),
        400,
        "invalid_scope",
    );
    assert_eq!(h.refresh(&t2).status, 200);
}

type AuthCase<'a> = (
    Vec<(&'a str, String)>,
    Vec<(&'a str, &'a str)>,
    u16,
    &'a str,
    Option<&'a str>,
);

fn sorted_keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn each_dialect_wire_format() {
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "rfc6749",
            vec![
                "access_token",
                "expires_in",
                "refresh_token",
                "scope",
                "token_type",
            ],
            "Bearer",
        ),
        (
            "keycloak",
            vec![
                "access_token",
                "expires_in",
                "not-before-policy",
                "refresh_expires_in",
                "refresh_token",
                "scope",
                "session_state",
                "token_type",
            ],
            "Bearer",
        ),
        (
            "curity",
            vec![
                "access_token",
                "expires_in",
                "refresh_token",
                "scope",
                "token_type",
            ],
            "bearer",
        ),
        (
            "pingfederate",
            vec!["access_token", "expires_in", "refresh_token", "token_type"],
            "Bearer",
        ),
    ];
    for (dialect, keys, token_type) in cases {
        let mut h = harness(json!({ "dialect": dialect, "refreshTokenTtl": 1209600 }));
        let t0 = rt(&h.start("spa", None));
        h.now += 1000;
        let body = json_body(&h.refresh(&t0));
        assert_eq!(sorted_keys(&body), keys, "{dialect}");
        assert_eq!(body["token_type"], token_type);
        assert_eq!(body["expires_in"], 300);
        if dialect == "keycloak" {
            assert_eq!(body["refresh_expires_in"], 1209599);
            assert_eq!(body["not-before-policy"], 0);
            assert_eq!(body["session_state"].as_str().unwrap().len(), 36);
        }
    }
}

#[test]
fn tokenidp_dialect_json_request_and_envelope() {
    let mut h = harness(json!({ "dialect": "tokenidp" }));
    let body = h.start("spa", None);
    assert_eq!(sorted_keys(&body), ["data", "isSuccess"]);
    let t0 = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    let req = HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({ "grantType": "refresh_token", "clientId": "spa", "refreshToken": t0, "scope": "api.read" })
            .to_string()
            .into_bytes(),
            ..Default::default()
    };
    let r = h.send(req.clone());
    assert_eq!(r.status, 200, "{}", r.body);
    let b = json_body(&r);
    assert_eq!(b["isSuccess"], true);
    assert_eq!(
        sorted_keys(&b["data"]),
        ["accessToken", "expiresIn", "refreshToken", "tokenType"]
    );
    assert_eq!(b["data"]["tokenType"], "Bearer");
    assert_eq!(b["data"]["expiresIn"], 300);
    // Replaying it is reuse, answered in the envelope.
    let r = h.send(req);
    assert_eq!(r.status, 400);
    assert_eq!(
        json_body(&r),
        json!({ "isSuccess": false, "data": null, "error": "invalid_grant", "errorDescription": "refresh token reuse detected: the token family is revoked" })
    );
}

#[test]
fn request_errors_are_exact() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let cases: Vec<(HttpRequest, u16, &str)> = vec![
        (
            post(
                "/token",
                &[],
                form(&[("client_id", "spa"), ("refresh_token", &t0)]),
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                "/token",
                &[],
                form(&[("client_id", "spa"), ("grant_type", "password")]),
            ),
            400,
            "unsupported_grant_type",
        ),
        (
            post(
                "/token",
                &[],
                form(&[("client_id", "spa"), ("grant_type", "refresh_token")]),
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                "/token",
                &[],
                b"grant_type=refresh_token&grant_type=refresh_token&client_id=spa".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            post(
                "/token",
                &[("content-type", "application/json")],
                b"{}".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            post("/token", &[], vec![b'a'; 64 * 1024 + 1]),
            400,
            "invalid_request",
        ),
        (
            post("/token", &[], vec![0xff, 0xfe]),
            400,
            "invalid_request",
        ),
        (
            post(
                "/token",
                &[],
                form(&[
                    ("client_id", "spa"),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", "not-a-rotor-token"),
                ]),
            ),
            400,
            "invalid_grant",
        ),
    ];
    for (req, status, code) in cases {
        let r = h.send(req);
        assert_error(&r, status, code);
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let r = h.send(HttpRequest {
        method: "GET".into(),
        path: "/token".into(),
        ..Default::default()
    });
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST, OPTIONS"));
    let r = h.send(HttpRequest {
        method: "POST".into(),
        path: "/nope".into(),
        ..Default::default()
    });
    assert_eq!(r.status, 404);
    // Empty values count as omitted (RFC 6749 §3.2).
    let r = h.send(post(
        "/token",
        &[],
        form(&[
            ("client_id", "spa"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &t0),
            ("scope", ""),
        ]),
    ));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn revocation_ends_the_family() {
    let mut h = harness(json!({}));
    let t0 = rt(&h.start("spa", None));
    let t1 = rt(&json_body(&h.refresh(&t0)));
    // Another client revoking: 200, nothing happens.
    let r = h.send(post(
        "/revoke",
        &[("authorization", &basic("web", "s3cr:et"))],
        form(&[("token", &t1)]),
    ));
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert_eq!(h.store.len(), 1);
    let r = h.send(post(
        "/revoke",
        &[],
        form(&[
            ("token", &t1),
            ("client_id", "spa"),
            ("token_type_hint", "refresh_token"),
        ]),
    ));
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert!(h.store.is_empty());
    assert_error(&h.refresh(&t1), 400, "invalid_grant");
    // Unknown tokens and access tokens: 200 as well (RFC 7009 §2.2).
    for t in [t1.as_str(), "whatever", "a.b.c"] {
        let r = h.send(post(
            "/revoke",
            &[],
            form(&[("token", t), ("client_id", "spa")]),
        ));
        assert_eq!(r.status, 200);
    }
    // Client authentication is required.
    assert_error(
        &h.send(post("/revoke", &[], form(&[("token", &t1)]))),
        401,
        "invalid_client",
    );
    assert_error(
        &h.send(post("/revoke", &[], form(&[("client_id", "spa")]))),
        400,
        "invalid_request",
    );
}

#[test]
fn introspection_of_refresh_and_access_tokens() {
    let mut h = harness(json!({ "refreshTokenTtl": 7200 }));
    let body = h.start("web", None);
    let t0 = rt(&body);
    let at = body["access_token"].as_str().unwrap().to_owned();
    let auth = basic("web", "s3cr:et");
    let introspect = |h: &mut Harness, token: &str| {
        json_body(&h.send(post(
            "/introspect",
            &[("authorization", &auth)],
            form(&[("token", token)]),
        )))
    };
    let r = introspect(&mut h, &t0);
    assert_eq!(
        r,
        json!({ "active": true, "token_type": "refresh_token", "scope": "openid api.read", "client_id": "web",
                "sub": "user-1", "iss": "https://id.example.com", "iat": T0 / 1000, "exp": T0 / 1000 + 7200 })
    );
    let r = introspect(&mut h, &at);
    assert_eq!(r["active"], true);
    assert_eq!(r["client_id"], "web");
    assert_eq!(r["scope"], "openid api.read");
    assert_eq!(r["exp"], T0 / 1000 + 300);
    // Rotated away: the old token is inactive, and introspection does not count as reuse.
    let ok = h.send(post(
        "/token",
        &[("authorization", &auth)],
        form(&[("grant_type", "refresh_token"), ("refresh_token", &t0)]),
    ));
    let t1 = rt(&json_body(&ok));
    assert_eq!(introspect(&mut h, &t0), json!({ "active": false }));
    assert_eq!(introspect(&mut h, &t1)["active"], true);
    h.now += 300_000;
    assert_eq!(introspect(&mut h, &at), json!({ "active": false }));
    let mut tampered = at.clone();
    tampered.pop();
    tampered.push('A');
    assert_eq!(introspect(&mut h, &tampered), json!({ "active": false }));
    assert_eq!(introspect(&mut h, "garbage"), json!({ "active": false }));
    // Public clients cannot introspect.
    let r = h.send(post(
        "/introspect",
        &[],
        form(&[("token", &t1), ("client_id", "spa")]),
    ));
    assert_error(&r, 401, "invalid_client");
}

#[test]
fn metadata_rfc8414_and_path_prefix() {
    let mut h = harness(json!({ "issuer": "https://id.example.com/oauth/" }));
    for path in [
        "/.well-known/oauth-authorization-server/oauth",
        "/oauth/.well-known/oauth-authorization-server",
    ] {
        let r = h.send(HttpRequest {
            method: "GET".into(),
            path: path.into(),
            ..Default::default()
        });
        assert_eq!(r.status, 200);
        let m = json_body(&r);
        // RFC 8414 §3.3: exactly as configured.
        assert_eq!(m["issuer"], "https://id.example.com/oauth/");
        assert_eq!(m["token_endpoint"], "https://id.example.com/oauth/token");
        assert_eq!(
            m["revocation_endpoint"],
            "https://id.example.com/oauth/revoke"
        );
        assert_eq!(
            m["introspection_endpoint"],
            "https://id.example.com/oauth/introspect"
        );
        assert_eq!(m["grant_types_supported"], json!(["refresh_token"]));
        assert_eq!(
            m["token_endpoint_auth_methods_supported"],
            json!(["none", "client_secret_basic", "client_secret_post"])
        );
    }
    let r = h.send(HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        ..Default::default()
    });
    assert_eq!(r.status, 404);
    let t0 = rt(&h.start("spa", None));
    let r = h.send(post(
        "/oauth/token",
        &[],
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t0),
            ("client_id", "spa"),
        ]),
    ));
    assert_eq!(r.status, 200);
}

#[test]
fn corrupt_records_end_the_family_without_panicking() {
    let h = harness(json!({}));
    let t = h
        .issuer
        .encode_refresh_token(&rotor::issuer::RefreshToken::new([3; 16], [4; 32]));
    let req = post(
        "/token",
        &[],
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t),
            ("client_id", "spa"),
        ]),
    );
    let applied = h.issuer.apply(&req, Some("{not json"), T0, &[0; 64]);
    assert_eq!(applied.change, RecordChange::Delete);
    assert_eq!(applied.response.status, 400);
}

#[test]
fn config_validation() {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "issuer": "http://id.example.com" }),
            "invalid_config",
        ),
        (
            json!({ "issuer": "ftp://id.example.com" }),
            "invalid_config",
        ),
        (
            json!({ "issuer": "https://id.example.com?x=1" }),
            "invalid_config",
        ),
        (json!({ "issuer": "id.example.com" }), "invalid_config"),
        // Not loopback: only a real 127.0.0.0/8 address, localhost or [::1] allows http.
        (
            json!({ "issuer": "http://127.evil.example.com" }),
            "invalid_config",
        ),
        (
            json!({ "issuer": "https://user@id.example.com" }),
            "invalid_config",
        ),
        (
            json!({ "issuer": "https://id.example.com/#x" }),
            "invalid_config",
        ),
        (
            json!({ "clients": [{ "clientId": "a", "clientSecret": "0123456789abcdef0123456789abcdef", "scope": "x", "authMethods": ["client_secret_jwt"] }] }),
            "invalid_config",
        ),
        (json!({ "audience": "" }), "invalid_config"),
        (json!({ "keys": [] }), "invalid_config"),
        (
            json!({ "keys": [{ "kid": "k", "key": b64::encode([1u8; 31]) }] }),
            "weak_key",
        ),
        (
            json!({ "keys": [{ "kid": "k", "key": "not base64!" }] }),
            "invalid_config",
        ),
        (
            json!({ "keys": [{ "kid": "", "key": b64::encode(KEY) }] }),
            "invalid_config",
        ),
        (
            json!({ "keys": [{ "kid": "a", "key": b64::encode(KEY) }, { "kid": "a", "key": b64::encode(KEY) }] }),
            "invalid_config",
        ),
        (json!({ "accessTokenTtl": 0 }), "invalid_config"),
        (
            json!({ "refreshTokenTtl": 400_000_000u64 }),
            "invalid_config",
        ),
        (json!({ "rotation": "sometimes" }), "invalid_config"),
        (
            json!({ "rotation": "reuse", "reuseGraceSeconds": 5 }),
            "invalid_config",
        ),
        (json!({ "reuseGraceSeconds": 100000 }), "invalid_config"),
        (json!({ "dialect": "okta" }), "invalid_config"),
        (json!({ "clients": [] }), "invalid_config"),
        (
            json!({ "clients": [{ "clientId": "a", "scope": "x" }, { "clientId": "a", "scope": "y" }] }),
            "invalid_config",
        ),
        (
            json!({ "clients": [{ "clientId": "a", "scope": "x", "authMethods": ["client_secret_basic"] }] }),
            "invalid_config",
        ),
        (
            json!({ "clients": [{ "clientId": "a", "scope": "x", "authMethods": ["private_key_jwt"] }] }),
            "invalid_config",
        ),
        (
            json!({ "clients": [{ "clientId": "a", "scope": "x\"y" }] }),
            "invalid_config",
        ),
        (
            json!({ "clients": [{ "clientId": "a", "clientSecret": "", "scope": "x" }] }),
            "invalid_config",
        ),
    ];
    for (extra, code) in cases {
        let err = Issuer::new(config(extra.clone())).unwrap_err();
        assert_eq!(err.code(), code, "{extra}");
        assert!(!err.to_string().contains("s3cr"), "no secret in messages");
    }
    for ok in [
        "http://localhost:8787",
        "http://127.0.0.1",
        "http://[::1]:9000/x",
        "http://[0:0:0:0:0:0:0:1]/x",
        "HTTPS://id.example.com/oauth/",
    ] {
        assert!(Issuer::new(config(json!({ "issuer": ok }))).is_ok(), "{ok}");
    }
    let s = Issuer::new(config(json!({}))).unwrap();
    let s = s.settings();
    assert_eq!(
        (
            s.access_token_ttl,
            s.refresh_token_ttl,
            s.refresh_idle_ttl,
            s.reuse_grace_seconds
        ),
        (300, 2_592_000, None, 0)
    );
    assert_eq!(format!("{:?}", s.clients[1].secret), "Some([redacted])");
    assert!(!format!("{s:?}").contains("s3cr"));
}

#[test]
fn audience_array_and_key_rotation_kid() {
    let other = [9u8; 48];
    let mut h = harness(json!({
        "audience": ["https://a.example", "https://b.example"],
        "keys": [{ "kid": "new", "key": b64::encode(other) }, { "kid": "old", "key": b64::encode(KEY) }],
        "accessTokenTtl": 60,
    }));
    let body = h.start("spa", None);
    let at = body["access_token"].as_str().unwrap();
    let (header, claims) = jwt_parts(at);
    assert_eq!(header["kid"], "new");
    assert_eq!(
        claims["aud"],
        json!(["https://a.example", "https://b.example"])
    );
    assert_eq!(claims["exp"], T0 / 1000 + 60);
    let (signing, sig) = at.rsplit_once('.').unwrap();
    assert!(
        Key::new(other.to_vec())
            .unwrap()
            .verify_mac(signing.as_bytes(), &b64::decode(sig).unwrap())
    );
}
