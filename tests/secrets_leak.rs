//! No refresh token, access token, client secret or key ever appears in an error message
//! (`Display`), in `Debug` output of errors, configurations, requests, responses and token
//! sets, or in an issuer error response (RFC 6819 §4.4, §5.1.4; RFC 9700 §4.3).
//!
//! Every reachable error path is driven with inputs that carry the secrets in many positions
//! (URLs, headers, bodies, server error descriptions, bad key text), and every text rotor
//! produces is searched for each secret in its raw, base64url, standard base64, hex and
//! form-urlencoded forms.
#![cfg(feature = "issuer")]

use rotor::b64;
use rotor::client::{
    ClientConfig, ClientOptions, ParseOptions, PreviousTokens, RefreshParams, TokenResponse,
    build_refresh_request, parse_token_response,
};
use rotor::issuer::{
    HttpRequest, HttpResponse, Issuer, IssuerConfig, RANDOM_BYTES, RecordChange, Route,
    SessionInput,
};
use rotor::jwt::{self, Key, KeySet, Validation};
use rotor::{Error, Secret};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const REFRESH: &str = "rt_7Qm9ZpX2vLw8Ks4Nd6Hf1Jb3Gc5Ta0Ry";
const ACCESS: &str = "at_Vx4Pq8Lm2Wn6Kj9Hs3Df7Ga1Zc5Xb0Yr";
const ID_TOKEN: &str = "idt_Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0X";
const CLIENT_SECRET: &str = "cs_Mn8Bv6Cx4Za2Sd1Fg3Hj5Kl7Qw9Er0T";
const KEY: [u8; 32] = *b"key-material-0123456789abcdefXYZ";
const T0: u64 = 1_800_000_000_000;

/// Every form a secret may take in a text.
fn forms(secret: &[u8]) -> Vec<String> {
    let mut out = vec![
        b64::encode(secret),
        b64::encode_standard(secret),
        secret.iter().map(|b| format!("{b:02x}")).collect(),
        form_urlencoded::byte_serialize(secret).collect(),
    ];
    if let Ok(s) = std::str::from_utf8(secret) {
        out.push(s.to_owned());
    }
    out
}

struct Watch {
    secrets: Vec<(String, String)>,
    checked: usize,
}

impl Watch {
    fn new() -> Self {
        let mut w = Watch {
            secrets: Vec::new(),
            checked: 0,
        };
        for (name, s) in [
            ("refresh token", REFRESH.as_bytes()),
            ("access token", ACCESS.as_bytes()),
            ("id token", ID_TOKEN.as_bytes()),
            ("client secret", CLIENT_SECRET.as_bytes()),
            ("key", &KEY[..]),
        ] {
            w.add(name, s);
        }
        // The HTTP Basic credentials built from the client secret.
        w.add(
            "basic credentials",
            format!("web:{CLIENT_SECRET}").as_bytes(),
        );
        w
    }

    fn add(&mut self, name: &str, secret: &[u8]) {
        for f in forms(secret) {
            self.secrets.push((name.to_owned(), f));
        }
    }

    #[track_caller]
    fn clean(&mut self, what: &str, text: &str) {
        self.checked += 1;
        for (name, s) in &self.secrets {
            assert!(
                !text.contains(s.as_str()),
                "{what}: the {name} appears in {text:?}"
            );
        }
    }

    #[track_caller]
    fn error(&mut self, what: &str, err: &impl std::fmt::Debug, display: &str) {
        self.clean(&format!("{what} (Display)"), display);
        self.clean(&format!("{what} (Debug)"), &format!("{err:?}"));
        self.clean(&format!("{what} (Debug, pretty)"), &format!("{err:#?}"));
    }
}

// ---------- client ----------

