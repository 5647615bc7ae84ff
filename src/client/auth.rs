//! Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2), as a small
//! strategy value rather than flags.

use crate::b64;
use crate::error::RotorError;
use crate::json::write::{push_name, push_string};
use crate::jwt::{self, Key};
use crate::secret::Secret;
use crate::text::{join, prefix, push_i64};

/// `client_assertion_type` for a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Lifetime of a `client_secret_jwt` assertion, in seconds (RFC 7523 §3 item 4: `exp` "limits
/// the time window during which the JWT can be used").
pub const ASSERTION_LIFETIME_SECONDS: i64 = 60;

/// The configuration names of the authentication methods (OpenID Connect Core §9 /
/// RFC 8414 `token_endpoint_auth_methods_supported`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic with form-urlencoded credentials (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// An HS256 JWT assertion keyed with the client secret (RFC 7523 §2.2, OIDC Core §9).
    ClientSecretJwt,
    /// A JWT assertion signed with the client's private key (RFC 7523 §2.2, OIDC Core §9):
    /// the caller's key signs (src/jws.rs), rotor never holds it.
    PrivateKeyJwt,
    /// A public client: only `client_id` in the body (RFC 6749 §2.1, §3.2.1).
    None,
}

impl AuthMethod {
    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }

    /// Reads a configuration name; anything else is `invalid_config`.
    pub fn parse(name: &str) -> Result<AuthMethod, RotorError> {
        [
            AuthMethod::ClientSecretBasic,
            AuthMethod::ClientSecretPost,
            AuthMethod::ClientSecretJwt,
            AuthMethod::PrivateKeyJwt,
            AuthMethod::None,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
        .ok_or_else(|| {
            RotorError::config(join(&[
                "unknown authMethod \"",
                prefix(name, 40),
                "\" (expected client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none)",
            ]))
        })
    }
}

/// How the client proves its identity: the method together with its credential.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(client_id) ":" urlencode(secret))`
    /// (RFC 6749 §2.3.1, RFC 7617).
    SecretBasic(Secret),
    /// `client_id` and `client_secret` in the body (RFC 6749 §2.3.1).
    SecretPost(Secret),
    /// `client_assertion_type` + `client_assertion` (RFC 7523 §2.2), HS256 under the secret.
    SecretJwt(Key),
    /// `client_assertion_type` + `client_assertion` (RFC 7523 §2.2) signed by the caller with
    /// the client's private key; the signed assertion is an argument of each request.
    PrivateKeyJwt,
    /// `client_id` only (RFC 6749 §3.2.1 for public clients).
    None,
}

impl ClientAuth {
    /// Builds the strategy from a method and an optional secret (checks RFC 6749 §2.3.1 and
    /// the HS256 key length rule of RFC 7518 §3.2).
    pub fn new(method: AuthMethod, secret: Option<Secret>) -> Result<ClientAuth, RotorError> {
        if secret.as_ref().is_some_and(Secret::is_empty) {
            return Err(RotorError::config("clientSecret must not be empty"));
        }
        match (method, secret) {
            (AuthMethod::None, None) => Ok(ClientAuth::None),
            (AuthMethod::None, Some(_)) => Err(RotorError::config(
                "clientSecret is set but authMethod is \"none\": a public client has no secret",
            )),
            (AuthMethod::PrivateKeyJwt, None) => Ok(ClientAuth::PrivateKeyJwt),
            (AuthMethod::PrivateKeyJwt, Some(_)) => Err(RotorError::config(
                "clientSecret is set but authMethod is \"private_key_jwt\": the client signs with its private key (clientKey)",
            )),
            (m, None) => Err(RotorError::config(join(&[
                "authMethod \"",
                m.as_str(),
                "\" needs a clientSecret",
            ]))),
            (AuthMethod::ClientSecretBasic, Some(s)) => Ok(ClientAuth::SecretBasic(s)),
            (AuthMethod::ClientSecretPost, Some(s)) => Ok(ClientAuth::SecretPost(s)),
            (AuthMethod::ClientSecretJwt, Some(s)) => {
                Key::new(s.expose().as_bytes().to_vec()).map(ClientAuth::SecretJwt).map_err(|_| {
                    RotorError::config(
                        "client_secret_jwt needs a clientSecret of at least 32 bytes to key HS256 (RFC 7518 §3.2); use client_secret_basic or client_secret_post with this secret",
                    )
                })
            }
        }
    }

    /// The method of this strategy.
    pub fn method(&self) -> AuthMethod {
        match self {
            ClientAuth::SecretBasic(_) => AuthMethod::ClientSecretBasic,
            ClientAuth::SecretPost(_) => AuthMethod::ClientSecretPost,
            ClientAuth::SecretJwt(_) => AuthMethod::ClientSecretJwt,
            ClientAuth::PrivateKeyJwt => AuthMethod::PrivateKeyJwt,
            ClientAuth::None => AuthMethod::None,
        }
    }

