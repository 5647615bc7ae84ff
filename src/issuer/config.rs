//! Issuer configuration: what a deployment declares, validated once into an [`Issuer`](super::Issuer).
//!
//! Defaults (documented in `pkg/types/issuer.d.ts` too):
//! - `accessTokenTtl`: 300 s; `refreshTokenTtl`: 2 592 000 s (30 days, absolute family lifetime);
//!   `refreshIdleTtl`: none (no idle limit).
//! - `rotation`: `"rotate"`; `reuseGraceSeconds`: 0 (strict RFC 9700 §4.14.2 reuse detection).
//! - `dialect`: `"rfc6749"`.
//! - a client's `authMethods`: `["client_secret_basic", "client_secret_post"]` with a secret,
//!   `["none"]` without.

use super::input::Members;
use super::token::{MAC_KEY_LABEL, RefreshTokenMac};
use crate::b64;
use crate::client::config::check_url;
use crate::client::{AuthMethod, Dialect, Scope};
use crate::error::{Error, JwtError, RotorError};
use crate::json::scan::Raw;
use crate::jwt::{Key, KeySet, Validation};
use crate::secret::Secret;
use crate::text::{join, prefix, u64_text};

/// Longest accepted lifetime of any token or family: 10 years, in seconds.
pub const MAX_TTL_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// Longest accepted `reuseGraceSeconds`: 60. The grace window exists for an honest retry
/// after a lost response (RFC 9700 §4.14.2 allows no reuse at all); every second of it is a
/// second in which a stolen, just-retired token still redeems.
pub const MAX_REUSE_GRACE_SECONDS: u64 = 60;

/// One signing key as configured: `key` is the base64url encoding of at least 32 bytes.
pub struct KeyConfig {
    /// The key id placed in the `kid` header (RFC 7515 §4.1.4).
    pub kid: String,
    /// base64url (unpadded) key bytes. The JS driver converts `Uint8Array`s to this form.
    pub key: Secret,
}

/// One registered client (RFC 6749 §2).
pub struct ClientConfig {
    /// The client identifier (RFC 6749 §2.2).
    pub client_id: String,
    /// The client secret for `client_secret_basic` / `client_secret_post` (RFC 6749 §2.3.1).
    pub client_secret: Option<Secret>,
    /// Accepted authentication methods (RFC 7591 §2 names).
    pub auth_methods: Option<Vec<String>>,
    /// The widest scope this client may hold (space-separated, RFC 6749 §3.3).
    pub scope: String,
    /// A disabled client is refused with `invalid_client`.
    pub disabled: bool,
    /// May introspect tokens of every client (a resource server; RFC 7662 §2.1, §4). Without
    /// it a client introspects only its own tokens. Needs a `clientSecret`.
    pub introspect: bool,
    /// Web origins (`scheme://host[:port]`, as browsers send them in `Origin`, RFC 6454 §6.1)
    /// whose pages may call the token, revocation and introspection endpoints (CORS).
    pub allowed_origins: Vec<String>,
    /// DPoP (RFC 9449) for this client: `"required"`, `"allowed"`, or none (proofs ignored).
    pub dpop: Option<String>,
}

/// `audience`: one string or several.
#[derive(Clone, Debug)]
pub enum AudienceConfig {
    /// A single audience (the `aud` claim is then a string).
    One(String),
    /// Several audiences (the `aud` claim is then an array).
    Many(Vec<String>),
}

