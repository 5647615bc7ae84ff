//! JS bindings for `crate::jws` (pkg/lib/dpop.js): the sans-IO half of asymmetric JWS. The
//! core writes headers and claims and assembles the compact JWS; pkg/lib/dpop.js signs the
//! signing input with the WebCrypto key, which never enters wasm memory.

use super::{instant, js, random};
use crate::b64;
use crate::jws::{self, Alg, ProofClaims, PublicJwk};
use wasm_bindgen::prelude::*;

/// A DPoP key's public half (RFC 9449 §4.2 header `jwk`), its RFC 7638 thumbprint and the
/// encoded proof header, kept in wasm memory: each proof then passes only its claims.
#[wasm_bindgen]
pub struct DpopKeyHandle {
    jwk: PublicJwk,
    /// base64url of the proof header (the same for every proof of this key).
    header: String,
}

#[wasm_bindgen]
impl DpopKeyHandle {
    /// Checks the public JWK WebCrypto exported (its JSON text) for `alg` (`invalid_config`).
    #[wasm_bindgen(constructor)]
    pub fn new(alg: &str, jwk_json: &str) -> Result<DpopKeyHandle, JsValue> {
        let alg = js(Alg::parse(alg))?;
        let jwk = js(PublicJwk::from_json(alg, jwk_json))?;
        let header = b64::encode(jws::dpop_header(&jwk));
        Ok(DpopKeyHandle { jwk, header })
    }

    /// The RFC 7638 SHA-256 thumbprint (`jkt`, RFC 9449 §6.1).
    #[wasm_bindgen(getter)]
    pub fn thumbprint(&self) -> String {
        self.jwk.thumbprint()
    }

    /// The proof's signing input (RFC 7515 §5.1) for a request `htm` `url` at `now` (ms), with
    /// `jti` (`""`: 16 random bytes, base64url), the server's `nonce` (`""`: none) and, at a
    /// resource, the `access_token` whose hash becomes `ath` (`""`: none; RFC 9449 §4.2).
    /// Empty strings stand for absent values (none of them may be empty): `&str` parameters
    /// keep the glue small (`Option<String>` measured ~1 KB of wasm each).
    #[wasm_bindgen(js_name = proofInput)]
    pub fn proof_input(
        &self,
        htm: &str,
        url: &str,
        now: f64,
        jti: &str,
        nonce: &str,
        access_token: &str,
    ) -> Result<String, JsValue> {
        let random_jti;
        let jti = if jti.is_empty() {
            random_jti = b64::encode(random::<16>()?);
            &random_jti
        } else {
            jti
        };
        let claims = js(jws::dpop_claims(&ProofClaims {
            htm,
            url,
            now_ms: instant(now)?,
            jti,
            nonce: (!nonce.is_empty()).then_some(nonce),
            access_token: (!access_token.is_empty()).then_some(access_token),
        }))?;
        let mut input = String::with_capacity(self.header.len() + 1 + claims.len() * 4 / 3 + 4);
        input.push_str(&self.header);
        input.push('.');
        b64::encode_into(claims, &mut input);
        Ok(input)
    }

    /// The compact proof (RFC 7515 §7.1) from its signing input and the raw signature.
    pub fn compact(&self, input: &str, signature: &[u8]) -> Result<String, JsValue> {
        js(jws::compact(
            input,
            self.jwk.alg(),
            Some(self.jwk.signature_len()),
            signature,
        ))
    }
}

/// The signing input of a `private_key_jwt` client assertion (RFC 7523 §2.2, §3): header
/// `{"alg","kid","typ":"JWT"}`, claims `iss` = `sub` = `client_id`, `aud` = `audience` (the
/// endpoint), `iat` = `now` (ms) in seconds, `exp` = `iat` + 60, a random `jti`; `kid` `""`
/// sends none.
#[wasm_bindgen(js_name = assertionInput)]
pub fn assertion_input(
    alg: &str,
    kid: &str,
    client_id: &str,
    audience: &str,
    now: f64,
) -> Result<String, JsValue> {
    let alg = js(Alg::parse(alg))?;
    let header = js(jws::assertion_header(alg, (!kid.is_empty()).then_some(kid)))?;
    let claims = js(jws::assertion_claims(
        client_id,
        audience,
        instant(now)?,
        &random::<16>()?,
    ))?;
    Ok(jws::signing_input(&header, &claims))
}

/// The compact JWS of a client assertion from its signing input and the raw signature.
#[wasm_bindgen(js_name = compactJws)]
pub fn compact_jws(alg: &str, input: &str, signature: &[u8]) -> Result<String, JsValue> {
    js(jws::compact(input, js(Alg::parse(alg))?, None, signature))
}
