//! The edge token endpoint: refresh-token rotation and reuse detection (RFC 6749 §6,
//! RFC 9700 §4.14.2), revocation (RFC 7009), introspection (RFC 7662) and metadata (RFC 8414).
//!
//! Sans-IO in two phases, so that a driver can run the second inside its store's atomic
//! update (a JS `update(key, fn)`, one Durable Object per family):
//!
//! 1. [`Issuer::route`] parses and authenticates a request. It either answers at once
//!    ([`Route::Respond`]: metadata, errors, access-token introspection) or names the family
//!    whose record it needs ([`Route::Family`]).
//! 2. [`Issuer::apply`] takes the same request, the stored record (or none), `now` and random
//!    bytes, and returns the record change ([`RecordChange`]) with the response.
//!
//! [`Issuer::start_session`] creates a family. The core never awaits, reads no clock and draws
//! no randomness: every test runs with a fixed `now`.
//!
//! Rules of a family (one record per `startSession`):
//! - Rotation `rotate`: a redemption of the live token issues a successor and retires the
//!   presented token. `reuse`: the live token stays.
//! - Reuse (RFC 9700 §4.14.2): any token of the family that is neither the live token nor the
//!   just-retired token inside `reuseGraceSeconds` deletes the family and answers
//!   `invalid_grant`. Tokens carry their family id, which only holders of some token of the
//!   family know, so an unknown token of a known family is a retired one (or a forgery by
//!   someone who held one): both end the family.
//! - Grace: the just-retired token, presented again within the window, gets the *same*
//!   successor back (recovered from the seal, see [`token`]) and a fresh access token. The
//!   seal is stored only while a window is open (never with a grace of 0) and dropped by the
//!   first contact with the family after it.
//! - Expiry: `refreshTokenTtl` from `startSession` (absolute), `refreshIdleTtl` since the last
//!   redemption; an expired family is deleted on contact and answers `invalid_grant`.
//! - A token presented by another client is `invalid_grant` and leaves the family untouched;
//!   revocation by another client is a silent no-op (200, RFC 7009 §2.2 does not reveal
//!   whether a token exists). Revocation by the family's client with any token of the family
//!   (live or retired) ends the family (RFC 7009 §2.1). Revoking an access token is a no-op
//!   (they are stateless).
//!
//! Endpoints live under the path of the `issuer` URL (`https://id.example/oauth` serves
//! `/oauth/token`, `/oauth/revoke`, `/oauth/introspect`, and its metadata at both
//! `/.well-known/oauth-authorization-server/oauth` (RFC 8414 §3.1) and
//! `/oauth/.well-known/oauth-authorization-server`).

pub mod config;
pub mod record;
pub mod token;

mod http;

pub use crate::client::scope::MAX_SCOPE_TOKENS;
pub use crate::client::{AuthMethod, Dialect};
pub use config::{Client, IssuerConfig, MAX_REUSE_GRACE_SECONDS, Rotation, Settings};
pub use http::{
    CORS_ALLOW_HEADERS, CORS_MAX_AGE_SECONDS, HttpRequest, HttpResponse, MAX_BODY_BYTES,
    MAX_FORM_PARAMETERS,
};
pub use record::{FamilyRecord, RECORD_VERSION, RetiredToken};
pub use token::{RefreshToken, RefreshTokenMac, family_key, session_id};

use crate::b64;
use crate::client::Scope;
use crate::client::scope::ScopeError;
use crate::error::{Error, RotorError};
use http::{Endpoint, Op, Prepared};
use serde_json::{Map, Value, json};

/// Bytes of randomness every [`Issuer::apply`] and [`Issuer::start_session`] call takes:
/// 16 for a family id, 32 for a refresh token, 16 for an access token's `jti`.
pub const RANDOM_BYTES: usize = 64;

/// Claims a session may not set: those the issuer owns (RFC 9068 §2.2).
pub const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "client_id",
    "scope",
    "sid",
];

/// Largest accepted JSON size of a session's extra claims.
pub const MAX_SESSION_CLAIMS_BYTES: usize = 8 * 1024;

/// What phase 1 decided.
#[derive(Debug)]
pub enum Route {
    /// The final response; no store access needed.
    Respond(HttpResponse),
    /// Run [`Issuer::apply`] with the record stored under this key (inside an atomic update).
    Family {
        /// The store key of the family ([`family_key`]).
        family_key: String,
    },
}

