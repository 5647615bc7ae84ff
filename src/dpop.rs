//! Checking DPoP proofs (RFC 9449 §4.3) at a server, sans-IO: everything but the signature.
//!
//! [`check_proof`] reads a proof JWT with the crate's one JSON reader and applies RFC 9449 §4.3
//! steps 2–5 and 7–12 and §7.1 (`ath`, the `cnf.jkt` binding): one compact JWS with `typ:
//! dpop+jwt`, an allowed asymmetric `alg` (never `none` or a MAC), a public `jwk` (no private
//! member), no `crit`, the claims `jti`, `htm`, `htu`, `iat` (and `ath` for an access token,
//! `nonce` when the server requires one), `htm` the request's method, `htu` its URL without
//! query and fragment (compared after RFC 3986 §6.2.2–§6.2.3 normalization: case of scheme and
//! host, default port), `iat` inside the window. The result, [`Proof`], holds what the caller
//! verifies the signature with (step 6: WebCrypto `verify`, the key imported from
//! [`Proof::jwk_json`]) and the `jti` for its replay cache (§11.1).
//!
//! Errors are [`ProofError`]s, each with its RFC 9449 code: `invalid_dpop_proof`,
//! `use_dpop_nonce` (§8, §9) or `invalid_token` (an access token not bound to this key,
//! §7.1).

use crate::b64;
use crate::json::scan::{self, Kind, Raw};
use crate::jws::{self, Alg, PublicJwk};
use subtle::ConstantTimeEq;

/// Longest accepted proof, in bytes (a P-256 proof with `ath` and a nonce is ~600).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

/// Why a proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// `invalid_dpop_proof` (RFC 9449 §7.1, §12.2), with what was wrong.
    Invalid(&'static str),
    /// `use_dpop_nonce` (RFC 9449 §8, §9): no nonce, or not the current one.
    UseNonce,
    /// `invalid_token` (RFC 9449 §7.1, RFC 6750 §3.1): the proof's key is not the one the
    /// access token is bound to.
    KeyMismatch,
}

impl ProofError {
    /// The RFC 9449 error code.
    pub fn code(self) -> &'static str {
        match self {
            ProofError::Invalid(_) => "invalid_dpop_proof",
            ProofError::UseNonce => "use_dpop_nonce",
            ProofError::KeyMismatch => "invalid_token",
        }
    }

    /// A description for `error_description` (never quoting the proof).
    pub fn description(self) -> &'static str {
        match self {
            ProofError::Invalid(why) => why,
            ProofError::UseNonce => "a DPoP nonce is required",
            ProofError::KeyMismatch => "the access token is not bound to the DPoP proof's key",
        }
    }
}

/// What a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct ProofRules<'a> {
    /// The request's method (`htm`).
    pub method: &'a str,
    /// The request's URL (`htu` is compared without query and fragment).
    pub url: &'a str,
    /// The server's time, ms since the epoch.
    pub now_ms: f64,
    /// How old `iat` may be, in seconds.
    pub max_age_seconds: u32,
    /// How far `iat` may be in the future (clock skew), in seconds.
    pub max_future_seconds: u32,
    /// Algorithms accepted (the server's `dpop_signing_alg_values_supported`).
    pub algs: &'a [Alg],
    /// At a resource: the access token presented, whose hash `ath` must be.
    pub access_token: Option<&'a str>,
    /// The RFC 7638 thumbprint the token is bound to (`cnf.jkt`), if any.
    pub jkt: Option<&'a str>,
    /// Nonces the server accepts now (RFC 9449 §8); empty: none required.
    pub nonces: &'a [&'a str],
}

/// A proof that passed every check but the signature.
#[derive(Debug, Clone)]
pub struct Proof {
    /// The JWS algorithm.
    pub alg: Alg,
    /// The public key (its canonical JSON is [`Proof::jwk_json`]).
    pub jwk: PublicJwk,
    /// The key's RFC 7638 thumbprint (what tokens are bound to, `cnf.jkt`).
    pub jkt: String,
    /// The proof's `jti`, for the replay cache.
    pub jti: String,
    /// The proof's `iat`, seconds.
    pub iat: i64,
    /// The JWS signing input: `header "." claims` as sent.
    pub signing_input: String,
    /// The raw signature (IEEE P1363 `r || s` for ES256, as WebCrypto `verify` takes it).
    pub signature: Vec<u8>,
}

impl Proof {
    /// The public JWK as canonical JSON (RFC 7638 members), for WebCrypto `importKey("jwk")`.
    pub fn jwk_json(&self) -> &str {
        self.jwk.canonical_json()
    }
}

fn str_member<'a>(
    object: &scan::Object<'a>,
    name: &str,
    missing: &'static str,
) -> Result<std::borrow::Cow<'a, str>, ProofError> {
    object
        .get(name)
        .and_then(Raw::as_str)
        .ok_or(ProofError::Invalid(missing))
}

