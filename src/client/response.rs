//! Reading the token endpoint's answer: RFC 6749 §5.1 success, §5.2 error, and the quirks of
//! each dialect (see [`super::dialect`]). Bodies are read by the crate's one JSON reader,
//! [`crate::json::scan`] (RFC 8259; no duplicate names, depth ≤ 64, bounded counts).

use super::config::ClientConfig;
use super::dialect::Dialect;
use super::scope::Scope;
use crate::error::{Error, ErrorKind, OAuthError, RotorError};
use crate::json::JsonError;
use crate::json::scan::{self, Kind, Object, Raw};
use crate::secret::Secret;
use crate::text::{join, u64_text};
use serde::{Deserialize, Serialize};

/// Largest response body read: 1 MiB.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Longest lifetime (`expires_in`, `refresh_expires_in`, `Retry-After`) accepted: 10 years
/// in seconds. Larger values are treated as garbage, not as "forever".
pub const MAX_LIFETIME_SECONDS: u64 = 10 * 365 * 24 * 60 * 60;

/// An HTTP response from the token endpoint (`{ status, headers, body }` in JS).
#[derive(Debug, Clone, Copy)]
pub struct TokenResponse<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// Header (name, value) pairs; names are compared case-insensitively (RFC 9110 §5.1).
    pub headers: &'a [(String, String)],
    /// The raw body.
    pub body: &'a [u8],
}

/// What is kept from the previous token set: only these three members are read, so a whole
/// stored `TokenSet` may be passed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousTokens {
    /// The refresh token that was redeemed.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// The scope of the previous token set.
    #[serde(default)]
    pub scope: Option<String>,
    /// The previous ID token (OpenID Connect Core §12.2 lets a refresh omit it).
    #[serde(default)]
    pub id_token: Option<Secret>,
}

/// Options of `parseTokenResponse` (`{ previous?, requestedScope? }`); the time of receipt
/// is an argument of [`parse_token_response`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParseOptions {
    /// The token set being refreshed.
    #[serde(default)]
    pub previous: Option<PreviousTokens>,
    /// The `scope` sent in the request, if any.
    #[serde(default)]
    pub requested_scope: Option<String>,
}

/// The result of a successful refresh (`TokenSet` in JS): all nine members are always
/// serialised, `null` when there is no value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    /// RFC 6749 §5.1 `access_token`.
    pub access_token: Secret,
    /// RFC 6749 §7.1 `token_type`, as sent (`"Bearer"` when Keycloak omits it).
    pub token_type: String,
    /// `received_at + expires_in * 1000`, or `None` without `expires_in`.
    pub expires_at: Option<f64>,
    /// The refresh token to use next: the response's, else the previous one (RFC 6749 §6).
    pub refresh_token: Option<Secret>,
    /// `received_at + refresh_token_expires_in * 1000` (draft-ietf-oauth-refresh-token-expiration,
    /// every dialect; TokenIDP's `refreshTokenExpiresIn`), else Keycloak's
    /// `received_at + refresh_expires_in * 1000` (Keycloak only, `0` = no expiry), or `None`.
    /// When a Keycloak answer has both, the standard `refresh_token_expires_in` wins.
    pub refresh_expires_at: Option<f64>,
    /// The granted scope (RFC 6749 §5.1), else the requested one, else the previous one.
    pub scope: Option<String>,
    /// The ID token (OpenID Connect Core §12.2), else the previous one.
    pub id_token: Option<Secret>,
    /// True when the response carries a refresh token different from the previous one.
    pub rotated: bool,
    /// The `now` of the parse, in milliseconds.
    pub received_at: f64,
}