/// The issuer configuration as given by the caller (JS `config` minus `store`).
pub struct IssuerConfig {
    /// The issuer identifier (RFC 8414 §2): an `https:` URL without query or fragment;
    /// `http:` only for loopback hosts. Its path is the prefix of every endpoint.
    pub issuer: String,
    /// The `aud` claim of access tokens (RFC 9068 §2.2).
    pub audience: AudienceConfig,
    /// Signing keys; the first signs, all verify (introspection).
    pub keys: Vec<KeyConfig>,
    /// Access-token lifetime in seconds (default 300).
    pub access_token_ttl: Option<u64>,
    /// Absolute lifetime of a refresh-token family in seconds (default 30 days).
    pub refresh_token_ttl: Option<u64>,
    /// Idle lifetime in seconds: a family unused for this long expires (default: none).
    pub refresh_idle_ttl: Option<u64>,
    /// `"rotate"` (default) or `"reuse"`.
    pub rotation: Option<String>,
    /// Seconds after a rotation during which the retired token returns the same successor
    /// (default 0, at most [`MAX_REUSE_GRACE_SECONDS`]).
    pub reuse_grace_seconds: Option<u64>,
    /// Registered clients.
    pub clients: Vec<ClientConfig>,
    /// Wire format: `rfc6749` (default), `keycloak`, `curity`, `pingfederate`, `tokenidp`.
    pub dialect: Option<String>,
    /// Server nonces for DPoP proofs (RFC 9449 §8): each nonce is issued for this many seconds
    /// and accepted for twice as long (default: none, no nonce required).
    pub dpop_nonce_seconds: Option<u64>,
    /// Rotation of DPoP-bound families: `"rotate"` (default) or `"reuse"` (RFC 9449 §5 and RFC
    /// 9700 §4.14.2 allow a sender-constrained refresh token to stay the same).
    pub dpop_rotation: Option<String>,
}

/// Shortest and longest `dpopNonceSeconds`.
pub const DPOP_NONCE_SECONDS: std::ops::RangeInclusive<u64> = 10..=3600;

/// How old a DPoP proof's `iat` may be at the token endpoint, in seconds (RFC 9449 §11.1: a
/// short window; its `jti` is remembered for this long plus [`DPOP_MAX_FUTURE_SECONDS`]).
pub const DPOP_MAX_AGE_SECONDS: u64 = 60;

/// How far in the future a DPoP proof's `iat` may be (clock skew), in seconds.
pub const DPOP_MAX_FUTURE_SECONDS: u64 = 5;

/// The JWS algorithms of DPoP proofs the issuer accepts (`dpop_signing_alg_values_supported`,
/// RFC 9449 §5.1): those WebCrypto verifies in every runtime rotor runs in.
pub const DPOP_ALGS: &[&str] = &["ES256", "EdDSA", "RS256"];

/// [`DPOP_ALGS`] space-separated, as the driver hands them to the proof check.
pub const DPOP_ALGS_TEXT: &str = "ES256 EdDSA RS256";

/// Whether a client uses DPoP (RFC 9449 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopMode {
    /// Every token request and sign-in carries a proof; families are always bound.
    Required,
    /// A proof, when sent, binds the family (and its access tokens) to the key.
    Allowed,
}

/// The server-nonce source of RFC 9449 §8: nonces are `HMAC(key, period number)`, so any
/// isolate computes the same ones and none are stored.
pub struct DpopNonces {
    /// Seconds per nonce.
    pub seconds: u64,
    /// The first signing key: nonces are its HMAC of [`NONCE_LABEL`] and the period number
    /// (a label no JWS signing input or other derivation can equal: it holds spaces).
    key: Key,
}

impl std::fmt::Debug for DpopNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopNonces")
            .field("seconds", &self.seconds)
            .finish_non_exhaustive()
    }
}

/// The label of DPoP nonces.
const NONCE_LABEL: &[u8; 19] = b"rotor dpop nonce v1";

impl DpopNonces {
    /// The nonce of period `n` (22 base64url characters).
    fn of_period(&self, n: u64) -> String {
        let mut data = [0u8; 27];
        data[..19].copy_from_slice(NONCE_LABEL);
        data[19..].copy_from_slice(&n.to_be_bytes());
        b64::encode(&self.key.mac(&data)[..16])
    }

    /// The nonce to hand out at `now_ms`.
    pub fn current(&self, now_ms: u64) -> String {
        self.of_period(now_ms / 1000 / self.seconds)
    }

    /// The nonces accepted at `now_ms`, space-separated: the current one and the one before.
    pub fn accepted(&self, now_ms: u64) -> String {
        let n = now_ms / 1000 / self.seconds;
        join(&[
            &self.of_period(n),
            " ",
            &self.of_period(n.saturating_sub(1)),
        ])
    }
}

/// Refresh-token rotation policy (RFC 9700 §4.14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// Every redemption issues a successor and retires the presented token.
    Rotate,
    /// The same refresh token stays valid for the family's lifetime.
    Reuse,
}

