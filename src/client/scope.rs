//! OAuth scope values (RFC 6749 §3.3): space-delimited, case-sensitive scope tokens.

use crate::error::RotorError;

/// A validated scope: distinct RFC 6749 §3.3 scope tokens in their first-seen order.
///
/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`; tokens are separated by one or more spaces
/// (rotor tolerates repeated, leading and trailing spaces and removes duplicates, keeping the
/// first occurrence). An empty scope (no token at all) is representable: Curity answers
/// `"scope": ""` when it granted nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope(Vec<String>);

/// Most scope tokens a scope string may hold (counting repeats): [`MAX_SCOPE_TOKENS`].
///
/// RFC 6749 §3.3 sets no limit; real deployments grant a handful of scopes. The cap bounds the
/// work of parsing and of subset checks (RFC 6749 §6) on hostile input.
pub const MAX_SCOPE_TOKENS: usize = 256;

/// Why a scope string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// A character outside the RFC 6749 §3.3 scope-token set (the position, in characters).
    BadCharacter(usize),
    /// More than [`MAX_SCOPE_TOKENS`] scope tokens.
    TooManyTokens,
}

impl ScopeError {
    /// A human-readable message.
    pub fn message(&self) -> String {
        match self {
            ScopeError::BadCharacter(at) => crate::text::join(&[
                "character ",
                &crate::text::u64_text(*at as u64),
                " is not allowed in a scope token (RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E, separated by spaces)",
            ]),
            ScopeError::TooManyTokens => crate::text::join(&[
                "the scope has more than ",
                &crate::text::u64_text(MAX_SCOPE_TOKENS as u64),
                " scope tokens (RFC 6749 §3.3)",
            ]),
        }
    }
}

impl std::fmt::Display for ScopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

fn is_scope_char(c: char) -> bool {
    matches!(c, '\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')
}

impl Scope {
    /// Parses a space-delimited scope string (RFC 6749 §3.3): at most [`MAX_SCOPE_TOKENS`]
    /// tokens ([`ScopeError::TooManyTokens`]). Linear in the length of `text` plus, per
    /// token, one comparison of 64-bit hashes with each distinct token before it (at most
    /// [`MAX_SCOPE_TOKENS`]²/2 in all); tokens are compared byte by byte only when their
    /// hashes and lengths agree.
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        let mut tokens: Vec<String> = Vec::new();
        let mut hashes: Vec<u64> = Vec::new();
        let mut count = 0;
        // One pass over the bytes, plus a space that ends the last token: every scope-token
        // character is ASCII, so the first byte refused is the first character refused, at a
        // character index equal to its byte index.
        let mut start = None;
        for (i, b) in text.bytes().chain([b' ']).enumerate() {
            if b == b' ' {
                let Some(s) = start.take() else { continue };
                let token = &text[s..i];
                // FNV-1a.
                let hash = token.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                let seen = hashes
                    .iter()
                    .zip(&tokens)
                    .any(|(&h, t)| h == hash && t == token);
                if !seen {
                    hashes.push(hash);
                    tokens.push(token.to_owned());
                }
            } else if b.is_ascii() && is_scope_char(char::from(b)) {
                if start.is_none() {
                    if count == MAX_SCOPE_TOKENS {
                        return Err(ScopeError::TooManyTokens);
                    }
                    count += 1;
                    start = Some(i);
                }
            } else {
                return Err(ScopeError::BadCharacter(i));
            }
        }
        Ok(Scope(tokens))
    }

    /// Parses a scope argument: invalid characters or no token at all are `invalid_argument`.
    pub(crate) fn parse_argument(what: &str, text: &str) -> Result<Scope, RotorError> {
        let scope = Scope::parse(text)
            .map_err(|e| RotorError::argument(crate::text::join(&[what, ": ", &e.message()])))?;
        if scope.is_empty() {
            return Err(RotorError::argument(crate::text::join(&[
                what,
                " has no scope token; omit it to keep the granted scope (RFC 6749 §6)",
            ])));
        }
        Ok(scope)
    }

    /// The scope tokens, in order.
    pub fn tokens(&self) -> &[String] {
        &self.0
    }

    /// True when there is no scope token.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens of `self` that `granted` does not contain (RFC 6749 §6: a refresh request
    /// "MUST NOT include any scope not originally granted").
    pub fn not_in<'a>(&'a self, granted: &Scope) -> Vec<&'a str> {
        self.0
            .iter()
            .filter(|t| !granted.0.contains(t))
            .map(String::as_str)
            .collect()
    }

    /// True when every token of `self` is in `granted` (RFC 6749 §6: a refresh request "MUST
    /// NOT include any scope not originally granted"; RFC 6749 §3.3 for a client's registered
    /// scope). The empty scope is a subset of every scope.
    pub fn is_subset_of(&self, granted: &Scope) -> bool {
        self.0.iter().all(|t| granted.0.contains(t))
    }

    /// The canonical wire form: tokens joined by single spaces.
    pub fn to_wire(&self) -> String {
        let mut out = String::with_capacity(self.0.iter().map(|t| t.len() + 1).sum());
        for token in &self.0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
        }
        out
    }

    /// The canonical wire form of the scope string `text` ([`Scope::parse`], then
    /// [`Scope::to_wire`]), borrowed when `text` already is canonical: a few distinct valid
    /// tokens separated by single spaces, as servers send it (checked without allocating).
    pub fn wire(text: &str) -> Result<std::borrow::Cow<'_, str>, ScopeError> {
        /// Most tokens checked pairwise for repeats; more go through [`Scope::parse`].
        const FEW: usize = 16;
        // One pass: scope characters, single spaces between tokens, none at either end.
        let mut tokens = 1;
        let mut previous = b' ';
        let mut canonical = !text.is_empty();
        for &b in text.as_bytes() {
            if b == b' ' {
                canonical &= previous != b' ';
                tokens += 1;
            } else {
                canonical &= b.is_ascii() && is_scope_char(char::from(b));
            }
            previous = b;
        }
        canonical &= previous != b' ' && tokens <= FEW;
        let tokens = || text.as_bytes().split(|&b| b == b' ');
        let canonical = canonical
            && tokens()
                .enumerate()
                .all(|(i, t)| !tokens().take(i).any(|u| u == t));
        if canonical {
            Ok(std::borrow::Cow::Borrowed(text))
        } else {
            Scope::parse(text).map(|s| std::borrow::Cow::Owned(s.to_wire()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_and_dedups() {
        let s = Scope::parse("  read  openid read profile ").unwrap();
        assert_eq!(s.to_wire(), "read openid profile");
        assert_eq!(Scope::parse("").unwrap(), Scope::default());
        assert_eq!(
            Scope::parse("read\tprofile"),
            Err(ScopeError::BadCharacter(4))
        );
        assert_eq!(Scope::parse("a\"b"), Err(ScopeError::BadCharacter(1)));
        assert_eq!(Scope::parse("a\\b"), Err(ScopeError::BadCharacter(1)));
        assert_eq!(Scope::parse("é"), Err(ScopeError::BadCharacter(0)));
        assert!(Scope::parse("!#[]~ api:read https://x/y").is_ok());
        assert_eq!(Scope::parse("b a b c a").unwrap().to_wire(), "b a c");
    }

    #[test]
    fn wire_borrows_only_canonical_text() {
        use std::borrow::Cow;
        assert!(matches!(
            Scope::wire("openid profile api:read"),
            Ok(Cow::Borrowed("openid profile api:read"))
        ));
        assert_eq!(Scope::wire("").unwrap(), "");
        for text in [
            "  read  openid read profile ",
            "b a b c a",
            "a a",
            " a",
            "a ",
            "a  b",
        ] {
            let wire = Scope::wire(text).unwrap();
            assert!(matches!(wire, Cow::Owned(_)), "{text:?}");
            assert_eq!(wire, Scope::parse(text).unwrap().to_wire());
        }
        assert_eq!(
            Scope::wire("read\tprofile"),
            Err(ScopeError::BadCharacter(4))
        );
        assert_eq!(Scope::wire("é"), Err(ScopeError::BadCharacter(0)));
        let many: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        assert_eq!(Scope::wire(&many.join(" ")).unwrap(), many.join(" "));
        let over = vec!["x"; MAX_SCOPE_TOKENS + 1].join(" ");
        assert_eq!(Scope::wire(&over), Err(ScopeError::TooManyTokens));
    }

    #[test]
    fn token_count_is_capped() {
        let at_cap: Vec<String> = (0..MAX_SCOPE_TOKENS).map(|i| format!("s{i}")).collect();
        assert_eq!(
            Scope::parse(&at_cap.join(" ")).unwrap().tokens().len(),
            MAX_SCOPE_TOKENS
        );
        let over = format!("{} extra", at_cap.join(" "));
        assert_eq!(Scope::parse(&over), Err(ScopeError::TooManyTokens));
        // Repeats count: the cap bounds the work, not the result.
        assert_eq!(
            Scope::parse(&"a ".repeat(MAX_SCOPE_TOKENS + 1)),
            Err(ScopeError::TooManyTokens)
        );
    }

    #[test]
    fn subset() {
        let granted = Scope::parse("read openid profile").unwrap();
        let asked = Scope::parse("profile write read admin").unwrap();
        assert_eq!(asked.not_in(&granted), vec!["write", "admin"]);
        assert!(Scope::parse("read").unwrap().not_in(&granted).is_empty());
        assert!(Scope::parse("openid read").unwrap().is_subset_of(&granted));
        assert!(Scope::default().is_subset_of(&granted));
        assert!(!asked.is_subset_of(&granted));
        assert!(!granted.is_subset_of(&Scope::default()));
    }
}