/// Reads a token endpoint response (RFC 6749 §5.1, §5.2) received at `now_ms`.
///
/// - 2xx: a §5.1 token response (or the dialect's form of it) becomes a [`TokenSet`];
///   anything else is `invalid_response` (kind `protocol`).
/// - 4xx/5xx: an [`OAuthError`] (see [`error_from_response`]).
/// - 1xx/3xx: `invalid_response` (a redirect is not a token response).
/// - A status outside 100..=599 or a bad `now`/`requestedScope` is `invalid_argument`.
#[inline(never)]
pub fn parse_token_response(
    config: &ClientConfig,
    response: &TokenResponse<'_>,
    options: &ParseOptions,
    now_ms: f64,
) -> Result<TokenSet, Error> {
    if !now_ms.is_finite() || now_ms < 0.0 {
        return Err(RotorError::argument(
            "now must be a finite, non-negative number of milliseconds",
        )
        .into());
    }
    if !(100..=599).contains(&response.status) {
        return Err(RotorError::argument("status must be an HTTP status code (100-599)").into());
    }
    let requested_scope = match options.requested_scope.as_deref() {
        Some(text) => Some(Scope::parse_argument("requestedScope", text)?.to_wire()),
        None => None,
    };
    if response.status >= 400 {
        let err = error_from_response(config.dialect(), response, now_ms);
        return Err(redact_oauth_error(err, config, options).into());
    }
    if response.status < 200 || response.status >= 300 {
        return Err(RotorError::response(join(&[
            "the token endpoint answered HTTP ",
            &u64_text(u64::from(response.status)),
            ", not a token response",
        ]))
        .into());
    }
    if response.body.len() > MAX_RESPONSE_BYTES {
        return Err(RotorError::response("token response body is larger than 1 MiB").into());
    }
    let object = scan::object_bytes(response.body).map_err(|e| {
        RotorError::response(join(&[
            "token response is not a JSON object (",
            &e.message(),
            ")",
        ]))
    })?;
    let dialect = config.dialect();
    let data;
    let members = if dialect.enveloped_response() {
        match object.get("isSuccess").and_then(Raw::as_bool) {
            Some(true) => match object.get("data").and_then(Raw::object) {
                Some(inner) => {
                    data = inner;
                    &data
                }
                None => {
                    return Err(RotorError::response(
                        "TokenIDP envelope with isSuccess: true has no data object",
                    )
                    .into());
                }
            },
            Some(false) => {
                let err = tokenidp_error(&object, response, now_ms);
                return Err(redact_oauth_error(err, config, options).into());
            }
            None => {
                return Err(RotorError::response(
                    "TokenIDP response has no boolean isSuccess (expected the { isSuccess, data } envelope)",
                )
                .into());
            }
        }
    } else {
        &object
    };
    let fields = read_fields(dialect, members)?;

    // Only what the answer lacks is copied from the previous set.
    let previous = options.previous.as_ref();
    let previous_refresh_token = previous.and_then(|p| p.refresh_token.as_ref());
    let rotated = match (&fields.refresh_token, previous_refresh_token) {
        (Some(new), Some(old)) => new != old,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let at = |seconds: Option<u64>| seconds.map(|s| now_ms + s as f64 * 1000.0);
    Ok(TokenSet {
        access_token: fields.access_token,
        token_type: fields.token_type,
        expires_at: at(fields.expires_in),
        refresh_token: fields
            .refresh_token
            .or_else(|| previous_refresh_token.cloned()),
        refresh_expires_at: at(fields.refresh_expires_in),
        scope: fields
            .scope
            .or(requested_scope)
            .or_else(|| previous.and_then(|p| p.scope.clone())),
        id_token: fields
            .id_token
            .or_else(|| previous.and_then(|p| p.id_token.clone())),
        rotated,
        received_at: now_ms,
    })
}

struct Fields {
    access_token: Secret,
    token_type: String,
    expires_in: Option<u64>,
    refresh_token: Option<Secret>,
    refresh_expires_in: Option<u64>,
    scope: Option<String>,
    id_token: Option<Secret>,
}

/// Member names of a success response in each dialect.
struct Names {
    access_token: &'static str,
    token_type: &'static str,
    expires_in: &'static str,
    refresh_token: &'static str,
    refresh_expires_in: &'static str,
    refresh_token_expires_in: &'static str,
    scope: &'static str,
    id_token: &'static str,
}

const RFC_NAMES: Names = Names {
    access_token: "access_token",
    token_type: "token_type",
    expires_in: "expires_in",
    refresh_token: "refresh_token",
    refresh_expires_in: "refresh_expires_in",
    refresh_token_expires_in: "refresh_token_expires_in",
    scope: "scope",
    id_token: "id_token",
};

const TOKENIDP_NAMES: Names = Names {
    access_token: "accessToken",
    token_type: "tokenType",
    expires_in: "expiresIn",
    refresh_token: "refreshToken",
    refresh_expires_in: "refreshExpiresIn",
    refresh_token_expires_in: "refreshTokenExpiresIn",
    scope: "scope",
    id_token: "idToken",
};

/// The members of a success response being read, in one dialect.
struct Reader<'o, 'a> {
    obj: &'o Object<'a>,
    dialect: Dialect,
}

/// `token response member <name><why>` as `invalid_response` (one cold call per site).
#[cold]
#[inline(never)]
fn member_error(name: &str, why: &str) -> RotorError {
    RotorError::response(join(&["token response member ", name, why]))
}

impl Reader<'_, '_> {
    /// Member `name`; `null` counts as absent where the dialect says so.
    #[inline(never)]
    fn get(&self, name: &str) -> Option<&Raw<'_>> {
        self.obj
            .get(name)
            .filter(|v| !(v.is_null() && self.dialect.null_members_absent()))
    }

    /// A string member, or `None` when absent.
    #[inline(never)]
    fn string(&self, name: &str) -> Result<Option<String>, RotorError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(s) => Ok(Some(s.into_owned())),
                None => Err(member_error(name, " must be a string")),
            },
        }
    }

    /// A token member (a non-empty string), or `None` when absent.
    #[inline(never)]
    fn token(&self, name: &str) -> Result<Option<Secret>, RotorError> {
        match self.string(name)? {
            Some(s) if s.is_empty() => Err(member_error(name, " must not be empty")),
            other => Ok(other.map(Secret::new)),
        }
    }

    /// A lifetime member ([`read_lifetime`]), or `None` when absent.
    #[inline(never)]
    fn lifetime(&self, name: &str) -> Result<Option<u64>, RotorError> {
        self.get(name)
            .map(|v| read_lifetime(name, v, self.dialect.lifetime_strings_allowed()))
            .transpose()
    }
}

