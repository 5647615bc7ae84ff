//! Building refresh-token requests and parsing token responses (RFC 6749 §6, §5.1, §5.2).
//!
//! The pair of operations, sans-IO:
//! - [`build_refresh_request`] turns a [`ClientConfig`] and [`RefreshParams`] into a
//!   [`RefreshRequest`] (URL, method, lower-case headers, body) — the caller sends it. It is
//!   [`refresh_request_headers`] (constant per configuration, so a binding computes them once
//!   per client) together with [`refresh_request_body`] (per call, at `now`);
//! - [`parse_token_response`] turns the answer (`status`, headers, body), read by the crate's
//!   one JSON reader ([`crate::json::scan`], RFC 8259), into a [`TokenSet`]
//!   or an error: [`crate::OAuthError`] when the server said no, [`crate::RotorError`]
//!   (`invalid_response`) when a success status carried no valid token response.
//!
//! Client authentication is a strategy value ([`ClientAuth`]); server families are
//! [`Dialect`]s, each tolerating only its own quirks (table in [`dialect`]).
//!
//! ## Decisions (the wire details RFC 6749 leaves open)
//! - Body parameter order: `grant_type`, `refresh_token`, `scope`, client authentication,
//!   extra parameters; Curity and TokenIDP put the client parameters right after
//!   `grant_type`/`grantType`, as their documents show. Form encoding is
//!   `application/x-www-form-urlencoded` (spaces as `+`, RFC 6749 Appendix B).
//! - Headers: `accept: application/json`, `content-type` (form, or `application/json` for
//!   TokenIDP) and, for `client_secret_basic`, `authorization: Basic base64(urlencode(id) ":"
//!   urlencode(secret))` (RFC 6749 §2.3.1). Names are lower-case.
//! - `client_secret_jwt`: `client_id`, `client_assertion_type`, `client_assertion` with an
//!   HS256 JWT `{iss, sub: client id, aud: token endpoint, jti: 16 random bytes, iat, exp:
//!   iat + 60}` (RFC 7523 §3); the secret must be at least 32 bytes (RFC 7518 §3.2).
//! - Scope: tokens validated against RFC 6749 §3.3, duplicates dropped (first kept), joined
//!   by single spaces. A granted `""` is kept as `""` in the Curity dialect (the server
//!   granted no scope, which is not the same as not saying) and refused elsewhere.
//! - Lifetimes: whole, non-negative JSON numbers up to 10 years ([`MAX_LIFETIME_SECONDS`]);
//!   numeric strings only in TokenIDP's envelope; Keycloak's `refresh_expires_in: 0` (offline
//!   tokens) means no expiry.
//! - Error statuses without a usable §5.2 body: [`code_for_status`] (400 `invalid_request`,
//!   401 `invalid_client`, 403 `unauthorized_client`, other 4xx `invalid_request`; 408, 429,
//!   503 `temporarily_unavailable`; other 5xx `server_error`). A non-JSON, non-empty body
//!   (a proxy's HTML page) is kind `retry` whatever the status.
//! - A 2xx body that is not a token response is `invalid_response`, even if it carries an
//!   `error` member (RFC 6749 §5.2 errors use 400/401).

pub mod auth;
pub mod config;
pub mod dialect;
pub mod request;
pub mod response;
pub mod scope;

pub use auth::{ASSERTION_LIFETIME_SECONDS, AuthMethod, ClientAuth, JWT_BEARER_ASSERTION_TYPE};
pub use config::{ClientConfig, ClientOptions};
pub use dialect::Dialect;
pub use request::{
    RefreshParams, RefreshRequest, build_refresh_request, refresh_request_body,
    refresh_request_body_signed, refresh_request_headers, revocation_request_body,
    revocation_request_body_signed, revocation_request_headers,
};
pub use response::{
    MAX_LIFETIME_SECONDS, MAX_RESPONSE_BYTES, ParseOptions, PreviousTokens, TokenResponse,
    TokenSet, UnverifiedJwtTimes, code_for_status, error_from_response, parse_token_response,
    retry_after, unverified_jwt_times,
};
pub use scope::Scope;
