//! The issuer's DPoP rules (RFC 9449 §5, §8, §11.1) with a fixed clock: the driver's proof
//! verdicts ([`DpopProof`]) in, bindings, replay state, nonces and rotation out. The proof
//! checks themselves are `tests/dpop_proof.rs`; real proofs end to end are
//! `tests/js/issuer-dpop.test.mjs` and `tests/workerd/issuer-dpop.test.mjs`.
mod common;

use common::{Harness, T0, config_with, form, json_body, post};
use rotor::b64;
use rotor::issuer::{
    DpopProof, FamilyRecord, HttpRequest, Issuer, IssuerConfig, MAX_DPOP_JTIS, SessionInput,
};
use serde_json::{Value, json};

fn issuer(extra: Value) -> Issuer {
    Issuer::new(config_with(
        json!([
            { "clientId": "spa", "scope": "openid", "dpop": "required" },
            { "clientId": "mixed", "scope": "openid", "dpop": "allowed" },
            { "clientId": "plain", "scope": "openid" },
        ]),
        extra,
    ))
    .unwrap()
}

fn valid(jkt: &str, jti: &str, now: u64) -> DpopProof {
    DpopProof::Valid {
        jkt: jkt.into(),
        jti: jti.into(),
        iat: now / 1000,
    }
}

fn start(h: &mut Harness, client: &str, dpop: DpopProof) -> Value {
    h.start_with(SessionInput {
        client_id: client.into(),
        subject: "u".into(),
        dpop,
        ..Default::default()
    })
}

fn refresh(client: &str, token: &str, dpop: DpopProof) -> HttpRequest {
    HttpRequest {
        dpop,
        ..post(
            "/token",
            &[],
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", client),
            ]),
        )
    }
}

fn claims(access_token: &str) -> Value {
    let part = access_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&b64::decode(part).unwrap()).unwrap()
}

#[track_caller]
fn refused(h: &mut Harness, req: HttpRequest, code: &str, description: &str) {
    let before = h.store.clone();
    let r = h.send(req);
    assert_eq!(r.status, 400);
    assert_eq!(
        json_body(&r),
        json!({ "error": code, "error_description": description })
    );
    assert_eq!(
        h.store, before,
        "a refused proof leaves the family as it was"
    );
}