fn client_options(method: &str) -> ClientOptions {
    ClientOptions {
        token_endpoint: "https://id.example.com/token".into(),
        client_id: "web".into(),
        client_secret: Some(Secret::new(CLIENT_SECRET)),
        auth_method: Some(method.into()),
        dialect: None,
        granted_scope: Some("openid api.read".into()),
        revocation_endpoint: None,
    }
}

#[test]
fn client_config_and_request_errors() {
    let mut w = Watch::new();
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ] {
        let config = ClientConfig::from_options(client_options(method)).unwrap();
        w.clean("ClientConfig Debug", &format!("{config:?} {config:#?}"));
        w.clean(
            "ClientOptions Debug",
            &format!("{:?}", client_options(method)),
        );
        let params = RefreshParams {
            refresh_token: Secret::new(REFRESH),
            ..Default::default()
        };
        w.clean("RefreshParams Debug", &format!("{params:?}"));
        let req = build_refresh_request(&config, &params, T0 as f64, &[9; 16]).unwrap();
        // The request carries the secrets, as it must; its Debug does not.
        assert!(req.body.contains(REFRESH));
        w.clean("RefreshRequest Debug", &format!("{req:?} {req:#?}"));

        // Bad refresh tokens: the token with forbidden characters around it.
        for bad in [
            format!("{REFRESH} "),
            format!("{REFRESH}\n"),
            format!("\u{0}{REFRESH}"),
            format!("{REFRESH}é"),
            format!("{REFRESH}\"{CLIENT_SECRET}"),
        ] {
            let p = RefreshParams {
                refresh_token: Secret::new(bad),
                ..Default::default()
            };
            // Space and `"` are VSCHAR (accepted); the others are refused.
            if let Err(e) = build_refresh_request(&config, &p, T0 as f64, &[9; 16]) {
                w.error("bad refresh token", &e, &e.to_string());
            }
        }
        // Extra parameters and scopes that contain secrets.
        for extra in [
            vec![("refresh_token".to_owned(), REFRESH.to_owned())],
            vec![("client_secret".to_owned(), CLIENT_SECRET.to_owned())],
            vec![(REFRESH.to_owned(), String::new())],
            vec![(String::new(), ACCESS.to_owned())],
        ] {
            let p = RefreshParams {
                refresh_token: Secret::new(REFRESH),
                extra_params: extra,
                ..Default::default()
            };
            if let Err(e) = build_refresh_request(&config, &p, T0 as f64, &[9; 16]) {
                w.error("bad extra params", &e, &e.to_string());
            }
        }
        // Scope errors (widening, bad characters) name the scope; they never name the
        // refresh token or the client secret of the request.
        for scope in [
            "openid admin".to_owned(),
            "api.read \"x".to_owned(),
            "\u{7f}".to_owned(),
        ] {
            let p = RefreshParams {
                refresh_token: Secret::new(REFRESH),
                scope: Some(scope),
                ..Default::default()
            };
            let e = build_refresh_request(&config, &p, T0 as f64, &[9; 16]).unwrap_err();
            w.error("bad scope", &e, &e.to_string());
        }
    }

    // Secrets in the endpoint URL (RFC 6819 §4.4: never in URLs).
    for endpoint in [
        format!("https://id.example.com/token?refresh_token={REFRESH}"),
        format!("https://id.example.com/token#{CLIENT_SECRET}"),
        format!("https://web:{CLIENT_SECRET}@id.example.com/token"),
        format!("https://id.example.com/{CLIENT_SECRET}/token"),
        format!("http://id.example.com/token?x={CLIENT_SECRET}"),
        format!("ftp://{CLIENT_SECRET}"),
        format!("not a url {CLIENT_SECRET}"),
    ] {
        let mut o = client_options("client_secret_post");
        o.token_endpoint = endpoint.clone();
        match ClientConfig::from_options(o) {
            Err(e) => w.error("bad endpoint", &e, &e.to_string()),
            Ok(config) => {
                let p = RefreshParams {
                    refresh_token: Secret::new(REFRESH),
                    ..Default::default()
                };
                let e = build_refresh_request(&config, &p, T0 as f64, &[9; 16]);
                if let Err(e) = e {
                    w.error("bad endpoint (build)", &e, &e.to_string());
                } else {
                    panic!("a secret in the endpoint was accepted: {endpoint}");
                }
            }
        }
    }
    // Bad options next to a secret.
    for (method, dialect, secret) in [
        ("client_secret_jwt", None, "short"),
        ("none", None, CLIENT_SECRET),
        ("bogus", None, CLIENT_SECRET),
        ("client_secret_basic", Some("bogus"), CLIENT_SECRET),
        ("client_secret_basic", None, ""),
    ] {
        let mut o = client_options(method);
        o.dialect = dialect.map(str::to_owned);
        o.client_secret = Some(Secret::new(secret));
        if let Err(e) = ClientConfig::from_options(o) {
            w.error("bad client options", &e, &e.to_string());
        }
    }
    assert!(w.checked > 50);
}

