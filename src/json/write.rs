//! The one JSON writer of rotor: strings (RFC 8259 §7), for the few documents the core writes
//! itself (a JWT header, a `client_secret_jwt` assertion's claims, TokenIDP's request body),
//! and [`Obj`], the objects of the issuer (its responses, records and access-token claims).
//!
//! `"` and `\` are escaped, control characters become `\b`, `\f`, `\n`, `\r`, `\t` or
//! `\u00XX` (lower-case hex), everything else is written as it is: the bytes `serde_json`
//! writes for the same string.

/// Appends `value` as a JSON string (with its quotes) to `out`.
pub fn push_string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(value.len() + 2);
    out.push('"');
    // Byte by byte: every byte to escape is ASCII, so never part of a multi-byte character,
    // and the runs between them are whole UTF-8 slices of `value`.
    let bytes = value.as_bytes();
    let mut start = 0;
    for (at, &c) in bytes.iter().enumerate() {
        if c != b'"' && c != b'\\' && c >= b' ' {
            continue;
        }
        out.push_str(&value[start..at]);
        start = at + 1;
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\x08' => out.push_str("\\b"),
            b'\x0c' => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 15)]));
            }
        }
    }
    out.push_str(&value[start..]);
    out.push('"');
}

/// `value` as a JSON string (see [`push_string`]).
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_string(&mut out, value);
    out
}

/// Appends `"name":` (a member name and its colon) to `out`, after a `,` unless `out` ends
/// with `{`.
pub fn push_name(out: &mut String, name: &str) {
    if out.as_bytes().last() != Some(&b'{') {
        out.push(',');
    }
    push_string(out, name);
    out.push(':');
}

/// A JSON object (RFC 8259 §4) written member by member, compact, in the order the members are
/// given (callers that match `serde_json`'s output give them sorted by name).
pub struct Obj(String);

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        let mut out = String::with_capacity(256);
        out.push('{');
        Obj(out)
    }

    /// A member whose value is already JSON text (`json` is written as it is).
    pub fn raw(mut self, name: &str, json: &str) -> Self {
        push_name(&mut self.0, name);
        self.0.push_str(json);
        self
    }

    /// A string member.
    pub fn str(mut self, name: &str, value: &str) -> Self {
        push_name(&mut self.0, name);
        push_string(&mut self.0, value);
        self
    }

    /// A number member (a non-negative integer).
    pub fn u64(mut self, name: &str, value: u64) -> Self {
        push_name(&mut self.0, name);
        crate::text::push_u64(&mut self.0, value);
        self
    }

    /// A `true` / `false` member.
    pub fn bool(self, name: &str, value: bool) -> Self {
        self.raw(name, if value { "true" } else { "false" })
    }

    /// An array-of-strings member.
    pub fn strs(mut self, name: &str, values: &[&str]) -> Self {
        push_name(&mut self.0, name);
        self.0.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            push_string(&mut self.0, v);
        }
        self.0.push(']');
        self
    }

    /// The object's JSON text.
    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        let mut all = String::new();
        for c in (0u32..0x80).chain([0xe9, 0x2028, 0x1f600]) {
            all.push(char::from_u32(c).unwrap());
        }
        for s in [
            "",
            "plain",
            "a\"b\\c/d",
            "\u{0}\u{1f}\u{7f}",
            "é😀",
            all.as_str(),
        ] {
            assert_eq!(string(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
        let mut obj = String::from("{");
        push_name(&mut obj, "a");
        obj.push('1');
        push_name(&mut obj, "b\"");
        obj.push('2');
        obj.push('}');
        assert_eq!(obj, r#"{"a":1,"b\"":2}"#);
        let o = Obj::new()
            .str("s", "x\"")
            .u64("n", 42)
            .bool("t", true)
            .raw("z", "null")
            .strs("l", &["a", "b"])
            .strs("e", &[])
            .raw("o", &Obj::new().end())
            .end();
        assert_eq!(
            o,
            r#"{"s":"x\"","n":42,"t":true,"z":null,"l":["a","b"],"e":[],"o":{}}"#
        );
    }
}
