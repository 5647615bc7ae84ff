//! `application/x-www-form-urlencoded` (WHATWG URL Standard §5; RFC 6749 Appendix B), the
//! body format of OAuth token requests and of HTTP Basic credentials (RFC 6749 §2.3.1).

/// Appends `value` form-urlencoded to `out`: ASCII alphanumerics and `*-._` are kept, a space
/// becomes `+`, every other byte of the UTF-8 encoding becomes `%XX` (upper-case hex).
pub fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(value.len());
    // Runs of kept (ASCII, so whole characters) bytes are copied whole: a token is usually
    // one run. Every other byte is written on its own.
    let mut start = 0;
    for (i, &b) in value.as_bytes().iter().enumerate() {
        if is_kept(b) {
            continue;
        }
        out.push_str(value.get(start..i).unwrap_or_default());
        start = i + 1;
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out.push_str(value.get(start..).unwrap_or_default());
}

/// The bytes [`encode_into`] keeps as they are.
fn is_kept(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_')
}

/// `value` form-urlencoded (see [`encode_into`]).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 2);
    encode_into(&mut out, value);
    out
}

/// A form body of `name=value` pairs joined by `&`, each side encoded by [`encode_into`].
pub fn serialize(pairs: &[(&str, &str)]) -> String {
    // Sized for the pairs as they are (one allocation unless something must be escaped).
    let mut out = String::with_capacity(pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for &(name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// Decodes one form-urlencoded component: `+` is a space, `%XX` a byte (a `%` not followed
/// by two hex digits stays as it is), and the bytes are read as UTF-8 with U+FFFD for invalid
/// sequences — the URL Standard's "percent-decode" and "UTF-8 decode without BOM".
pub fn decode(component: &[u8]) -> String {
    let bytes = decode_bytes(component);
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The bytes of one form-urlencoded component (see [`decode`]), before UTF-8 decoding: the
/// one percent-decoder of rotor.
pub fn decode_bytes(component: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(component.len());
    let mut i = 0;
    while i < component.len() {
        let b = component[i];
        if b == b'+' {
            bytes.push(b' ');
        } else if b == b'%' {
            match (
                component.get(i + 1).and_then(|&h| hex(h)),
                component.get(i + 2).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    bytes.push(h << 4 | l);
                    i += 2;
                }
                _ => bytes.push(b'%'),
            }
        } else {
            bytes.push(b);
        }
        i += 1;
    }
    bytes
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a form body into its `(name, value)` pairs in order (URL Standard §5.1): empty
/// sequences between `&` are skipped, a sequence without `=` is a name with an empty value.
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|seq| !seq.is_empty())
        .map(|seq| match seq.iter().position(|&b| b == b'=') {
            Some(eq) => (decode(&seq[..eq]), decode(&seq[eq + 1..])),
            None => (decode(seq), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_url_standard() {
        assert_eq!(encode("a b+c/d~é*-._"), "a+b%2Bc%2Fd%7E%C3%A9*-._");
        assert_eq!(
            serialize(&[("grant_type", "refresh_token"), ("x", "&=")]),
            "grant_type=refresh_token&x=%26%3D"
        );
        assert_eq!(serialize(&[]), "");
    }

    #[test]
    fn parses_like_the_url_standard() {
        assert_eq!(
            parse(b"a=1&&b=%41+%zz&c&=d&e=%C3%A9%FF"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "A %zz".into()),
                ("c".into(), String::new()),
                (String::new(), "d".into()),
                ("e".into(), "é\u{FFFD}".into()),
            ]
        );
    }
}