/// A validated client.
#[derive(Debug)]
pub struct Client {
    /// The client identifier.
    pub client_id: String,
    /// The secret, when the client is confidential.
    pub secret: Option<Secret>,
    /// Accepted authentication methods.
    pub auth_methods: Vec<AuthMethod>,
    /// The widest scope this client may hold.
    pub scope: Scope,
    /// Refused with `invalid_client` when true.
    pub disabled: bool,
    /// May introspect every client's tokens (RFC 7662 §2.1).
    pub introspect: bool,
    /// Exact origins allowed to read this client's responses (CORS).
    pub allowed_origins: Vec<String>,
    /// DPoP for this client (RFC 9449); `None`: proofs are ignored.
    pub dpop: Option<DpopMode>,
}

/// The validated settings of an issuer.
#[derive(Debug)]
pub struct Settings {
    /// The issuer identifier, exactly as configured (RFC 8414 §3.3).
    pub issuer: String,
    /// The issuer identifier without a trailing slash: endpoint URLs are this plus
    /// `/token`, `/revoke`, `/introspect`.
    pub endpoint_base: String,
    /// The path prefix of every endpoint (the issuer URL's path, no trailing slash).
    pub path_prefix: String,
    /// `aud` claim value, as JSON text (a string, or an array of several).
    pub audience: String,
    /// Signing keys by `kid`; the first signs ([`KeySet::signing_key`]), all verify.
    pub keys: KeySet,
    /// The refresh-token MAC keys, derived from `keys` in the same order (see
    /// [`super::token`]).
    pub refresh_mac: RefreshTokenMac,
    /// How introspection verifies this issuer's access tokens (RFC 7662 §2.2, RFC 9068 §4):
    /// `typ` `at+jwt`, `iss` this issuer, `exp` required, no leeway.
    pub access_token_validation: Validation,
    /// Access-token lifetime (s).
    pub access_token_ttl: u64,
    /// Absolute family lifetime (s).
    pub refresh_token_ttl: u64,
    /// Idle family lifetime (s).
    pub refresh_idle_ttl: Option<u64>,
    /// Rotation policy.
    pub rotation: Rotation,
    /// Grace window (s).
    pub reuse_grace_seconds: u64,
    /// Registered clients.
    pub clients: Vec<Client>,
    /// Wire format.
    pub dialect: Dialect,
    /// Server nonces for DPoP proofs (RFC 9449 §8), when configured.
    pub dpop_nonces: Option<DpopNonces>,
    /// Rotation policy of DPoP-bound families.
    pub dpop_rotation: Rotation,
}

impl Settings {
    /// True when some client uses DPoP (the driver then checks the proofs).
    pub fn dpop_enabled(&self) -> bool {
        self.clients.iter().any(|c| c.dpop.is_some())
    }
}

fn cfg(msg: impl Into<String>) -> Error {
    Error::Rotor(RotorError::config(msg))
}

/// `what[i]` for messages.
fn at(what: &str, i: usize) -> String {
    join(&[what, "[", &u64_text(i as u64), "]"])
}

const CONFIG_MEMBERS: &[&str] = &[
    "issuer",
    "audience",
    "keys",
    "accessTokenTtl",
    "refreshTokenTtl",
    "refreshIdleTtl",
    "rotation",
    "reuseGraceSeconds",
    "clients",
    "dialect",
    "dpopNonceSeconds",
    "dpopRotation",
];

const KEY_MEMBERS: &[&str] = &["kid", "key"];

const CLIENT_MEMBERS: &[&str] = &[
    "clientId",
    "clientSecret",
    "authMethods",
    "scope",
    "disabled",
    "introspect",
    "allowedOrigins",
    "dpop",
];

impl IssuerConfig {
    /// Reads the configuration from its JSON text (the JS config without `store`, key bytes as
    /// base64url strings); every malformed member is an `invalid_config` naming it.
    pub fn from_json(text: &str) -> Result<IssuerConfig, Error> {
        Self::read(text).map_err(|m| cfg(join(&["issuer config: ", &m])))
    }

