//! HTTP shapes of the issuer: requests in, responses out, body parsing and client
//! authentication (RFC 6749 §2.3.1, §3.2).

use super::config::{Client, Settings};
use super::token::RefreshToken;
use crate::b64;
use crate::client::AuthMethod;
use crate::json::write::Obj;
use crate::text::{join, prefix, u64_text};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

/// Largest accepted request body: 64 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most parameters a request body may carry (form pairs, or JSON members): 64. A refresh
/// request (RFC 6749 §6) has at most five (`grant_type`, `refresh_token`, `scope`, and
/// `client_id` / `client_secret` of RFC 6749 §2.3.1), revocation (RFC 7009 §2.1) and
/// introspection (RFC 7662 §2.1) fewer; the rest is room for extensions. More is
/// `invalid_request` (RFC 6749 §5.2: "includes a parameter more than once ... or is otherwise
/// malformed"), decided before any parameter is decoded.
pub const MAX_FORM_PARAMETERS: usize = 64;

/// An HTTP request as the driver hands it over (header names lower-case). `Debug` shows the
/// header names only and not the body: they carry refresh tokens and client credentials.
#[derive(Clone, Default)]
pub struct HttpRequest {
    /// The method (`POST`, `GET`, ...).
    pub method: String,
    /// The URL path (no query).
    pub path: String,
    /// Header pairs with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The request's DPoP proof as the driver checked it (RFC 9449 §4.3).
    pub dpop: DpopProof,
}

/// A request's DPoP proof (RFC 9449 §4) as the driver found it: the proof's signature and
/// claims are checked outside the edge module (`src/dpop.rs` in the DPoP module, WebCrypto
/// for the signature); the issuer core decides what the outcome means for the client and the
/// family (binding, replay, rotation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DpopProof {
    /// No `DPoP` header.
    #[default]
    None,
    /// A `DPoP` header not checked: a front that only routes (phase 1 of rotor/worker).
    Unchecked,
    /// A proof that passed every check of RFC 9449 §4.3, its signature included.
    Valid {
        /// The RFC 7638 thumbprint of the proof's key.
        jkt: String,
        /// The proof's `jti`.
        jti: String,
        /// The proof's `iat` (seconds).
        iat: u64,
    },
    /// A refused proof: the RFC 9449 code (`invalid_dpop_proof`, or `use_dpop_nonce` when
    /// only the nonce was missing or stale, §8) and why.
    Refused {
        /// `use_dpop_nonce` rather than `invalid_dpop_proof`.
        use_nonce: bool,
        /// The description.
        description: String,
    },
}

/// A whole number of seconds in decimal (at most 12 digits: years up to 33 000).
fn seconds(text: &str) -> Option<u64> {
    let ok = !text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

/// A verdict the core cannot read (never from rotor's driver).
const UNCHECKABLE: &str = "the DPoP proof could not be checked";

/// The text before the first space, and the rest after it.
fn word(text: &str) -> (&str, &str) {
    match text.bytes().position(|b| b == b' ') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    }
}

impl DpopProof {
    /// Reads the driver's wire form (written by pkg/lib/issuer.js from the DPoP module's bounded
    /// answers): `""` (no header), `"unchecked"`, `"valid <jkt> <iat>
    /// <jti>"`, `"use_dpop_nonce <description>"` or `"invalid_dpop_proof <description>"`.
    /// Anything else is a refused proof (never a valid one).
    pub fn from_wire(text: &str) -> DpopProof {
        let refused = |use_nonce, description: &str| DpopProof::Refused {
            use_nonce,
            description: description.to_owned(),
        };
        let (kind, rest) = word(text);
        match kind {
            "" if rest.is_empty() => DpopProof::None,
            "unchecked" if rest.is_empty() => DpopProof::Unchecked,
            "valid" => {
                let (jkt, rest) = word(rest);
                let (iat, jti) = word(rest);
                match seconds(iat) {
                    Some(iat) if !jkt.is_empty() && !jti.is_empty() => DpopProof::Valid {
                        jkt: jkt.to_owned(),
                        jti: jti.to_owned(),
                        iat,
                    },
                    _ => refused(false, UNCHECKABLE),
                }
            }
            "use_dpop_nonce" => refused(true, rest),
            "invalid_dpop_proof" => refused(false, rest),
            _ => refused(false, UNCHECKABLE),
        }
    }
}