    /// The `authorization` header this strategy adds to every token request, if any (constant
    /// for a configuration): `Basic base64(urlencode(client_id) ":" urlencode(secret))` for
    /// `client_secret_basic` (RFC 6749 §2.3.1, RFC 7617).
    pub(crate) fn authorization(&self, client_id: &str) -> Option<String> {
        match self {
            ClientAuth::SecretBasic(secret) => {
                Some(join(&["Basic ", &basic_credentials(client_id, secret)]))
            }
            _ => None,
        }
    }

    /// The body parameters this strategy adds to a token request, as (name, value) with
    /// RFC 6749 (snake_case) names.
    ///
    /// `now_ms` and `jti_entropy` are used by `client_secret_jwt` only: `iat` = `now` in
    /// seconds, `exp` = `iat` + [`ASSERTION_LIFETIME_SECONDS`], `jti` = base64url of the
    /// entropy (RFC 7523 §3). A `now` after the year 9999 cannot date an assertion
    /// (`invalid_argument`, RFC 7519 §2).
    ///
    /// `assertion` is the `private_key_jwt` assertion the caller signed
    /// ([`crate::jws::assertion_claims`]); required by that method, refused by the others
    /// (`invalid_argument`).
    ///
    /// The parameters are borrowed (an empty name marks an unused slot); a `client_secret_jwt`
    /// assertion is written into `signed`.
    pub(crate) fn body_params<'a>(
        &'a self,
        client_id: &'a str,
        token_endpoint: &str,
        now_ms: f64,
        jti_entropy: &[u8; 16],
        assertion: Option<&'a str>,
        signed: &'a mut String,
    ) -> Result<AuthParams<'a>, RotorError> {
        let id = ("client_id", client_id);
        let with_assertion = |assertion: &'a str| {
            [
                id,
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                ("client_assertion", assertion),
            ]
        };
        Ok(match (self, assertion) {
            (ClientAuth::PrivateKeyJwt, None) => {
                return Err(RotorError::argument(
                    "private_key_jwt: the client assertion is signed with the client's key (clientAssertion, or buildRefreshRequestAsync)",
                ));
            }
            (ClientAuth::PrivateKeyJwt, Some(assertion)) => {
                if assertion.bytes().filter(|&b| b == b'.').count() != 2
                    || !assertion
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                {
                    return Err(RotorError::argument(
                        "clientAssertion must be a compact JWS (RFC 7515 §7.1)",
                    ));
                }
                with_assertion(assertion)
            }
            (_, Some(_)) => {
                return Err(RotorError::argument(
                    "clientAssertion is only for authMethod \"private_key_jwt\"",
                ));
            }
            (ClientAuth::SecretBasic(_), None) => [NO_PARAM; 3],
            (ClientAuth::SecretPost(secret), None) => {
                [id, ("client_secret", secret.expose()), NO_PARAM]
            }
            (ClientAuth::SecretJwt(key), None) => {
                let iat = (now_ms / 1000.0).floor() as i64;
                let claims = assertion_claims(client_id, token_endpoint, iat, jti_entropy);
                *signed = jwt::sign_claims_json(None, Some("JWT"), claims.as_bytes(), key)
                    .map_err(|_| {
                        RotorError::argument(
                            "now is too late to date a client_secret_jwt assertion (after the year 9999, RFC 7519 §2)",
                        )
                    })?;
                // RFC 7523 §3: client_id is optional with an assertion but harmless and
                // lets servers find the client before verifying (OIDC Core §9 allows it).
                let signed: &'a String = signed;
                with_assertion(signed)
            }
            (ClientAuth::None, None) => [id, NO_PARAM, NO_PARAM],
        })
    }
}

/// The body parameters of a client authentication ([`ClientAuth::body_params`]): up to three
/// (name, value) pairs, an empty name marking an unused slot.
pub(crate) type AuthParams<'a> = [(&'static str, &'a str); 3];

/// An unused slot of [`AuthParams`].
const NO_PARAM: (&str, &str) = ("", "");

/// `base64(urlencode(client_id) ":" urlencode(secret))` (RFC 6749 §2.3.1, RFC 7617 §2).
pub(crate) fn basic_credentials(client_id: &str, secret: &Secret) -> String {
    let mut pair = crate::form::encode(client_id);
    pair.push(':');
    crate::form::encode_into(&mut pair, secret.expose());
    b64::encode_standard(pair)
}

/// The claims of a `client_secret_jwt` assertion (RFC 7523 §3): `iss` and `sub` the client,
/// `aud` the token endpoint, `jti`, `iat` and `exp`, in name order.
pub(crate) fn assertion_claims(
    client_id: &str,
    token_endpoint: &str,
    iat: i64,
    jti: &[u8; 16],
) -> String {
    let mut out = String::with_capacity(128 + 2 * client_id.len() + token_endpoint.len());
    out.push('{');
    push_name(&mut out, "aud");
    push_string(&mut out, token_endpoint);
    push_name(&mut out, "exp");
    push_i64(&mut out, iat.saturating_add(ASSERTION_LIFETIME_SECONDS));
    push_name(&mut out, "iat");
    push_i64(&mut out, iat);
    push_name(&mut out, "iss");
    push_string(&mut out, client_id);
    push_name(&mut out, "jti");
    push_string(&mut out, &b64::encode(jti));
    push_name(&mut out, "sub");
    push_string(&mut out, client_id);
    out.push('}');
    out
}