    fn read(text: &str) -> Result<IssuerConfig, String> {
        let m = Members::parse(text, CONFIG_MEMBERS)?;
        let audience = match m.get("audience") {
            Some(a) if a.is_string() => AudienceConfig::One(m.required("audience")?),
            Some(_) => AudienceConfig::Many(m.strings("audience")?.unwrap_or_default()),
            None => return Err("audience is missing".into()),
        };
        let list = |name: &str| -> Result<Vec<Raw<'_>>, String> {
            m.array(name)?.ok_or_else(|| join(&[name, " is missing"]))
        };
        let mut keys = Vec::new();
        for (i, raw) in list("keys")?.iter().enumerate() {
            let k = Members::of(raw, &join(&[&at("keys", i), "."]), KEY_MEMBERS)?;
            keys.push(KeyConfig {
                kid: k.required("kid")?,
                key: Secret::new(k.required("key")?),
            });
        }
        let mut clients = Vec::new();
        for (i, raw) in list("clients")?.iter().enumerate() {
            let c = Members::of(raw, &join(&[&at("clients", i), "."]), CLIENT_MEMBERS)?;
            clients.push(ClientConfig {
                client_id: c.required("clientId")?,
                client_secret: c.string("clientSecret")?.map(Secret::new),
                auth_methods: c.strings("authMethods")?,
                scope: c.string("scope")?.unwrap_or_default(),
                disabled: c.bool("disabled")?,
                introspect: c.bool("introspect")?,
                allowed_origins: c.strings("allowedOrigins")?.unwrap_or_default(),
                dpop: c.string("dpop")?,
            });
        }
        Ok(IssuerConfig {
            issuer: m.required("issuer")?,
            audience,
            keys,
            access_token_ttl: m.u64("accessTokenTtl")?,
            refresh_token_ttl: m.u64("refreshTokenTtl")?,
            refresh_idle_ttl: m.u64("refreshIdleTtl")?,
            rotation: m.string("rotation")?,
            reuse_grace_seconds: m.u64("reuseGraceSeconds")?,
            clients,
            dialect: m.string("dialect")?,
            dpop_nonce_seconds: m.u64("dpopNonceSeconds")?,
            dpop_rotation: m.string("dpopRotation")?,
        })
    }
}

/// Checks that `url` is an acceptable issuer identifier (RFC 8414 §2: an `https:` URL with no
/// query or fragment; [`check_url`] for the rest) and returns its path prefix.
fn issuer_path(url: &str) -> Result<String, Error> {
    let parts = check_url("issuer", url)?;
    if parts.path_and_query.contains('?') {
        return Err(cfg(
            "issuer must not have a query or fragment (RFC 8414 §2)",
        ));
    }
    Ok(parts.path_and_query.trim_end_matches('/').to_owned())
}

/// Checks a web origin as browsers serialise it in `Origin` (RFC 6454 §6.1, §7): lower-case
/// `https://host` or `https://host:port` with no path, query, fragment or userinfo, no default
/// port; `http:` only for loopback hosts (as for the issuer itself). Comparisons are exact, so
/// anything a browser would never send is refused rather than never matched.
pub fn check_origin(origin: &str) -> Result<(), String> {
    let parts = check_url("", origin).map_err(|e| e.message.trim().to_owned())?;
    if !parts.path_and_query.is_empty() {
        return Err("must not have a path, query or trailing slash".into());
    }
    if origin.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("must be lower-case, as browsers send it".into());
    }
    let default_port = if parts.scheme == "https" { "443" } else { "80" };
    if parts
        .port
        .is_some_and(|p| p == default_port || p.starts_with('0'))
    {
        return Err("must not name the default port or a port with a leading zero".into());
    }
    Ok(())
}

fn ttl(name: &str, value: Option<u64>, default: u64) -> Result<u64, Error> {
    let v = value.unwrap_or(default);
    if v == 0 || v > MAX_TTL_SECONDS {
        return Err(cfg(join(&[
            name,
            " must be a whole number of seconds between 1 and ",
            &u64_text(MAX_TTL_SECONDS),
        ])));
    }
    Ok(v)
}