/// Checks `proof` against `rules` (see the module documentation for the order and errors).
pub fn check_proof(proof: &str, rules: &ProofRules<'_>) -> Result<Proof, ProofError> {
    const MALFORMED: ProofError = ProofError::Invalid("the DPoP proof is not a compact JWS");
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Invalid("the DPoP proof is too large"));
    }
    let mut parts = proof.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    let header = b64::decode(header_b64).ok_or(MALFORMED)?;
    let claims = b64::decode(claims_b64).ok_or(MALFORMED)?;
    let signature = b64::decode(signature_b64).ok_or(MALFORMED)?;
    let header = scan::object_bytes(&header).map_err(|_| MALFORMED)?;
    let claims = scan::object_bytes(&claims).map_err(|_| MALFORMED)?;

    // RFC 9449 §4.3 steps 4, 5, 7; RFC 7515 §4.1.11.
    if str_member(&header, "typ", "typ must be dpop+jwt")? != "dpop+jwt" {
        return Err(ProofError::Invalid("typ must be dpop+jwt"));
    }
    if header.contains("crit") {
        return Err(ProofError::Invalid("crit is not supported"));
    }
    let alg = Alg::parse(&str_member(&header, "alg", "alg is missing")?)
        .ok()
        .filter(|a| rules.algs.contains(a))
        .ok_or(ProofError::Invalid("alg is not supported"))?;
    let jwk = header
        .get("jwk")
        .filter(|raw| raw.kind() == Kind::Object)
        .ok_or(ProofError::Invalid("jwk is missing"))?;
    let jwk = PublicJwk::from_json(alg, jwk.json())
        .map_err(|_| ProofError::Invalid("jwk is not a public key for alg"))?;
    let expected_len = jwk.signature_len();
    if signature.len() != expected_len {
        return Err(ProofError::Invalid("the signature has the wrong length"));
    }

    // Steps 3, 8, 9, 11.
    let jti = str_member(&claims, "jti", "jti is missing")?;
    if jti.is_empty() || jti.len() > 256 {
        return Err(ProofError::Invalid("jti must be 1 to 256 characters"));
    }
    if str_member(&claims, "htm", "htm is missing")? != rules.method {
        return Err(ProofError::Invalid("htm does not match the request"));
    }
    let htu = str_member(&claims, "htu", "htu is missing")?;
    let target = jws::htu(rules.url).map_err(|_| ProofError::Invalid("the request URL"))?;
    if !same_target(&htu, target) {
        return Err(ProofError::Invalid("htu does not match the request"));
    }
    let iat = claims
        .get("iat")
        .and_then(Raw::as_f64)
        .filter(|t| t.is_finite() && t.fract() == 0.0 && *t >= 0.0 && *t < 253_402_300_800.0)
        .ok_or(ProofError::Invalid("iat must be a whole number of seconds"))?;
    let now = rules.now_ms / 1000.0;
    if iat > now + f64::from(rules.max_future_seconds) {
        return Err(ProofError::Invalid("iat is in the future"));
    }
    if iat < (now - f64::from(rules.max_age_seconds)).floor() {
        return Err(ProofError::Invalid("iat is too old"));
    }

    // Step 12 and §7.1: ath.
    match (rules.access_token, claims.get("ath")) {
        (Some(token), Some(ath)) => {
            let ath = ath
                .as_str()
                .ok_or(ProofError::Invalid("ath must be a string"))?;
            if !bool::from(ath.as_bytes().ct_eq(jws::ath(token).as_bytes())) {
                return Err(ProofError::Invalid("ath does not match the access token"));
            }
        }
        (Some(_), None) => return Err(ProofError::Invalid("ath is missing")),
        (None, _) => {}
    }

    // Step 10, §8: the nonce (after the proof is otherwise valid, so a client learns it).
    if !rules.nonces.is_empty() {
        let nonce = claims.get("nonce").and_then(Raw::as_str);
        let ok = nonce.is_some_and(|n| {
            rules
                .nonces
                .iter()
                .any(|want| bool::from(n.as_bytes().ct_eq(want.as_bytes())))
        });
        if !ok {
            return Err(ProofError::UseNonce);
        }
    }

    // §7.1, §6.1: the key the token is bound to.
    let jkt = jwk.thumbprint();
    if rules
        .jkt
        .is_some_and(|bound| !bool::from(bound.as_bytes().ct_eq(jkt.as_bytes())))
    {
        return Err(ProofError::KeyMismatch);
    }

    let signing_input_len = header_b64.len() + 1 + claims_b64.len();
    Ok(Proof {
        alg,
        jwk,
        jkt,
        jti: jti.into_owned(),
        iat: iat as i64,
        signing_input: proof[..signing_input_len].to_owned(),
        signature,
    })
}

/// `htu` and the request's target compared after RFC 3986 §6.2.2.1 (case of scheme and host)
/// and §6.2.3 (default port) normalization (RFC 9449 §4.3 step 9).
fn same_target(htu: &str, target: &str) -> bool {
    match (normalize(htu), normalize(target)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn normalize(url: &str) -> Option<String> {
    let url = jws::htu(url).ok()?;
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    if authority.ends_with(default_port) && !authority.ends_with(']') {
        authority.truncate(authority.len() - default_port.len());
    }
    let path = if path.is_empty() { "/" } else { path };
    Some([scheme.as_str(), "://", &authority, path].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalized() {
        assert!(same_target(
            "HTTPS://Server.Example:443/token",
            "https://server.example/token?x=1"
        ));
        assert!(same_target("http://a:80", "http://a/"));
        assert!(!same_target("https://a/Token", "https://a/token"));
        assert!(!same_target("https://a:8443/", "https://a/"));
        assert!(!same_target("https://a/", "http://a/"));
        assert!(!same_target("not a url", "https://a/"));
    }
}
