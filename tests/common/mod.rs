//! Helpers shared by the issuer's integration tests (`mod common;` in each test file).
#![allow(dead_code)]

use rotor::b64;
use rotor::issuer::{
    HttpRequest, HttpResponse, Issuer, IssuerConfig, RANDOM_BYTES, RecordChange, Route,
    SessionInput,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

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
        ..Default::default()
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

/// The driver's role in memory: route, then apply on the stored record; every store
/// operation (one `update` a driver would run: a read and maybe a write) is counted.
pub struct Harness {
    pub issuer: Issuer,
    pub store: HashMap<String, String>,
    /// Store operations so far.
    pub store_ops: usize,
    pub counter: u64,
    pub now: u64,
    /// The extra claims (JSON text of an object) of the sessions [`Harness::start`] makes.
    pub claims: Option<String>,
}

impl Harness {
    pub fn new(issuer: Issuer) -> Self {
        Harness {
            issuer,
            store: HashMap::new(),
            store_ops: 0,
            counter: 0,
            now: T0,
            claims: None,
        }
    }

    /// The next deterministic random bytes.
    pub fn random(&mut self) -> [u8; RANDOM_BYTES] {
        self.counter += 1;
        random_bytes(self.counter)
    }

    /// A session of `client` for `user-1` (stored); its token response body.
    pub fn start(&mut self, client: &str, scope: Option<&str>) -> Value {
        let input = SessionInput {
            client_id: client.into(),
            subject: "user-1".into(),
            scope: scope.map(str::to_owned),
            claims: self.claims.clone(),
            ..Default::default()
        };
        self.start_with(input)
    }

    /// A session for `input` at the harness's clock (stored); its token response body.
    pub fn start_with(&mut self, input: SessionInput) -> Value {
        let random = self.random();
        let s = self.issuer.start_session(input, self.now, &random).unwrap();
        self.store.insert(s.family_key, s.record.to_json());
        serde_json::from_str(&s.body).unwrap()
    }

    pub fn send(&mut self, req: HttpRequest) -> HttpResponse {
        match self.issuer.route(&req, self.now) {
            Route::Respond(r) => r,
            Route::Family { family_key } => {
                self.store_ops += 1;
                let random = self.random();
                let stored = self.store.get(&family_key).cloned();
                let applied = self
                    .issuer
                    .apply(&req, stored.as_deref(), self.now, &random);
                match applied.change {
                    RecordChange::Keep => {}
                    RecordChange::Delete => {
                        self.store.remove(&family_key);
                    }
                    RecordChange::Put(rec) => {
                        self.store.insert(family_key, rec.to_json());
                    }
                }
                applied.response
            }
        }
    }

    /// A public-client (`spa`) refresh.
    pub fn refresh(&mut self, token: &str) -> HttpResponse {
        self.refresh_as("spa", token, None)
    }

    pub fn refresh_as(&mut self, client: &str, token: &str, scope: Option<&str>) -> HttpResponse {
        let mut pairs = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", client),
        ];
        if let Some(s) = scope {
            pairs.push(("scope", s));
        }
        self.send(post("/token", &[], form(&pairs)))
    }
}