impl IssuerConfig {
    /// Validates the configuration (every rule gives a clear `invalid_config`, short keys
    /// `weak_key`).
    pub fn validate(self) -> Result<Settings, Error> {
        let path_prefix = issuer_path(&self.issuer)?;
        // RFC 8414 §3.3: the metadata's `issuer` is identical to the configured identifier
        // (and so is `iss`, RFC 9068 §2.2); only endpoint URLs drop a trailing slash.
        let issuer = self.issuer;
        let endpoint_base = issuer.trim_end_matches('/').to_owned();
        let audience = match self.audience {
            AudienceConfig::One(a) if !a.is_empty() => crate::json::write::string(&a),
            AudienceConfig::Many(v) if !v.is_empty() && v.iter().all(|a| !a.is_empty()) => {
                if v.len() == 1 {
                    crate::json::write::string(&v[0])
                } else {
                    let items: Vec<String> =
                        v.iter().map(|a| crate::json::write::string(a)).collect();
                    join(&["[", &items.join(","), "]"])
                }
            }
            _ => {
                return Err(cfg(
                    "audience must be a non-empty string or array of strings",
                ));
            }
        };
        if self.keys.is_empty() {
            return Err(cfg("keys must hold at least one { kid, key }"));
        }
        let mut keys: Vec<(String, Key)> = Vec::new();
        for (i, k) in self.keys.into_iter().enumerate() {
            if k.kid.is_empty() || k.kid.len() > 256 {
                return Err(cfg(join(&[
                    &at("keys", i),
                    ".kid must be a non-empty string",
                ])));
            }
            if keys.iter().any(|(kid, _)| *kid == k.kid) {
                return Err(cfg(join(&[
                    &at("keys", i),
                    ".kid \"",
                    &k.kid,
                    "\" is repeated",
                ])));
            }
            let bytes = b64::decode(k.key.expose()).ok_or_else(|| {
                cfg(join(&[
                    &at("keys", i),
                    ".key must be a Uint8Array or an unpadded base64url string",
                ]))
            })?;
            let key = Key::new(bytes).map_err(|e: JwtError| {
                Error::Jwt(JwtError::new(
                    e.code,
                    join(&[&at("keys", i), ".key: ", &e.message]),
                ))
            })?;
            keys.push((k.kid, key));
        }
        let refresh_mac = RefreshTokenMac::new(keys.iter().map(|(_, k)| k.mac(MAC_KEY_LABEL)))
            .ok_or_else(|| cfg("keys must hold at least one { kid, key }"))?;
        let nonce_key = keys[0].1.clone();
        // Every kid was checked above (non-empty, distinct), with messages naming the entry.
        let keys = KeySet::ByKid(keys);
        let access_token_ttl = ttl("accessTokenTtl", self.access_token_ttl, 300)?;
        let refresh_token_ttl = ttl("refreshTokenTtl", self.refresh_token_ttl, 30 * 24 * 3600)?;
        let refresh_idle_ttl = match self.refresh_idle_ttl {
            None => None,
            Some(v) => Some(ttl("refreshIdleTtl", Some(v), 0)?),
        };
        let rotation_of = |name: &str, value: Option<&str>| match value {
            None | Some("rotate") => Ok(Rotation::Rotate),
            Some("reuse") => Ok(Rotation::Reuse),
            Some(_) => Err(cfg(join(&[name, " must be \"rotate\" or \"reuse\""]))),
        };
        let rotation = rotation_of("rotation", self.rotation.as_deref())?;
        let dpop_rotation = rotation_of("dpopRotation", self.dpop_rotation.as_deref())?;
        let dpop_nonces = match self.dpop_nonce_seconds {
            None => None,
            Some(seconds) if DPOP_NONCE_SECONDS.contains(&seconds) => Some(DpopNonces {
                seconds,
                key: nonce_key,
            }),
            Some(_) => {
                // The bounds of DPOP_NONCE_SECONDS.
                return Err(cfg(
                    "dpopNonceSeconds must be a whole number of seconds between 10 and 3600",
                ));
            }
        };
        let reuse_grace_seconds = self.reuse_grace_seconds.unwrap_or(0);
        if reuse_grace_seconds > MAX_REUSE_GRACE_SECONDS {
            return Err(cfg(join(&[
                "reuseGraceSeconds must be between 0 and ",
                &u64_text(MAX_REUSE_GRACE_SECONDS),
            ])));
        }
        if reuse_grace_seconds > 0 && rotation == Rotation::Reuse {
            return Err(cfg("reuseGraceSeconds applies only to rotation \"rotate\""));
        }
        let dialect = match self.dialect.as_deref() {
            None => Dialect::default(),
            Some(d) => Dialect::parse(d)?,
        };
        if self.clients.is_empty() {
            return Err(cfg("clients must hold at least one client"));
        }
        let mut clients: Vec<Client> = Vec::new();
        for (i, c) in self.clients.into_iter().enumerate() {
            let here = at("clients", i);
            if c.client_id.is_empty()
                || c.client_id.len() > 256
                || c.client_id.chars().any(|ch| ch.is_control())
            {
                return Err(cfg(join(&[
                    &here,
                    ".clientId must be a non-empty string without control characters",
                ])));
            }
            if clients.iter().any(|x| x.client_id == c.client_id) {
                return Err(cfg(join(&[
                    &here,
                    ".clientId \"",
                    &c.client_id,
                    "\" is repeated",
                ])));
            }
            if c.client_secret.as_ref().is_some_and(|s| s.is_empty()) {
                return Err(cfg(join(&[
                    &here,
                    ".clientSecret must not be empty (omit it for a public client)",
                ])));
            }
            let methods = match c.auth_methods {
                None if c.client_secret.is_some() => {
                    vec![AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost]
                }
                None => vec![AuthMethod::None],
                Some(list) => {
                    if list.is_empty() {
                        return Err(cfg(join(&[&here, ".authMethods must not be empty"])));
                    }
                    let mut out = Vec::new();
                    for name in &list {
                        // The issuer verifies shared secrets only: no client_secret_jwt,
                        // no private_key_jwt.
                        let m = match AuthMethod::parse(name) {
                            Ok(m)
                                if !matches!(
                                    m,
                                    AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt
                                ) =>
                            {
                                m
                            }
                            _ => {
                                return Err(cfg(join(&[
                                    &here,
                                    ".authMethods: unsupported method \"",
                                    prefix(name, 40),
                                    "\" (expected client_secret_basic, client_secret_post or none)",
                                ])));
                            }
                        };
                        if m == AuthMethod::None && c.client_secret.is_some() {
                            // RFC 6749 §2.3.1: a confidential client authenticates; `none`
                            // would let anyone knowing its id redeem its refresh tokens.
                            return Err(cfg(join(&[
                                &here,
                                ": a client with a clientSecret cannot use authMethods \"none\" (RFC 6749 §2.3.1)",
                            ])));
                        }
                        if m != AuthMethod::None && c.client_secret.is_none() {
                            return Err(cfg(join(&[
                                &here,
                                ": ",
                                m.as_str(),
                                " needs a clientSecret",
                            ])));
                        }
                        if !out.contains(&m) {
                            out.push(m);
                        }
                    }
                    out
                }
            };
            let scope = Scope::parse(&c.scope).map_err(|_| {
                cfg(join(&[
                    &here,
                    ".scope must be space-separated scope tokens (RFC 6749 §3.3)",
                ]))
            })?;
            if c.introspect && c.client_secret.is_none() {
                return Err(cfg(join(&[
                    &here,
                    ".introspect needs a clientSecret (RFC 7662 §2.1: the introspection endpoint requires client authentication)",
                ])));
            }
            for (j, origin) in c.allowed_origins.iter().enumerate() {
                check_origin(origin).map_err(|why| {
                    cfg(join(&[
                        &here,
                        ".",
                        &at("allowedOrigins", j),
                        " ",
                        &why,
                        " (an origin is scheme://host[:port], RFC 6454 §6.1)",
                    ]))
                })?;
            }
            let dpop = match c.dpop.as_deref() {
                None => None,
                Some("required") => Some(DpopMode::Required),
                Some("allowed") => Some(DpopMode::Allowed),
                Some(other) => {
                    return Err(cfg(join(&[
                        &here,
                        ".dpop: unsupported value \"",
                        prefix(other, 40),
                        "\" (expected \"required\" or \"allowed\", RFC 9449)",
                    ])));
                }
            };
            clients.push(Client {
                dpop,
                client_id: c.client_id,
                secret: c.client_secret,
                auth_methods: methods,
                scope,
                disabled: c.disabled,
                introspect: c.introspect,
                allowed_origins: c.allowed_origins,
            });
        }
        let access_token_validation = Validation {
            issuer: Some(issuer.clone()),
            typ: Some("at+jwt".to_owned()),
            ..Validation::default()
        };
        Ok(Settings {
            access_token_validation,
            issuer,
            endpoint_base,
            path_prefix,
            audience,
            keys,
            refresh_mac,
            access_token_ttl,
            refresh_token_ttl,
            refresh_idle_ttl,
            rotation,
            reuse_grace_seconds,
            clients,
            dialect,
            dpop_nonces,
            dpop_rotation,
        })
    }
}
