//! Server-side DPoP proof checks (src/dpop.rs, RFC 9449 §4.3, §7.1): every refusal with its
//! exact error, with a fixed clock. Signatures are not the core's to check (the caller's
//! WebCrypto `verify` is, tests/js/dpop-verify.test.mjs), so the proofs here carry
//! placeholder signatures of the right length.
use rotor::b64;
use rotor::dpop::{ProofError, ProofRules, check_proof};
use rotor::jws::{self, Alg, JwkMembers, ProofClaims, PublicJwk};

const NOW: f64 = 1_700_000_000_500.0;
const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";

fn key() -> PublicJwk {
    PublicJwk::new(
        Alg::Es256,
        &JwkMembers {
            kty: Some("EC"),
            crv: Some("P-256"),
            x: Some(X),
            y: Some(Y),
            ..JwkMembers::default()
        },
    )
    .unwrap()
}

fn jws_of(header: &str, claims: &str, signature_len: usize) -> String {
    [
        b64::encode(header),
        b64::encode(claims),
        b64::encode(vec![1u8; signature_len]),
    ]
    .join(".")
}

fn proof(nonce: Option<&str>, token: Option<&str>, now_ms: f64) -> String {
    let claims = jws::dpop_claims(&ProofClaims {
        htm: "GET",
        url: "https://api.example/items?page=2",
        now_ms,
        jti: "jti-1",
        nonce,
        access_token: token,
    })
    .unwrap();
    jws_of(&jws::dpop_header(&key()), &claims, 64)
}

fn rules<'a>() -> ProofRules<'a> {
    ProofRules {
        method: "GET",
        url: "https://API.example:443/items",
        now_ms: NOW,
        max_age_seconds: 60,
        max_future_seconds: 5,
        algs: &[Alg::Es256, Alg::EdDsa],
        access_token: Some("at-1"),
        jkt: None,
        nonces: &[],
    }
}

#[test]
fn a_good_proof_and_what_it_yields() {
    let p = proof(None, Some("at-1"), NOW);
    let jkt = key().thumbprint();
    let ok = check_proof(
        &p,
        &ProofRules {
            jkt: Some(&jkt),
            ..rules()
        },
    )
    .unwrap();
    assert_eq!(ok.jkt, jkt);
    assert_eq!(ok.jti, "jti-1");
    assert_eq!(ok.iat, 1_700_000_000);
    assert_eq!(ok.alg, Alg::Es256);
    assert_eq!(ok.signature, vec![1u8; 64]);
    assert_eq!(ok.signing_input, p.rsplit_once('.').unwrap().0);
    assert_eq!(
        ok.jwk_json(),
        [
            r#"{"crv":"P-256","kty":"EC","x":""#,
            X,
            r#"","y":""#,
            Y,
            r#""}"#
        ]
        .concat()
    );
    // The window: 60 s old, 5 s ahead.
    assert!(check_proof(&proof(None, Some("at-1"), NOW - 60_000.0), &rules()).is_ok());
    assert!(check_proof(&proof(None, Some("at-1"), NOW + 5_000.0), &rules()).is_ok());
}