#[test]
fn config_refuses_unknown_dpop_values_naming_the_member() {
    let bad = |clients: Value, extra: Value| {
        let text = json!({
            "issuer": "https://id.example.com", "audience": "a",
            "keys": [{ "kid": "k", "key": b64::encode([7u8; 32]) }], "clients": clients,
        });
        let mut text = text.as_object().unwrap().clone();
        text.extend(extra.as_object().unwrap().clone());
        let config = IssuerConfig::from_json(&Value::Object(text).to_string());
        match config.and_then(Issuer::new).unwrap_err() {
            rotor::error::Error::Rotor(e) => {
                assert_eq!(e.code.as_str(), "invalid_config");
                e.message
            }
            other => panic!("{other:?}"),
        }
    };
    let e = bad(json!([{ "clientId": "a", "dpop": "always" }]), json!({}));
    assert!(
        e.contains(r#"clients[0].dpop: unsupported value "always""#),
        "{e}"
    );
    let e = bad(json!([{ "clientId": "a", "dpop": 1 }]), json!({}));
    assert!(e.contains("clients[0].dpop"), "{e}");
    let e = bad(
        json!([{ "clientId": "a" }]),
        json!({ "dpopNonceSeconds": 3601 }),
    );
    assert!(e.contains("dpopNonceSeconds must be"), "{e}");
    let e = bad(json!([{ "clientId": "a" }]), json!({ "dpopRotation": "x" }));
    assert!(
        e.contains(r#"dpopRotation must be "rotate" or "reuse""#),
        "{e}"
    );
}

#[test]
fn metadata_and_rules_appear_only_with_a_dpop_client() {
    let i = issuer(json!({}));
    let meta: Value = serde_json::from_str(&i.metadata()).unwrap();
    assert_eq!(
        meta["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA", "RS256"])
    );
    assert_eq!(
        i.dpop_rules(T0).unwrap(),
        r#"{"htu":"https://id.example.com/token","algs":"ES256 EdDSA RS256","maxAgeSeconds":60,"maxFutureSeconds":5,"nonces":""}"#
    );
    let plain = Issuer::new(config_with(json!([{ "clientId": "p" }]), json!({}))).unwrap();
    assert!(!plain.metadata().contains("dpop"));
    assert_eq!(plain.dpop_rules(T0), None);
}

#[test]
fn a_bound_family_needs_a_valid_proof_of_its_key_before_anything_else() {
    let mut h = Harness::new(issuer(json!({})));
    let first = start(&mut h, "spa", valid("key-a", "j0", T0));
    assert_eq!(first["token_type"], "DPoP");
    assert_eq!(
        claims(first["access_token"].as_str().unwrap())["cnf"],
        json!({ "jkt": "key-a" })
    );
    let rt = first["refresh_token"].as_str().unwrap().to_owned();
    h.now = T0 + 1000;
    let now = h.now;
    refused(
        &mut h,
        refresh("spa", &rt, DpopProof::None),
        "invalid_dpop_proof",
        "this client must send a DPoP proof",
    );
    refused(
        &mut h,
        refresh("spa", &rt, valid("key-b", "j1", now)),
        "invalid_dpop_proof",
        "the DPoP proof's key is not the refresh token's",
    );
    refused(
        &mut h,
        refresh("spa", &rt, DpopProof::Unchecked),
        "invalid_dpop_proof",
        "the DPoP proof was not checked",
    );
    refused(
        &mut h,
        refresh(
            "spa",
            &rt,
            DpopProof::Refused {
                use_nonce: false,
                description: "iat is too old".into(),
            },
        ),
        "invalid_dpop_proof",
        "iat is too old",
    );
    // The sign-in proof's jti is remembered too.
    refused(
        &mut h,
        refresh("spa", &rt, valid("key-a", "j0", now)),
        "invalid_dpop_proof",
        "the DPoP proof was used before (jti)",
    );
    let r = h.send(refresh("spa", &rt, valid("key-a", "j1", now)));
    assert_eq!(r.status, 200, "{}", r.body);
    let next = json_body(&r);
    assert_eq!(next["token_type"], "DPoP");
    assert_ne!(next["refresh_token"], first["refresh_token"]);
    // The retired token with a foreign key: a refused proof, not reuse (the family lives).
    refused(
        &mut h,
        refresh("spa", &rt, valid("key-b", "j2", now)),
        "invalid_dpop_proof",
        "the DPoP proof's key is not the refresh token's",
    );
    let next_rt = next["refresh_token"].as_str().unwrap();
    refused(
        &mut h,
        refresh("spa", next_rt, valid("key-a", "j1", now)),
        "invalid_dpop_proof",
        "the DPoP proof was used before (jti)",
    );
    // Once its window closed, a jti is forgotten (the record stays small).
    h.now = T0 + 1000 + 62_000;
    assert_eq!(
        h.send(refresh("spa", next_rt, valid("key-a", "j1", now)))
            .status,
        200
    );
    let record = FamilyRecord::from_json(h.store.values().next().unwrap()).unwrap();
    assert_eq!(record.dpop_jkt.as_deref(), Some("key-a"));
    assert_eq!(record.dpop_jtis.len(), 1, "{:?}", record.dpop_jtis);
}

#[test]
fn the_replay_state_is_bounded() {
    let mut h = Harness::new(issuer(json!({ "dpopRotation": "reuse" })));
    let rt = start(&mut h, "spa", valid("k", "j", T0))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 1..MAX_DPOP_JTIS {
        let r = h.send(refresh("spa", &rt, valid("k", &format!("j{i}"), T0)));
        assert_eq!(r.status, 200);
        assert_eq!(
            json_body(&r)["refresh_token"].as_str(),
            Some(rt.as_str()),
            "dpopRotation reuse"
        );
    }
    refused(
        &mut h,
        refresh("spa", &rt, valid("k", "one-more", T0)),
        "invalid_dpop_proof",
        "too many DPoP proofs in the window",
    );
    h.now = T0 + 61_001;
    assert_eq!(
        h.send(refresh("spa", &rt, valid("k", "one-more", h.now)))
            .status,
        200
    );
}

#[test]
fn allowed_and_plain_clients() {
    let mut h = Harness::new(issuer(json!({})));
    // "plain": proofs ignored, a bearer family.
    let plain = start(&mut h, "plain", valid("k", "j", T0));
    assert_eq!(plain["token_type"], "Bearer");
    let r = h.send(refresh(
        "plain",
        plain["refresh_token"].as_str().unwrap(),
        valid("k", "j2", T0),
    ));
    assert_eq!(json_body(&r)["token_type"], "Bearer");
    // "allowed": unbound without a proof, bound by the first refresh with one.
    let mixed = start(&mut h, "mixed", DpopProof::None);
    assert_eq!(mixed["token_type"], "Bearer");
    assert!(
        claims(mixed["access_token"].as_str().unwrap())
            .get("cnf")
            .is_none()
    );
    let r = h.send(refresh(
        "mixed",
        mixed["refresh_token"].as_str().unwrap(),
        valid("k", "j3", T0),
    ));
    let bound = json_body(&r);
    assert_eq!(bound["token_type"], "DPoP");
    refused(
        &mut h,
        refresh(
            "mixed",
            bound["refresh_token"].as_str().unwrap(),
            DpopProof::None,
        ),
        "invalid_dpop_proof",
        "the refresh token is DPoP-bound: a proof is required",
    );
    // Required at sign-in.
    let random = h.random();
    let err = h
        .issuer
        .start_session(
            SessionInput {
                client_id: "spa".into(),
                subject: "u".into(),
                ..Default::default()
            },
            T0,
            &random,
        )
        .unwrap_err();
    match err {
        rotor::error::Error::Rotor(e) => assert_eq!(e.code.as_str(), "invalid_dpop_proof"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nonces_are_answered_with_use_dpop_nonce_and_the_nonce_header() {
    let mut h = Harness::new(issuer(json!({ "dpopNonceSeconds": 60 })));
    let rt = start(&mut h, "spa", valid("k", "j", T0))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rules: Value = serde_json::from_str(&h.issuer.dpop_rules(T0).unwrap()).unwrap();
    let nonces: Vec<&str> = rules["nonces"].as_str().unwrap().split(' ').collect();
    assert_eq!(nonces.len(), 2);
    assert_ne!(nonces[0], nonces[1]);
    let before = h.store.clone();
    let r = h.send(refresh(
        "spa",
        &rt,
        DpopProof::Refused {
            use_nonce: true,
            description: "a DPoP nonce is required".into(),
        },
    ));
    assert_eq!(r.status, 400);
    assert_eq!(
        json_body(&r),
        json!({ "error": "use_dpop_nonce", "error_description": "a DPoP nonce is required" })
    );
    assert_eq!(r.header("dpop-nonce"), Some(nonces[0]));
    assert_eq!(h.store, before);
    let ok = h.send(refresh("spa", &rt, valid("k", "j1", T0)));
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.header("dpop-nonce"),
        None,
        "a nonce comes with use_dpop_nonce only"
    );
    // A minute later the previous nonce is still accepted, a new one is handed out.
    let later: Value = serde_json::from_str(&h.issuer.dpop_rules(T0 + 60_000).unwrap()).unwrap();
    assert_eq!(
        later["nonces"].as_str().unwrap().split(' ').nth(1),
        Some(nonces[0])
    );
}

#[test]
fn wire_verdicts_and_records() {
    assert_eq!(DpopProof::from_wire(""), DpopProof::None);
    assert_eq!(DpopProof::from_wire("unchecked"), DpopProof::Unchecked);
    assert_eq!(
        DpopProof::from_wire("valid abc 1700000000 j t i"),
        DpopProof::Valid {
            jkt: "abc".into(),
            jti: "j t i".into(),
            iat: 1_700_000_000
        }
    );
    assert_eq!(
        DpopProof::from_wire("use_dpop_nonce x"),
        DpopProof::Refused {
            use_nonce: true,
            description: "x".into()
        }
    );
    for bad in [
        "valid",
        "valid abc -1 j",
        "valid abc 1",
        "valid  1 j",
        "junk",
    ] {
        assert!(
            matches!(
                DpopProof::from_wire(bad),
                DpopProof::Refused {
                    use_nonce: false,
                    ..
                }
            ),
            "{bad}"
        );
    }
    let mut h = Harness::new(issuer(json!({})));
    start(&mut h, "spa", valid("key-a", "j0", T0));
    let text = h.store.values().next().unwrap().clone();
    assert!(
        text.ends_with(
            r#","previous":null,"dpopJkt":"key-a","dpopJtis":[{"h":"4cMEyJvuvfhsEA2tPaXGjQ","u":1700000061000}]}"#
        ),
        "{text}"
    );
    let record = FamilyRecord::from_json(&text).unwrap();
    assert_eq!(record.to_json(), text);
    assert_eq!(record.dpop_jtis[0].1, (T0 / 1000 + 61) * 1000);
}
