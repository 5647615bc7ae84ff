//! Building refresh-token requests and parsing token responses (RFC 6749 §6, §5.1, §5.2).
//!
//! The pair of operations, sans-IO:
//! - [`build_refresh_request`] turns a [`ClientConfig`] and [`RefreshParams`] into a
//!   [`RefreshRequest`] (URL, method, lower-case headers, body) — the caller sends it;
//! - [`parse_token_response`] turns the answer (`status`, headers, body) into a [`TokenSet`]
//!   or an error: [`crate::OAuthError`] when the server said no, [`crate::RotorError`]
//!   (`invalid_response`) when a success status carried no valid token response.
//!
//! Client authentication is a strategy value ([`ClientAuth`]); server families are
//! [`Dialect`]s, each tolerating only its own quirks (table in [`dialect`]).

pub mod auth;
pub mod config;
pub mod dialect;
pub mod request;
pub mod response;
pub mod scope;

pub use auth::{ASSERTION_LIFETIME_SECONDS, AuthMethod, ClientAuth, JWT_BEARER_ASSERTION_TYPE};
pub use config::{ClientConfig, ClientOptions};
pub use dialect::Dialect;
pub use request::{RefreshParams, RefreshRequest, build_refresh_request};
pub use response::{
    MAX_LIFETIME_SECONDS, MAX_RESPONSE_BYTES, ParseOptions, PreviousTokens, TokenResponse,
    TokenSet, UnverifiedJwtTimes, code_for_status, error_from_response, parse_token_response,
    retry_after, unverified_jwt_times,
};
pub use scope::Scope;
