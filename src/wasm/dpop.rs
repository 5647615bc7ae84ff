//! JS binding of `crate::dpop` for the edge module (`rotor/issuer`): one proof check per call;
//! pkg/lib/dpop-verify.js verifies the signature with WebCrypto and keeps the replay cache.

use crate::b64;
use crate::dpop::{ProofRules, check_proof};
use crate::json::write::{push_name, push_string};
use crate::jws::Alg;
use crate::text::push_i64;
use wasm_bindgen::prelude::*;

/// Checks a DPoP proof (RFC 9449 §4.3) for a `method` `url` request at `now` (ms): `algs`,
/// `nonces` space-separated (`""`: no nonce required), `access_token` and `jkt` `""` when
/// absent. Answers one JSON text: `{"ok":true,"alg","jwk","jkt","jti","iat","input"}` (the
/// signature is the proof's third part) or `{"ok":false,"error","description"}`.
#[wasm_bindgen(js_name = checkDpopProof)]
#[allow(clippy::too_many_arguments)]
pub fn check_dpop_proof(
    proof: &str,
    method: &str,
    url: &str,
    now: f64,
    max_age_seconds: u32,
    max_future_seconds: u32,
    algs: &str,
    access_token: &str,
    jkt: &str,
    nonces: &str,
) -> String {
    let algs: Vec<Alg> = algs.split(' ').filter_map(|a| Alg::parse(a).ok()).collect();
    let nonces: Vec<&str> = nonces.split(' ').filter(|n| !n.is_empty()).collect();
    let rules = ProofRules {
        method,
        url,
        now_ms: now,
        max_age_seconds,
        max_future_seconds,
        algs: &algs,
        access_token: (!access_token.is_empty()).then_some(access_token),
        jkt: (!jkt.is_empty()).then_some(jkt),
        nonces: &nonces,
    };
    let mut out = String::with_capacity(512);
    out.push('{');
    match check_proof(proof, &rules) {
        Ok(p) => {
            push_name(&mut out, "ok");
            out.push_str("true");
            push_name(&mut out, "alg");
            push_string(&mut out, p.alg.as_str());
            push_name(&mut out, "jwk");
            out.push_str(p.jwk_json());
            push_name(&mut out, "jkt");
            push_string(&mut out, &p.jkt);
            push_name(&mut out, "jti");
            push_string(&mut out, &p.jti);
            push_name(&mut out, "iat");
            push_i64(&mut out, p.iat);
            push_name(&mut out, "input");
            push_string(&mut out, &p.signing_input);
            push_name(&mut out, "signature");
            push_string(&mut out, &b64::encode(&p.signature));
        }
        Err(e) => {
            push_name(&mut out, "ok");
            out.push_str("false");
            push_name(&mut out, "error");
            push_string(&mut out, e.code());
            push_name(&mut out, "description");
            push_string(&mut out, e.description());
        }
    }
    out.push('}');
    out
}
