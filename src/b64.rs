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

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        out.extend_from_slice(&[
            alphabet[(n >> 18) as usize & 63],
            alphabet[(n >> 12) as usize & 63],
            alphabet[(n >> 6) as usize & 63],
            alphabet[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            out.extend_from_slice(&[
                alphabet[usize::from(a >> 2)],
                alphabet[usize::from(a & 3) << 4],
            ]);
            if pad {
                out.extend_from_slice(b"==");
            }
        }
        [a, b] => {
            let n = u32::from(a) << 8 | u32::from(b);
            out.extend_from_slice(&[
                alphabet[(n >> 10) as usize & 63],
                alphabet[(n >> 4) as usize & 63],
                alphabet[(n << 2) as usize & 63],
            ]);
            if pad {
                out.push(b'=');
            }
        }
        _ => {}
    }
    // Every byte pushed comes from an ASCII alphabet or is `=`.
    out.into_iter().map(char::from).collect()
}

/// Decodes unpadded text with `table`, refusing impossible lengths and non-zero trailing bits.
fn decode_with(text: &[u8], table: &[u8; 256]) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for c in &mut chunks {
        let (a, b, c, d) = (
            table[usize::from(c[0])],
            table[usize::from(c[1])],
            table[usize::from(c[2])],
            table[usize::from(c[3])],
        );
        if (a | b | c | d) & 0xc0 != 0 {
            return None;
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    match *chunks.remainder() {
        [a, b] => {
            let (a, b) = (table[usize::from(a)], table[usize::from(b)]);
            if (a | b) & 0xc0 != 0 || b & 0x0f != 0 {
                return None;
            }
            out.push(a << 2 | b >> 4);
        }
        [a, b, c] => {
            let (a, b, c) = (
                table[usize::from(a)],
                table[usize::from(b)],
                table[usize::from(c)],
            );
            if (a | b | c) & 0xc0 != 0 || c & 0x03 != 0 {
                return None;
            }
            let n = u32::from(a) << 10 | u32::from(b) << 4 | u32::from(c) >> 2;
            out.extend_from_slice(&[(n >> 8) as u8, n as u8]);
        }
        _ => {}
    }
    Some(out)
}

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    encode_with(bytes.as_ref(), URL_SAFE, false)
}

/// Decodes canonical, unpadded base64url; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    decode_with(text.as_bytes(), &URL_SAFE_DECODE)
}

/// Standard base64 with padding (RFC 4648 §4), as used by HTTP Basic (RFC 7617).
pub fn encode_standard(bytes: impl AsRef<[u8]>) -> String {
    encode_with(bytes.as_ref(), STANDARD, true)
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
    decode_with(unpadded, &STANDARD_DECODE)
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
    fn round_trip() {
        for n in 0..64u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
            assert_eq!(decode_standard(&encode_standard(&bytes)).unwrap(), bytes);
        }
    }
}
