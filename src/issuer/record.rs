//! The stored state of one refresh-token family, as JSON so that any key-value store can hold
//! it: written with [`crate::json::write::Obj`], read with [`crate::json::scan`] (unknown
//! members refused). The text is the one `serde_json` wrote for these structs before
//! (camelCase members in declaration order), so records stored by earlier builds still read.

use super::input::Members;
use crate::json::scan::Kind;
use crate::json::write::Obj;

/// Version of the record format.
pub const RECORD_VERSION: u32 = 1;

/// The token just retired by a rotation, kept for the grace window (RFC 9700 §4.14.2).
#[derive(Debug, Clone, PartialEq)]
pub struct RetiredToken {
    /// base64url SHA-256 of the retired token.
    pub hash: String,
    /// When it was retired (ms).
    pub retired_at: u64,
    /// The successor's random part sealed under the retired token (see [`super::token`]).
    pub sealed_successor: String,
}

/// One refresh-token family: every token descending from one `startSession`.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyRecord {
    /// Record format version ([`RECORD_VERSION`]).
    pub version: u32,
    /// The client the family is bound to (RFC 6749 §6: refresh tokens are bound to a client).
    pub client_id: String,
    /// The `sub` of access tokens.
    pub subject: String,
    /// The scope granted at session start; refresh tokens keep it (RFC 6749 §6).
    pub scope: String,
    /// Extra claims copied into every access token: the JSON text of an object, compact with
    /// members sorted by name (`{}` when there are none).
    pub claims: String,
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
    /// The RFC 7638 thumbprint of the DPoP key the family is bound to (RFC 9449 §5); every
    /// refresh needs a proof signed by it. `None`: a bearer family.
    pub dpop_jkt: Option<String>,
    /// The DPoP proofs seen within their `iat` window (RFC 9449 §11.1): `(jti hash, until ms)`,
    /// kept in the record so that the replay check commits with the rotation.
    pub dpop_jtis: Vec<(String, u64)>,
}

const RECORD_MEMBERS: &[&str] = &[
    "version",
    "clientId",
    "subject",
    "scope",
    "claims",
    "createdAt",
    "expiresAt",
    "lastUsedAt",
    "generation",
    "currentHash",
    "previous",
    "dpopJkt",
    "dpopJtis",
];

const RETIRED_MEMBERS: &[&str] = &["hash", "retiredAt", "sealedSuccessor"];

impl FamilyRecord {
    /// The record's JSON text (what a store keeps).
    pub fn to_json(&self) -> String {
        let previous = match &self.previous {
            None => "null".to_owned(),
            Some(p) => Obj::new()
                .str("hash", &p.hash)
                .u64("retiredAt", p.retired_at)
                .str("sealedSuccessor", &p.sealed_successor)
                .end(),
        };
        let record = Obj::new()
            .u64("version", u64::from(self.version))
            .str("clientId", &self.client_id)
            .str("subject", &self.subject)
            .str("scope", &self.scope)
            .raw("claims", &self.claims)
            .u64("createdAt", self.created_at)
            .u64("expiresAt", self.expires_at)
            .u64("lastUsedAt", self.last_used_at)
            .u64("generation", self.generation)
            .str("currentHash", &self.current_hash)
            .raw("previous", &previous);
        // Written only for a bound family: a bearer family's record is the text it always was.
        let Some(jkt) = &self.dpop_jkt else {
            return record.end();
        };
        let mut jtis = String::from("[");
        for (i, (hash, until)) in self.dpop_jtis.iter().enumerate() {
            if i > 0 {
                jtis.push(',');
            }
            jtis.push_str(&Obj::new().str("h", hash).u64("u", *until).end());
        }
        jtis.push(']');
        record.str("dpopJkt", jkt).raw("dpopJtis", &jtis).end()
    }

    /// Reads a record written by [`FamilyRecord::to_json`]; `None` for anything else (a
    /// damaged record is treated as a dead family by the issuer).
    pub fn from_json(text: &str) -> Option<FamilyRecord> {
        let m = Members::parse(text, RECORD_MEMBERS).ok()?;
        let number = |name| m.u64(name).ok().flatten();
        let text = |name| m.string(name).ok().flatten();
        // Written by `to_json` (already canonical): kept as it is, once checked to be an object.
        let claims = m.get("claims").filter(|c| c.kind() == Kind::Object)?;
        let claims = claims.json().to_owned();
        let previous = match m.get("previous") {
            None => None,
            Some(raw) => {
                let p = Members::of(raw, "previous.", RETIRED_MEMBERS).ok()?;
                Some(RetiredToken {
                    hash: p.string("hash").ok()??,
                    retired_at: p.u64("retiredAt").ok()??,
                    sealed_successor: p.string("sealedSuccessor").ok()??,
                })
            }
        };
        let dpop_jkt = m.string("dpopJkt").ok()?;
        let mut dpop_jtis = Vec::new();
        for raw in m.array("dpopJtis").ok()?.unwrap_or_default() {
            let j = Members::of(&raw, "dpopJtis[].", &["h", "u"]).ok()?;
            dpop_jtis.push((j.string("h").ok()??, j.u64("u").ok()??));
        }
        Some(FamilyRecord {
            dpop_jkt,
            dpop_jtis,
            version: u32::try_from(number("version")?).ok()?,
            client_id: text("clientId")?,
            subject: text("subject")?,
            scope: text("scope")?,
            claims,
            created_at: number("createdAt")?,
            expires_at: number("expiresAt")?,
            last_used_at: number("lastUsedAt")?,
            generation: number("generation")?,
            current_hash: text("currentHash")?,
            previous,
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_in_the_stored_format() {
        // The text serde_json wrote for this record (camelCase, declaration order).
        let stored = r#"{"version":1,"clientId":"spa","subject":"u\"1","scope":"openid","claims":{"a":[1,{"b":null}],"tenant":"acme"},"createdAt":1,"expiresAt":2,"lastUsedAt":3,"generation":4,"currentHash":"h","previous":{"hash":"p","retiredAt":5,"sealedSuccessor":"s"}}"#;
        let record = FamilyRecord::from_json(stored).unwrap();
        assert_eq!(record.subject, "u\"1");
        assert_eq!(record.previous.as_ref().unwrap().retired_at, 5);
        assert_eq!(record.to_json(), stored);
        let none = stored.replace(
            r#"{"hash":"p","retiredAt":5,"sealedSuccessor":"s"}"#,
            "null",
        );
        assert_eq!(FamilyRecord::from_json(&none).unwrap().to_json(), none);
        for bad in [
            stored.replace(r#""generation":4"#, r#""generation":-4"#),
            stored.replace(r#""scope":"openid""#, r#""scope":7"#),
            stored.replace(r#""version":1"#, r#""version":1,"extra":1"#),
            stored.replace(r#""retiredAt":5"#, r#""retiredAt":5,"x":0"#),
            stored.replace(
                r#""claims":{"a":[1,{"b":null}],"tenant":"acme"}"#,
                r#""claims":[]"#,
            ),
            stored.replace(r#","currentHash":"h""#, ""),
            stored[1..].to_owned(),
        ] {
            assert_eq!(FamilyRecord::from_json(&bad), None, "{bad}");
        }
    }
}