fn parse(
    config: &ClientConfig,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> Result<rotor::client::TokenSet, Error> {
    let options = ParseOptions {
        previous: Some(PreviousTokens {
            refresh_token: Some(Secret::new(REFRESH)),
            scope: Some("openid api.read".into()),
            id_token: Some(Secret::new(ID_TOKEN)),
        }),
        requested_scope: None,
    };
    parse_token_response(
        config,
        &TokenResponse {
            status,
            headers,
            body: body.as_bytes(),
        },
        &options,
        T0 as f64,
    )
}

#[test]
fn client_response_errors_and_token_sets() {
    let mut w = Watch::new();
    for dialect in ["rfc6749", "keycloak", "curity", "pingfederate", "tokenidp"] {
        let mut o = client_options("client_secret_basic");
        o.dialect = Some(dialect.into());
        let config = ClientConfig::from_options(o).unwrap();
        let echo = format!(
            "refresh token {REFRESH} with client {CLIENT_SECRET} (Basic {}) and id token {ID_TOKEN}",
            b64::encode_standard(format!("web:{CLIENT_SECRET}"))
        );
        let headers = vec![
            (
                "www-authenticate".to_owned(),
                format!("Basic realm=\"{CLIENT_SECRET}\""),
            ),
            ("retry-after".to_owned(), REFRESH.to_owned()),
            ("x-echo".to_owned(), REFRESH.to_owned()),
        ];
        // Servers that echo the secrets in their error responses.
        let bodies = [
            json!({ "error": "invalid_grant", "error_description": echo }).to_string(),
            json!({ "error": "invalid_client", "error_description": CLIENT_SECRET, "error_uri": format!("https://e.example/{REFRESH}") }).to_string(),
            json!({ "error": REFRESH, "error_description": REFRESH }).to_string(),
            json!({ "isSuccess": false, "errorCode": "invalid_grant", "message": echo }).to_string(),
            json!({ "isSuccess": false, "error": "invalid_grant", "errorDescription": echo, "errorUri": echo }).to_string(),
            format!("<html>{REFRESH} {CLIENT_SECRET}</html>"),
            format!("{{\"error\":\"invalid_grant\",\"error_description\":\"{REFRESH}\",\"error\":\"x\"}}"),
            format!("{{\"error\":\"{REFRESH}"),
            " ".repeat(10),
        ];
        for status in [400, 401, 403, 429, 500, 503] {
            for body in &bodies {
                let e = parse(&config, status, &headers, body).unwrap_err();
                w.error(
                    &format!("{dialect} HTTP {status} error"),
                    &e,
                    &e.to_string(),
                );
            }
        }
        // 2xx bodies that are not token responses but carry tokens.
        let bad_success = [
            json!({ "access_token": ACCESS, "token_type": 5, "expires_in": 60 }),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "expires_in": REFRESH }),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "refresh_token": 5 }),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "refresh_token": "", "scope": format!("{REFRESH}\"") }),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "scope": "openid api.read admin" }),
            json!({ "access_token": 7, "refresh_token": REFRESH }),
            json!({ "access_token": "", "refresh_token": REFRESH }),
            json!({ "error": "invalid_grant", "error_description": REFRESH, "access_token": ACCESS }),
            json!({ "isSuccess": true, "data": { "accessToken": ACCESS, "tokenType": [REFRESH] } }),
            json!({ "isSuccess": true, "data": REFRESH }),
            json!([ACCESS, REFRESH]),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "id_token": 3 }),
            json!({ "access_token": ACCESS, "token_type": "Bearer", "refresh_expires_in": ACCESS }),
        ];
        for body in &bad_success {
            match parse(&config, 200, &headers, &body.to_string()) {
                Err(e) => w.error(&format!("{dialect} bad 2xx"), &e, &e.to_string()),
                Ok(set) => w.clean(&format!("{dialect} TokenSet Debug"), &format!("{set:?}")),
            }
        }
        for status in [100, 301, 302, 304] {
            let body = json!({ "access_token": ACCESS, "refresh_token": REFRESH }).to_string();
            let e = parse(&config, status, &headers, &body).unwrap_err();
            w.error("non-2xx token response", &e, &e.to_string());
        }
        // A good token set: Debug redacts every token.
        let good = if dialect == "tokenidp" {
            json!({ "isSuccess": true, "data": { "accessToken": ACCESS, "refreshToken": REFRESH, "idToken": ID_TOKEN, "tokenType": "Bearer", "expiresIn": 60 } })
        } else {
            json!({ "access_token": ACCESS, "refresh_token": REFRESH, "id_token": ID_TOKEN, "token_type": "Bearer", "expires_in": 60 })
        };
        let set = parse(&config, 200, &headers, &good.to_string()).unwrap();
        assert_eq!(set.access_token.expose(), ACCESS);
        w.clean("TokenSet Debug", &format!("{set:?} {set:#?}"));
    }
    assert!(w.checked > 300);
}