/// `token response has no <name> (RFC 6749 §5.1)` as `invalid_response`.
#[cold]
#[inline(never)]
fn missing(name: &str) -> RotorError {
    RotorError::response(join(&["token response has no ", name, " (RFC 6749 §5.1)"]))
}

#[inline(never)]
fn read_fields(dialect: Dialect, obj: &Object<'_>) -> Result<Fields, RotorError> {
    let names = if dialect.enveloped_response() {
        &TOKENIDP_NAMES
    } else {
        &RFC_NAMES
    };
    let r = Reader { obj, dialect };
    let access_token = r
        .token(names.access_token)?
        .ok_or_else(|| missing(names.access_token))?;
    let token_type = match r.string(names.token_type)? {
        Some(t) if !t.is_empty() && t.bytes().all(|c| c.is_ascii_graphic()) => t,
        Some(_) => {
            return Err(member_error(
                names.token_type,
                " is empty or has invalid characters",
            ));
        }
        None if dialect.token_type_optional() => "Bearer".to_owned(),
        None => return Err(missing(names.token_type)),
    };
    let expires_in = r.lifetime(names.expires_in)?;
    let refresh_token = r.token(names.refresh_token)?;
    // draft-ietf-oauth-refresh-token-expiration: `refresh_token_expires_in`, read as sent
    // (0 = the refresh token expires on receipt). It wins over Keycloak's own name, whose 0
    // means an offline token that does not expire; both are checked when present.
    let standard = r.lifetime(names.refresh_token_expires_in)?;
    let keycloak = if dialect.reads_refresh_expires_in() {
        r.lifetime(names.refresh_expires_in)?.filter(|&s| s > 0)
    } else {
        None
    };
    let refresh_expires_in = standard.or(keycloak);
    let scope = match r.string(names.scope)? {
        None => None,
        Some(text) => {
            let scope = Scope::wire(&text).map_err(|e| {
                RotorError::response(join(&["token response member scope: ", &e.message()]))
            })?;
            if scope.is_empty() && !dialect.empty_scope_allowed() {
                return Err(RotorError::response(
                    "token response member scope is empty (RFC 6749 §3.3 needs at least one scope token)",
                ));
            }
            match scope {
                std::borrow::Cow::Owned(wire) => Some(wire),
                std::borrow::Cow::Borrowed(_) => Some(text),
            }
        }
    };
    let id_token = r.token(names.id_token)?;
    Ok(Fields {
        access_token,
        token_type,
        expires_in,
        refresh_token,
        refresh_expires_in,
        scope,
        id_token,
    })
}

