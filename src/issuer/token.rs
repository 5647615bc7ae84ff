//! Refresh-token format, hashing, the MAC and the successor seal.
//!
//! A refresh token is `base64url(family_id[16] || random[32] || mac[16])` (86 characters):
//! opaque to clients (RFC 6749 §1.5), built from 32 random bytes, and carrying the family id so
//! that a store (or a Durable Object) can be found from the token alone. `mac` is the first 16
//! bytes of `HMAC-SHA-256(k, family_id || random)` with `k = HMAC-SHA-256(signing key,
//! "rotor refresh-token mac v1")` for one of the issuer's signing keys ([`RefreshTokenMac`]):
//! a token the issuer did not mint is refused before any store access (RFC 6819 §4.5.3,
//! guessed refresh tokens), so knowing a family id alone gives no power over the family.
//!
//! The issuer keeps only the SHA-256 hash of `family_id || random` of live tokens; a successor
//! handed out during a rotation is kept *sealed* under its predecessor, so that only the holder
//! of the predecessor can recover it for an idempotent retry (RFC 9700 §4.14.2 grace), and no
//! plaintext token is ever stored.

use crate::b64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Length of a family id in bytes.
pub const FAMILY_ID_BYTES: usize = 16;
/// Length of the random part of a refresh token in bytes.
pub const TOKEN_RANDOM_BYTES: usize = 32;
/// Length of the identity of a refresh token (family id and random part) in bytes.
pub const TOKEN_BYTES: usize = FAMILY_ID_BYTES + TOKEN_RANDOM_BYTES;
/// Length of the MAC of a refresh token in bytes (HMAC-SHA-256 truncated to 128 bits,
/// RFC 2104 §5).
pub const TOKEN_MAC_BYTES: usize = 16;
/// Length of a refresh token on the wire (base64url of 64 bytes, unpadded).
pub const TOKEN_WIRE_CHARS: usize = 86;
const SEAL_LABEL: &[u8] = b"rotor successor seal";
/// The label the refresh-token MAC keys are derived with from the signing keys.
pub const MAC_KEY_LABEL: &[u8] = b"rotor refresh-token mac v1";

/// A refresh token's identity (family id and random part), after its MAC was checked or
/// before it is encoded by [`RefreshTokenMac::encode`].
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

    /// `base64url(SHA-256(family id || random))`: the only form in which live tokens are
    /// stored.
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

/// The MAC keys of refresh tokens, one per signing key of the issuer (the first mints, all
/// verify, so they rotate with the signing keys). `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct RefreshTokenMac {
    keys: Vec<Hmac<Sha256>>,
}

impl std::fmt::Debug for RefreshTokenMac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = crate::text::u64_text(self.keys.len() as u64);
        f.write_str(&crate::text::join(&[
            "RefreshTokenMac([redacted; ",
            &n,
            "])",
        ]))
    }
}

impl RefreshTokenMac {
    /// The MAC keys from derived key bytes (`HMAC-SHA-256(signing key, MAC_KEY_LABEL)`, see
    /// [`crate::jwt::Key::mac`]), the minting one first. `None` without any key.
    pub fn new(derived: impl IntoIterator<Item = [u8; 32]>) -> Option<Self> {
        let keys: Vec<Hmac<Sha256>> = derived
            .into_iter()
            .map(|k| Hmac::<Sha256>::new_from_slice(&k).expect("HMAC takes any key"))
            .collect();
        (!keys.is_empty()).then_some(RefreshTokenMac { keys })
    }

    fn tag(key: &Hmac<Sha256>, identity: &[u8]) -> [u8; 32] {
        let mut mac = key.clone();
        mac.update(identity);
        mac.finalize().into_bytes().into()
    }

    /// The wire form of `token` (base64url, [`TOKEN_WIRE_CHARS`] characters), MACed with the
    /// first key.
    pub fn encode(&self, token: &RefreshToken) -> String {
        let mut out = [0u8; TOKEN_BYTES + TOKEN_MAC_BYTES];
        out[..TOKEN_BYTES].copy_from_slice(&token.bytes);
        out[TOKEN_BYTES..]
            .copy_from_slice(&Self::tag(&self.keys[0], &token.bytes)[..TOKEN_MAC_BYTES]);
        b64::encode(out)
    }

