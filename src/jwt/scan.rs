//! A single-pass validating JSON scanner for JWT headers and claims sets.
//!
//! Verification only needs a handful of members (`alg`, `kid`, `exp`, ...), yet the document
//! must be refused exactly when [`crate::json::parse`] would refuse it: not UTF-8, not RFC 8259
//! JSON (including lone UTF-16 surrogates in `\u` escapes and numbers outside the `f64` range),
//! nested deeper than [`MAX_DEPTH`], or the same member name twice in one object (RFC 7515
//! §5.2, RFC 8725 §3.1). This scanner checks all of that without building a
//! `serde_json::Value`: it keeps the top-level members as slices of the input and, for every
//! object at every depth, the member names (borrowed unless they contain escapes) to find
//! duplicates. The differential tests below and in `tests/jwt_json.rs` hold it to the same
//! verdicts as [`crate::json::parse`].

use crate::json::{JsonError, MAX_DEPTH};
use std::borrow::Cow;

/// The type of a JSON value (RFC 8259 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    /// A string; `escaped` when its text contains a `\` escape.
    String {
        escaped: bool,
    },
    Number,
    True,
    False,
    Null,
}

/// A value inside a scanned document: its type and its raw text (for strings, the text
/// between the quotes, still escaped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw<'a> {
    pub(crate) kind: Kind,
    pub(crate) text: &'a str,
}

impl<'a> Raw<'a> {
    /// The decoded string, if this is a string.
    pub(crate) fn as_str(&self) -> Option<Cow<'a, str>> {
        match self.kind {
            Kind::String { escaped: false } => Some(Cow::Borrowed(self.text)),
            Kind::String { escaped: true } => Some(Cow::Owned(unescape(self.text))),
            _ => None,
        }
    }

    /// The number as `f64` (correctly rounded, like `serde_json` with `float_roundtrip`), if
    /// this is a number. Scanned numbers are always finite.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Kind::Number => number(self.text).ok(),
            _ => None,
        }
    }

    /// The elements of an array (`None` if this is not an array).
    pub(crate) fn elements(&self) -> Option<Vec<Raw<'a>>> {
        if self.kind != Kind::Array {
            return None;
        }
        // The text was validated when it was scanned, so scanning it again cannot fail.
        let mut s = Scanner::new(self.text);
        let mut out = Vec::new();
        s.array(1, Some(&mut out)).ok()?;
        Some(out)
    }
}

/// A scanned JSON object: its members, in document order, names decoded.
#[derive(Debug)]
pub(crate) struct Object<'a> {
    members: Vec<(Cow<'a, str>, Raw<'a>)>,
}

impl<'a> Object<'a> {
    /// The value of member `name`, if present (names are unique).
    pub(crate) fn get(&self, name: &str) -> Option<&Raw<'a>> {
        self.members
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// The members, in document order.
    pub(crate) fn members(&self) -> impl Iterator<Item = (&str, &Raw<'a>)> {
        self.members.iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// Whether the object has a member `name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Scans `text` as one JSON object (surrounded only by whitespace) with the same verdicts as
/// [`crate::json::parse_object`].
pub(crate) fn object(text: &str) -> Result<Object<'_>, JsonError> {
    let mut s = Scanner::new(text);
    s.ws();
    if s.peek() != Some(b'{') {
        return Err(syntax("expected a JSON object"));
    }
    // Sized for a typical header or claims set, so that scanning one allocates once.
    let mut members = Vec::with_capacity(16);
    s.object(1, Some(&mut members))?;
    s.ws();
    if s.pos != s.b.len() {
        return Err(syntax("trailing characters"));
    }
    Ok(Object { members })
}

/// Scans `bytes` as a JSON object after checking that it is UTF-8.
pub(crate) fn object_bytes(bytes: &[u8]) -> Result<Object<'_>, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|_| syntax("invalid UTF-8"))?;
    object(text)
}

/// A validated number's value, read by serde_json (as [`crate::json`] reads it: correctly
/// rounded with `float_roundtrip`, out of the `f64` range refused). Using serde_json's reader
/// rather than `str::parse` also keeps a second float parser out of the wasm module.
fn number(text: &str) -> Result<f64, JsonError> {
    serde_json::from_str::<f64>(text).map_err(|_| syntax("number out of range"))
}