// ---------- JWT ----------

#[test]
fn jwt_errors() {
    let mut w = Watch::new();
    let key = Key::new(KEY.to_vec()).unwrap();
    w.clean("Key Debug", &format!("{key:?} {key:#?}"));
    let keys = KeySet::by_kid(vec![("k1".into(), key.clone())]).unwrap();
    w.clean("KeySet Debug", &format!("{keys:?} {keys:#?}"));
    for weak in [&KEY[..31], &KEY[..1], &[][..]] {
        let e = Key::new(weak.to_vec()).unwrap_err();
        w.error("weak key", &e, &e.to_string());
    }
    for text in [
        b64::encode(&KEY[..20]),
        format!("{}=", b64::encode(KEY)),
        b64::encode_standard(KEY),
        format!("{} ", b64::encode(KEY)),
        format!("{}*", b64::encode(KEY)),
        String::from_utf8_lossy(&KEY).into_owned(),
    ] {
        if let Err(e) = Key::from_base64url(&text) {
            w.error("bad key text", &e, &e.to_string());
        }
    }

    let mut claims = Map::new();
    claims.insert("sub".into(), json!("alice"));
    claims.insert("exp".into(), json!(T0 / 1000 + 60));
    claims.insert("iss".into(), json!("https://id.example.com"));
    let claims_json = serde_json::to_vec(&claims).unwrap();
    let token = jwt::sign_claims_json(Some("k1"), Some("at+jwt"), &claims_json, &key).unwrap();
    w.add("signed JWT", token.as_bytes());
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    w.add("JWT signature", signature.as_bytes());
    let validation = Validation {
        issuer: Some("https://other.example".into()),
        audience: vec!["api".into()],
        typ: Some("at+jwt".into()),
        ..Validation::default()
    };
    w.clean("Validation Debug", &format!("{validation:?}"));
    let other = Key::new(vec![1u8; 32]).unwrap();
    let other_keys = KeySet::single(other);
    let mut bad_tokens = vec![
        token.clone(),
        format!("{signing_input}.{}", b64::encode([0u8; 32])),
        format!("{token}x"),
        format!("{token}.{ACCESS}"),
        ACCESS.to_owned(),
        REFRESH.to_owned(),
        format!("{ACCESS}.{REFRESH}.{CLIENT_SECRET}"),
        format!(
            "{}.{}.{}",
            b64::encode(ACCESS),
            b64::encode(REFRESH),
            b64::encode(KEY)
        ),
        format!(
            "{}.{}.",
            b64::encode(json!({ "alg": "none", "kid": CLIENT_SECRET }).to_string()),
            b64::encode(json!({ "sub": REFRESH }).to_string())
        ),
        format!(
            "{}.{}.{signature}",
            b64::encode(json!({ "alg": REFRESH }).to_string()),
            b64::encode(json!({ "sub": REFRESH }).to_string())
        ),
        format!(
            "{}.{}.{signature}",
            b64::encode(json!({ "alg": "HS256", "kid": REFRESH }).to_string()),
            b64::encode(json!({ "sub": REFRESH }).to_string())
        ),
        format!(
            "{}.{}.{signature}",
            b64::encode(format!("{{\"alg\":\"HS256\",\"alg\":\"{REFRESH}\"}}")),
            b64::encode(REFRESH)
        ),
    ];
    bad_tokens.push("a".repeat(20_000) + REFRESH);
    for t in &bad_tokens {
        for (ks, v) in [
            (&keys, &validation),
            (&other_keys, &Validation::default()),
            (&keys, &Validation::default()),
        ] {
            match jwt::verify_json(t, ks, v, T0) {
                Err(e) => w.error("JWT verify", &e, &e.to_string()),
                Ok(verified) => w.clean("Verified header", verified.header_json()),
            }
        }
    }
    // Expired and not-yet-valid tokens.
    for now in [T0 + 3_600_000, 0] {
        if let Err(e) = jwt::verify_json(&token, &keys, &Validation::default(), now) {
            w.error("JWT time", &e, &e.to_string());
        }
    }
    assert!(w.checked > 40);
}

