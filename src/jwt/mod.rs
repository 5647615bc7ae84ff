//! HS256 JSON Web Tokens (RFC 7519, RFC 7515, RFC 8725).

use crate::b64;
use crate::error::{JwtError, JwtErrorCode};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// Shortest accepted HS256 key: 256 bits (RFC 7518 §3.2).
pub const MIN_KEY_BYTES: usize = 32;

/// An HS256 key of at least [`MIN_KEY_BYTES`] bytes.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([redacted])")
    }
}

impl Key {
    /// Wraps key bytes; shorter than 32 bytes is `weak_key` (RFC 7518 §3.2).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(JwtError::new(
                JwtErrorCode::WeakKey,
                format!(
                    "HS256 keys must be at least {MIN_KEY_BYTES} bytes, got {}",
                    bytes.len()
                ),
            ));
        }
        Ok(Key(bytes))
    }

    /// HMAC-SHA-256 of `data` under this key.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of `tag` against the HMAC of `data` (RFC 7515 §5.2 step 8).
    pub fn verify_mac(&self, data: &[u8], tag: &[u8]) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(data);
        mac.verify_slice(tag).is_ok()
    }
}

/// Signs `claims` as a compact JWS with `alg: "HS256"` (RFC 7515 §7.1).
///
/// `header` holds extra header parameters such as `kid` and `typ`; its `alg` is always set to
/// `HS256`.
pub fn sign(header: &Map<String, Value>, claims: &Map<String, Value>, key: &Key) -> String {
    let mut h = Map::new();
    h.insert("alg".into(), Value::String("HS256".into()));
    for (k, v) in header {
        if k != "alg" {
            h.insert(k.clone(), v.clone());
        }
    }
    let mut out = b64::encode(serde_json::to_vec(&Value::Object(h)).expect("JSON of a map"));
    out.push('.');
    out.push_str(&b64::encode(
        serde_json::to_vec(claims).expect("JSON of a map"),
    ));
    let tag = key.mac(out.as_bytes());
    out.push('.');
    out.push_str(&b64::encode(tag));
    out
}
