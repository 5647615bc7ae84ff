//! Building the refresh-token request (RFC 6749 §6), in two parts so that a binding can
//! compute the headers once per client: [`refresh_request_headers`] (constant for a
//! configuration) and [`refresh_request_body`] (per call); [`build_refresh_request`] is both.

use super::config::{ClientConfig, contains_secret, is_protocol_param};
use super::scope::Scope;
use crate::error::RotorError;
use crate::json::write::{push_name, push_string};
use crate::secret::Secret;
use crate::text::{join, prefix};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Longest accepted refresh token, in bytes (a guard against absurd inputs).
pub const MAX_REFRESH_TOKEN_BYTES: usize = 64 * 1024;

/// What the caller asks for (`buildRefreshRequest`'s second argument); `now` is an argument
/// of [`refresh_request_body`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshParams {
    /// The refresh token to redeem (RFC 6749 §6 `refresh_token`).
    pub refresh_token: Secret,
    /// The scope to ask for (RFC 6749 §6): omitted, the server keeps the granted scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Extra body parameters (e.g. `resource`, RFC 8707), appended in order. They may not
    /// repeat a protocol parameter.
    #[serde(default, deserialize_with = "ordered_pairs")]
    pub extra_params: Vec<(String, String)>,
}

/// Reads a JSON/JS object of string values into ordered pairs (document order is kept).
pub(crate) fn ordered_pairs<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, String)>, D::Error> {
    struct PairsVisitor;
    impl<'de> serde::de::Visitor<'de> for PairsVisitor {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of string values")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(PairsVisitor)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    d.deserialize_option(PairsVisitor)
}

/// An HTTP request to send (`RefreshRequest` in JS). Header names are lower-case.
#[derive(Clone, PartialEq, Serialize)]
pub struct RefreshRequest {
    /// The token endpoint.
    pub url: String,
    /// Always `POST` (RFC 6749 §3.2).
    pub method: &'static str,
    /// `accept`, `content-type` and, with `client_secret_basic`, `authorization`.
    pub headers: BTreeMap<String, String>,
    /// The form-urlencoded (or, for TokenIDP, JSON) body.
    pub body: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body and the authorization header carry the refresh token and credentials.
        f.debug_struct("RefreshRequest")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &"[redacted]")
            .finish()
    }
}

/// Builds the refresh-token request (RFC 6749 §6) for `config`: the URL, `POST`, the headers
/// of [`refresh_request_headers`] and the body of [`refresh_request_body`] (see there for
/// what is refused and the parameter order).
pub fn build_refresh_request(
    config: &ClientConfig,
    params: &RefreshParams,
    now_ms: f64,
    jti_entropy: &[u8; 16],
) -> Result<RefreshRequest, RotorError> {
    let body = refresh_request_body(config, params, now_ms, jti_entropy)?;
    let headers = refresh_request_headers(config)
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    Ok(RefreshRequest {
        url: config.token_endpoint().to_owned(),
        method: "POST",
        headers,
        body,
    })
}

