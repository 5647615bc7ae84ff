//! The stored state of one refresh-token family, as JSON (serde) so that any key-value store
//! can hold it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Version of the record format.
pub const RECORD_VERSION: u32 = 1;

/// The token just retired by a rotation, kept for the grace window (RFC 9700 §4.14.2).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetiredToken {
    /// base64url SHA-256 of the retired token.
    pub hash: String,
    /// When it was retired (ms).
    pub retired_at: u64,
    /// The successor's random part sealed under the retired token (see [`super::token`]).
    pub sealed_successor: String,
}

/// One refresh-token family: every token descending from one `startSession`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FamilyRecord {
    /// Record format version ([`RECORD_VERSION`]).
    pub version: u32,
    /// The client the family is bound to (RFC 6749 §6: refresh tokens are bound to a client).
    pub client_id: String,
    /// The `sub` of access tokens.
    pub subject: String,
    /// The scope granted at session start; refresh tokens keep it (RFC 6749 §6).
    pub scope: String,
    /// Extra claims copied into every access token.
    pub claims: Map<String, Value>,
    /// Session start (ms).
    pub created_at: u64,
    /// Absolute end of the family (ms): `created_at + refreshTokenTtl`.
    pub expires_at: u64,
    /// Last successful redemption or session start (ms), for the idle lifetime.
    pub last_used_at: u64,
    /// Number of rotations so far.
    pub generation: u64,
    /// base64url SHA-256 of the one live refresh token.
    pub current_hash: String,
    /// The token retired by the latest rotation.
    pub previous: Option<RetiredToken>,
}

impl FamilyRecord {
    /// When the family dies if nothing happens (absolute or idle end), in ms: a store may
    /// purge the record from then on.
    pub fn purge_at(&self, idle_ttl_seconds: Option<u64>) -> u64 {
        match idle_ttl_seconds {
            Some(idle) => self
                .expires_at
                .min(self.last_used_at.saturating_add(idle.saturating_mul(1000))),
            None => self.expires_at,
        }
    }
}
