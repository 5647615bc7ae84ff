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
mod input;

pub use crate::client::scope::MAX_SCOPE_TOKENS;
pub use crate::client::{AuthMethod, Dialect};
pub use config::{
    Client, DPOP_ALGS, DPOP_MAX_AGE_SECONDS, DPOP_MAX_FUTURE_SECONDS, DPOP_NONCE_SECONDS, DpopMode,
    IssuerConfig, MAX_REUSE_GRACE_SECONDS, Rotation, Settings,
};
pub use http::{
    CORS_ALLOW_HEADERS, CORS_MAX_AGE_SECONDS, DpopProof, HttpRequest, HttpResponse, MAX_BODY_BYTES,
    MAX_FORM_PARAMETERS,
};
pub use record::{FamilyRecord, RECORD_VERSION, RetiredToken};
pub use token::{RefreshToken, RefreshTokenMac, family_key, session_id};

use crate::b64;
use crate::client::Scope;
use crate::client::scope::ScopeError;
use crate::error::{Error, RotorError};
use crate::json::scan;
use crate::json::write::Obj;
use crate::text::{join, u64_text};
use http::{Endpoint, Op, Prepared};
use input::Members;
use subtle::ConstantTimeEq;

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
    "cnf",
];

/// The answer to a DPoP client's token request without a proof (RFC 9449 §5).
const NO_PROOF: &str = "this client must send a DPoP proof";

/// Most DPoP proofs a family remembers within their `iat` window (RFC 9449 §11.1); a further
/// proof in the window is refused until the oldest expires (only the key's holder can send
/// them).
pub const MAX_DPOP_JTIS: usize = 32;

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
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    /// A registered, enabled client.
    pub client_id: String,
    /// The `sub` of access tokens.
    pub subject: String,
    /// The granted scope (a subset of the client's); omitted: the client's whole scope.
    pub scope: Option<String>,
    /// Extra access-token claims (not the reserved ones): the JSON text of an object.
    pub claims: Option<String>,
    /// The sign-in request's DPoP proof, as the driver checked it (RFC 9449 §5): a valid one
    /// binds the family to its key.
    pub dpop: DpopProof,
}

const SESSION_MEMBERS: &[&str] = &["clientId", "subject", "scope", "claims"];

impl SessionInput {
    /// Reads `{ clientId, subject, scope?, claims? }` from its JSON text; a malformed member is
    /// `invalid_argument` naming it.
    pub fn from_json(text: &str) -> Result<SessionInput, Error> {
        let read = || -> Result<SessionInput, String> {
            let m = Members::parse(text, SESSION_MEMBERS)?;
            let claims = match m.get("claims") {
                None => None,
                Some(c) if c.object().is_some() => Some(c.json().to_owned()),
                Some(_) => return Err("claims must be an object".into()),
            };
            Ok(SessionInput {
                client_id: m.required("clientId")?,
                subject: m.required("subject")?,
                scope: m.string("scope")?,
                claims,
                dpop: DpopProof::None,
            })
        };
        read().map_err(|m| invalid_argument(join(&["startSession: ", &m])))
    }
}

/// A created family. `Debug` leaves out the token response body (it holds the tokens).
pub struct Session {
    /// The store key of the family.
    pub family_key: String,
    /// The record to store.
    pub record: FamilyRecord,
    /// The token response body (JSON text), in the issuer's dialect (as the token endpoint
    /// would answer).
    pub body: String,
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
        let (client_id, op) = match self.authenticated(request, now_ms) {
            Err(response) => return Route::Respond(response),
            Ok(prepared) => prepared,
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
        let (client_id, op) = match self.authenticated(request, now_ms) {
            Err(response) => return keep(response),
            Ok(prepared) => prepared,
        };
        let mut applied = match op {
            Err(response) => keep(response),
            Ok(op) => self.apply_op(&client_id, op, &request.dpop, stored, now_ms, random),
        };
        applied.response = self.cors(request, Some(&client_id), applied.response);
        applied
    }