/// How the stored record changes.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordChange {
    /// Leave the stored record as it is.
    Keep,
    /// Store this record (create or replace).
    Put(Box<FamilyRecord>),
    /// Delete the record: the family ends (expired, revoked or reuse detected).
    Delete,
}

/// The outcome of phase 2.
#[derive(Debug)]
pub struct Applied {
    /// The record change to commit atomically with the response.
    pub change: RecordChange,
    /// The response to send after the change is committed.
    pub response: HttpResponse,
}

/// The input of [`Issuer::start_session`].
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionInput {
    /// A registered, enabled client.
    pub client_id: String,
    /// The `sub` of access tokens.
    pub subject: String,
    /// The granted scope (a subset of the client's); omitted: the client's whole scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Extra access-token claims (not the reserved ones).
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
}

/// A created family. `Debug` leaves out the token response body (it holds the tokens).
pub struct Session {
    /// The store key of the family.
    pub family_key: String,
    /// The record to store.
    pub record: FamilyRecord,
    /// The token response body, in the issuer's dialect (as the token endpoint would answer).
    pub body: Value,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("family_key", &self.family_key)
            .field("record", &self.record)
            .field("body", &"[redacted]")
            .finish()
    }
}

/// A configured issuer (see the module docs).
#[derive(Debug)]
pub struct Issuer {
    settings: Settings,
}

fn invalid_argument(msg: impl Into<String>) -> Error {
    Error::Rotor(RotorError::argument(msg))
}

fn seconds(now_ms: u64) -> u64 {
    now_ms / 1000
}

impl Issuer {
    /// Validates `config` (`invalid_config`, or `weak_key` for a short key).
    pub fn new(config: IssuerConfig) -> Result<Self, Error> {
        Ok(Issuer {
            settings: config.validate()?,
        })
    }

    /// The validated settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// When a stored record may be purged (ms), given this issuer's idle lifetime.
    pub fn purge_at(&self, record: &FamilyRecord) -> u64 {
        record.purge_at(self.settings.refresh_idle_ttl)
    }

    /// Phase 1: parse and authenticate; answer at once or name the family to load.
    pub fn route(&self, request: &HttpRequest, now_ms: u64) -> Route {
        let (client_id, op) = match self.prepare(request) {
            Err(response) => return Route::Respond(self.cors(request, None, response)),
            Ok(Prepared::Metadata) => return Route::Respond(self.metadata_response()),
            Ok(Prepared::Preflight) => return Route::Respond(self.preflight(request)),
            Ok(Prepared::Op { client_id, op }) => (client_id, op),
        };
        let respond = |r| Route::Respond(self.cors(request, Some(&client_id), r));
        let op = match op {
            Err(response) => return respond(response),
            Ok(op) => op,
        };
        match op {
            Op::IntrospectAccess { token } => {
                match self.access_family(&client_id, &token, now_ms) {
                    Some((_, family_key)) => Route::Family { family_key },
                    None => respond(inactive()),
                }
            }
            Op::Refresh { token, .. } | Op::Revoke { token } | Op::IntrospectRefresh { token } => {
                Route::Family {
                    family_key: family_key(&token.family_id()),
                }
            }
            Op::RevokeOther => respond(http::revoked()),
        }
    }

