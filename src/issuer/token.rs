//! Refresh-token format, hashing and the successor seal.
//!
//! A refresh token is `base64url(family_id[16] || random[32])` (64 characters): opaque to
//! clients (RFC 6749 §1.5), built from 32 random bytes, and carrying the family id so that a
//! store (or a Durable Object) can be found from the token alone. The issuer keeps only the
//! SHA-256 hash of live tokens; a successor handed out during a rotation is kept *sealed* under
//! its predecessor, so that only the holder of the predecessor can recover it for an idempotent
//! retry (RFC 9700 §4.14.2 grace), and no plaintext token is ever stored.

use crate::b64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Length of a family id in bytes.
pub const FAMILY_ID_BYTES: usize = 16;
/// Length of the random part of a refresh token in bytes.
pub const TOKEN_RANDOM_BYTES: usize = 32;
/// Length of a refresh token in bytes before base64url.
pub const TOKEN_BYTES: usize = FAMILY_ID_BYTES + TOKEN_RANDOM_BYTES;
const SEAL_LABEL: &[u8] = b"rotor successor seal";

/// A parsed refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    bytes: [u8; TOKEN_BYTES],
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

impl RefreshToken {
    /// Builds a token from its family id and random part.
    pub fn new(family_id: [u8; FAMILY_ID_BYTES], random: [u8; TOKEN_RANDOM_BYTES]) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        bytes[..FAMILY_ID_BYTES].copy_from_slice(&family_id);
        bytes[FAMILY_ID_BYTES..].copy_from_slice(&random);
        RefreshToken { bytes }
    }

    /// Parses the wire form; `None` for anything that is not a rotor refresh token.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let raw = b64::decode(text)?;
        let bytes: [u8; TOKEN_BYTES] = raw.try_into().ok()?;
        Some(RefreshToken { bytes })
    }

    /// The wire form (base64url, 64 characters).
    pub fn encode(&self) -> String {
        b64::encode(self.bytes)
    }

    /// The family id.
    pub fn family_id(&self) -> [u8; FAMILY_ID_BYTES] {
        let mut id = [0u8; FAMILY_ID_BYTES];
        id.copy_from_slice(&self.bytes[..FAMILY_ID_BYTES]);
        id
    }

    /// The random part.
    pub fn random(&self) -> [u8; TOKEN_RANDOM_BYTES] {
        let mut r = [0u8; TOKEN_RANDOM_BYTES];
        r.copy_from_slice(&self.bytes[FAMILY_ID_BYTES..]);
        r
    }

    /// `base64url(SHA-256(token bytes))`: the only form in which live tokens are stored.
    pub fn hash(&self) -> String {
        b64::encode(Sha256::digest(self.bytes))
    }

    /// Seals `successor`'s random part under this token:
    /// `successor XOR HMAC-SHA-256(key = this token, "rotor successor seal")`.
    /// The same call unseals (XOR is its own inverse).
    pub fn seal(&self, successor_random: &[u8; TOKEN_RANDOM_BYTES]) -> [u8; TOKEN_RANDOM_BYTES] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes any key");
        mac.update(SEAL_LABEL);
        let pad: [u8; 32] = mac.finalize().into_bytes().into();
        let mut out = [0u8; TOKEN_RANDOM_BYTES];
        for i in 0..TOKEN_RANDOM_BYTES {
            out[i] = successor_random[i] ^ pad[i];
        }
        out
    }
}

/// The store key of a family: `rotor:family:` + base64url of the first 16 bytes of
/// SHA-256(family id). Hashed so that reading the store does not reveal family ids (which are
/// half of every token of the family).
pub fn family_key(family_id: &[u8; FAMILY_ID_BYTES]) -> String {
    let digest = Sha256::digest(family_id);
    format!("rotor:family:{}", b64::encode(&digest[..16]))
}

/// A stable, non-secret session id derived from the family id (Keycloak's `session_state`),
/// formatted as a UUID.
pub fn session_state(family_id: &[u8; FAMILY_ID_BYTES]) -> String {
    let mut h = Sha256::new();
    h.update(b"rotor session_state");
    h.update(family_id);
    let d = h.finalize();
    let hex: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_seal() {
        let t = RefreshToken::new([1; 16], [2; 32]);
        let s = t.encode();
        assert_eq!(s.len(), 64);
        assert_eq!(RefreshToken::parse(&s), Some(t.clone()));
        assert_eq!(t.family_id(), [1; 16]);
        let sealed = t.seal(&[9; 32]);
        assert_ne!(sealed, [9; 32]);
        assert_eq!(t.seal(&sealed), [9; 32]);
        let other = RefreshToken::new([1; 16], [3; 32]);
        assert_ne!(other.seal(&sealed), [9; 32]);
        assert!(RefreshToken::parse("short").is_none());
        assert!(RefreshToken::parse(&"!".repeat(64)).is_none());
        assert_eq!(format!("{t:?}"), "RefreshToken([redacted])");
    }
}
