//! Errors, kept apart by source: the server said no ([`OAuthError`]), rotor refused locally
//! ([`RotorError`]), or a JWT failed verification ([`JwtError`]).
//!
//! Messages never contain a token, a secret or a key.

use std::fmt;

/// What the caller should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The refresh token is dead (expired, revoked or reused): sign the user in again.
    Reauthenticate,
    /// A transient failure (5xx, 429, `temporarily_unavailable`, a proxy page): back off and retry.
    Retry,
    /// The client or server configuration is wrong: retrying will not help.
    Config,
    /// The requested scope is not acceptable (`invalid_scope`, or a local scope widening).
    Scope,
    /// The server answered with a success status but not a valid token response.
    Protocol,
}

impl ErrorKind {
    /// The stable string used on the JS side (`err.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Reauthenticate => "reauthenticate",
            ErrorKind::Retry => "retry",
            ErrorKind::Config => "config",
            ErrorKind::Scope => "scope",
            ErrorKind::Protocol => "protocol",
        }
    }
}

/// An error answer from an authorization server (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    /// The RFC 6749 §5.2 `error` code, or one derived from the HTTP status.
    pub code: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The server's `error_description`, verbatim except that the exchange's credentials
    /// (refresh and ID token, client secret) are replaced by `[redacted]`.
    pub description: Option<String>,
    /// The server's `error_uri`, verbatim except for the same redaction.
    pub uri: Option<String>,
    /// From `Retry-After` (seconds or HTTP date), in milliseconds from the response's `now`.
    pub retry_after_ms: Option<f64>,
    /// What the caller should do.
    pub kind: ErrorKind,
}

impl OAuthError {
    /// Maps an RFC 6749 §5.2 error code and HTTP status to what the caller should do.
    pub fn kind_for(code: &str, status: u16) -> ErrorKind {
        match code {
            "invalid_grant" => ErrorKind::Reauthenticate,
            "invalid_scope" => ErrorKind::Scope,
            "temporarily_unavailable" | "server_error" | "slow_down" => ErrorKind::Retry,
            "invalid_client"
            | "unauthorized_client"
            | "unsupported_grant_type"
            | "invalid_request" => ErrorKind::Config,
            _ if status >= 500 || status == 429 || status == 408 => ErrorKind::Retry,
            _ => ErrorKind::Config,
        }
    }
}

impl OAuthError {
    /// `token endpoint answered <code> (HTTP <status>)`, then `: ` and at most 200 characters
    /// of the description when there is one (the server's text, capped so that a huge body
    /// cannot flood logs).
    pub fn message(&self) -> String {
        let status = crate::text::u64_text(u64::from(self.status));
        let (colon, description) = match &self.description {
            Some(d) => (": ", crate::text::prefix(d, 200)),
            None => ("", ""),
        };
        crate::text::join(&[
            "token endpoint answered ",
            &self.code,
            " (HTTP ",
            &status,
            ")",
            colon,
            description,
        ])
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Codes of errors rotor raises locally, before or after talking to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotorErrorCode {
    /// The configuration is invalid (bad endpoint, unknown dialect, weak key, ...).
    InvalidConfig,
    /// An argument of a call is invalid (empty refresh token, bad scope, ...).
    InvalidArgument,
    /// The requested scope is not a subset of the granted scope (RFC 6749 §6).
    ScopeWidening,
    /// A success status whose body is not a valid token response.
    InvalidResponse,
    /// A DPoP proof is missing or invalid where the issuer needs one (RFC 9449 §5, §4.3).
    InvalidDpopProof,
}

impl RotorErrorCode {
    /// The stable string used on the JS side (`err.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            RotorErrorCode::InvalidConfig => "invalid_config",
            RotorErrorCode::InvalidArgument => "invalid_argument",
            RotorErrorCode::ScopeWidening => "scope_widening",
            RotorErrorCode::InvalidResponse => "invalid_response",
            RotorErrorCode::InvalidDpopProof => "invalid_dpop_proof",
        }
    }

    /// What the caller should do.
    pub fn kind(self) -> ErrorKind {
        match self {
            RotorErrorCode::InvalidConfig | RotorErrorCode::InvalidArgument => ErrorKind::Config,
            RotorErrorCode::ScopeWidening => ErrorKind::Scope,
            RotorErrorCode::InvalidResponse | RotorErrorCode::InvalidDpopProof => {
                ErrorKind::Protocol
            }
        }
    }
}