impl HttpRequest {
    /// The first value of a header (names compare case-insensitively).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field(
                "body",
                &format_args!("[redacted {} bytes]", self.body.len()),
            )
            .finish()
    }
}

/// An HTTP response to send (header names lower-case). `Debug` omits the body of successful
/// responses (token responses carry the tokens); error bodies are shown.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(String, String)>,
    /// The body (JSON text or empty).
    pub body: String,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("HttpResponse");
        d.field("status", &self.status)
            .field("headers", &self.headers);
        if self.status < 300 {
            d.field(
                "body",
                &format_args!("[redacted {} bytes]", self.body.len()),
            );
        } else {
            d.field("body", &self.body);
        }
        d.finish()
    }
}

impl HttpResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Token,
    Revoke,
    Introspect,
    Metadata,
}

pub(crate) enum Op {
    Refresh {
        token: RefreshToken,
        /// Omitted, valid, or malformed / empty (answered `invalid_scope` after reuse
        /// detection).
        scope: Option<Result<crate::client::Scope, ()>>,
    },
    Revoke {
        token: RefreshToken,
    },
    RevokeOther,
    IntrospectRefresh {
        token: RefreshToken,
    },
    IntrospectAccess {
        token: String,
    },
}

pub(crate) enum Prepared {
    Metadata,
    /// `OPTIONS` on an endpoint (a CORS preflight).
    Preflight,
    /// An authenticated client's request: its operation, or the answer to a malformed one.
    Op {
        client_id: String,
        op: Result<Op, HttpResponse>,
    },
}

/// `Access-Control-Allow-Headers` of a granted preflight: what token, revocation and
/// introspection requests carry (RFC 6749 §2.3.1 Basic, form or JSON bodies, RFC 9449 DPoP).
pub const CORS_ALLOW_HEADERS: &str = "authorization, content-type, dpop";

/// `Access-Control-Max-Age` of a granted preflight, in seconds (Fetch Standard §3.2.3;
/// browsers cap it at 2 hours or less).
pub const CORS_MAX_AGE_SECONDS: u32 = 600;

pub(crate) type Params = BTreeMap<String, String>;

const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

pub(crate) fn endpoint(prefix: &str, path: &str) -> Option<Endpoint> {
    if path
        .strip_prefix(WELL_KNOWN)
        .is_some_and(|rest| rest == prefix)
    {
        return Some(Endpoint::Metadata);
    }
    let rest = path.strip_prefix(prefix)?;
    match rest {
        "/token" => Some(Endpoint::Token),
        "/revoke" => Some(Endpoint::Revoke),
        "/introspect" => Some(Endpoint::Introspect),
        r if r == WELL_KNOWN => Some(Endpoint::Metadata),
        _ => None,
    }
}

/// A JSON response with `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub(crate) fn json_response(status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
            ("pragma".into(), "no-cache".into()),
        ],
        body,
    }
}

/// An RFC 6749 §5.2 error: `{"error": code, "error_description": description}` as JSON.
pub(crate) fn error_response(status: u16, code: &str, description: &str) -> HttpResponse {
    let body = Obj::new()
        .str("error", code)
        .str("error_description", description)
        .end();
    json_response(status, body)
}

/// RFC 7009 §2.2: 200 with an empty body, whether or not the token was known.
pub(crate) fn revoked() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![
            ("cache-control".into(), "no-store".into()),
            ("pragma".into(), "no-cache".into()),
        ],
        body: String::new(),
    }
}

pub(crate) fn not_found() -> HttpResponse {
    error_response(404, "not_found", "no such endpoint")
}

pub(crate) fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut r = error_response(405, "invalid_request", &join(&["use ", allow]));
    let allow = if allow == "GET" {
        "GET, HEAD"
    } else {
        "POST, OPTIONS"
    };
    r.headers.push(("allow".into(), allow.into()));
    r
}

