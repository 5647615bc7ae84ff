//! The one JSON reader of rotor's core: a single-pass validating scanner (RFC 8259).
//!
//! Callers need a handful of members (`alg`, `exp`, `access_token`, ...), yet a document must
//! be refused whenever it is not exactly one valid JSON text: not UTF-8 (RFC 8259 §8.1), not
//! RFC 8259 JSON (including lone UTF-16 surrogates in `\u` escapes, §7 and §8.2, and numbers
//! outside the `f64` range, §6), nested deeper than [`MAX_DEPTH`], a container longer than
//! [`MAX_CONTAINER_LEN`], more than [`MAX_VALUES`] values, or the same member name twice in
//! one object (RFC 7515 §5.2, RFC 8725 §3.1). The scanner checks all of that without building
//! a value tree: [`object`] keeps the top-level members as [`Raw`] slices of the input and,
//! for every object at every depth, the member names (borrowed unless they contain escapes)
//! to find duplicates. Nested containers are read on demand ([`Raw::elements`],
//! [`Raw::object`]) by scanning their (already validated) text again.
//!
//! Numbers are read correctly rounded (short integers exactly, others with `str::parse::<f64>`
//! natively and the engine's `parseFloat` in wasm); a result outside the `f64` range is
//! refused. The differential tests below and in `tests/jwt_json.rs` hold the
//! scanner to the verdicts of a `serde_json` reader with the same rules.
//!
//! Work is linear in the input, plus `n log n` name comparisons for objects of more than 16
//! members; every refusal is a [`JsonError`].

use super::{JsonError, MAX_CONTAINER_LEN, MAX_DEPTH, MAX_VALUES};
use std::borrow::Cow;

/// The type of a JSON value (RFC 8259 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An object (RFC 8259 §4).
    Object,
    /// An array (RFC 8259 §5).
    Array,
    /// A string (RFC 8259 §7); `escaped` when its text contains a `\` escape.
    String {
        /// Whether the raw text has escapes (decoding then allocates).
        escaped: bool,
    },
    /// A number (RFC 8259 §6), finite as `f64`.
    Number,
    /// `true`.
    True,
    /// `false`.
    False,
    /// `null`.
    Null,
}

/// A value inside a scanned document: its type and its JSON text (for strings, with the
/// quotes and still escaped).
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    kind: Kind,
    text: &'a str,
}

impl<'a> Raw<'a> {
    /// The type of the value.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The value's JSON text, exactly as in the document (a valid JSON text on its own).
    pub fn json(&self) -> &'a str {
        self.text
    }

    /// True for a string.
    pub fn is_string(&self) -> bool {
        matches!(self.kind, Kind::String { .. })
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.kind == Kind::Null
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    /// The decoded string, if this is a string (borrowed when it has no escapes).
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        let inner = self.text.get(1..self.text.len().saturating_sub(1))?;
        match self.kind {
            Kind::String { escaped: false } => Some(Cow::Borrowed(inner)),
            Kind::String { escaped: true } => Some(Cow::Owned(unescape(inner))),
            _ => None,
        }
    }

    /// The number as `f64` (correctly rounded), if this is a number. Scanned numbers are
    /// always finite.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Kind::Number => number(self.text).ok(),
            _ => None,
        }
    }

    /// The number as `u64`, if this is a number written as plain digits (no sign, fraction or
    /// exponent) that fits: what `serde_json` reads into a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        if self.kind != Kind::Number {
            return None;
        }
        self.text.bytes().try_fold(0u64, |n, b| {
            let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
            n.checked_mul(10)?.checked_add(u64::from(d))
        })
    }

    /// The elements of an array (`None` if this is not an array).
    pub fn elements(&self) -> Option<Vec<Raw<'a>>> {
        if self.kind != Kind::Array {
            return None;
        }
        // The text was validated when it was scanned, so scanning it again cannot fail.
        let mut s = Scanner::new(self.text);
        let mut out = Vec::new();
        s.array(1, Some(&mut out)).ok()?;
        Some(out)
    }

    /// The members of an object (`None` if this is not an object).
    pub fn object(&self) -> Option<Object<'a>> {
        if self.kind != Kind::Object {
            return None;
        }
        object(self.text).ok()
    }
}

