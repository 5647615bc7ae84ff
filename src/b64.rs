//! The one base64url of rotor: RFC 4648 §5 without padding, canonical only.
//!
//! RFC 7515 §2 and §C: JWS uses base64url without `=` padding. rotor refuses padding,
//! characters outside the URL-safe alphabet, and encodings whose unused trailing bits are not
//! zero, so that each byte string has exactly one accepted encoding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical, unpadded base64url; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // The `base64` crate's URL_SAFE_NO_PAD engine already refuses padding and non-zero
    // trailing bits (decode_allow_trailing_bits is false by default).
    URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()
}

/// Appends the unpadded base64url encoding of `bytes` to `out` (no intermediate `String`).
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Appends the decoding of canonical, unpadded base64url `text` to `out`; `false` (with `out`
/// possibly extended) for anything else. Lets a caller decode several parts into one buffer.
pub fn decode_into(text: &str, out: &mut Vec<u8>) -> bool {
    URL_SAFE_NO_PAD.decode_vec(text.as_bytes(), out).is_ok()
}

/// Standard base64 with padding (RFC 4648 §4), as used by HTTP Basic (RFC 7617).
pub fn encode_standard(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard, padded base64 (RFC 4648 §4); `None` for anything else.
pub fn decode_standard(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        assert_eq!(encode(b"\xfb\xff"), "-_8");
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode("-_8="), None, "padding");
        assert_eq!(decode("-_9"), None, "stray bits");
        assert_eq!(decode("+/8"), None, "standard alphabet");
        assert_eq!(decode("a"), None, "impossible length");
        assert_eq!(decode(""), Some(vec![]));
    }

    #[test]
    fn into_buffers() {
        let mut out = String::from("x.");
        encode_into(b"\xfb\xff", &mut out);
        assert_eq!(out, "x.-_8");
        let mut buf = b"ab".to_vec();
        assert!(decode_into("-_8", &mut buf));
        assert_eq!(buf, b"ab\xfb\xff");
        assert!(!decode_into("-_9", &mut buf), "stray bits");
        assert!(!decode_into("-_8=", &mut Vec::new()), "padding");
    }

    #[test]
    fn round_trip() {
        for n in 0..64u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
    }
}