/// The headers of every refresh request of `config`, in name order (lower-case names):
/// `accept: application/json`, `authorization: Basic ...` for `client_secret_basic`
/// (RFC 6749 §2.3.1) and `content-type` (`application/x-www-form-urlencoded`, RFC 6749
/// §4.1.3 and Appendix B, or `application/json` for TokenIDP). They depend on the
/// configuration only, so a binding may compute them once per client.
pub fn refresh_request_headers(config: &ClientConfig) -> Vec<(&'static str, String)> {
    let mut headers = Vec::with_capacity(3);
    headers.push(("accept", "application/json".to_owned()));
    if let Some(authorization) = config.auth().authorization(config.client_id()) {
        headers.push(("authorization", authorization));
    }
    let content_type = if config.dialect().json_body() {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    headers.push(("content-type", content_type.to_owned()));
    headers
}

/// The body of the refresh-token request (RFC 6749 §6) for `config` and `params` at `now_ms`.
///
/// `now_ms` and `jti_entropy` (16 random bytes) are used only by `client_secret_jwt`
/// (RFC 7523 §3). Refused before anything is sent: an empty refresh token or one with
/// characters outside RFC 6749 Appendix A.17 (`invalid_argument`), a refresh token that also
/// appears in the endpoint URL (`invalid_config`), an invalid scope (`invalid_argument`), a
/// scope not within `grantedScope` (`scope_widening`), and extra parameters that are empty or
/// would repeat a protocol parameter (`invalid_argument`).
///
/// Body parameter order (see [`super::dialect`]): `grant_type`, `refresh_token`, `scope`, then
/// the client authentication parameters, then the extra parameters — except in the `curity`
/// dialect, where the client credentials come right after `grant_type` as in Curity's
/// documentation. TokenIDP gets a JSON object `grantType`, `clientId`, `clientSecret`,
/// `refreshToken`, `scope`, extras (written by [`crate::json::write`](mod@crate::json::write)).
pub fn refresh_request_body(
    config: &ClientConfig,
    params: &RefreshParams,
    now_ms: f64,
    jti_entropy: &[u8; 16],
) -> Result<String, RotorError> {
    refresh_request_body_signed(config, params, now_ms, jti_entropy, None)
}

/// [`refresh_request_body`] with the `private_key_jwt` client assertion the caller signed
/// (RFC 7523 §2.2; see [`crate::jws`]); `None` for the other methods.
#[inline(never)]
pub fn refresh_request_body_signed(
    config: &ClientConfig,
    params: &RefreshParams,
    now_ms: f64,
    jti_entropy: &[u8; 16],
    client_assertion: Option<&str>,
) -> Result<String, RotorError> {
    let token = params.refresh_token.expose();
    if token.is_empty() {
        return Err(RotorError::argument("refreshToken must not be empty"));
    }
    if token.len() > MAX_REFRESH_TOKEN_BYTES {
        return Err(RotorError::argument("refreshToken is too long"));
    }
    if !token.chars().all(|c| matches!(c, '\u{20}'..='\u{7E}')) {
        return Err(RotorError::argument(
            "refreshToken has characters outside VSCHAR (RFC 6749 Appendix A.17)",
        ));
    }
    if contains_secret(config.token_endpoint(), token) {
        return Err(RotorError::config(
            "tokenEndpoint contains the refresh token: tokens never go in URLs (RFC 9700 §4.1)",
        ));
    }
    if !now_ms.is_finite() || now_ms < 0.0 {
        return Err(RotorError::argument(
            "now must be a finite, non-negative number of milliseconds",
        ));
    }
    let scope = match params.scope.as_deref() {
        None => None,
        Some(text) => {
            let scope = Scope::parse_argument("scope", text)?;
            if let Some(granted) = config.granted_scope() {
                // The tokens not granted, in order, as in `Scope::not_in`.
                let mut extra = String::new();
                for token in scope.tokens() {
                    if !granted.tokens().contains(token) {
                        extra.push_str(if extra.is_empty() { "" } else { " " });
                        extra.push_str(token);
                    }
                }
                if !extra.is_empty() {
                    return Err(RotorError::new(
                        crate::error::RotorErrorCode::ScopeWidening,
                        join(&[
                            "scope \"",
                            &extra,
                            "\" is not within the granted scope (RFC 6749 §6); sign in again to widen it",
                        ]),
                    ));
                }
            }
            Some(scope.to_wire())
        }
    };
    for (name, _) in &params.extra_params {
        if name.is_empty() {
            return Err(RotorError::argument(
                "extraParams has an empty parameter name",
            ));
        }
        if is_protocol_param(name.as_bytes()) {
            return Err(RotorError::argument(join(&[
                "extraParams must not set the protocol parameter \"",
                prefix(name, 40),
                "\"",
            ])));
        }
    }

    let dialect = config.dialect();
    let mut signed = String::new();
    let auth = config.auth().body_params(
        config.client_id(),
        config.token_endpoint(),
        now_ms,
        jti_entropy,
        client_assertion,
        &mut signed,
    )?;

    // grant_type, refresh_token, scope, client authentication; or (Curity, TokenIDP) the
    // client authentication right after grant_type. An empty name is an unused slot.
    let grant = ("grant_type", "refresh_token");
    let refresh = ("refresh_token", token);
    let scope = match &scope {
        Some(s) => ("scope", s.as_str()),
        None => NO_PARAM,
    };
    let [a, b, c] = auth;
    let slots = if dialect.credentials_first() || dialect.json_body() {
        [grant, a, b, c, refresh, scope]
    } else {
        [grant, refresh, scope, a, b, c]
    };
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(6 + params.extra_params.len());
    push_slots(&mut fields, &slots);
    for (k, v) in &params.extra_params {
        fields.push((k, v));
    }

    if dialect.json_body() {
        let mut body = String::with_capacity(64 + token.len());
        body.push('{');
        for (name, value) in &fields {
            push_name(&mut body, camel_case(name));
            push_string(&mut body, value);
        }
        body.push('}');
        Ok(body)
    } else {
        Ok(crate::form::serialize(&fields))
    }
}

/// The headers of a revocation request (RFC 7009 §2.1): those of a refresh request, except
/// that the body is always `application/x-www-form-urlencoded`.
pub fn revocation_request_headers(config: &ClientConfig) -> Vec<(&'static str, String)> {
    let mut headers = refresh_request_headers(config);
    for (name, value) in &mut headers {
        if *name == "content-type" {
            *value = "application/x-www-form-urlencoded".to_owned();
        }
    }
    headers
}

/// The body of a revocation request (RFC 7009 §2.1) for `token` with its `token_type_hint`
/// (`refresh_token` or `access_token`, RFC 7009 §2.1; `None` sends none), and the client's
/// authentication (a `client_secret_jwt` assertion is addressed to the revocation endpoint).
/// Refused: no `revocationEndpoint` configured (`invalid_config`), an empty token, one outside
/// VSCHAR or that appears in an endpoint URL, an unknown hint (`invalid_argument`).
pub fn revocation_request_body(
    config: &ClientConfig,
    token: &str,
    token_type_hint: Option<&str>,
    now_ms: f64,
    jti_entropy: &[u8; 16],
) -> Result<String, RotorError> {
    revocation_request_body_signed(config, token, token_type_hint, now_ms, jti_entropy, None)
}

/// [`revocation_request_body`] with the `private_key_jwt` client assertion the caller signed
/// (addressed to the revocation endpoint); `None` for the other methods.
#[inline(never)]
pub fn revocation_request_body_signed(
    config: &ClientConfig,
    token: &str,
    token_type_hint: Option<&str>,
    now_ms: f64,
    jti_entropy: &[u8; 16],
    client_assertion: Option<&str>,
) -> Result<String, RotorError> {
    let Some(endpoint) = config.revocation_endpoint() else {
        return Err(RotorError::config(
            "revocationEndpoint is not configured (RFC 7009 §2)",
        ));
    };
    if token.is_empty() {
        return Err(RotorError::argument("token must not be empty"));
    }
    if token.len() > MAX_REFRESH_TOKEN_BYTES {
        return Err(RotorError::argument("token is too long"));
    }
    if !token.chars().all(|c| matches!(c, '\u{20}'..='\u{7E}')) {
        return Err(RotorError::argument(
            "token has characters outside VSCHAR (RFC 6749 Appendix A.17)",
        ));
    }
    if contains_secret(endpoint, token) || contains_secret(config.token_endpoint(), token) {
        return Err(RotorError::config(
            "an endpoint contains the token: tokens never go in URLs (RFC 9700 §4.1)",
        ));
    }
    if !matches!(
        token_type_hint,
        None | Some("refresh_token" | "access_token")
    ) {
        return Err(RotorError::argument(
            "tokenTypeHint must be refresh_token or access_token (RFC 7009 §2.1)",
        ));
    }
    if !now_ms.is_finite() || now_ms < 0.0 {
        return Err(RotorError::argument(
            "now must be a finite, non-negative number of milliseconds",
        ));
    }
    let mut signed = String::new();
    let auth = config.auth().body_params(
        config.client_id(),
        endpoint,
        now_ms,
        jti_entropy,
        client_assertion,
        &mut signed,
    )?;
    let hint = match token_type_hint {
        Some(hint) => ("token_type_hint", hint),
        None => NO_PARAM,
    };
    let [a, b, c] = auth;
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(5);
    push_slots(&mut fields, &[("token", token), hint, a, b, c]);
    Ok(crate::form::serialize(&fields))
}

/// An unused parameter slot (an empty name).
const NO_PARAM: (&str, &str) = ("", "");

/// Appends the used slots (a non-empty name) of `slots`, in order.
fn push_slots<'a>(fields: &mut Vec<(&'a str, &'a str)>, slots: &[(&'a str, &'a str)]) {
    for &(name, value) in slots {
        if !name.is_empty() {
            fields.push((name, value));
        }
    }
}

/// TokenIDP's camelCase names for the protocol parameters; extra parameters keep theirs.
fn camel_case(name: &str) -> &str {
    match name {
        "grant_type" => "grantType",
        "refresh_token" => "refreshToken",
        "client_id" => "clientId",
        "client_secret" => "clientSecret",
        other => other,
    }
}