/// An error rotor raises locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotorError {
    /// The stable code.
    pub code: RotorErrorCode,
    /// A human-readable message (never contains a token or secret).
    pub message: String,
}

impl RotorError {
    /// A new error with a code and message.
    ///
    /// Cold and never inlined: each of the many error sites is then one call (measured on the
    /// browser module, README "The page's module").
    #[cold]
    #[inline(never)]
    pub fn new(code: RotorErrorCode, message: impl Into<String>) -> Self {
        RotorError {
            code,
            message: message.into(),
        }
    }
    /// `invalid_config`.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(RotorErrorCode::InvalidConfig, message)
    }
    /// `invalid_argument`.
    pub fn argument(message: impl Into<String>) -> Self {
        Self::new(RotorErrorCode::InvalidArgument, message)
    }
    /// `invalid_response`.
    pub fn response(message: impl Into<String>) -> Self {
        Self::new(RotorErrorCode::InvalidResponse, message)
    }
}

impl fmt::Display for RotorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Codes of JWT verification and signing failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwtErrorCode {
    /// Not a well-formed compact JWS with JSON header and claims.
    Malformed,
    /// Larger than `maxTokenBytes`.
    TooLarge,
    /// `alg` is anything but `HS256`.
    AlgNotAllowed,
    /// The token's `kid` names no configured key (or a key set needs a `kid`).
    UnknownKid,
    /// The HMAC does not match.
    BadSignature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future.
    IssuedInFuture,
    /// `iss`, `aud`, `typ` or another claim does not have the expected value or type.
    ClaimMismatch,
    /// A required claim is absent.
    MissingClaim,
    /// The header has a `crit` parameter rotor does not understand (RFC 7515 §4.1.11).
    CritUnsupported,
    /// A key shorter than 32 bytes (RFC 7518 §3.2).
    WeakKey,
}

impl JwtErrorCode {
    /// The stable string used on the JS side (`err.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            JwtErrorCode::Malformed => "malformed",
            JwtErrorCode::TooLarge => "too_large",
            JwtErrorCode::AlgNotAllowed => "alg_not_allowed",
            JwtErrorCode::UnknownKid => "unknown_kid",
            JwtErrorCode::BadSignature => "bad_signature",
            JwtErrorCode::Expired => "expired",
            JwtErrorCode::NotYetValid => "not_yet_valid",
            JwtErrorCode::IssuedInFuture => "issued_in_future",
            JwtErrorCode::ClaimMismatch => "claim_mismatch",
            JwtErrorCode::MissingClaim => "missing_claim",
            JwtErrorCode::CritUnsupported => "crit_unsupported",
            JwtErrorCode::WeakKey => "weak_key",
        }
    }
}

/// A JWT error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtError {
    /// The stable code.
    pub code: JwtErrorCode,
    /// A human-readable message (never contains the token or key).
    pub message: String,
}

impl JwtError {
    /// A new error with a code and message (cold, never inlined, as [`RotorError::new`]).
    #[cold]
    #[inline(never)]
    pub fn new(code: JwtErrorCode, message: impl Into<String>) -> Self {
        JwtError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Any rotor error.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The server said no.
    OAuth(OAuthError),
    /// rotor refused locally.
    Rotor(RotorError),
    /// A JWT failed.
    Jwt(JwtError),
}

impl Error {
    /// The human-readable message (`err.message` in JS; no formatting machinery involved).
    pub fn message(&self) -> String {
        match self {
            Error::OAuth(e) => e.message(),
            Error::Rotor(e) => e.message.clone(),
            Error::Jwt(e) => e.message.clone(),
        }
    }

    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> &str {
        match self {
            Error::OAuth(e) => &e.code,
            Error::Rotor(e) => e.code.as_str(),
            Error::Jwt(e) => e.code.as_str(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => f.write_str(&e.message()),
            Error::Rotor(e) => f.write_str(&e.message),
            Error::Jwt(e) => f.write_str(&e.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Self {
        Error::OAuth(e)
    }
}
impl From<RotorError> for Error {
    fn from(e: RotorError) -> Self {
        Error::Rotor(e)
    }
}
impl From<JwtError> for Error {
    fn from(e: JwtError) -> Self {
        Error::Jwt(e)
    }
}
