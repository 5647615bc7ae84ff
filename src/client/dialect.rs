//! Server families ("dialects"): the wire format and the tolerated quirks of each.
//!
//! `rfc6749` is strict RFC 6749. Every other dialect departs from it only where the seed
//! document of that family shows it must:
//!
//! | dialect        | request body | parameter order                                   | response quirks tolerated |
//! |----------------|--------------|---------------------------------------------------|---------------------------|
//! | `rfc6749`      | form         | grant_type, refresh_token, scope, client auth     | none |
//! | `keycloak`     | form         | grant_type, refresh_token, scope, client auth     | `token_type` may be omitted (-> `"Bearer"`); `refresh_expires_in` read (0 = offline token, no expiry); `not-before-policy`, `session_state` ignored |
//! | `curity`       | form         | grant_type, client auth, refresh_token, scope     | `"scope": ""` = an empty granted scope (kept as `""`) |
//! | `pingfederate` | form         | grant_type, refresh_token, scope, client auth     | none |
//! | `tokenidp`     | JSON (camelCase) | grantType, clientId, clientSecret, refreshToken, scope | `{ isSuccess, data }` envelope; `expiresIn` as a number or a numeric string; `null` members = absent |
//!
//! Every dialect reads `refresh_token_expires_in` (draft-ietf-oauth-refresh-token-expiration;
//! TokenIDP: `refreshTokenExpiresIn`) into `refreshExpiresAt`, as sent (`0`: expires on
//! receipt). Keycloak's `refresh_expires_in` is read only in `keycloak`; when an answer has
//! both, the standard `refresh_token_expires_in` wins.
//!
//! Extra parameters always come last, in the caller's order. Form parameter order carries no
//! meaning (RFC 6749 Appendix B); rotor fixes one per dialect so that bodies are reproducible
//! and each seed example comes out byte for byte (Curity's example lists the client
//! credentials before the refresh token).

use crate::error::RotorError;

/// A family of authorization servers whose wire format rotor speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Strict RFC 6749 (§6 request, §5.1/§5.2 responses). The default.
    #[default]
    Rfc6749,
    /// Keycloak and Keycloak-based servers (HyperID, apiax).
    Keycloak,
    /// The Curity Identity Server.
    Curity,
    /// PingFederate.
    PingFederate,
    /// TokenIDP: camelCase JSON request body and an `{ isSuccess, data }` response envelope.
    TokenIdp,
}

impl Dialect {
    /// All dialects, in documentation order.
    pub const ALL: [Dialect; 5] = [
        Dialect::Rfc6749,
        Dialect::Keycloak,
        Dialect::Curity,
        Dialect::PingFederate,
        Dialect::TokenIdp,
    ];

    /// The configuration name (`dialect` in `ClientConfig`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Rfc6749 => "rfc6749",
            Dialect::Keycloak => "keycloak",
            Dialect::Curity => "curity",
            Dialect::PingFederate => "pingfederate",
            Dialect::TokenIdp => "tokenidp",
        }
    }

    /// Reads a configuration name; anything else is `invalid_config`.
    pub fn parse(name: &str) -> Result<Dialect, RotorError> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| {
                RotorError::config(crate::text::join(&[
                    "unknown dialect \"",
                    crate::text::prefix(name, 40),
                    "\" (expected one of rfc6749, keycloak, curity, pingfederate, tokenidp)",
                ]))
            })
    }

    /// True when the request body is JSON with camelCase names instead of a form.
    pub fn json_body(self) -> bool {
        self == Dialect::TokenIdp
    }

    /// True when token responses, successes and errors alike, are wrapped in TokenIDP's
    /// `{ isSuccess, data }` envelope with camelCase member names (`accessToken`,
    /// `errorDescription`) instead of RFC 6749 §5.1/§5.2 JSON. The client reads this shape and
    /// the issuer writes it.
    pub fn enveloped_response(self) -> bool {
        self == Dialect::TokenIdp
    }

    /// True when client credentials in the body come before `refresh_token` (Curity's order).
    pub fn credentials_first(self) -> bool {
        self == Dialect::Curity
    }

    /// True when a success response may omit `token_type`, meaning `Bearer` (Keycloak).
    pub fn token_type_optional(self) -> bool {
        self == Dialect::Keycloak
    }

    /// True when Keycloak's `refresh_expires_in` is read (Keycloak); other dialects ignore it
    /// as an unrecognised member (RFC 6749 §5.1). The standard `refresh_token_expires_in` is
    /// read by every dialect and wins when both are present.
    pub fn reads_refresh_expires_in(self) -> bool {
        self == Dialect::Keycloak
    }

    /// True when `"scope": ""` is accepted as an empty granted scope (Curity).
    pub fn empty_scope_allowed(self) -> bool {
        self == Dialect::Curity
    }

    /// True when lifetimes may be numeric strings such as `"3600"` (TokenIDP's envelope is not
    /// RFC 6749 JSON; strict dialects require JSON numbers, RFC 6749 §5.1).
    pub fn lifetime_strings_allowed(self) -> bool {
        self == Dialect::TokenIdp
    }

    /// True when `null` members count as absent (TokenIDP); strict dialects refuse them.
    pub fn null_members_absent(self) -> bool {
        self == Dialect::TokenIdp
    }
}
