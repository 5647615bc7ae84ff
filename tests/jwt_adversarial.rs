//! Runs the adversarial corpus tests/vectors/jwt/adversarial.json (also run through the wasm
//! package by tests/js/jwt-adversarial.test.mjs) against the native core.

use rotor::jwt::{self, Key, KeySet, Validation};
use serde_json::Value;

fn key(value: &Value) -> Result<Key, String> {
    let text = value.as_str().expect("corpus keys are base64url strings");
    Key::from_base64url(text).map_err(|e| e.code().to_owned())
}

fn key_set(value: &Value) -> Result<KeySet, String> {
    match value {
        Value::Array(entries) => {
            let mut keys = Vec::new();
            for entry in entries {
                keys.push((
                    entry["kid"].as_str().unwrap().to_owned(),
                    key(&entry["key"])?,
                ));
            }
            KeySet::by_kid(keys).map_err(|e| e.code.as_str().to_owned())
        }
        other => Ok(KeySet::single(key(other)?)),
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("not a string list: {other}"),
    }
}

fn validation(options: &Value) -> Validation {
    let mut v = Validation::default();
    if let Some(s) = options.get("issuer") {
        v.issuer = Some(s.as_str().unwrap().to_owned());
    }
    if let Some(s) = options.get("typ") {
        v.typ = Some(s.as_str().unwrap().to_owned());
    }
    if let Some(a) = options.get("audience") {
        v.audience = strings(a);
    }
    if let Some(n) = options.get("leewaySeconds") {
        v.leeway_seconds = n.as_u64().unwrap();
    }
    if let Some(n) = options.get("maxTokenBytes") {
        v.max_token_bytes = n.as_u64().unwrap() as usize;
    }
    if let Some(r) = options.get("requiredClaims") {
        v.required_claims = strings(r);
    }
    v
}

fn token(case: &Value) -> String {
    if let Some(t) = case.get("token") {
        return t.as_str().unwrap().to_owned();
    }
    let r = &case["tokenRepeat"];
    let mut t = r["prefix"].as_str().unwrap().to_owned();
    t.push_str(
        &r["repeat"]
            .as_str()
            .unwrap()
            .repeat(r["count"].as_u64().unwrap() as usize),
    );
    t.push_str(r["suffix"].as_str().unwrap());
    t
}

#[test]
fn adversarial_corpus() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/jwt/adversarial.json"
    ))
    .unwrap();
    let corpus: Value = serde_json::from_str(&text).unwrap();
    let now = corpus["now"].as_u64().unwrap();
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "the corpus has at least 40 cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let options = &case["options"];
        let got = match key_set(&options["keys"]) {
            Err(code) => code,
            Ok(keys) => match jwt::verify_json(&token(case), &keys, &validation(options), now) {
                Ok(_) => "ok".to_owned(),
                Err(e) => {
                    assert!(!e.message.is_empty());
                    e.code.as_str().to_owned()
                }
            },
        };
        if got != expect {
            failures.push(format!("{name}: expected {expect}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
