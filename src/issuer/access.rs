//! Checks of the issuer's own access tokens for introspection (RFC 7662 §2.2): HS256 under
//! one of the configured keys (selected by `kid`), `typ: at+jwt`, this issuer, not expired.
//! This is deliberately narrow — only tokens this issuer minted; the general verifier is
//! `verifyJwt`.

use super::config::Settings;
use crate::b64;
use serde_json::{Map, Value};

/// Longest token considered: 16 KiB.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The claims of a valid, unexpired access token of this issuer, else `None`.
pub(crate) fn verify(settings: &Settings, token: &str, now_ms: u64) -> Option<Map<String, Value>> {
    if token.len() > MAX_TOKEN_BYTES {
        return None;
    }
    let mut parts = token.split('.');
    let (h, c, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header = crate::json::parse_object(&b64::decode(h)?, MAX_TOKEN_BYTES).ok()?;
    if header.get("alg")?.as_str()? != "HS256" || header.get("typ")?.as_str()? != "at+jwt" {
        return None;
    }
    if header.contains_key("crit") {
        return None;
    }
    let kid = header.get("kid")?.as_str()?;
    let (_, key) = settings.keys.iter().find(|(k, _)| k == kid)?;
    let tag = b64::decode(sig)?;
    if !key.verify_mac(&token.as_bytes()[..h.len() + 1 + c.len()], &tag) {
        return None;
    }
    let claims = crate::json::parse_object(&b64::decode(c)?, MAX_TOKEN_BYTES).ok()?;
    if claims.get("iss")?.as_str()? != settings.issuer {
        return None;
    }
    let exp = claims.get("exp")?.as_u64()?;
    if now_ms / 1000 >= exp {
        return None;
    }
    Some(claims)
}
