//! The shared client vectors (tests/vectors/client/*.json), run natively. The same files run
//! through the wasm package in Node (tests/js/client-vectors.test.mjs).

use rotor::client::{
    self, ClientConfig, ClientOptions, ParseOptions, RefreshParams, TokenResponse,
};
use rotor::{Error, RotorError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

const REQUESTS: &str = include_str!("vectors/client/requests.json");
const RESPONSES: &str = include_str!("vectors/client/responses.json");

#[derive(Deserialize)]
struct RequestCase {
    name: String,
    client: Value,
    params: VectorParams,
    #[serde(default)]
    random: Option<String>,
    expect: Value,
    #[serde(default)]
    #[allow(dead_code)]
    seed: Option<String>,
}

#[derive(Deserialize)]
struct ResponseCase {
    name: String,
    client: Value,
    response: RawResponse,
    #[serde(deserialize_with = "with_now")]
    options: (f64, ParseOptions),
    expect: Value,
    #[serde(default)]
    #[allow(dead_code)]
    seed: Option<String>,
}

#[derive(Deserialize)]
struct RawResponse {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// A request vector's params: `RefreshParams` and `now` (the JS API takes it there; the core
/// takes it as an argument). Extra parameters keep their document order.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VectorParams {
    refresh_token: rotor::Secret,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    extra_params: Option<OrderedPairs>,
    now: f64,
}

impl VectorParams {
    fn split(&self) -> (f64, RefreshParams) {
        let params = RefreshParams {
            refresh_token: self.refresh_token.clone(),
            scope: self.scope.clone(),
            extra_params: self
                .extra_params
                .as_ref()
                .map(|p| p.0.clone())
                .unwrap_or_default(),
        };
        (self.now, params)
    }
}

struct OrderedPairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedPairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = OrderedPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<OrderedPairs, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = m.next_entry::<String, String>()? {
                    out.push(pair);
                }
                Ok(OrderedPairs(out))
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// The vectors give `now` inside the params/options object (as the JS API takes it); the core
/// takes it as an argument.
fn with_now<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<(f64, T), D::Error> {
    let mut v = Value::deserialize(d)?;
    let now = v
        .as_object_mut()
        .and_then(|o| o.remove("now"))
        .and_then(|n| n.as_f64())
        .ok_or_else(|| serde::de::Error::custom("vectors fix now"))?;
    T::deserialize(v)
        .map(|t| (now, t))
        .map_err(serde::de::Error::custom)
}

fn config(client: &Value) -> Result<ClientConfig, RotorError> {
    let options = ClientOptions::deserialize(client)
        .map_err(|e| RotorError::config(format!("client: {e}")))?;
    ClientConfig::from_options(options)
}

fn hex16(text: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// Numbers compared by value (JSON has one number type; Rust serialises f64 as `1.0`).
/// Records a failure when `got` differs from `expect` (both normalised).
fn compare(failures: &mut Vec<String>, name: &str, expect: &Value, got: Value) {
    let got = normalise(got);
    if got != normalise(expect.clone()) {
        failures.push(format!("{name}\n  expected {expect}\n  got      {got}"));
    }
}

/// Fails with every recorded failure at once.
fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn normalise(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(normalise).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        other => other,
    }
}

fn error_json(err: &Error) -> Value {
    match err {
        Error::OAuth(e) => serde_json::json!({
            "name": "OAuthError", "code": e.code, "kind": e.kind.as_str(), "status": e.status,
            "description": e.description, "retryAfter": e.retry_after_ms,
        }),
        Error::Rotor(e) => serde_json::json!({
            "name": "RotorError", "code": e.code.as_str(), "kind": e.code.kind().as_str(),
        }),
        Error::Jwt(e) => serde_json::json!({ "name": "JwtError", "code": e.code.as_str() }),
    }
}

#[test]
fn client_request_vectors() {
    let cases: Vec<RequestCase> = serde_json::from_str(REQUESTS).expect("requests.json");
    assert!(cases.len() >= 60, "vector file looks truncated");
    let mut failures = Vec::new();
    for case in &cases {
        let entropy = case.random.as_deref().map(hex16).unwrap_or([0; 16]);
        let (now, params) = case.params.split();
        let got = config(&case.client)
            .and_then(|c| client::build_refresh_request(&c, &params, now, &entropy))
            .map(|r| serde_json::to_value(&r).unwrap())
            .map_err(|e| error_json(&Error::Rotor(e)));
        let got = match got {
            Ok(v) => v,
            Err(e) => serde_json::json!({ "error": e }),
        };
        compare(&mut failures, &case.name, &case.expect, got);
    }
    assert_no_failures(&failures);
}

#[test]
fn client_response_vectors() {
    let cases: Vec<ResponseCase> = serde_json::from_str(RESPONSES).expect("responses.json");
    assert!(cases.len() >= 60, "vector file looks truncated");
    let mut failures = Vec::new();
    for case in &cases {
        let headers: Vec<(String, String)> = case
            .response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let response = TokenResponse {
            status: case.response.status,
            headers: &headers,
            body: case.response.body.as_bytes(),
        };
        let (now, options) = &case.options;
        let got = config(&case.client)
            .map_err(Error::Rotor)
            .and_then(|c| client::parse_token_response(&c, &response, options, *now));
        let got = match got {
            Ok(set) => serde_json::json!({ "tokenSet": set }),
            Err(e) => serde_json::json!({ "error": error_json(&e) }),
        };
        compare(&mut failures, &case.name, &case.expect, got);
    }
    assert_no_failures(&failures);
}

/// Prints every error message of the vectors (run with `--nocapture --ignored` to review that
/// each case fails for the intended reason and that no message leaks a token or secret).
#[test]
#[ignore]
fn client_vector_messages() {
    let cases: Vec<RequestCase> = serde_json::from_str(REQUESTS).unwrap();
    for case in &cases {
        let entropy = case.random.as_deref().map(hex16).unwrap_or([0; 16]);
        let (now, params) = case.params.split();
        if let Err(e) = config(&case.client)
            .and_then(|c| client::build_refresh_request(&c, &params, now, &entropy))
        {
            println!("{:<70} {}", case.name, e);
        }
    }
    let cases: Vec<ResponseCase> = serde_json::from_str(RESPONSES).unwrap();
    for case in &cases {
        let headers: Vec<(String, String)> = case.response.headers.clone().into_iter().collect();
        let response = TokenResponse {
            status: case.response.status,
            headers: &headers,
            body: case.response.body.as_bytes(),
        };
        if let Err(e) = config(&case.client)
            .map_err(Error::Rotor)
            .and_then(|c| client::parse_token_response(&c, &response, &case.options.1, 1.0))
        {
            println!("{:<70} {}", case.name, e);
        }
    }
}