    /// Phase 1 for both phases: the authenticated client and its operation, or the final
    /// answer of a request that needs no client (an error before authentication, metadata,
    /// a CORS preflight).
    #[allow(clippy::type_complexity)]
    fn authenticated(
        &self,
        request: &HttpRequest,
        now_ms: u64,
    ) -> Result<(String, Result<Op, HttpResponse>), HttpResponse> {
        match self.prepare(request, now_ms) {
            Err(response) => Err(self.cors(request, None, response)),
            Ok(Prepared::Metadata) => Err(self.metadata_response()),
            Ok(Prepared::Preflight) => Err(self.preflight(request)),
            Ok(Prepared::Op { client_id, op }) => Ok((client_id, op)),
        }
    }

    fn apply_op(
        &self,
        client_id: &str,
        op: Op,
        dpop: &DpopProof,
        stored: Option<&str>,
        now_ms: u64,
        random: &[u8; RANDOM_BYTES],
    ) -> Applied {
        let mut record: Option<FamilyRecord> = stored.and_then(FamilyRecord::from_json);
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
        let mut applied = self.apply_record(client_id, op, dpop, record, corrupt, now_ms, random);
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

    #[allow(clippy::too_many_arguments)]
    fn apply_record(
        &self,
        client_id: &str,
        op: Op,
        dpop: &DpopProof,
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
                            && owner_of(&claims).as_ref() == Some(&r.client_id) =>
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
                self.refresh(record, client_id, &token, scope, dpop, now_ms, random)
            }
        }
    }

    fn alive(&self, r: &FamilyRecord, now_ms: u64) -> bool {
        now_ms < self.purge_at(r)
    }

    #[allow(clippy::too_many_arguments)]
    fn refresh(
        &self,
        mut record: FamilyRecord,
        client_id: &str,
        token: &RefreshToken,
        requested: Option<Result<Scope, ()>>,
        dpop: &DpopProof,
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
        // 0. The DPoP proof (RFC 9449 §5), before anything consumes the token: a refused
        //    proof leaves the family as it is (no reuse detection, no rotation), so that
        //    whoever copied a bound token cannot end its family either.
        let mode = self.client(client_id).and_then(|c| c.dpop);
        if let Err(response) = self.dpop_binding(&mut record, dpop, mode, now_ms) {
            return Applied {
                change: RecordChange::Keep,
                response,
            };
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
            None => match self.rotation_of(&record) {
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
        // A new nonce is handed out with use_dpop_nonce only (RFC 9449 §8.2 makes it optional
        // on a success): a nonce stays accepted for two periods, one challenge per period at most.
        Applied {
            change: RecordChange::Put(Box::new(record)),
            response: http::json_response(200, body),
        }
    }

    /// The rotation policy of `record`'s family: `dpopRotation` for a DPoP-bound family.
    fn rotation_of(&self, record: &FamilyRecord) -> Rotation {
        if record.dpop_jkt.is_some() {
            self.settings.dpop_rotation
        } else {
            self.settings.rotation
        }
    }

    /// An RFC 9449 error at the token endpoint: 400 `invalid_dpop_proof` (§5, §4.3), or 400
    /// `use_dpop_nonce` with the nonce to use in `DPoP-Nonce` (§8.1).
    #[inline(never)]
    fn dpop_error(&self, use_nonce: bool, description: &str, now_ms: u64) -> HttpResponse {
        let nonce = self.settings.dpop_nonces.as_ref().filter(|_| use_nonce);
        let code = if nonce.is_some() {
            "use_dpop_nonce"
        } else {
            "invalid_dpop_proof"
        };
        let description = match (nonce, description) {
            (Some(_), "") => "a DPoP nonce is required",
            _ => description,
        };
        let mut response = self.token_error(400, code, description, false);
        if let Some(nonces) = nonce {
            response
                .headers
                .push(("dpop-nonce".into(), nonces.current(now_ms)));
        }
        response
    }

    /// RFC 9449 §5 at a refresh: binds or checks `record`'s key and records the proof's `jti`
    /// (§11.1). A family is DPoP-bound once a proof came with its sign-in or a refresh of a
    /// DPoP client; from then on every refresh needs a valid proof of that key, whatever the
    /// client's configuration says now. A proof to a client without `dpop` and an unbound
    /// family is ignored (a bearer family).
    #[inline(never)]
    fn dpop_binding(
        &self,
        record: &mut FamilyRecord,
        proof: &DpopProof,
        mode: Option<DpopMode>,
        now_ms: u64,
    ) -> Result<(), HttpResponse> {
        if mode.is_none() && record.dpop_jkt.is_none() {
            return Ok(());
        }
        let refuse = |why: &str| Err(self.dpop_error(false, why, now_ms));
        match proof {
            DpopProof::Valid { jkt, jti, iat } => {
                if let Some(bound) = &record.dpop_jkt {
                    if !bool::from(bound.as_bytes().ct_eq(jkt.as_bytes())) {
                        return refuse("the DPoP proof's key is not the refresh token's");
                    }
                }
                let hash = jti_hash(jti);
                record.dpop_jtis.retain(|(_, until)| *until > now_ms);
                if record.dpop_jtis.iter().any(|(h, _)| *h == hash) {
                    return refuse("the DPoP proof was used before (jti)");
                }
                if record.dpop_jtis.len() >= MAX_DPOP_JTIS {
                    return refuse("too many DPoP proofs in the window");
                }
                record.dpop_jtis.push((hash, jti_until(*iat)));
                record.dpop_jkt = Some(jkt.clone());
                Ok(())
            }
            DpopProof::Refused {
                use_nonce,
                description,
            } => Err(self.dpop_error(*use_nonce, description, now_ms)),
            DpopProof::Unchecked => refuse("the DPoP proof was not checked"),
            DpopProof::None if record.dpop_jkt.is_some() => {
                refuse("the refresh token is DPoP-bound: a proof is required")
            }
            DpopProof::None if mode == Some(DpopMode::Required) => refuse(NO_PROOF),
            DpopProof::None => Ok(()),
        }
    }

    /// The proof rules a driver checks token-endpoint proofs with (JSON text), or `None` when
    /// no client uses DPoP: `{"htu","algs","maxAgeSeconds","maxFutureSeconds","nonces"}`.
    /// `htu` is the token endpoint as the metadata names it (RFC 9449 §4.3 step 9: the URL
    /// the client sent to, whatever proxy the request came through); `nonces` the accepted
    /// server nonces, space-separated (`""`: none required).
    pub fn dpop_rules(&self, now_ms: u64) -> Option<String> {
        let s = &self.settings;
        if !s.dpop_enabled() {
            return None;
        }
        let nonces = s
            .dpop_nonces
            .as_ref()
            .map(|n| n.accepted(now_ms))
            .unwrap_or_default();
        Some(join(&[
            "{\"htu\":",
            &crate::json::write::string(&join(&[&s.endpoint_base, "/token"])),
            ",\"algs\":\"",
            config::DPOP_ALGS_TEXT,
            "\",\"maxAgeSeconds\":",
            &u64_text(DPOP_MAX_AGE_SECONDS),
            ",\"maxFutureSeconds\":",
            &u64_text(DPOP_MAX_FUTURE_SECONDS),
            ",\"nonces\":\"",
            &nonces,
            "\"}",
        ]))
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
        let claims = match &input.claims {
            None => "{}".to_owned(),
            Some(text) => {
                let object = scan::object(text).map_err(|e| {
                    invalid_argument(join(&["startSession: claims: ", &e.message()]))
                })?;
                if let Some((k, _)) = object.members().find(|(k, _)| RESERVED_CLAIMS.contains(k)) {
                    return Err(invalid_argument(join(&[
                        "startSession: claim \"",
                        k,
                        "\" is set by the issuer and cannot be given",
                    ])));
                }
                input::canonical(&object)
            }
        };
        if claims.len() > MAX_SESSION_CLAIMS_BYTES {
            return Err(invalid_argument(join(&[
                "startSession: claims are larger than ",
                &u64_text(MAX_SESSION_CLAIMS_BYTES as u64),
                " bytes",
            ])));
        }
        // RFC 9449 §5: a sign-in with a proof binds the family to its key.
        let dpop_error = |why: &str| {
            Error::Rotor(RotorError::new(
                crate::error::RotorErrorCode::InvalidDpopProof,
                join(&["startSession: ", why]),
            ))
        };
        let (dpop_jkt, dpop_jtis) = match (client.dpop, &input.dpop) {
            (None, _) => (None, Vec::new()),
            (Some(_), DpopProof::Valid { jkt, jti, iat }) => {
                (Some(jkt.clone()), vec![(jti_hash(jti), jti_until(*iat))])
            }
            (Some(_), DpopProof::Refused { description, .. }) => {
                return Err(dpop_error(description));
            }
            (Some(_), DpopProof::Unchecked) => {
                return Err(dpop_error("the DPoP proof was not checked"));
            }
            (Some(DpopMode::Required), DpopProof::None) => {
                return Err(dpop_error(
                    "this client requires a DPoP proof (dpop: the sign-in request)",
                ));
            }
            (Some(DpopMode::Allowed), DpopProof::None) => (None, Vec::new()),
        };
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
            dpop_jkt,
            dpop_jtis,
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
        let string = crate::json::write::string;
        let number = u64_text;
        let issuer_claims: [(&str, String); 9] = [
            ("aud", s.audience.clone()),
            ("client_id", string(&record.client_id)),
            ("exp", number(iat + s.access_token_ttl)),
            ("iat", number(iat)),
            ("iss", string(&s.issuer)),
            ("jti", string(&b64::encode(jti))),
            ("scope", string(&scope.to_wire())),
            ("sid", string(&token::session_id(family_id))),
            ("sub", string(&record.subject)),
        ];
        // The session's claims (never a reserved name) and the issuer's, sorted by name: the
        // claims set serde_json wrote for one map of both.
        let extra = scan::object(&record.claims)
            .map_err(|_| RotorError::argument("the stored claims are not a JSON object"))?;
        let mut members: Vec<(&str, &str)> = extra.members().map(|(k, v)| (k, v.json())).collect();
        members.extend(issuer_claims.iter().map(|(k, v)| (*k, v.as_str())));
        // RFC 9449 §6.1: a DPoP-bound access token names its key's thumbprint.
        let cnf = record
            .dpop_jkt
            .as_ref()
            .map(|jkt| Obj::new().str("jkt", jkt).end());
        if let Some(cnf) = &cnf {
            members.push(("cnf", cnf));
        }
        members.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let claims_json = members
            .into_iter()
            .fold(Obj::new(), |o, (k, v)| o.raw(k, v))
            .end();
        let (kid, key) = s
            .keys
            .signing_key()
            .expect("validated settings hold at least one key");
        crate::jwt::sign_claims_json(kid, Some("at+jwt"), claims_json.as_bytes(), key)
    }

    /// The token response body in the configured dialect (RFC 6749 §5.1), its members sorted
    /// by name.
    fn token_body(
        &self,
        access: &str,
        scope: &Scope,
        refresh: &RefreshToken,
        record: &FamilyRecord,
        now_ms: u64,
    ) -> String {
        let s = &self.settings;
        let scope = scope.to_wire();
        let family_id = refresh.family_id();
        let refresh = self.encode_refresh_token(refresh);
        let ttl = s.access_token_ttl;
        // RFC 9449 §5: a DPoP-bound access token is of type "DPoP" in every dialect.
        let bound = record.dpop_jkt.is_some();
        let bearer = |name: &'static str| if bound { "DPoP" } else { name };
        match s.dialect {
            Dialect::Rfc6749 => Obj::new()
                .str("access_token", access)
                .u64("expires_in", ttl)
                .str("refresh_token", &refresh)
                .str("scope", &scope)
                .str("token_type", bearer("Bearer"))
                .end(),
            Dialect::Keycloak => {
                let refresh_expires_in = self.purge_at(record).saturating_sub(now_ms) / 1000;
                Obj::new()
                    .str("access_token", access)
                    .u64("expires_in", ttl)
                    .u64("not-before-policy", 0)
                    .u64("refresh_expires_in", refresh_expires_in)
                    .str("refresh_token", &refresh)
                    .str("scope", &scope)
                    .str("session_state", &token::session_state(&family_id))
                    .str("token_type", bearer("Bearer"))
                    .end()
            }
            Dialect::Curity => Obj::new()
                .str("access_token", access)
                .u64("expires_in", ttl)
                .str("refresh_token", &refresh)
                .str("scope", &scope)
                .str("token_type", bearer("bearer"))
                .end(),
            Dialect::PingFederate => Obj::new()
                .str("access_token", access)
                .u64("expires_in", ttl)
                .str("refresh_token", &refresh)
                .str("token_type", bearer("Bearer"))
                .end(),
            Dialect::TokenIdp => {
                let data = Obj::new()
                    .str("accessToken", access)
                    .u64("expiresIn", ttl)
                    .str("refreshToken", &refresh)
                    .str("tokenType", bearer("Bearer"))
                    .end();
                Obj::new().raw("data", &data).bool("isSuccess", true).end()
            }
        }
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
        let mut response = if enveloped {
            let body = Obj::new()
                .raw("data", "null")
                .str("error", code)
                .str("errorDescription", description)
                .bool("isSuccess", false)
                .end();
            http::json_response(status, body)
        } else {
            http::error_response(status, code, description)
        };
        if basic_used && status == 401 {
            response.headers.push((
                "www-authenticate".into(),
                join(&[
                    "Basic realm=\"",
                    &self.settings.issuer.replace('"', ""),
                    "\", charset=\"UTF-8\"",
                ]),
            ));
        }
        response
    }

    /// The RFC 8414 §2 metadata document (JSON text, members sorted by name).
    pub fn metadata(&self) -> String {
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
        let url = |path: &str| join(&[&s.endpoint_base, path]);
        let mut doc = Obj::new();
        if s.dpop_enabled() {
            // RFC 9449 §5.1.
            doc = doc.strs("dpop_signing_alg_values_supported", DPOP_ALGS);
        }
        doc.strs("grant_types_supported", &["refresh_token"])
            .str("introspection_endpoint", &url("/introspect"))
            .strs(
                "introspection_endpoint_auth_methods_supported",
                &authenticated,
            )
            .str("issuer", &s.issuer)
            .strs("response_types_supported", &[])
            .str("revocation_endpoint", &url("/revoke"))
            .strs("revocation_endpoint_auth_methods_supported", &methods)
            .str("token_endpoint", &url("/token"))
            .strs("token_endpoint_auth_methods_supported", &methods)
            .end()
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
            if self.settings.dpop_nonces.is_some() {
                // RFC 9449 §8: the page's DPoP client must read the nonce.
                r.headers
                    .push(("access-control-expose-headers".into(), "DPoP-Nonce".into()));
            }
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
            let mut refused = http::error_response(
                403,
                "invalid_request",
                "CORS: this origin or method is not allowed",
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
                u64_text(u64::from(http::CORS_MAX_AGE_SECONDS)),
            ),
        ]);
        r
    }

    fn metadata_response(&self) -> HttpResponse {
        let mut r = http::json_response(200, self.metadata());
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
        let body = Obj::new()
            .bool("active", true)
            .str("client_id", &r.client_id)
            .u64("exp", seconds(self.purge_at(r)))
            .u64("iat", seconds(r.created_at))
            .str("iss", &s.issuer)
            .str("scope", &r.scope)
            .str("sub", &r.subject)
            .str("token_type", "refresh_token")
            .end();
        http::json_response(200, body)
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
    fn access_family(&self, caller: &str, token: &str, now_ms: u64) -> Option<(String, String)> {
        let s = &self.settings;
        let verified =
            crate::jwt::verify_json(token, &s.keys, &s.access_token_validation, now_ms).ok()?;
        let claims = verified.claims_json();
        let object = scan::object(claims).ok()?;
        let owner = object.get("client_id")?.as_str()?;
        if !self.may_introspect(caller, &owner) {
            return None;
        }
        let key = token::family_key_of_session_id(&object.get("sid")?.as_str()?)?;
        Some((claims.to_owned(), key))
    }
}