    /// Phase 2: given the same request and the family's stored record (`None` when absent),
    /// decide the record change and the response. Run it inside the store's atomic update.
    pub fn apply(
        &self,
        request: &HttpRequest,
        stored: Option<&str>,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Applied {
        let keep = |response| Applied {
            change: RecordChange::Keep,
            response,
        };
        let (client_id, op) = match self.prepare(request) {
            Err(response) => return keep(self.cors(request, None, response)),
            Ok(Prepared::Metadata) => return keep(self.metadata_response()),
            Ok(Prepared::Preflight) => return keep(self.preflight(request)),
            Ok(Prepared::Op { client_id, op }) => (client_id, op),
        };
        let mut applied = match op {
            Err(response) => keep(response),
            Ok(op) => self.apply_op(&client_id, op, stored, now_ms, random),
        };
        applied.response = self.cors(request, Some(&client_id), applied.response);
        applied
    }

    fn apply_op(
        &self,
        client_id: &str,
        op: Op,
        stored: Option<&str>,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Applied {
        let mut record: Option<FamilyRecord> =
            stored.and_then(|s| serde_json::from_str::<FamilyRecord>(s).ok());
        // A record that does not parse is treated as a dead family (and removed).
        let corrupt = stored.is_some() && record.is_none();
        // The sealed successor is kept only while its grace window is open: once it has
        // closed, the first contact with the family drops it (and writes the record even
        // when the answer would leave it unchanged).
        let trimmed = record.as_mut().and_then(|r| {
            let closed = r
                .previous
                .as_ref()
                .is_some_and(|p| !self.in_grace(p, now_ms));
            (closed && self.alive(r, now_ms)).then(|| {
                r.previous = None;
                r.clone()
            })
        });
        let mut applied = self.apply_record(client_id, op, record, corrupt, now_ms, random);
        if let (Some(r), RecordChange::Keep) = (trimmed, &applied.change) {
            applied.change = RecordChange::Put(Box::new(r));
        }
        applied
    }

    /// True while `p`'s grace window is open (RFC 9700 §4.14.2; never with a grace of 0).
    fn in_grace(&self, p: &RetiredToken, now_ms: u64) -> bool {
        let grace_ms = self.settings.reuse_grace_seconds.saturating_mul(1000);
        grace_ms > 0 && now_ms <= p.retired_at.saturating_add(grace_ms)
    }

    fn apply_record(
        &self,
        client_id: &str,
        op: Op,
        record: Option<FamilyRecord>,
        corrupt: bool,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Applied {
        let keep = |response| Applied {
            change: RecordChange::Keep,
            response,
        };
        match op {
            Op::IntrospectAccess { token } => {
                // Active only while its family lives (RFC 7662 §2.2: a token of a revoked or
                // reuse-ended family is not active).
                let claims = self.access_family(client_id, &token, now_ms);
                match (claims, &record) {
                    (Some((claims, _)), Some(r))
                        if self.alive(r, now_ms)
                            && claims.get("client_id").and_then(Value::as_str)
                                == Some(r.client_id.as_str()) =>
                    {
                        keep(introspect_access_active(&claims))
                    }
                    _ => keep(inactive()),
                }
            }
            Op::RevokeOther => keep(http::revoked()),
            Op::IntrospectRefresh { token } => {
                let active = record.as_ref().is_some_and(|r| {
                    self.may_introspect(client_id, &r.client_id)
                        && self.alive(r, now_ms)
                        && r.current_hash == token.hash()
                });
                match (active, record) {
                    (true, Some(r)) => keep(self.introspect_refresh_active(&r)),
                    _ => keep(inactive()),
                }
            }
            // RFC 7009 §2.1: revoking a refresh token may revoke the whole grant. Any token of
            // the family does — live, retired or two generations back: its MAC proves the
            // issuer minted it for this family, and a retired token must not be weaker at
            // ending a family than it is at refresh, where it ends the family as reuse.
            Op::Revoke { .. } => match record {
                Some(r) if r.client_id == client_id => Applied {
                    change: RecordChange::Delete,
                    response: http::revoked(),
                },
                _ if corrupt => Applied {
                    change: RecordChange::Delete,
                    response: http::revoked(),
                },
                _ => keep(http::revoked()),
            },
            Op::Refresh { token, scope } => {
                let Some(record) = record else {
                    return Applied {
                        change: if corrupt {
                            RecordChange::Delete
                        } else {
                            RecordChange::Keep
                        },
                        response: self.token_error(
                            400,
                            "invalid_grant",
                            "the refresh token is invalid, expired or revoked",
                            false,
                        ),
                    };
                };
                self.refresh(record, client_id, &token, scope, now_ms, random)
            }
        }
    }

    fn alive(&self, r: &FamilyRecord, now_ms: u64) -> bool {
        now_ms < self.purge_at(r)
    }

    fn refresh(
        &self,
        mut record: FamilyRecord,
        client_id: &str,
        token: &RefreshToken,
        requested: Option<Result<Scope, ()>>,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Applied {
        let grant_error = |change, description: &str| Applied {
            change,
            response: self.token_error(400, "invalid_grant", description, false),
        };
        if now_ms >= record.expires_at {
            return grant_error(RecordChange::Delete, "the refresh token has expired");
        }
        if !self.alive(&record, now_ms) {
            return grant_error(
                RecordChange::Delete,
                "the refresh token has expired (idle too long)",
            );
        }
        if record.client_id != client_id {
            return grant_error(
                RecordChange::Keep,
                "the refresh token was issued to another client",
            );
        }
        // 1. Reuse detection (RFC 9700 §4.14.2) comes before anything the request asks for,
        //    so that a retired token ends its family whatever scope comes with it.
        let family_id = token.family_id();
        let hash = token.hash();
        let grace_successor = if record.current_hash == hash {
            None
        } else {
            let retry = record.previous.as_ref().and_then(|p| {
                if p.hash != hash || !self.in_grace(p, now_ms) {
                    return None;
                }
                let sealed: [u8; 32] = b64::decode(&p.sealed_successor)?.try_into().ok()?;
                let successor = RefreshToken::new(family_id, token.seal(&sealed));
                (successor.hash() == record.current_hash).then_some(successor)
            });
            match retry {
                Some(successor) => Some(successor),
                None => {
                    return grant_error(
                        RecordChange::Delete,
                        "refresh token reuse detected: the token family is revoked",
                    );
                }
            }
        };
        // 2. The requested scope (RFC 6749 §6): at most the granted one.
        let granted = Scope::parse(&record.scope).unwrap_or_default();
        let scope_error = || Applied {
            change: RecordChange::Keep,
            response: self.token_error(
                400,
                "invalid_scope",
                "the requested scope exceeds the scope granted to the refresh token",
                false,
            ),
        };
        let effective = match requested {
            None => granted,
            Some(Err(())) => {
                return Applied {
                    change: RecordChange::Keep,
                    response: self.token_error(
                        400,
                        "invalid_scope",
                        "scope is not a valid scope string",
                        false,
                    ),
                };
            }
            Some(Ok(req)) if !req.is_subset_of(&granted) => return scope_error(),
            Some(Ok(req)) => req,
        };
        // 3. The redemption.
        let mut jti = [0u8; 16];
        jti.copy_from_slice(&random[48..64]);
        let issued = match grace_successor {
            Some(successor) => successor,
            None => match self.settings.rotation {
                Rotation::Rotate => {
                    let mut fresh = [0u8; 32];
                    fresh.copy_from_slice(&random[16..48]);
                    let successor = RefreshToken::new(family_id, fresh);
                    // The seal exists for the grace retry only: none without a window.
                    record.previous =
                        (self.settings.reuse_grace_seconds > 0).then(|| RetiredToken {
                            hash: record.current_hash.clone(),
                            retired_at: now_ms,
                            sealed_successor: b64::encode(token.seal(&fresh)),
                        });
                    record.current_hash = successor.hash();
                    record.generation += 1;
                    successor
                }
                Rotation::Reuse => token.clone(),
            },
        };
        record.last_used_at = now_ms;
        let Ok(access) = self.access_token(&record, &family_id, &effective, now_ms, &jti) else {
            // Claims stored by start_session were signed once already: only a damaged store
            // gets here, and the family is left as it is.
            return Applied {
                change: RecordChange::Keep,
                response: self.token_error(
                    500,
                    "server_error",
                    "the session's claims cannot be signed",
                    false,
                ),
            };
        };
        let body = self.token_body(&access, &effective, &issued, &record, now_ms);
        Applied {
            change: RecordChange::Put(Box::new(record)),
            response: self.token_success(&body),
        }
    }

    /// Creates a family for an authenticated user (the end of a sign-in) and its first tokens.
    pub fn start_session(
        &self,
        input: SessionInput,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Result<Session, Error> {
        let client = self
            .client(&input.client_id)
            .ok_or_else(|| invalid_argument("startSession: unknown clientId"))?;
        if client.disabled {
            return Err(invalid_argument("startSession: the client is disabled"));
        }
        if input.subject.is_empty() || input.subject.len() > 1024 {
            return Err(invalid_argument(
                "startSession: subject must be a non-empty string of at most 1024 bytes",
            ));
        }
        let scope = match &input.scope {
            None => client.scope.clone(),
            Some(s) => {
                let scope = Scope::parse(s).map_err(|_| {
                    invalid_argument(
                        "startSession: scope must be space-separated scope tokens (RFC 6749 §3.3)",
                    )
                })?;
                if !scope.is_subset_of(&client.scope) {
                    return Err(invalid_argument(
                        "startSession: scope exceeds the scope registered for the client",
                    ));
                }
                scope
            }
        };
        let claims = input.claims.unwrap_or_default();
        if let Some(k) = claims
            .keys()
            .find(|k| RESERVED_CLAIMS.contains(&k.as_str()))
        {
            return Err(invalid_argument(format!(
                "startSession: claim \"{k}\" is set by the issuer and cannot be given"
            )));
        }
        if serde_json::to_vec(&claims).map_or(usize::MAX, |v| v.len()) > MAX_SESSION_CLAIMS_BYTES {
            return Err(invalid_argument(format!(
                "startSession: claims are larger than {MAX_SESSION_CLAIMS_BYTES} bytes"
            )));
        }
        let mut family_id = [0u8; 16];
        family_id.copy_from_slice(&random[..16]);
        let mut fresh = [0u8; 32];
        fresh.copy_from_slice(&random[16..48]);
        let mut jti = [0u8; 16];
        jti.copy_from_slice(&random[48..64]);
        let token = RefreshToken::new(family_id, fresh);
        let record = FamilyRecord {
            version: RECORD_VERSION,
            client_id: client.client_id.clone(),
            subject: input.subject,
            scope: scope.to_wire(),
            claims,
            created_at: now_ms,
            expires_at: now_ms.saturating_add(self.settings.refresh_token_ttl * 1000),
            last_used_at: now_ms,
            generation: 0,
            current_hash: token.hash(),
            previous: None,
        };
        let access = self
            .access_token(&record, &family_id, &scope, now_ms, &jti)
            .map_err(|e| invalid_argument(crate::text::join(&["startSession: ", &e.message])))?;
        let body = self.token_body(&access, &scope, &token, &record, now_ms);
        Ok(Session {
            family_key: family_key(&family_id),
            record,
            body,
        })
    }

    /// The wire form of a refresh token minted by this issuer (MACed with the first signing
    /// key's derived MAC key, see [`token`]).
    pub fn encode_refresh_token(&self, token: &RefreshToken) -> String {
        self.settings.refresh_mac.encode(token)
    }

    /// Parses a refresh token and checks its MAC against every signing key's MAC key; `None`
    /// for anything this issuer did not mint (a forgery, a truncation, another format). No
    /// store is needed: drivers may refuse forgeries at their front (RFC 6819 §4.5.3: no store work for guessed tokens).
    pub fn parse_refresh_token(&self, text: &str) -> Option<RefreshToken> {
        self.settings.refresh_mac.parse(text)
    }

    fn client(&self, id: &str) -> Option<&Client> {
        self.settings.clients.iter().find(|c| c.client_id == id)
    }

    /// An RFC 9068 access token for `record` with `scope`.
    fn access_token(
        &self,
        record: &FamilyRecord,
        family_id: &[u8; 16],
        scope: &Scope,
        now_ms: u64,
        jti: &[u8; 16],
    ) -> Result<String, RotorError> {
        let s = &self.settings;
        let iat = seconds(now_ms);
        let mut claims = record.claims.clone();
        claims.insert("iss".into(), json!(s.issuer));
        claims.insert("sub".into(), json!(record.subject));
        claims.insert("aud".into(), s.audience.clone());
        claims.insert("exp".into(), json!(iat + s.access_token_ttl));
        claims.insert("iat".into(), json!(iat));
        claims.insert("jti".into(), json!(b64::encode(jti)));
        claims.insert("client_id".into(), json!(record.client_id));
        claims.insert("scope".into(), json!(scope.to_wire()));
        claims.insert("sid".into(), json!(token::session_id(family_id)));
        let (kid, key) = s
            .keys
            .signing_key()
            .expect("validated settings hold at least one key");
        let claims_json = serde_json::to_vec(&claims).expect("JSON of a map");
        crate::jwt::sign_claims_json(kid, Some("at+jwt"), &claims_json, key)
    }

    /// The token response body in the configured dialect (RFC 6749 §5.1).
    fn token_body(
        &self,
        access: &str,
        scope: &Scope,
        refresh: &RefreshToken,
        record: &FamilyRecord,
        now_ms: u64,
    ) -> Value {
        let s = &self.settings;
        let scope = scope.to_wire();
        let family_id = refresh.family_id();
        let refresh = self.encode_refresh_token(refresh);
        match s.dialect {
            Dialect::Rfc6749 => json!({
                "access_token": access, "token_type": "Bearer",
                "expires_in": s.access_token_ttl, "refresh_token": refresh, "scope": scope,
            }),
            Dialect::Keycloak => {
                let refresh_expires_in = self.purge_at(record).saturating_sub(now_ms) / 1000;
                json!({
                    "access_token": access, "expires_in": s.access_token_ttl,
                    "refresh_expires_in": refresh_expires_in, "refresh_token": refresh,
                    "token_type": "Bearer", "not-before-policy": 0,
                    "session_state": token::session_state(&family_id),
                    "scope": scope,
                })
            }
            Dialect::Curity => json!({
                "access_token": access, "refresh_token": refresh, "scope": scope,
                "token_type": "bearer", "expires_in": s.access_token_ttl,
            }),
            Dialect::PingFederate => json!({
                "access_token": access, "token_type": "Bearer",
                "expires_in": s.access_token_ttl, "refresh_token": refresh,
            }),
            Dialect::TokenIdp => json!({
                "isSuccess": true,
                "data": {
                    "accessToken": access, "refreshToken": refresh,
                    "tokenType": "Bearer", "expiresIn": s.access_token_ttl,
                },
            }),
        }
    }

    fn token_success(&self, body: &Value) -> HttpResponse {
        http::json_response(200, body)
    }

    /// A token-endpoint error (RFC 6749 §5.2) in the configured dialect; 401 `invalid_client`
    /// carries `WWW-Authenticate: Basic` when the client tried HTTP Basic.
    pub fn token_error(
        &self,
        status: u16,
        code: &str,
        description: &str,
        basic_used: bool,
    ) -> HttpResponse {
        let enveloped = self.settings.dialect.enveloped_response();
        self.error_response(status, code, description, basic_used, enveloped)
    }

    /// An error for the revocation and introspection endpoints (RFC 7009 §2.2.1, RFC 7662
    /// §2.3): always the RFC 6749 §5.2 shape.
    fn plain_error(&self, status: u16, code: &str, description: &str, basic: bool) -> HttpResponse {
        self.error_response(status, code, description, basic, false)
    }

    /// An RFC 6749 §5.2 error body (or TokenIDP's envelope when `enveloped`); a 401 to a client
    /// that tried HTTP Basic carries `WWW-Authenticate: Basic` (RFC 6749 §5.2, RFC 7617 §2).
    fn error_response(
        &self,
        status: u16,
        code: &str,
        description: &str,
        basic_used: bool,
        enveloped: bool,
    ) -> HttpResponse {
        let body = if enveloped {
            json!({ "isSuccess": false, "data": null, "error": code, "errorDescription": description })
        } else {
            json!({ "error": code, "error_description": description })
        };
        let mut response = http::json_response(status, &body);
        if basic_used && status == 401 {
            response.headers.push((
                "www-authenticate".into(),
                format!(
                    "Basic realm=\"{}\", charset=\"UTF-8\"",
                    self.settings.issuer.replace('"', "")
                ),
            ));
        }
        response
    }

    /// The RFC 8414 §2 metadata document.
    pub fn metadata(&self) -> Value {
        let s = &self.settings;
        let mut methods: Vec<&str> = Vec::new();
        for c in &s.clients {
            for m in &c.auth_methods {
                if !methods.contains(&m.as_str()) {
                    methods.push(m.as_str());
                }
            }
        }
        let authenticated: Vec<&str> = methods.iter().copied().filter(|m| *m != "none").collect();
        json!({
            "issuer": s.issuer,
            "token_endpoint": format!("{}/token", s.endpoint_base),
            "revocation_endpoint": format!("{}/revoke", s.endpoint_base),
            "introspection_endpoint": format!("{}/introspect", s.endpoint_base),
            "grant_types_supported": ["refresh_token"],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": methods,
            "revocation_endpoint_auth_methods_supported": methods,
            "introspection_endpoint_auth_methods_supported": authenticated,
        })
    }

    /// CORS on the answer of a token, revocation or introspection request (Fetch Standard
    /// §3.2): `Vary: Origin` whenever the request names an origin, and
    /// `Access-Control-Allow-Origin: <that origin>` only when the authenticated `client` lists
    /// it in `allowedOrigins` — never `*`, never `Access-Control-Allow-Credentials`, and
    /// nothing before authentication succeeded.
    fn cors(&self, req: &HttpRequest, client: Option<&str>, mut r: HttpResponse) -> HttpResponse {
        let Some(origin) = req.header("origin") else {
            return r;
        };
        r.headers.push(("vary".into(), "Origin".into()));
        let listed = client
            .and_then(|id| self.client(id))
            .is_some_and(|c| c.allowed_origins.iter().any(|o| o == origin));
        if listed {
            r.headers
                .push(("access-control-allow-origin".into(), origin.to_owned()));
        }
        r
    }

    /// The answer to `OPTIONS` on an endpoint: a CORS preflight (Fetch Standard §3.2.2) is
    /// granted (204) when some client lists the `Origin` (a preflight carries no client id)
    /// and the method asked for is `POST`; refused with 403 otherwise. A plain `OPTIONS`
    /// without `Origin` (RFC 9110 §9.3.7) gets 204 with `Allow`.
    fn preflight(&self, req: &HttpRequest) -> HttpResponse {
        let mut r = HttpResponse {
            status: 204,
            headers: vec![("allow".into(), "POST, OPTIONS".into())],
            body: String::new(),
        };
        let Some(origin) = req.header("origin") else {
            return r;
        };
        let listed = self
            .settings
            .clients
            .iter()
            .any(|c| c.allowed_origins.iter().any(|o| o == origin));
        let method_ok = req
            .header("access-control-request-method")
            .is_some_and(|m| m == "POST");
        if !(listed && method_ok) {
            let mut refused = http::json_response(
                403,
                &json!({ "error": "invalid_request", "error_description": "CORS: this origin or method is not allowed" }),
            );
            refused.headers.push(("vary".into(), "Origin".into()));
            return refused;
        }
        r.headers.extend([
            ("vary".into(), "Origin".into()),
            ("access-control-allow-origin".into(), origin.to_owned()),
            ("access-control-allow-methods".into(), "POST".into()),
            (
                "access-control-allow-headers".into(),
                http::CORS_ALLOW_HEADERS.into(),
            ),
            (
                "access-control-max-age".into(),
                http::CORS_MAX_AGE_SECONDS.to_string(),
            ),
        ]);
        r
    }

    fn metadata_response(&self) -> HttpResponse {
        let mut r = http::json_response(200, &self.metadata());
        // RFC 8414 metadata is public: any page may read it (no credentials).
        r.headers
            .push(("access-control-allow-origin".into(), "*".into()));
        for (k, v) in r.headers.iter_mut() {
            if k == "cache-control" {
                *v = "public, max-age=300".into();
            }
        }
        r.headers.retain(|(k, _)| k != "pragma");
        r
    }

    fn introspect_refresh_active(&self, r: &FamilyRecord) -> HttpResponse {
        let s = &self.settings;
        http::json_response(
            200,
            &json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": r.scope,
                "client_id": r.client_id,
                "sub": r.subject,
                "iss": s.issuer,
                "iat": seconds(r.created_at),
                "exp": seconds(self.purge_at(r)),
            }),
        )
    }

    /// RFC 7662 §2.1: a client introspects its own tokens; a client marked `introspect` (a
    /// resource server) every client's.
    fn may_introspect(&self, caller: &str, owner: &str) -> bool {
        caller == owner || self.client(caller).is_some_and(|c| c.introspect)
    }

    /// The claims and family store key of an access token `caller` may introspect: this
    /// issuer's own, valid, unexpired access token (RFC 7662 §2.2, RFC 9068 §4) naming its
    /// family (`sid`). `None` for anything else, which answers `active: false` without saying
    /// why (RFC 7662 §2.2: no leak to a client that may not know).
    fn access_family(
        &self,
        caller: &str,
        token: &str,
        now_ms: u64,
    ) -> Option<(Map<String, Value>, String)> {
        let s = &self.settings;
        let verified =
            crate::jwt::verify_json(token, &s.keys, &s.access_token_validation, now_ms).ok()?;
        let claims: Map<String, Value> = serde_json::from_str(verified.claims_json()).ok()?;
        let owner = claims.get("client_id")?.as_str()?;
        if !self.may_introspect(caller, owner) {
            return None;
        }
        let key = token::family_key_of_session_id(claims.get("sid")?.as_str()?)?;
        Some((claims, key))
    }
}

/// RFC 7662 §2.2: `{"active": false}` and nothing else.
fn inactive() -> HttpResponse {
    http::json_response(200, &json!({ "active": false }))
}

fn introspect_access_active(claims: &Map<String, Value>) -> HttpResponse {
    let mut out = Map::new();
    out.insert("active".into(), json!(true));
    out.insert("token_type".into(), json!("Bearer"));
    for k in [
        "scope",
        "client_id",
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "jti",
    ] {
        if let Some(v) = claims.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    http::json_response(200, &Value::Object(out))
}

impl Issuer {
    /// Phase 1 proper: method and path, body, client authentication, parameters.
    fn prepare(&self, req: &HttpRequest) -> Result<Prepared, HttpResponse> {
        let endpoint =
            http::endpoint(&self.settings.path_prefix, &req.path).ok_or_else(http::not_found)?;
        let expected = if endpoint == Endpoint::Metadata {
            "GET"
        } else {
            "POST"
        };
        let method = req.method.to_ascii_uppercase();
        if endpoint != Endpoint::Metadata && method == "OPTIONS" {
            return Ok(Prepared::Preflight);
        }
        let method_ok = method == expected || (endpoint == Endpoint::Metadata && method == "HEAD");
        if !method_ok {
            return Err(http::method_not_allowed(expected));
        }
        if endpoint == Endpoint::Metadata {
            return Ok(Prepared::Metadata);
        }
        let err = |status, code: &str, desc: &str, basic| {
            if endpoint == Endpoint::Token {
                self.token_error(status, code, desc, basic)
            } else {
                self.plain_error(status, code, desc, basic)
            }
        };
        let allow_json = endpoint == Endpoint::Token && self.settings.dialect.json_body();
        let mut params = http::parse_body(req, allow_json)
            .map_err(|desc| err(400, "invalid_request", &desc, false))?;
        let (client, method) = http::authenticate(&self.settings, req, &mut params)
            .map_err(|f| err(f.status, f.code, &f.description, f.basic_used))?;
        if endpoint == Endpoint::Introspect && method == AuthMethod::None {
            // RFC 7662 §2.1: the introspection endpoint requires authorization. The answer is
            // that of an unknown client: a public client's id must not be confirmed.
            let f = http::authentication_failed(false);
            return Err(err(f.status, f.code, &f.description, f.basic_used));
        }
        let client_id = client.client_id.clone();
        let token_param = |params: &mut http::Params, name: &str| {
            params
                .remove(name)
                .ok_or_else(|| err(400, "invalid_request", &format!("missing {name}"), false))
        };
        // Answers from here on follow a successful client authentication (CORS may expose
        // them to the client's origins).
        let op = (|| {
            Ok(match endpoint {
                Endpoint::Token => {
                    let grant = params
                        .remove("grant_type")
                        .ok_or_else(|| err(400, "invalid_request", "missing grant_type", false))?;
                    if grant != "refresh_token" {
                        return Err(err(
                            400,
                            "unsupported_grant_type",
                            "only grant_type=refresh_token is supported",
                            false,
                        ));
                    }
                    let raw = token_param(&mut params, "refresh_token")?;
                    let token = self.parse_refresh_token(&raw).ok_or_else(|| {
                        err(
                            400,
                            "invalid_grant",
                            "the refresh token is invalid, expired or revoked",
                            false,
                        )
                    })?;
                    // A malformed scope is answered only after reuse detection (in `apply`): a
                    // retired token must end its family whatever scope comes with it.
                    let scope = match params.remove("scope").map(|s| Scope::parse(&s)) {
                        None => None,
                        Some(Err(ScopeError::TooManyTokens)) => {
                            return Err(err(
                                400,
                                "invalid_request",
                                &format!("scope has more than {MAX_SCOPE_TOKENS} scope tokens"),
                                false,
                            ));
                        }
                        Some(s) => Some(s.ok().filter(|v| !v.is_empty()).ok_or(())),
                    };
                    Op::Refresh { token, scope }
                }
                Endpoint::Revoke => {
                    let raw = token_param(&mut params, "token")?;
                    match self.parse_refresh_token(&raw) {
                        Some(token) => Op::Revoke { token },
                        None => Op::RevokeOther,
                    }
                }
                Endpoint::Introspect => {
                    let raw = token_param(&mut params, "token")?;
                    match self.parse_refresh_token(&raw) {
                        Some(token) => Op::IntrospectRefresh { token },
                        None => Op::IntrospectAccess { token: raw },
                    }
                }
                Endpoint::Metadata => return Err(http::not_found()),
            })
        })();
        Ok(Prepared::Op { client_id, op })
    }
}
