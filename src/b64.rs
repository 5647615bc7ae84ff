//! The one base64 of rotor (RFC 4648): base64url without padding (§5) for JWS, and standard
//! padded base64 (§4) for HTTP Basic (RFC 7617).
//!
//! RFC 7515 §2 and §C: JWS uses base64url without `=` padding. rotor refuses padding,
//! characters outside the alphabet, and encodings whose unused trailing bits are not zero
//! (RFC 4648 §3.5), so that each byte string has exactly one accepted encoding.

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte outside the alphabet in a decode table.
const INVALID: u8 = 0xff;

const fn decode_table(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

static URL_SAFE_DECODE: [u8; 256] = decode_table(URL_SAFE);
static STANDARD_DECODE: [u8; 256] = decode_table(STANDARD);

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool, out: &mut String) {
    // Written as bytes (a `char` each cost its UTF-8 encoding: 1.2 KB of the browser module
    // before gzip), then checked back into the `String` (ASCII: one fast pass).
    let mut buf = std::mem::take(out).into_bytes();
    buf.reserve(bytes.len().div_ceil(3) * 4);
    let sym = |n: u32| alphabet[(n & 63) as usize];
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        buf.extend_from_slice(&[sym(n >> 18), sym(n >> 12), sym(n >> 6), sym(n)]);
    }
    let (n, len) = match *chunks.remainder() {
        [a] => (u32::from(a) << 16, 2),
        [a, b] => (u32::from(a) << 16 | u32::from(b) << 8, 3),
        _ => (0, 0),
    };
    if len > 0 {
        let quad = [sym(n >> 18), sym(n >> 12), sym(n >> 6), b'='];
        buf.extend_from_slice(&quad[..len]);
        if pad {
            buf.extend_from_slice(&b"=="[..4 - len]);
        }
    }
    *out = String::from_utf8(buf).unwrap_or_default();
}

/// Appends to `out`; `false` (with `out` possibly extended) for a refused text.
///
/// The output is sized once and written in place (one 3-byte `extend` per 4 characters cost
/// a call each: 5 % of a JWT verify in wasm).
fn decode_with(text: &[u8], table: &[u8; 256], out: &mut Vec<u8>) -> bool {
    let tail = match text.len() % 4 {
        0 => 0,
        1 => return false,
        r => r - 1,
    };
    let start = out.len();
    out.resize(start + text.len() / 4 * 3 + tail, 0);
    let dst = &mut out[start..];
    let (full, rest) = dst.split_at_mut(text.len() / 4 * 3);
    let mut chunks = text.chunks_exact(4);
    let mut bad = 0u8;
    for (c, o) in (&mut chunks).zip(full.chunks_exact_mut(3)) {
        let (a, b, c, d) = (
            table[usize::from(c[0])],
            table[usize::from(c[1])],
            table[usize::from(c[2])],
            table[usize::from(c[3])],
        );
        bad |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        o[0] = (n >> 16) as u8;
        o[1] = (n >> 8) as u8;
        o[2] = n as u8;
    }
    if bad & 0xc0 != 0 {
        return false;
    }
    match (chunks.remainder(), rest) {
        (&[a, b], [x]) => {
            let (a, b) = (table[usize::from(a)], table[usize::from(b)]);
            if (a | b) & 0xc0 != 0 || b & 0x0f != 0 {
                return false;
            }
            *x = a << 2 | b >> 4;
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (
                table[usize::from(a)],
                table[usize::from(b)],
                table[usize::from(c)],
            );
            if (a | b | c) & 0xc0 != 0 || c & 0x03 != 0 {
                return false;
            }
            let n = u32::from(a) << 10 | u32::from(b) << 4 | u32::from(c) >> 2;
            *x = (n >> 8) as u8;
            *y = n as u8;
        }
        _ => {}
    }
    true
}

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    encode_with(bytes.as_ref(), URL_SAFE, false, &mut out);
    out
}

/// Decodes canonical, unpadded base64url; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    decode_with(text.as_bytes(), &URL_SAFE_DECODE, &mut out).then_some(out)
}

/// Appends the unpadded base64url encoding of `bytes` to `out` (no intermediate `String`).
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    encode_with(bytes.as_ref(), URL_SAFE, false, out);
}

/// Appends the decoding of canonical, unpadded base64url `text` (a `str` or its bytes) to
/// `out`; `false` (with `out` possibly extended) for anything else. Lets a caller decode
/// several parts into one buffer.
pub fn decode_into(text: impl AsRef<[u8]>, out: &mut Vec<u8>) -> bool {
    decode_with(text.as_ref(), &URL_SAFE_DECODE, out)
}

/// Standard base64 with padding (RFC 4648 §4), as used by HTTP Basic (RFC 7617).
pub fn encode_standard(bytes: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    encode_with(bytes.as_ref(), STANDARD, true, &mut out);
    out
}

/// Decodes canonical, padded standard base64 (RFC 4648 §4); `None` for anything else.
pub fn decode_standard(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 4 != 0 {
        return None;
    }
    let unpadded = match b {
        [rest @ .., b'=', b'='] => rest,
        [rest @ .., b'='] => rest,
        _ => b,
    };
    let mut out = Vec::new();
    decode_with(unpadded, &STANDARD_DECODE, &mut out).then_some(out)
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
        assert_eq!(decode_standard("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_standard("+/8"), None, "missing padding");
        assert_eq!(decode_standard("+/9="), None, "stray bits");
        assert_eq!(decode_standard("Zg=="), Some(b"f".to_vec()));
        assert_eq!(decode_standard("Zg==Zg=="), None, "padding inside");
        assert_eq!(decode_standard("Z==="), None);
    }

    #[test]
    fn rfc_4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode_standard(plain), encoded);
            assert_eq!(decode_standard(encoded).unwrap(), plain.as_bytes());
            assert_eq!(encode(plain), encoded.trim_end_matches('='));
            assert_eq!(
                decode(encoded.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
        }
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
            assert_eq!(decode_standard(&encode_standard(&bytes)).unwrap(), bytes);
        }
    }
}