/// Reads a lifetime in seconds: a non-negative whole JSON number of at most
/// [`MAX_LIFETIME_SECONDS`]; with `allow_string`, also a string of ASCII digits.
fn read_lifetime(name: &str, value: &Raw<'_>, allow_string: bool) -> Result<u64, RotorError> {
    let bad = |why: &str| member_error(name, why);
    const WHOLE: &str = " must be a whole number of seconds";
    let seconds = match value.kind() {
        Kind::Number => {
            // Scanned numbers are finite; integers beyond u64 and fractions alike are read as
            // the correctly rounded f64, which is exact for every whole value up to 10 years.
            let f = value.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() || f.fract() != 0.0 {
                return Err(bad(WHOLE));
            }
            if f < 0.0 {
                return Err(bad(" must not be negative"));
            }
            if f > MAX_LIFETIME_SECONDS as f64 {
                return Err(bad(" is larger than 10 years"));
            }
            f as u64
        }
        Kind::String { .. } if allow_string => {
            let s = value.as_str().unwrap_or_default();
            if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(WHOLE));
            }
            // At most 12 digits: no overflow.
            s.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'))
        }
        Kind::String { .. } => {
            return Err(bad(" must be a JSON number, not a string (RFC 6749 §5.1)"));
        }
        _ => return Err(bad(" must be a number of seconds")),
    };
    if seconds > MAX_LIFETIME_SECONDS {
        return Err(bad(" is larger than 10 years"));
    }
    Ok(seconds)
}

/// The error code and kind derived from an HTTP status when the body has no usable RFC 6749
/// §5.2 `error`: 400 `invalid_request`, 401 `invalid_client`, 403 `unauthorized_client`,
/// other 4xx `invalid_request` (all `config`); 408, 429 and 503 `temporarily_unavailable`,
/// other 5xx `server_error` (all `retry`).
pub fn code_for_status(status: u16) -> &'static str {
    match status {
        401 => "invalid_client",
        403 => "unauthorized_client",
        408 | 429 | 503 => "temporarily_unavailable",
        500..=599 => "server_error",
        _ => "invalid_request",
    }
}

fn status_error(status: u16, retry_after_ms: Option<f64>, kind: Option<ErrorKind>) -> OAuthError {
    let code = code_for_status(status);
    OAuthError {
        code: code.to_owned(),
        status,
        description: None,
        uri: None,
        retry_after_ms,
        kind: kind.unwrap_or_else(|| OAuthError::kind_for(code, status)),
    }
}

/// True for a valid RFC 6749 §5.2 `error` value: `1*( %x20-21 / %x23-5B / %x5D-7E )`.
fn valid_error_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 256
        && code
            .chars()
            .all(|c| matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}'))
}

fn optional_string(obj: &Object<'_>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| obj.get(n).and_then(Raw::as_str).map(|s| s.into_owned()))
}