fn media_type(req: &HttpRequest) -> String {
    req.header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Reads the request parameters: `application/x-www-form-urlencoded` (RFC 6749 §3.2), or,
/// when `allow_json`, TokenIDP's camelCase JSON object. Duplicate parameters are refused;
/// empty values count as omitted.
pub(crate) fn parse_body(req: &HttpRequest, allow_json: bool) -> Result<Params, String> {
    if req.body.len() > MAX_BODY_BYTES {
        return Err(join(&[
            "the request body is larger than ",
            &u64_text(MAX_BODY_BYTES as u64),
            " bytes",
        ]));
    }
    let text = std::str::from_utf8(&req.body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let media = media_type(req);
    let mut params = Params::new();
    if allow_json && media == "application/json" {
        // Bounded before the document is built: a 64 KiB object of thousands of members
        // would otherwise cost ~70 grants.
        if json_separators(text.as_bytes()) >= MAX_FORM_PARAMETERS {
            return Err(too_many_parameters());
        }
        let obj = crate::json::scan::object(text)
            .map_err(|e| join(&["the JSON body is invalid: ", &e.message()]))?;
        for (k, v) in obj.members() {
            let name = match k {
                "grantType" => "grant_type",
                "clientId" => "client_id",
                "clientSecret" => "client_secret",
                "refreshToken" => "refresh_token",
                "scope" => "scope",
                "token" => "token",
                _ => continue,
            };
            if v.is_null() {
                continue;
            }
            let Some(s) = v.as_str() else {
                return Err(join(&["member ", k, " must be a string"]));
            };
            if !s.is_empty() && params.insert(name.to_owned(), s.into_owned()).is_some() {
                return Err(join(&["parameter ", name, " is given twice"]));
            }
        }
        return Ok(params);
    }
    if media != "application/x-www-form-urlencoded" {
        return Err("the body must be application/x-www-form-urlencoded".into());
    }
    // Counted before anything is decoded: the same sequences form::parse keeps.
    if text.split('&').filter(|s| !s.is_empty()).count() > MAX_FORM_PARAMETERS {
        return Err(too_many_parameters());
    }
    let pairs = crate::form::parse(text.as_bytes());
    // Duplicates by sorting the names (O(n log n); RFC 6749 §3.2: "Request and response
    // parameters MUST NOT be included more than once").
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(join(&[
            "parameter ",
            prefix(w[0], 40),
            " is given more than once",
        ]));
    }
    for (k, v) in pairs {
        if !v.is_empty() {
            params.insert(k, v);
        }
    }
    Ok(params)
}

/// The number of `,` outside JSON strings: an upper bound on the members and array elements
/// of a document, minus one. Linear; the JSON reader still decides what is valid.
fn json_separators(text: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (0, false, false);
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' {
            count += 1;
        }
    }
    count
}

fn too_many_parameters() -> String {
    join(&[
        "the request has more than ",
        &u64_text(MAX_FORM_PARAMETERS as u64),
        " parameters",
    ])
}

/// Why client authentication failed.
pub(crate) struct AuthFailure {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
    pub basic_used: bool,
}

fn fail(status: u16, code: &'static str, desc: &str, basic_used: bool) -> AuthFailure {
    AuthFailure {
        status,
        code,
        description: desc.to_owned(),
        basic_used,
    }
}

/// The one `invalid_client` answer of a failed client authentication (see [`authenticate`]).
pub(crate) fn authentication_failed(basic_used: bool) -> AuthFailure {
    fail(
        401,
        "invalid_client",
        "client authentication failed",
        basic_used,
    )
}

