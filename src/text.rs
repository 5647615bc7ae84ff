//! The one text helper of rotor: messages are built by concatenation, integers written with
//! [`push_u64`] / [`u64_text`], so that the browser module carries no `core::fmt` machinery
//! (`format!`, `Display`, float formatting).

/// The parts joined into one string (`[a, b, c].concat()` with one allocation).
pub fn join(parts: &[&str]) -> String {
    parts.concat()
}

/// Appends the decimal digits of `n` to `out`.
pub fn push_u64(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends the decimal digits of `n` (with a `-` when negative) to `out`.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// The decimal digits of `n`.
pub fn u64_text(n: u64) -> String {
    let mut out = String::with_capacity(20);
    push_u64(&mut out, n);
    out
}

/// At most `max` characters of `text` (for quoting caller input in messages).
pub fn prefix(text: &str, max: usize) -> &str {
    // Characters are counted by their first bytes (those that are not `10xxxxxx`).
    let mut count = 0;
    for (at, &b) in text.as_bytes().iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if count == max {
                return text.get(..at).unwrap_or(text);
            }
            count += 1;
        }
    }
    text
}

/// Where `needle` first occurs in `text` (Knuth–Morris–Pratt: linear in both lengths whatever
/// the input, as a server's error text searched for this exchange's secrets needs; the
/// browser module does not link `core::str`'s two-way searcher, 1.9 KB before gzip).
pub fn find(text: &str, needle: &str) -> Option<usize> {
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    if needle.len() > text.len() {
        return None;
    }
    if needle.is_empty() {
        return Some(0);
    }
    // `fail[i]`: the length of the longest proper prefix of `needle[..=i]` that ends there.
    let mut fail = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut k = 0;
    for (i, &b) in text.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = fail[k - 1];
        }
        if b == needle[k] {
            k += 1;
        }
        if k == needle.len() {
            return Some(i + 1 - k);
        }
    }
    None
}

/// `text` with every occurrence of `needle` (left to right, not overlapping) replaced by
/// `with`, as `str::replace` does; `needle` must not be empty.
pub fn replace(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, needle).filter(|_| !needle.is_empty()) {
        out.push_str(&rest[..at]);
        out.push_str(with);
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// `text` split around the first `needle` (as `str::split_once`).
pub fn split_once<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    find(text, needle).map(|at| (&text[..at], &text[at + needle.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn find_replace_split_as_str_does(text in "[ab]{0,40}", needle in "[ab]{1,6}") {
            prop_assert_eq!(find(&text, &needle), text.find(needle.as_str()));
            prop_assert_eq!(replace(&text, &needle, "[x]"), text.replace(needle.as_str(), "[x]"));
            prop_assert_eq!(split_once(&text, &needle), text.split_once(needle.as_str()));
        }

        #[test]
        fn prefix_counts_characters(text in "\\PC{0,12}", max in 0usize..14) {
            prop_assert_eq!(prefix(&text, max), text.chars().take(max).collect::<String>());
        }

        #[test]
        fn find_on_any_text(text in "\\PC{0,30}", needle in "\\PC{0,4}") {
            prop_assert_eq!(find(&text, &needle), text.find(needle.as_str()));
        }
    }

    #[test]
    fn integers_and_prefixes() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::MAX] {
            assert_eq!(u64_text(n), n.to_string());
        }
        for n in [0, -1, 7, i64::MIN, i64::MAX] {
            let mut s = String::new();
            push_i64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        assert_eq!(prefix("héllo", 2), "hé");
        assert_eq!(prefix("hé", 5), "hé");
        assert_eq!(join(&["a", "", "bc"]), "abc");
    }
}