/// Turns an error status (4xx/5xx) into an [`OAuthError`] (RFC 6749 §5.2).
///
/// - A JSON object with a valid string `error`: that code, `error_description` verbatim,
///   `error_uri`, and the kind from [`OAuthError::kind_for`].
/// - TokenIDP's `{ isSuccess: false, ... }` envelope: see [`parse_token_response`]'s dialect
///   notes (`error`/`errorCode`/`code`, `errorDescription`/`error_description`/`message`).
/// - A JSON body without a usable `error`, an empty body or a body over 1 MiB: the code from
///   [`code_for_status`] and its kind.
/// - A non-empty body that is not JSON (an HTML page from a proxy or gateway): the code from
///   [`code_for_status`], kind `retry`.
///
/// `retryAfter` comes from `Retry-After` (RFC 9110 §10.2.3), in milliseconds from `now_ms`.
#[inline(never)]
pub fn error_from_response(
    dialect: Dialect,
    response: &TokenResponse<'_>,
    now_ms: f64,
) -> OAuthError {
    let retry_after_ms = retry_after(response.headers, now_ms);
    let status = response.status;
    if response.body.len() > MAX_RESPONSE_BYTES {
        return status_error(status, retry_after_ms, None);
    }
    match scan::object_bytes(response.body) {
        Ok(obj) => {
            if dialect.enveloped_response() && obj.contains("isSuccess") {
                return tokenidp_error(&obj, response, now_ms);
            }
            match obj.get("error").and_then(Raw::as_str) {
                Some(code) if valid_error_code(&code) => OAuthError {
                    kind: OAuthError::kind_for(&code, status),
                    code: code.into_owned(),
                    status,
                    description: optional_string(&obj, &["error_description"]),
                    uri: optional_string(&obj, &["error_uri"]),
                    retry_after_ms,
                },
                _ => status_error(status, retry_after_ms, None),
            }
        }
        Err(JsonError::Syntax(_)) if !response.body.iter().all(u8::is_ascii_whitespace) => {
            status_error(status, retry_after_ms, Some(ErrorKind::Retry))
        }
        Err(_) => status_error(status, retry_after_ms, None),
    }
}

/// Shortest secret text that is searched for and redacted in a server's error text (shorter
/// values would garble ordinary words).
const MIN_REDACTED_LEN: usize = 6;

/// Removes the credentials of this exchange (the refresh and ID tokens being redeemed, the
/// client secret and its HTTP Basic form) from a server's `error_description` / `error_uri`:
/// a server that echoes them must not make rotor put them in error messages and logs
/// (RFC 6819 §5.1.4, RFC 9700 §4.3).
fn redact_oauth_error(
    mut err: OAuthError,
    config: &ClientConfig,
    options: &ParseOptions,
) -> OAuthError {
    let previous = options.previous.as_ref();
    let (basic, encoded, secret) = match config.auth() {
        super::auth::ClientAuth::SecretBasic(s) | super::auth::ClientAuth::SecretPost(s) => (
            super::auth::basic_credentials(config.client_id(), s),
            crate::form::encode(s.expose()),
            s.expose(),
        ),
        _ => (String::new(), String::new(), ""),
    };
    let mut secrets = [
        previous
            .and_then(|p| p.refresh_token.as_ref())
            .map_or("", Secret::expose),
        previous
            .and_then(|p| p.id_token.as_ref())
            .map_or("", Secret::expose),
        &basic,
        &encoded,
        secret,
    ];
    // Longest first, so that a secret containing another is replaced whole.
    for i in 0..secrets.len() {
        for j in i + 1..secrets.len() {
            if secrets[j].len() > secrets[i].len() {
                secrets.swap(i, j);
            }
        }
    }
    let secrets = secrets.iter().filter(|s| s.len() >= MIN_REDACTED_LEN);
    for text in [&mut err.description, &mut err.uri].into_iter().flatten() {
        for s in secrets.clone() {
            if crate::text::find(text, s).is_some() {
                *text = crate::text::replace(text, s, "[redacted]");
            }
        }
    }
    if secrets
        .clone()
        .any(|s| crate::text::find(&err.code, s).is_some())
    {
        // A server that answers with a credential as its error code: the status decides.
        err.code = code_for_status(err.status).to_owned();
        err.kind = OAuthError::kind_for(&err.code, err.status);
    }
    err
}