/// The `client_id` claim of a verified claims set.
fn owner_of(claims: &str) -> Option<String> {
    let object = scan::object(claims).ok()?;
    Some(object.get("client_id")?.as_str()?.into_owned())
}

/// RFC 7662 §2.2: `{"active": false}` and nothing else.
fn inactive() -> HttpResponse {
    http::json_response(200, r#"{"active":false}"#.to_owned())
}

/// RFC 7662 §2.2 for an active access token: the claims a resource server needs, copied from
/// the verified claims set (written by this issuer), members sorted by name.
fn introspect_access_active(claims: &str) -> HttpResponse {
    let Ok(claims) = scan::object(claims) else {
        return inactive();
    };
    let mut out = Obj::new().bool("active", true);
    for k in [
        "aud",
        "client_id",
        "cnf",
        "exp",
        "iat",
        "iss",
        "jti",
        "scope",
        "sub",
    ] {
        if let Some(v) = claims.get(k) {
            out = out.raw(k, v.json());
        }
    }
    // RFC 9449 §6.2: a bound token's `cnf` and type.
    let token_type = if claims.contains("cnf") {
        "DPoP"
    } else {
        "Bearer"
    };
    http::json_response(200, out.str("token_type", token_type).end())
}

impl Issuer {
    /// Phase 1 proper: method and path, body, client authentication, parameters.
    fn prepare(&self, req: &HttpRequest, now_ms: u64) -> Result<Prepared, HttpResponse> {
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
        let client_dpop = client.dpop;
        let token_param = |params: &mut http::Params, name: &str| {
            params
                .remove(name)
                .ok_or_else(|| err(400, "invalid_request", &join(&["missing ", name]), false))
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
                                &join(&[
                                    "scope has more than ",
                                    &u64_text(MAX_SCOPE_TOKENS as u64),
                                    " scope tokens",
                                ]),
                                false,
                            ));
                        }
                        Some(s) => Some(s.ok().filter(|v| !v.is_empty()).ok_or(())),
                    };
                    // RFC 9449 §5: a DPoP client's refused proof (or a missing one, where
                    // required) is answered here, before any store access; the family's own
                    // binding is checked in `apply`.
                    match (client_dpop, &req.dpop) {
                        (
                            Some(_),
                            DpopProof::Refused {
                                use_nonce,
                                description,
                            },
                        ) => {
                            return Err(self.dpop_error(*use_nonce, description, now_ms));
                        }
                        (Some(DpopMode::Required), DpopProof::None) => {
                            return Err(self.dpop_error(false, NO_PROOF, now_ms));
                        }
                        _ => {}
                    }
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

/// The stored form of a proof's `jti`: 16 bytes of its SHA-256, base64url (22 characters,
/// whatever the `jti`'s length).
fn jti_hash(jti: &str) -> String {
    use sha2::{Digest, Sha256};
    b64::encode(&Sha256::digest(jti.as_bytes())[..16])
}

/// Until when (ms) a proof issued at `iat` (s) could still be accepted, so its `jti` must be
/// remembered (RFC 9449 §11.1): [`DPOP_MAX_AGE_SECONDS`] after `iat`, plus a second for the
/// check's rounding.
fn jti_until(iat: u64) -> u64 {
    iat.saturating_add(DPOP_MAX_AGE_SECONDS + 1)
        .saturating_mul(1000)
}