/// A scanned JSON object: its members, in document order, names decoded and unique.
#[derive(Debug)]
pub struct Object<'a> {
    members: Vec<(Cow<'a, str>, Raw<'a>)>,
}

impl<'a> Object<'a> {
    /// The value of member `name`, if present (names are unique).
    pub fn get(&self, name: &str) -> Option<&Raw<'a>> {
        self.members
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// The members, in document order.
    pub fn members(&self) -> impl Iterator<Item = (&str, &Raw<'a>)> {
        self.members.iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// Whether the object has a member `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when the object has no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// Scans `text` as one JSON object, surrounded only by whitespace (RFC 8259 §2).
pub fn object(text: &str) -> Result<Object<'_>, JsonError> {
    let mut s = Scanner::new(text);
    s.ws();
    if s.peek() != Some(b'{') {
        return Err(syntax("expected a JSON object"));
    }
    s.count()?;
    // Sized for a typical header or claims set, so that scanning one allocates once.
    let mut members = Vec::with_capacity(16);
    s.object(1, Some(&mut members))?;
    s.ws();
    if s.pos != s.b.len() {
        return Err(syntax("trailing characters"));
    }
    Ok(Object { members })
}

/// Scans `bytes` as a JSON object after checking that they are UTF-8 (RFC 8259 §8.1).
pub fn object_bytes(bytes: &[u8]) -> Result<Object<'_>, JsonError> {
    let text = core::str::from_utf8(bytes).map_err(|_| syntax("invalid UTF-8"))?;
    object(text)
}

/// A validated number's value, correctly rounded; results outside the `f64` range (infinite)
/// are refused, as RFC 8259 §6 allows and `serde_json` does.
///
/// Integers of at most 15 digits (below 2^53, so exact) are read here; other numbers by
/// [`parse_f64`].
fn number(text: &str) -> Result<f64, JsonError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let value = if digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n = digits
            .bytes()
            .fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
        if digits.len() < text.len() { -n } else { n }
    } else {
        parse_f64(text)
    };
    if value.is_finite() {
        Ok(value)
    } else {
        Err(syntax("number out of range"))
    }
}

/// A validated JSON number text (RFC 8259 §6) as `f64`, infinite when out of range.
///
/// In wasm, the engine's `parseFloat` (ECMAScript §21.1.2.12: a JSON number is a
/// `StrDecimalLiteral`; V8, SpiderMonkey and JavaScriptCore round correctly), which keeps
/// core's `dec2flt` code and its power-of-five tables (~13 KB) out of the module; natively,
/// `str::parse`, which rounds correctly too. The differential tests hold both to `serde_json`.
#[cfg(target_arch = "wasm32")]
fn parse_f64(text: &str) -> f64 {
    js_sys::parse_float(text)
}