#[test]
fn every_refusal_has_its_error() {
    let header = jws::dpop_header(&key());
    let claims = |extra: &str| {
        [
            r#"{"ath":""#,
            &jws::ath("at-1"),
            r#"","htm":"GET","htu":"https://api.example/items","iat":1700000000,"jti":"j""#,
            extra,
            "}",
        ]
        .concat()
    };
    let good_claims = claims("");
    let jwk = key().canonical_json().to_owned();
    let invalid = |why: &'static str| Err(ProofError::Invalid(why));
    let cases: Vec<(String, Result<(), ProofError>)> = vec![
        (jws_of(&header, &good_claims, 64), Ok(())),
        ("a.b".into(), invalid("the DPoP proof is not a compact JWS")),
        (
            "a.b.c.d".into(),
            invalid("the DPoP proof is not a compact JWS"),
        ),
        ("x".repeat(9000), invalid("the DPoP proof is too large")),
        (
            jws_of(&header.replace("dpop+jwt", "JWT"), &good_claims, 64),
            invalid("typ must be dpop+jwt"),
        ),
        (
            jws_of(&header.replace("ES256", "HS256"), &good_claims, 64),
            invalid("alg is not supported"),
        ),
        (
            jws_of(&header.replace("ES256", "none"), &good_claims, 64),
            invalid("alg is not supported"),
        ),
        (
            jws_of(&header.replace("ES256", "RS256"), &good_claims, 64),
            invalid("alg is not supported"),
        ),
        (
            jws_of(
                &header.replace(&jwk, &jwk.replace("\"kty\"", "\"d\":\"AA\",\"kty\"")),
                &good_claims,
                64,
            ),
            invalid("jwk is not a public key for alg"),
        ),
        (
            jws_of(&header.replace(&jwk, "\"k\""), &good_claims, 64),
            invalid("jwk is missing"),
        ),
        (
            jws_of(
                &header.replace("{\"alg\"", "{\"crit\":[\"x\"],\"alg\""),
                &good_claims,
                64,
            ),
            invalid("crit is not supported"),
        ),
        (
            jws_of(
                &header.replace("{\"alg\"", "{\"typ\":\"dpop+jwt\",\"alg\""),
                &good_claims,
                64,
            ),
            invalid("the DPoP proof is not a compact JWS"),
        ),
        (
            jws_of(&header, &good_claims, 71),
            invalid("the signature has the wrong length"),
        ),
        (
            jws_of(&header, &good_claims.replace("\"GET\"", "\"POST\""), 64),
            invalid("htm does not match the request"),
        ),
        (
            jws_of(&header, &good_claims.replace("/items", "/other"), 64),
            invalid("htu does not match the request"),
        ),
        (
            jws_of(
                &header,
                &good_claims.replace("1700000000", "1699999939"),
                64,
            ),
            invalid("iat is too old"),
        ),
        (
            jws_of(
                &header,
                &good_claims.replace("1700000000", "1700000006"),
                64,
            ),
            invalid("iat is in the future"),
        ),
        (
            jws_of(
                &header,
                &good_claims.replace("1700000000", "1700000000.5"),
                64,
            ),
            invalid("iat must be a whole number of seconds"),
        ),
        (
            jws_of(&header, &good_claims.replace(",\"jti\":\"j\"", ""), 64),
            invalid("jti is missing"),
        ),
        (
            jws_of(
                &header,
                &good_claims.replace(&jws::ath("at-1"), &jws::ath("at-2")),
                64,
            ),
            invalid("ath does not match the access token"),
        ),
    ];
    for (i, (proof, want)) in cases.iter().enumerate() {
        assert_eq!(check_proof(proof, &rules()).map(|_| ()), *want, "case {i}");
    }
    // No ath while an access token is presented.
    let no_ath = jws_of(&header, &proof_claims_without_ath(), 64);
    assert_eq!(
        check_proof(&no_ath, &rules()).map(|_| ()),
        invalid("ath is missing")
    );
    // Nonces: none, or a stale one, is use_dpop_nonce; the current one passes.
    let nonces = ["n-2", "n-3"];
    let with = |n: &str| jws_of(&header, &claims(&[",\"nonce\":\"", n, "\""].concat()), 64);
    let r = ProofRules {
        nonces: &nonces,
        ..rules()
    };
    assert_eq!(
        check_proof(&with("n-1"), &r).unwrap_err(),
        ProofError::UseNonce
    );
    assert_eq!(
        check_proof(&jws_of(&header, &good_claims, 64), &r).unwrap_err(),
        ProofError::UseNonce
    );
    assert!(check_proof(&with("n-3"), &r).is_ok());
    // Another key than the token's: invalid_token.
    let r = ProofRules {
        jkt: Some("not-this-key"),
        ..rules()
    };
    let err = check_proof(&jws_of(&header, &good_claims, 64), &r).unwrap_err();
    assert_eq!(
        (err, err.code()),
        (ProofError::KeyMismatch, "invalid_token")
    );
    assert_eq!(ProofError::UseNonce.code(), "use_dpop_nonce");
    assert_eq!(ProofError::Invalid("x").code(), "invalid_dpop_proof");
}

fn proof_claims_without_ath() -> String {
    r#"{"htm":"GET","htu":"https://api.example/items","iat":1700000000,"jti":"j"}"#.to_owned()
}