    /// Parses the wire form and checks its MAC against every key (constant-time compares,
    /// every key tried); `None` for anything this issuer did not mint.
    pub fn parse(&self, text: &str) -> Option<RefreshToken> {
        if text.len() != TOKEN_WIRE_CHARS {
            return None;
        }
        let raw: [u8; TOKEN_BYTES + TOKEN_MAC_BYTES] = b64::decode(text)?.try_into().ok()?;
        let (identity, tag) = raw.split_at(TOKEN_BYTES);
        let mut ok = subtle::Choice::from(0);
        for key in &self.keys {
            ok |= Self::tag(key, identity)[..TOKEN_MAC_BYTES].ct_eq(tag);
        }
        let bytes: [u8; TOKEN_BYTES] = identity.try_into().ok()?;
        bool::from(ok).then_some(RefreshToken { bytes })
    }
}

/// The store key of a family: `rotor:family:` + base64url of the first 16 bytes of
/// SHA-256(family id). Hashed so that reading the store does not reveal family ids (which are
/// half of every token of the family).
pub fn family_key(family_id: &[u8; FAMILY_ID_BYTES]) -> String {
    crate::text::join(&[FAMILY_KEY_PREFIX, &session_id(family_id)])
}

const FAMILY_KEY_PREFIX: &str = "rotor:family:";

/// The `sid` claim of a family's access tokens: base64url of the first 16 bytes of
/// SHA-256(family id), the part of [`family_key`] after its prefix. It names the family
/// without revealing its id (half of every refresh token of the family), so that
/// introspection (RFC 7662 §2.2) can tell whether the family still lives.
pub fn session_id(family_id: &[u8; FAMILY_ID_BYTES]) -> String {
    let digest = Sha256::digest(family_id);
    b64::encode(&digest[..16])
}

/// The store key named by a `sid` claim ([`session_id`]); `None` when it is not one.
pub fn family_key_of_session_id(sid: &str) -> Option<String> {
    let ok = sid.len() == 22 && b64::decode(sid).is_some_and(|b| b.len() == 16);
    ok.then(|| crate::text::join(&[FAMILY_KEY_PREFIX, sid]))
}

/// A stable, non-secret session id derived from the family id (Keycloak's `session_state`),
/// formatted as a UUID.
pub fn session_state(family_id: &[u8; FAMILY_ID_BYTES]) -> String {
    let mut h = Sha256::new();
    h.update(b"rotor session_state");
    h.update(family_id);
    let d = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in d[..16].iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_mac_and_seal() {
        let mac = RefreshTokenMac::new([[5u8; 32]]).unwrap();
        let t = RefreshToken::new([1; 16], [2; 32]);
        let s = mac.encode(&t);
        assert_eq!(s.len(), TOKEN_WIRE_CHARS);
        assert_eq!(mac.parse(&s), Some(t.clone()));
        assert_eq!(t.family_id(), [1; 16]);
        // Another key, a flipped bit anywhere, a truncation: refused.
        assert_eq!(RefreshTokenMac::new([[6u8; 32]]).unwrap().parse(&s), None);
        let mut raw = b64::decode(&s).unwrap();
        for i in [0, 20, 50, 63] {
            raw[i] ^= 1;
            assert_eq!(mac.parse(&b64::encode(&raw)), None, "bit flipped at {i}");
            raw[i] ^= 1;
        }
        assert_eq!(mac.parse(&s[..85]), None);
        assert_eq!(mac.parse(&b64::encode(&raw[..48])), None);
        // Rotated keys: a token of the old key still verifies.
        let rotated = RefreshTokenMac::new([[6u8; 32], [5u8; 32]]).unwrap();
        assert_eq!(rotated.parse(&s), Some(t.clone()));
        assert_ne!(rotated.encode(&t), s);
        assert!(RefreshTokenMac::new([]).is_none());
        assert_eq!(format!("{mac:?}"), "RefreshTokenMac([redacted; 1])");

        let sealed = t.seal(&[9; 32]);
        assert_ne!(sealed, [9; 32]);
        assert_eq!(t.seal(&sealed), [9; 32]);
        let other = RefreshToken::new([1; 16], [3; 32]);
        assert_ne!(other.seal(&sealed), [9; 32]);
        assert!(mac.parse("short").is_none());
        assert!(mac.parse(&"!".repeat(86)).is_none());
        assert_eq!(format!("{t:?}"), "RefreshToken([redacted])");
        let state = session_state(&[1; 16]);
        let d = Sha256::digest([&b"rotor session_state"[..], &[1; 16]].concat());
        let hex: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
        let parts = [
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32],
        ];
        assert_eq!(state, parts.join("-"));
    }
}