/// TokenIDP's failure envelope `{ isSuccess: false, error | errorCode | code,
/// errorDescription | error_description | message }` as an [`OAuthError`]. Without a code,
/// the status decides ([`code_for_status`]; a 2xx status gives `invalid_request`).
#[inline(never)]
fn tokenidp_error(obj: &Object<'_>, response: &TokenResponse<'_>, now_ms: f64) -> OAuthError {
    let retry_after_ms = retry_after(response.headers, now_ms);
    let status = response.status;
    let code = optional_string(obj, &["error", "errorCode", "code"])
        .filter(|c| valid_error_code(c))
        .unwrap_or_else(|| code_for_status(status).to_owned());
    OAuthError {
        kind: OAuthError::kind_for(&code, status),
        code,
        status,
        description: optional_string(obj, &["errorDescription", "error_description", "message"]),
        uri: optional_string(obj, &["errorUri", "error_uri"]),
        retry_after_ms,
    }
}

/// `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `now_ms`: delta-seconds, or an
/// HTTP date (a date in the past gives 0), without surrounding ASCII whitespace (RFC 9110
/// §5.5). `None` when absent, malformed or over 10 years.
#[inline(never)]
pub fn retry_after(headers: &[(String, String)], now_ms: f64) -> Option<f64> {
    let value = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))?
        .1
        .trim_ascii();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: u64 = value.parse().ok()?;
        return (seconds <= MAX_LIFETIME_SECONDS).then_some(seconds as f64 * 1000.0);
    }
    let at_ms = crate::http_date::parse(value)? as f64 * 1000.0;
    let delay = (at_ms - now_ms).max(0.0);
    (delay <= MAX_LIFETIME_SECONDS as f64 * 1000.0).then_some(delay)
}

/// The `iat` and `exp` claims (NumericDate seconds) of a JWT, read WITHOUT verification.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnverifiedJwtTimes {
    /// `iat` (RFC 7519 §4.1.6), if a number.
    pub iat: Option<f64>,
    /// `exp` (RFC 7519 §4.1.4), if a number.
    pub exp: Option<f64>,
}

/// Largest token [`unverified_jwt_times`] looks into.
pub const MAX_UNVERIFIED_JWT_BYTES: usize = 64 * 1024;

/// Reads `iat`/`exp` from an access token that is a compact JWS (RFC 7515 §7.1) — WITHOUT
/// checking its signature. The values are untrusted: use them only as hints, e.g. to estimate
/// the clock skew between this machine and the issuer (RFC 9068 access tokens carry both).
/// `None` when the token is not a JWT with a JSON header and JSON object claims.
pub fn unverified_jwt_times(token: &str) -> Option<UnverifiedJwtTimes> {
    if token.len() > MAX_UNVERIFIED_JWT_BYTES {
        return None;
    }
    // Three parts: exactly two dots.
    let dot = |s: &str| s.bytes().position(|b| b == b'.');
    let (header, rest) = token.split_at(dot(token)?);
    let rest = &rest[1..];
    let (claims, signature) = rest.split_at(dot(rest)?);
    if dot(&signature[1..]).is_some() {
        return None;
    }
    let header = crate::b64::decode(header)?;
    let header = scan::object_bytes(&header).ok()?;
    if !header.get("alg").is_some_and(Raw::is_string) {
        return None;
    }
    let claims = crate::b64::decode(claims)?;
    let claims = scan::object_bytes(&claims).ok()?;
    let number = |k: &str| {
        claims
            .get(k)
            .and_then(Raw::as_f64)
            .filter(|f| f.is_finite())
    };
    Some(UnverifiedJwtTimes {
        iat: number("iat"),
        exp: number("exp"),
    })
}