fn syntax(message: &str) -> JsonError {
    JsonError::Syntax(message.to_owned())
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Member names of the objects being scanned, one reused list per depth.
    names: Vec<Vec<Cow<'a, str>>>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
            names: Vec::new(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One value starting at the current position (no leading whitespace), inside a
    /// container at `depth`.
    fn value(&mut self, depth: usize) -> Result<Raw<'a>, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => {
                self.object(depth + 1, None)?;
                Kind::Object
            }
            Some(b'[') => {
                self.array(depth + 1, None)?;
                Kind::Array
            }
            Some(b'"') => {
                let (text, escaped) = self.string()?;
                return Ok(Raw {
                    kind: Kind::String { escaped },
                    text,
                });
            }
            Some(b't') => self.literal(b"true", Kind::True)?,
            Some(b'f') => self.literal(b"false", Kind::False)?,
            Some(b'n') => self.literal(b"null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(syntax("expected value")),
            None => return Err(syntax("EOF while parsing a value")),
        };
        Ok(Raw {
            kind,
            text: &self.text[start..self.pos],
        })
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Kind, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(syntax("expected ident"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as `f64`.
    fn number(&mut self) -> Result<Kind, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(syntax("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(syntax("invalid number"));
            }
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            exponent = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(syntax("invalid number"));
            }
        }
        // Without an exponent, fewer than 300 characters are always far below f64::MAX; only
        // other numbers can be out of range (which serde_json, and so rotor, refuses).
        if exponent || self.pos - start >= 300 {
            number(&self.text[start..self.pos])?;
        }
        Ok(Kind::Number)
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let Some(digits) = self.b.get(self.pos..self.pos + 4) else {
            return Err(syntax("EOF while parsing a string"));
        };
        let mut n = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(syntax("invalid escape")),
            };
            n = n * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(n)
    }

    /// A string starting at its opening quote: its raw text and whether it has escapes.
    /// Control characters are refused (RFC 8259 §7), as are `\u` escapes that are not a
    /// valid UTF-16 encoding of a scalar value (lone surrogates).
    fn string(&mut self) -> Result<(&'a str, bool), JsonError> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.skip_plain();
            let Some(&c) = self.b.get(self.pos) else {
                return Err(syntax("EOF while parsing a string"));
            };
            match c {
                b'"' => {
                    let text = &self.text[start..self.pos];
                    self.pos += 1;
                    return Ok((text, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            match self.hex4()? {
                                0xDC00..=0xDFFF => {
                                    return Err(syntax("lone leading surrogate in hex escape"));
                                }
                                0xD800..=0xDBFF => {
                                    if self.b.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                        return Err(syntax("unexpected end of hex escape"));
                                    }
                                    self.pos += 2;
                                    if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                                        return Err(syntax("lone leading surrogate in hex escape"));
                                    }
                                }
                                _ => {}
                            }
                        }
                        _ => return Err(syntax("invalid escape")),
                    }
                }
                0x00..=0x1F => {
                    return Err(syntax("control character while parsing a string"));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Skips string bytes that need no attention (not `"`, `\\` or a control character), eight
    /// at a time: the bulk of a JWT's bytes are string contents.
    #[inline]
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // Nonzero when some byte of `v` is zero / below 0x20 (may also flag a byte above a
        // flagged one, which only ends the fast path early).
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let special = zero(x ^ (ONES * u64::from(b'"')))
                | zero(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if special != 0 {
                return;
            }
            self.pos += 8;
        }
    }

    fn enter(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.pos += 1;
        self.ws();
        Ok(())
    }

    /// An array starting at `[`, at `depth`; its elements are pushed to `out` if given.
    fn array(&mut self, depth: usize, mut out: Option<&mut Vec<Raw<'a>>>) -> Result<(), JsonError> {
        self.enter(depth)?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let v = self.value(depth)?;
            if let Some(out) = out.as_deref_mut() {
                out.push(v);
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(syntax("expected `,` or `]`")),
                None => return Err(syntax("EOF while parsing a list")),
            }
        }
    }

    /// An object starting at `{`, at `depth`; its members are pushed to `out` if given.
    fn object(
        &mut self,
        depth: usize,
        mut out: Option<&mut Vec<(Cow<'a, str>, Raw<'a>)>>,
    ) -> Result<(), JsonError> {
        self.enter(depth)?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        if self.names.len() < depth {
            self.names.resize_with(depth, || Vec::with_capacity(16));
        }
        let mut names = std::mem::take(&mut self.names[depth - 1]);
        names.clear();
        let result = self.members(depth, &mut names, &mut out);
        let result = result.and_then(|()| check_unique(&mut names));
        names.clear();
        self.names[depth - 1] = names;
        result
    }

    fn members(
        &mut self,
        depth: usize,
        names: &mut Vec<Cow<'a, str>>,
        out: &mut Option<&mut Vec<(Cow<'a, str>, Raw<'a>)>>,
    ) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b'"') => {}
                Some(_) => return Err(syntax("key must be a string")),
                None => return Err(syntax("EOF while parsing an object")),
            }
            let (raw, escaped) = self.string()?;
            let name = if escaped {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            };
            self.ws();
            if self.peek() != Some(b':') {
                return Err(syntax("expected `:`"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth)?;
            if let Some(out) = out.as_deref_mut() {
                out.push((name.clone(), value));
            }
            names.push(name);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(syntax("expected `,` or `}`")),
                None => return Err(syntax("EOF while parsing an object")),
            }
        }
    }
}

