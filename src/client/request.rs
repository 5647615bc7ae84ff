//! Building the refresh-token request (RFC 6749 §6).

use super::config::{ClientConfig, contains_secret, is_protocol_param};
use super::scope::Scope;
use crate::error::RotorError;
use crate::secret::Secret;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Longest accepted refresh token, in bytes (a guard against absurd inputs).
pub const MAX_REFRESH_TOKEN_BYTES: usize = 64 * 1024;

/// What the caller asks for (`buildRefreshRequest`'s second argument, without `now`).
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
    /// The current time in milliseconds (used only by `client_secret_jwt`); the JS layer
    /// fills it from `Date.now()` when omitted.
    #[serde(default)]
    pub now: Option<f64>,
}

/// Reads a JSON/JS object of string values into ordered pairs (document order is kept).
fn ordered_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
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

/// Builds the refresh-token request (RFC 6749 §6) for `config`.
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
/// `refreshToken`, `scope`, extras.
pub fn build_refresh_request(
    config: &ClientConfig,
    params: &RefreshParams,
    now_ms: f64,
    jti_entropy: &[u8; 16],
) -> Result<RefreshRequest, RotorError> {
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
                let extra = scope.not_in(granted);
                if !extra.is_empty() {
                    return Err(RotorError::new(
                        crate::error::RotorErrorCode::ScopeWidening,
                        format!(
                            "scope \"{}\" is not within the granted scope (RFC 6749 §6); sign in again to widen it",
                            extra.join(" ")
                        ),
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
        if is_protocol_param(name) {
            return Err(RotorError::argument(format!(
                "extraParams must not set the protocol parameter \"{}\"",
                name.chars().take(40).collect::<String>()
            )));
        }
    }

    let dialect = config.dialect();
    let auth = config.auth().apply(
        config.client_id(),
        config.token_endpoint(),
        now_ms,
        jti_entropy,
    );

    let mut fields: Vec<(&str, &str)> = vec![("grant_type", "refresh_token")];
    let auth_fields = auth.params.iter().map(|(k, v)| (*k, v.as_str()));
    if dialect.credentials_first() || dialect.json_body() {
        fields.extend(auth_fields);
        fields.push(("refresh_token", token));
        if let Some(s) = &scope {
            fields.push(("scope", s));
        }
    } else {
        fields.push(("refresh_token", token));
        if let Some(s) = &scope {
            fields.push(("scope", s));
        }
        fields.extend(auth_fields);
    }
    fields.extend(
        params
            .extra_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );

    let mut headers = BTreeMap::new();
    headers.insert("accept".to_owned(), "application/json".to_owned());
    if let Some(a) = auth.authorization {
        headers.insert("authorization".to_owned(), a);
    }
    let body = if dialect.json_body() {
        headers.insert("content-type".to_owned(), "application/json".to_owned());
        let members: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}:{}",
                    serde_json::Value::from(camel_case(k)),
                    serde_json::Value::from(*v)
                )
            })
            .collect();
        format!("{{{}}}", members.join(","))
    } else {
        headers.insert(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        );
        crate::form::serialize(fields.iter().copied())
    };
    Ok(RefreshRequest {
        url: config.token_endpoint().to_owned(),
        method: "POST",
        headers,
        body,
    })
}

/// TokenIDP's camelCase names for the protocol parameters; extra parameters keep theirs.
fn camel_case(name: &str) -> String {
    match name {
        "grant_type" => "grantType".into(),
        "refresh_token" => "refreshToken".into(),
        "client_id" => "clientId".into(),
        "client_secret" => "clientSecret".into(),
        other => other.into(),
    }
}
