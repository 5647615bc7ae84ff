//! JSON (RFC 8259) for rotor: one validating reader, [`scan`], and one string writer,
//! [`write`](mod@write).
//!
//! Every document rotor reads goes through [`scan`]: JWT headers and claims sets (RFC 7515
//! §5.2, RFC 7519 §7.2), token responses (RFC 6749 §5.1, §5.2) and TokenIDP's envelopes, the
//! unverified peek at an access token's times, and the issuer's configuration, session input,
//! stored family records and JSON request bodies. The scanner builds no value
//! tree, never uses `serde_json`, and refuses:
//! - anything that is not RFC 8259 JSON text in UTF-8 (§8.1), including lone UTF-16
//!   surrogates in `\u` escapes (§7, §8.2) and numbers outside the `f64` range (§6);
//! - the same member name twice in one object (§4 leaves this open; RFC 7515 §5.2 and
//!   RFC 8725 §3.1 ask JWT verifiers to refuse it, and rotor does so for every document, so
//!   that two parsers can never disagree about what a document says);
//! - nesting deeper than [`MAX_DEPTH`], containers longer than [`MAX_CONTAINER_LEN`] and
//!   documents of more than [`MAX_VALUES`] values (RFC 8259 §9 lets a parser set such limits).
//!
//! Its work is linear in the document's size, except for the duplicate-name check of objects
//! with more than 16 members (`n log n` comparisons).

pub mod scan;
pub mod write;

/// Deepest nesting accepted: 64 levels of objects and arrays.
pub const MAX_DEPTH: usize = 64;

/// Most members of one object, or elements of one array, the scanner accepts: 4096. A token
/// response or a JWT has a few dozen; more is refused rather than searched.
pub const MAX_CONTAINER_LEN: usize = 4096;

/// Most values (of any type, containers and their members included) in one scanned document:
/// 65536.
pub const MAX_VALUES: usize = 1 << 16;

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Larger than the size limit given to the reader.
    TooLarge,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A container longer than [`MAX_CONTAINER_LEN`], or more than [`MAX_VALUES`] values.
    TooMany,
    /// The same member name twice in one object.
    DuplicateKey(String),
    /// Not JSON (or not UTF-8).
    Syntax(String),
}

impl JsonError {
    /// A human-readable message (a duplicate name is quoted, at most 64 characters of it).
    pub fn message(&self) -> String {
        match self {
            JsonError::TooLarge => "JSON document is larger than the limit".to_owned(),
            JsonError::TooDeep => "JSON is nested deeper than 64 levels".to_owned(),
            JsonError::TooMany => {
                "JSON has more than 4096 members or elements in one container, or more than 65536 values"
                    .to_owned()
            }
            JsonError::DuplicateKey(k) => {
                crate::text::join(&["duplicate JSON member name \"", k, "\""])
            }
            JsonError::Syntax(m) => crate::text::join(&["invalid JSON: ", m]),
        }
    }
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limits() {
        assert!(
            JsonError::TooDeep
                .message()
                .contains(&MAX_DEPTH.to_string())
        );
        let many = JsonError::TooMany.message();
        assert!(many.contains(&MAX_CONTAINER_LEN.to_string()));
        assert!(many.contains(&MAX_VALUES.to_string()));
    }
}