/// Constant-time secret comparison: both sides are hashed first so that neither the content
/// nor the length of the secret leaks through timing.
fn secret_matches(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

fn form_decode(s: &str) -> Option<String> {
    // RFC 6749 §2.3.1: credentials are application/x-www-form-urlencoded before Basic.
    // One component: a `&` would have been percent-encoded by the client.
    (!s.contains('&')).then(|| crate::form::decode(s.as_bytes()))
}

/// Authenticates the client (RFC 6749 §2.3): HTTP Basic, `client_secret` in the body, or
/// a public client's `client_id` alone; more than one method is `invalid_request`.
/// Removes `client_id` / `client_secret` from `params`. Returns the client and the method.
pub(crate) fn authenticate<'a>(
    settings: &'a Settings,
    req: &HttpRequest,
    params: &mut Params,
) -> Result<(&'a Client, AuthMethod), AuthFailure> {
    let body_id = params.remove("client_id");
    let body_secret = params.remove("client_secret");
    let authorization = req.header("authorization");
    let (client_id, secret, method) = match authorization {
        Some(h) => {
            let (scheme, value) = h.trim().split_once(' ').unwrap_or((h.trim(), ""));
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(fail(
                    401,
                    "invalid_client",
                    "unsupported Authorization scheme (use Basic)",
                    true,
                ));
            }
            if body_secret.is_some() {
                return Err(fail(
                    400,
                    "invalid_request",
                    "use only one client authentication method",
                    true,
                ));
            }
            let decoded = b64::decode_standard(value.trim())
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| fail(401, "invalid_client", "malformed Basic credentials", true))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| fail(401, "invalid_client", "malformed Basic credentials", true))?;
            let (id, secret) = match (form_decode(id), form_decode(secret)) {
                (Some(i), Some(s)) => (i, s),
                _ => {
                    return Err(fail(
                        401,
                        "invalid_client",
                        "malformed Basic credentials",
                        true,
                    ));
                }
            };
            if body_id.as_ref().is_some_and(|b| *b != id) {
                return Err(fail(
                    400,
                    "invalid_request",
                    "client_id in the body differs from the Basic credentials",
                    true,
                ));
            }
            (id, Some(secret), AuthMethod::ClientSecretBasic)
        }
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => (id, Some(secret), AuthMethod::ClientSecretPost),
            (Some(id), None) => (id, None, AuthMethod::None),
            (None, _) => {
                return Err(fail(
                    401,
                    "invalid_client",
                    "client authentication is required",
                    false,
                ));
            }
        },
    };
    let basic = method == AuthMethod::ClientSecretBasic;
    // One answer for every failure once the credentials parse: an unknown client, a method
    // the client may not use, a wrong secret and a disabled client must not be told apart
    // before authentication succeeds (no client enumeration, no secret oracle; RFC 6749
    // §5.2 invalid_client). A secret is compared in every case, so that
    // the cases also take similar time.
    let client = settings.clients.iter().find(|c| c.client_id == client_id);
    let expected = client
        .and_then(|c| c.secret.as_ref())
        .map_or("rotor-no-such-client", |s| s.expose());
    let secret_ok = secret_matches(secret.as_deref().unwrap_or(""), expected);
    let client = client.filter(|c| {
        c.auth_methods.contains(&method) && (method == AuthMethod::None || secret_ok) && !c.disabled
    });
    let Some(client) = client else {
        return Err(authentication_failed(basic));
    };
    Ok((client, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_under_a_prefix() {
        let table = [
            ("", "/token", Some(Endpoint::Token)),
            ("", "/revoke", Some(Endpoint::Revoke)),
            ("", "/introspect", Some(Endpoint::Introspect)),
            (
                "",
                "/.well-known/oauth-authorization-server",
                Some(Endpoint::Metadata),
            ),
            ("", "/token/", None),
            ("/o", "/o/token", Some(Endpoint::Token)),
            ("/o", "/token", None),
            (
                "/o",
                "/.well-known/oauth-authorization-server/o",
                Some(Endpoint::Metadata),
            ),
            (
                "/o",
                "/o/.well-known/oauth-authorization-server",
                Some(Endpoint::Metadata),
            ),
            ("/o", "/.well-known/oauth-authorization-server", None),
        ];
        for (prefix, path, want) in table {
            assert_eq!(endpoint(prefix, path), want, "{prefix} {path}");
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a+b%3Ac").as_deref(), Some("a b:c"));
        assert_eq!(form_decode("p%26s%3Dw%25rd").as_deref(), Some("p&s=w%rd"));
        assert_eq!(form_decode("x&y=z"), None);
        assert!(secret_matches("same", "same"));
        assert!(!secret_matches("same", "Same"));
        assert!(!secret_matches("", "x"));
    }

    #[test]
    fn json_bodies_map_camel_case_and_treat_null_as_absent() {
        let req = HttpRequest {
            method: "POST".into(),
            path: "/token".into(),
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: br#"{"grantType":"refresh_token","clientId":"c","scope":null,"extra":1}"#
                .to_vec(),
            ..Default::default()
        };
        let p = parse_body(&req, true).unwrap();
        assert_eq!(
            p.get("grant_type").map(String::as_str),
            Some("refresh_token")
        );
        assert_eq!(p.get("client_id").map(String::as_str), Some("c"));
        assert!(!p.contains_key("scope"));
        assert!(parse_body(&req, false).is_err());
        let bad = HttpRequest {
            body: br#"{"clientId":1}"#.to_vec(),
            ..req.clone()
        };
        assert!(parse_body(&bad, true).is_err());
        let dup = HttpRequest {
            body: br#"{"clientId":"a","clientId":"b"}"#.to_vec(),
            ..req
        };
        assert!(parse_body(&dup, true).is_err());
    }
}
