//! DPoP proof checks (src/dpop.rs) never panic, and what passes is a well-formed proof: its
//! signing input is the proof's first two segments and its thumbprint is that of its jwk.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rotor::dpop::{ProofRules, check_proof};
use rotor::jws::Alg;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line may carry the access token; the rest is the proof.
    let (token, proof) = text.split_once('\n').unwrap_or(("", text));
    let rules = ProofRules {
        method: "POST",
        url: "https://as.example/token",
        now_ms: 1_700_000_000_000.0,
        max_age_seconds: 300,
        max_future_seconds: 300,
        algs: &[Alg::Es256, Alg::EdDsa, Alg::Rs256],
        access_token: (!token.is_empty()).then_some(token),
        jkt: None,
        nonces: &[],
    };
    if let Ok(p) = check_proof(proof, &rules) {
        assert!(proof.starts_with(&p.signing_input));
        assert_eq!(p.jwk.thumbprint(), p.jkt);
        assert_eq!(p.signature.len(), p.jwk.signature_len());
    }
});