/// A validated JSON number text (RFC 8259 §6) as `f64`, infinite when out of range.
#[cfg(not(target_arch = "wasm32"))]
fn parse_f64(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(f64::INFINITY)
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
    /// Values scanned so far (at most [`MAX_VALUES`]).
    values: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
            names: Vec::new(),
            values: 0,
        }
    }

    /// Counts one more value against [`MAX_VALUES`].
    fn count(&mut self) -> Result<(), JsonError> {
        self.values += 1;
        if self.values > MAX_VALUES {
            Err(JsonError::TooMany)
        } else {
            Ok(())
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
        self.count()?;
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
                let escaped = self.string()?.1;
                Kind::String { escaped }
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
        if self
            .b
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word))
        {
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
        // other numbers can be out of range (refused).
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
    /// at a time, and stops exactly at the first one that does (or within the last seven bytes
    /// of the text): the bulk of a JWT's bytes are string contents.
    #[inline]
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // The high bit of each byte of `v` that is zero / below 0x20. A byte above a flagged one
        // may be flagged too (a borrow), but the lowest flag is always exact.
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let special = zero(x ^ (ONES * u64::from(b'"')))
                | zero(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if special != 0 {
                self.pos += (special.trailing_zeros() / 8) as usize;
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
        let mut len = 0;
        loop {
            len += 1;
            if len > MAX_CONTAINER_LEN {
                return Err(JsonError::TooMany);
            }
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
            if names.len() >= MAX_CONTAINER_LEN {
                return Err(JsonError::TooMany);
            }
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
    let duplicate = |name: &str| JsonError::DuplicateKey(crate::text::prefix(name, 64).to_owned());
    if names.len() <= 16 {
        let mut seen: [&[u8]; 16] = [&[]; 16];
        for (i, full) in names.iter().enumerate() {
            let name: &[u8] = full.as_bytes();
            // Length and first byte first: most names differ there.
            if seen[..i]
                .iter()
                .any(|s| s.len() == name.len() && s.first() == name.first() && *s == name)
            {
                return Err(duplicate(full));
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
    while let Some(i) = rest.bytes().position(|b| b == b'\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (c, used) = match b[i + 1] {
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                // Four hex digits (validated when scanned).
                let hex = |at: usize| {
                    b[at..at + 4].iter().fold(0u32, |n, &d| {
                        n * 16 + char::from(d).to_digit(16).unwrap_or(0)
                    })
                };
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

/// The serde_json reference reader of the differential tests.
#[cfg(test)]
#[path = "../../tests/support/json_reference.rs"]
mod json_reference;

#[cfg(test)]
mod tests {
    use super::json_reference as json;
    use super::*;
    use serde_json::Value;

    #[test]
    fn caps_on_counts() {
        let members = |n: usize| {
            let list: Vec<String> = (0..n).map(|i| format!("\"k{i}\":0")).collect();
            format!("{{{}}}", list.join(","))
        };
        assert_eq!(
            object(&members(MAX_CONTAINER_LEN)).unwrap().len(),
            MAX_CONTAINER_LEN
        );
        assert_eq!(
            object(&members(MAX_CONTAINER_LEN + 1)).unwrap_err(),
            JsonError::TooMany
        );
        let elements = |n: usize| format!("{{\"a\":[{}0]}}", "0,".repeat(n - 1));
        assert!(object(&elements(MAX_CONTAINER_LEN)).is_ok());
        assert_eq!(
            object(&elements(MAX_CONTAINER_LEN + 1)).unwrap_err(),
            JsonError::TooMany
        );
        // 16 arrays of 4096 elements: 65536 elements, plus the object, its members, ...
        let row = format!("[{}0]", "0,".repeat(MAX_CONTAINER_LEN - 1));
        let rows: Vec<String> = (0..16).map(|i| format!("\"r{i}\":{row}")).collect();
        let doc = format!("{{{}}}", rows.join(","));
        assert_eq!(object(&doc).unwrap_err(), JsonError::TooMany);
        let rows: Vec<String> = (0..15).map(|i| format!("\"r{i}\":{row}")).collect();
        assert!(object(&format!("{{{}}}", rows.join(","))).is_ok());
    }

    #[test]
    fn raw_accessors() {
        let doc =
            object(r#"{"s":"a\"b","t":true,"f":false,"z":null,"o":{"x":[1]},"n":-0}"#).unwrap();
        let s = doc.get("s").unwrap();
        assert_eq!(
            (s.json(), s.as_str().unwrap().as_ref()),
            (r#""a\"b""#, "a\"b")
        );
        assert_eq!(doc.get("t").unwrap().as_bool(), Some(true));
        assert_eq!(doc.get("f").unwrap().as_bool(), Some(false));
        assert!(doc.get("z").unwrap().is_null());
        let o = doc.get("o").unwrap().object().unwrap();
        assert_eq!(o.get("x").unwrap().elements().unwrap().len(), 1);
        assert!(doc.get("s").unwrap().object().is_none());
        assert_eq!(doc.get("n").unwrap().as_f64(), Some(0.0));
    }

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