/// Refuses a member name given twice (RFC 8725 §3.1). Small objects compare pairwise; larger
/// ones sort, so that a document of many members costs `n log n`, not `n²`.
fn check_unique(names: &mut [Cow<'_, str>]) -> Result<(), JsonError> {
    let duplicate = |name: &str| JsonError::DuplicateKey(name.chars().take(64).collect());
    if names.len() <= 16 {
        let mut seen: [&[u8]; 16] = [&[]; 16];
        for (i, name) in names.iter().enumerate() {
            let name: &[u8] = name.as_bytes();
            // Length and first byte first: most names differ there.
            if seen[..i]
                .iter()
                .any(|s| s.len() == name.len() && s.first() == name.first() && *s == name)
            {
                return Err(duplicate(&String::from_utf8_lossy(name)));
            }
            seen[i] = name;
        }
        return Ok(());
    }
    names.sort_unstable();
    match names.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(duplicate(&w[0])),
        None => Ok(()),
    }
}

/// Decodes the escapes of a validated string's text (RFC 8259 §7).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (c, used) = match b[i + 1] {
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let hex = |at: usize| u32::from_str_radix(&rest[at..at + 4], 16).unwrap_or(0xFFFD);
                let n = hex(i + 2);
                if (0xD800..=0xDBFF).contains(&n) {
                    let low = hex(i + 8);
                    let c = 0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00);
                    (char::from_u32(c).unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(n).unwrap_or('\u{FFFD}'), 6)
                }
            }
            other => (char::from(other), 2),
        };
        out.push(c);
        rest = &rest[i + used..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use serde_json::Value;

    /// The scanner and the serde_json reader agree on whether `doc` is a valid object.
    fn agree(doc: &[u8]) {
        let expected = json::parse_object(doc, usize::MAX);
        let got = object_bytes(doc);
        match (&expected, &got) {
            (Ok(map), Ok(obj)) => {
                assert_eq!(
                    map.len(),
                    obj.members.len(),
                    "{:?}",
                    String::from_utf8_lossy(doc)
                );
                for (name, raw) in &obj.members {
                    let value = &map[name.as_ref()];
                    match raw.kind {
                        Kind::String { .. } => assert_eq!(value.as_str(), raw.as_str().as_deref()),
                        Kind::Number => assert_eq!(value.as_f64(), raw.as_f64()),
                        Kind::True => assert_eq!(value, &Value::Bool(true)),
                        Kind::False => assert_eq!(value, &Value::Bool(false)),
                        Kind::Null => assert!(value.is_null()),
                        Kind::Array => {
                            let list = raw.elements().unwrap();
                            assert_eq!(value.as_array().map(Vec::len), Some(list.len()));
                        }
                        Kind::Object => assert!(value.is_object()),
                    }
                }
            }
            // Both refuse (the reason may differ when a document has several faults).
            (Err(_), Err(_)) => {}
            _ => panic!(
                "serde_json says {expected:?}, the scanner says {got:?} for {:?}",
                String::from_utf8_lossy(doc)
            ),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        let deep_ok = format!("{{\"a\":{}{}}}", "[".repeat(63), "]".repeat(63));
        let deep_bad = format!("{{\"a\":{}{}}}", "[".repeat(64), "]".repeat(64));
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        let many_ok = format!("{{{}\"z\":0}}", many);
        let many_dup = format!("{{{}\"k7\":0}}", many);
        let cases: Vec<&[u8]> = vec![
            b"{}",
            b" {\"a\":1} ",
            b"{\"a\":1,}",
            b"{,}",
            b"{\"a\" 1}",
            b"{\"a\":1 \"b\":2}",
            b"{\"a\":1}x",
            b"{\"a\":1}{}",
            b"[]",
            b"1",
            b"\"x\"",
            b"",
            b"   ",
            b"{",
            b"{\"a\":",
            b"{\"a\":[1,2,]}",
            b"{\"a\":[,1]}",
            b"{\"a\":[1 2]}",
            b"{\"a\":01}",
            b"{\"a\":-}",
            b"{\"a\":-0}",
            b"{\"a\":1.}",
            b"{\"a\":.5}",
            b"{\"a\":1e}",
            b"{\"a\":1e+}",
            b"{\"a\":1E-2}",
            b"{\"a\":1e400}",
            b"{\"a\":-1e400}",
            b"{\"a\":1e-400}",
            b"{\"a\":+1}",
            b"{\"a\":0x10}",
            b"{\"a\":NaN}",
            b"{\"a\":Infinity}",
            b"{\"a\":tru}",
            b"{\"a\":true}",
            b"{\"a\":nul}",
            b"{\"a\":null,\"b\":false}",
            b"{\"a\":\"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\"}",
            b"{\"a\":\"\\x\"}",
            b"{\"a\":\"\\u12\"}",
            b"{\"a\":\"\\u12G4\"}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":\"\\ud800x\"}",
            b"{\"a\":\"\\ud800\\n\"}",
            b"{\"a\":\"\\ud800\\u0041\"}",
            b"{\"a\":\"\\udc00\"}",
            b"{\"a\":\"\\ud83d\\ude00\"}",
            b"{\"a\":\"\t\"}",
            b"{\"a\":\"\x7f\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\xa9\"}",
            b"{\"a\":1,\"a\":2}",
            b"{\"a\":1,\"\\u0061\":2}",
            b"{\"a\":{\"b\":1,\"b\":2}}",
            b"{\"a\":[{\"b\":1},{\"b\":2}]}",
            b"{\"a\":{\"a\":{\"a\":1}}}",
            b"{\"\":1,\"\":2}",
            b"{1:2}",
            b"\xef\xbb\xbf{}",
            b"{\"a\":1}\x00",
            b"{\"a\"\n:\r1\t}",
            b"{\"a\":\x0c1}",
            deep_ok.as_bytes(),
            deep_bad.as_bytes(),
            many_ok.as_bytes(),
            many_dup.as_bytes(),
        ];
        for doc in cases {
            agree(doc);
        }
        let long_int = format!("{{\"a\":{}}}", "9".repeat(400));
        agree(long_int.as_bytes());
        let long_frac = format!("{{\"a\":0.{}1}}", "0".repeat(400));
        agree(long_frac.as_bytes());
        assert_eq!(object(&deep_bad).unwrap_err(), JsonError::TooDeep);
        assert!(matches!(
            object(&many_dup).unwrap_err(),
            JsonError::DuplicateKey(k) if k == "k7"
        ));
    }

    #[test]
    fn specials_at_every_offset_of_the_eight_byte_fast_path() {
        for at in 0..24 {
            for special in [
                "\"", "\\", "\\n", "\\u0041", "\u{1}", "\u{1f}", "\n", "\u{7f}", "é", " ",
            ] {
                let text = format!("{}{special}{}", "a".repeat(at), "b".repeat(at % 9));
                let doc = format!("{{\"k{at}\":\"{text}\",\"z\":1}}");
                agree(doc.as_bytes());
            }
        }
    }

    #[test]
    fn values_and_escapes() {
        let doc =
            object(r#"{"s":"a\u00e9\ud83d\ude00\"b","n":-1.5e3,"l":[1,"x",[2],{"y":3}]}"#).unwrap();
        assert_eq!(doc.get("s").unwrap().as_str().unwrap(), "aé😀\"b");
        assert_eq!(doc.get("n").unwrap().as_f64(), Some(-1500.0));
        let list = doc.get("l").unwrap().elements().unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[1].as_str().unwrap(), "x");
        assert_eq!(list[2].kind, Kind::Array);
        assert_eq!(list[3].kind, Kind::Object);
        assert!(doc.get("missing").is_none());
        assert!(doc.get("s").unwrap().elements().is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Random documents built from JSON's own tokens (and a few wrong ones) get the same
        /// verdict from both readers.
        #[test]
        fn random_documents_agree(parts in proptest::collection::vec(0usize..24, 0..40)) {
            const TOKENS: [&str; 24] = [
                "{", "}", "[", "]", ",", ":", "\"a\"", "\"b\"", "\"\\u0061\"", "1", "-0.5e2",
                "true", "null", " ", "\"\\ud800\"", "01", "\"\\n\"", "1e999", "\"é\"", "x",
                "{\"a\":", "\"a\":1", "{\"b\":[", "]}",
            ];
            let doc: String = parts.iter().map(|&i| TOKENS[i]).collect();
            agree(doc.as_bytes());
            let wrapped = format!("{{\"w\":{doc}}}");
            agree(wrapped.as_bytes());
        }
    }
}