// ---------- issuer ----------

fn issuer_config(extra: Value) -> Value {
    let mut base = json!({
        "issuer": "https://id.example.com",
        "audience": "https://api.example.com",
        "keys": [{ "kid": "k1", "key": b64::encode(KEY) }],
        "clients": [
            { "clientId": "spa", "scope": "openid api.read" },
            { "clientId": "web", "clientSecret": CLIENT_SECRET, "scope": "openid api.read" },
            { "clientId": "off", "clientSecret": CLIENT_SECRET, "scope": "api.read", "disabled": true },
        ],
        "reuseGraceSeconds": 2,
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

struct Harness {
    issuer: Issuer,
    store: HashMap<String, String>,
    counter: u8,
}

impl Harness {
    fn random(&mut self) -> [u8; RANDOM_BYTES] {
        self.counter = self.counter.wrapping_add(1);
        [self.counter; RANDOM_BYTES]
    }

    fn send(&mut self, w: &mut Watch, req: HttpRequest, now: u64) -> HttpResponse {
        // A token placed in the URL path is the caller's mistake; Debug shows paths.
        if !req.path.contains('?') && !req.path.starts_with("/token/") {
            w.clean("HttpRequest Debug", &format!("{req:?} {req:#?}"));
        }
        let route = self.issuer.route(&req, now);
        w.clean("Route Debug", &format!("{route:?}"));
        match route {
            Route::Respond(r) => r,
            Route::Family { family_key } => {
                let random = self.random();
                let stored = self.store.get(&family_key).cloned();
                let applied = self.issuer.apply(&req, stored.as_deref(), now, &random);
                w.clean("Applied Debug", &format!("{applied:?} {applied:#?}"));
                match applied.change {
                    RecordChange::Keep => {}
                    RecordChange::Delete => {
                        self.store.remove(&family_key);
                    }
                    RecordChange::Put(rec) => {
                        w.clean("FamilyRecord Debug", &format!("{rec:?}"));
                        let text = rec.to_json();
                        w.clean("stored record", &text);
                        self.store.insert(family_key, text);
                    }
                }
                applied.response
            }
        }
    }
}

fn post(path: &str, headers: &[(&str, String)], body: String) -> HttpRequest {
    let mut h = vec![(
        "content-type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    for (k, v) in headers {
        h.retain(|(n, _)| n != k);
        h.push((k.to_string(), v.clone()));
    }
    HttpRequest {
        method: "POST".into(),
        path: path.into(),
        headers: h,
        body: body.into_bytes(),
        ..Default::default()
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn issuer_config_errors_and_debug() {
    let mut w = Watch::new();
    let bad_configs = [
        json!({ "keys": [{ "kid": "k1", "key": b64::encode(&KEY[..16]) }] }),
        json!({ "keys": [{ "kid": "k1", "key": format!("{}=", b64::encode(KEY)) }] }),
        json!({ "keys": [{ "kid": "k1", "key": b64::encode_standard(KEY) + "+/" }] }),
        json!({ "keys": [{ "kid": "k1", "key": String::from_utf8_lossy(&KEY) }] }),
        json!({ "keys": [{ "kid": "k1", "key": b64::encode(KEY) }, { "kid": "k1", "key": b64::encode(KEY) }] }),
        json!({ "keys": [] }),
        json!({ "clients": [{ "clientId": "web", "clientSecret": "", "scope": "a" }] }),
        json!({ "clients": [{ "clientId": "web", "clientSecret": CLIENT_SECRET, "scope": "a" }, { "clientId": "web", "clientSecret": CLIENT_SECRET, "scope": "a" }] }),
        json!({ "clients": [{ "clientId": "web", "clientSecret": CLIENT_SECRET, "scope": format!("a {CLIENT_SECRET}\"") }] }),
        json!({ "issuer": format!("https://id.example.com/?k={CLIENT_SECRET}") }),
        json!({ "issuer": format!("http://{CLIENT_SECRET}.example.com") }),
    ];
    for extra in bad_configs {
        match IssuerConfig::from_json(&issuer_config(extra.clone()).to_string()) {
            Err(e) => w.error("IssuerConfig::from_json", &e, &e.to_string()),
            Ok(config) => match Issuer::new(config) {
                Err(e) => w.error("Issuer::new", &e, &e.to_string()),
                Ok(issuer) => panic!("accepted bad config {extra}: {issuer:?}"),
            },
        }
    }
    let issuer =
        Issuer::new(IssuerConfig::from_json(&issuer_config(json!({})).to_string()).unwrap())
            .unwrap();
    w.clean("Issuer Debug", &format!("{issuer:?} {issuer:#?}"));
    w.clean("Settings Debug", &format!("{:?}", issuer.settings()));
    // start_session errors with secrets in the input.
    for input in [
        json!({ "clientId": CLIENT_SECRET, "subject": "alice" }),
        json!({ "clientId": "spa", "subject": "alice", "scope": format!("openid {CLIENT_SECRET}") }),
        json!({ "clientId": "spa", "subject": "alice", "claims": { "sub": REFRESH } }),
        json!({ "clientId": "off", "subject": "alice" }),
    ] {
        let input = SessionInput::from_json(&input.to_string()).unwrap();
        let e = issuer
            .start_session(input, T0, &[3; RANDOM_BYTES])
            .unwrap_err();
        w.error("start_session", &e, &e.to_string());
    }
}

#[test]
fn issuer_error_responses() {
    let mut w = Watch::new();
    let issuer =
        Issuer::new(IssuerConfig::from_json(&issuer_config(json!({})).to_string()).unwrap())
            .unwrap();
    let mut h = Harness {
        issuer,
        store: HashMap::new(),
        counter: 0,
    };
    let start = |h: &mut Harness, w: &mut Watch, client: &str| -> (String, String) {
        let random = h.random();
        let s = h
            .issuer
            .start_session(
                SessionInput {
                    client_id: client.into(),
                    subject: "alice".into(),
                    scope: None,
                    claims: None,
                    ..Default::default()
                },
                T0,
                &random,
            )
            .unwrap();
        let body: Value = serde_json::from_str(&s.body).unwrap();
        let rt = body["refresh_token"].as_str().unwrap().to_owned();
        let at = body["access_token"].as_str().unwrap().to_owned();
        w.add("issued refresh token", rt.as_bytes());
        w.add("issued access token", at.as_bytes());
        w.clean("Session Debug", &format!("{s:?} {s:#?}"));
        h.store.insert(s.family_key, s.record.to_json());
        (rt, at)
    };
    let (rt, at) = start(&mut h, &mut w, "spa");
    let (web_rt, _) = start(&mut h, &mut w, "web");
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            b64::encode_standard(format!("{}:{}", enc(id), enc(secret)))
        )
    };
    let wrong_secret = format!("{CLIENT_SECRET}x");
    w.add("wrong secret", wrong_secret.as_bytes());
    let grant = |token: &str, extra: &str| {
        format!(
            "grant_type=refresh_token&refresh_token={}&client_id=spa{extra}",
            enc(token)
        )
    };
    let mut requests = vec![
        // Bad client secrets (Basic and post), disabled client, unknown client.
        post(
            "/token",
            &[("authorization", basic("web", &wrong_secret))],
            format!("grant_type=refresh_token&refresh_token={}", enc(&web_rt)),
        ),
        post(
            "/token",
            &[],
            format!(
                "grant_type=refresh_token&refresh_token={}&client_id=web&client_secret={}",
                enc(&web_rt),
                enc(&wrong_secret)
            ),
        ),
        post(
            "/token",
            &[("authorization", basic("off", CLIENT_SECRET))],
            format!("grant_type=refresh_token&refresh_token={}", enc(&web_rt)),
        ),
        post(
            "/token",
            &[("authorization", basic(CLIENT_SECRET, CLIENT_SECRET))],
            format!("grant_type=refresh_token&refresh_token={}", enc(&web_rt)),
        ),
        post(
            "/token",
            &[("authorization", format!("Basic {CLIENT_SECRET}"))],
            grant(&rt, ""),
        ),
        post(
            "/token",
            &[("authorization", format!("Bearer {at}"))],
            grant(&rt, ""),
        ),
        // Both Basic and post credentials.
        post(
            "/token",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!(
                "grant_type=refresh_token&refresh_token={}&client_id=web&client_secret={}",
                enc(&web_rt),
                enc(CLIENT_SECRET)
            ),
        ),
        // Malformed requests carrying tokens.
        post(
            "/token",
            &[],
            grant(&rt, &format!("&refresh_token={}", enc(&rt))),
        ),
        post("/token", &[], grant(&format!("{rt}x"), "")),
        post("/token", &[], grant(&at, "")),
        post("/token", &[], grant(REFRESH, "")),
        post("/token", &[], grant(&rt, &format!("&scope={}", enc(&rt)))),
        post(
            "/token",
            &[],
            grant(&rt, &format!("&scope=openid%20{}", enc(&at))),
        ),
        post(
            "/token",
            &[],
            format!("grant_type={}&refresh_token={}", enc(&rt), enc(&rt)),
        ),
        post(
            "/token",
            &[],
            format!(
                "grant_type=refresh_token&refresh_token={}&client_id={}",
                enc(&rt),
                enc(&rt)
            ),
        ),
        post(
            "/token",
            &[("content-type", format!("text/{rt}"))],
            grant(&rt, ""),
        ),
        post("/token", &[], format!("{{\"refresh_token\":\"{rt}\"}}")),
        post(
            "/token",
            &[],
            format!("refresh_token={}%ZZ&grant_type=refresh_token", enc(&rt)),
        ),
        post("/token", &[], grant(&rt, "").repeat(2000)),
        post(&format!("/token/{rt}"), &[], grant(&rt, "")),
        // Revocation and introspection with bad credentials or bad tokens.
        post(
            "/revoke",
            &[("authorization", basic("web", &wrong_secret))],
            format!("token={}", enc(&web_rt)),
        ),
        post(
            "/introspect",
            &[("authorization", basic("web", &wrong_secret))],
            format!("token={}", enc(&at)),
        ),
        post("/introspect", &[], format!("token={}", enc(&at))),
        post(
            "/introspect",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!("token={}&token={}", enc(&at), enc(&rt)),
        ),
        post(
            "/introspect",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!("token={}x", enc(&at)),
        ),
        post(
            "/revoke",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!("token={}&token_type_hint={}", enc(&web_rt), enc(&web_rt)),
        ),
    ];
    requests.push(HttpRequest {
        method: "GET".into(),
        path: format!("/token?refresh_token={rt}&client_secret={CLIENT_SECRET}"),
        headers: vec![("authorization".into(), basic("web", CLIENT_SECRET))],
        body: Vec::new(),
        ..Default::default()
    });
    let mut statuses = Vec::new();
    for req in requests {
        let res = h.send(&mut w, req, T0 + 1000);
        statuses.push(res.status);
        w.clean("error response body", &res.body);
        w.clean("error response headers", &format!("{:?}", res.headers));
        w.clean("HttpResponse Debug", &format!("{res:?} {res:#?}"));
    }
    assert!(
        statuses.iter().filter(|s| **s >= 400).count() >= 20,
        "{statuses:?}"
    );

    // Rotation, then reuse of the retired token after the grace window (family revoked), then
    // the now-dead successor, then revocation of another family and its use.
    let (rt2, _) = start(&mut h, &mut w, "spa");
    let res = h.send(&mut w, post("/token", &[], grant(&rt2, "")), T0 + 1000);
    assert_eq!(res.status, 200);
    let body: Value = serde_json::from_str(&res.body).unwrap();
    let next = body["refresh_token"].as_str().unwrap().to_owned();
    w.add("rotated refresh token", next.as_bytes());
    w.add(
        "rotated access token",
        body["access_token"].as_str().unwrap().as_bytes(),
    );
    w.clean("200 HttpResponse Debug", &format!("{res:?}"));
    for (token, now) in [(&rt2, T0 + 10_000), (&next, T0 + 11_000)] {
        let res = h.send(&mut w, post("/token", &[], grant(token, "")), now);
        assert_eq!(res.status, 400, "{}", res.body);
        w.clean("reuse response", &res.body);
        w.clean("reuse HttpResponse Debug", &format!("{res:?}"));
    }
    let (rt3, _) = start(&mut h, &mut w, "web");
    let res = h.send(
        &mut w,
        post(
            "/revoke",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!("token={}", enc(&rt3)),
        ),
        T0 + 1000,
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let res = h.send(
        &mut w,
        post(
            "/token",
            &[("authorization", basic("web", CLIENT_SECRET))],
            format!("grant_type=refresh_token&refresh_token={}", enc(&rt3)),
        ),
        T0 + 2000,
    );
    assert_eq!(res.status, 400);
    w.clean("revoked response", &res.body);
    // The issuer's own error responses and metadata.
    for (status, code) in [(503, "temporarily_unavailable"), (500, "server_error")] {
        let r = h
            .issuer
            .token_error(status, code, "the token store is unavailable", false);
        w.clean("token_error", &format!("{r:?}"));
    }
    w.clean("metadata", &h.issuer.metadata());
    assert!(w.checked > 100);
}
