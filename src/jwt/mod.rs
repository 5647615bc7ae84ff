//! HS256 JSON Web Tokens (RFC 7519, RFC 7515, RFC 8725, RFC 9068).
//!
//! rotor signs and verifies compact JWS tokens with exactly one algorithm, `HS256`
//! (HMAC-SHA-256, RFC 7518 §3.2). Verification is driven by a [`Validation`] value (options as
//! data, with documented defaults) and a [`KeySet`], and runs its checks in a fixed order so
//! that the cheapest, least key-dependent refusal always wins (RFC 8725 §3.1, §3.2):
//!
//! 1. size: more than [`Validation::max_token_bytes`] bytes → `too_large`;
//! 2. structure: exactly three `.`-separated segments, each canonical unpadded base64url
//!    (RFC 7515 §2, §7.1; padding, stray trailing bits, the standard alphabet and whitespace are
//!    refused), header and payload JSON objects with the verdicts of [`crate::json`] (UTF-8, no
//!    duplicate member names, depth ≤ 64, numbers within the `f64` range, nothing after the
//!    value; checked by a single-pass validating scan that builds no values) → `malformed`;
//! 3. `alg`: anything but the JSON string `"HS256"` (including a missing `alg`, `none`,
//!    `None`, `HS384`, `RS256`, ...) → `alg_not_allowed`, before any key is looked at;
//! 4. `crit` (RFC 7515 §4.1.11): rotor understands no extension, so any `crit` member →
//!    `crit_unsupported`; likewise a `b64` member (RFC 7797) whose value is not `true`;
//! 5. `kid` (RFC 7515 §4.1.4): a non-string `kid` → `malformed`; the key is chosen by
//!    [`KeySet::select`] → `unknown_kid`;
//! 6. signature over the raw `header.payload` bytes, compared in constant time (RFC 7515
//!    §5.2 step 8; an empty or wrong-length signature is simply a mismatch) → `bad_signature`;
//! 7. `typ` header (RFC 8725 §3.11, RFC 9068 §4) when [`Validation::typ`] is set;
//! 8. claims (RFC 7519 §4.1): types of `exp`/`nbf`/`iat`, required claims, then times, `iss`
//!    and `aud`.
//!
//! Decisions (documented here because the RFCs leave them open):
//! - A registered time claim (`exp`, `nbf`, `iat`) that is present but not a NumericDate
//!   (RFC 7519 §2: a JSON number) is `claim_mismatch`, not `malformed`: the token is a
//!   well-formed JWS whose claim has the wrong type. rotor also bounds NumericDates to
//!   `0 ..= 253402300799` (1970 to the end of year 9999): a negative or absurd value such as
//!   `1e300` is `claim_mismatch` rather than "never expires". Non-integer values are accepted
//!   (RFC 7519 §2 allows them).
//! - A [`KeySet::Single`] key ignores the token's `kid` (any or none is accepted, the
//!   signature decides); a [`KeySet::ByKid`] set always needs a `kid` that names one of its
//!   keys, whatever its size.
//! - [`Validation::required_claims`] replaces the default `["exp"]`; an empty list makes `exp`
//!   optional (it is still checked when present).

use crate::b64;
use crate::error::{JwtError, JwtErrorCode, RotorError};
use crate::json::JsonError;
use crate::json::write::push_string;
use crate::text::{join, u64_text};
use std::borrow::Cow;
use subtle::ConstantTimeEq;

mod hmac;

use std::ops::Range;

use crate::json::scan::{self, Kind, Object, Raw};

/// Shortest accepted HS256 key: 256 bits (RFC 7518 §3.2).
pub const MIN_KEY_BYTES: usize = 32;

/// Default largest token [`verify_json`] reads: 16 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Largest NumericDate rotor accepts: 9999-12-31T23:59:59Z, in seconds (RFC 7519 §2).
pub const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// [`MAX_NUMERIC_DATE`] in decimal, for messages (no float formatting in the core).
const MAX_NUMERIC_DATE_TEXT: &str = "253402300799";

/// The one `alg` value rotor signs with and accepts (RFC 7518 §3.2).
pub const ALG: &str = "HS256";

/// An HS256 key of at least [`MIN_KEY_BYTES`] bytes (RFC 7518 §3.2).
///
/// The HMAC key schedule (RFC 2104 inner and outer pads) is computed once, when the key is
/// made, so that each signature costs only the hashing of the message.
#[derive(Clone)]
pub struct Key(hmac::HmacKey);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([redacted])")
    }
}

impl Key {
    /// Wraps key bytes; shorter than 32 bytes is `weak_key` (RFC 7518 §3.2).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, JwtError> {
        let bytes = bytes.into();
        Self::from_slice(&bytes)
    }

    /// Like [`Key::new`], from borrowed bytes (no copy is kept).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, JwtError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(JwtError::new(
                JwtErrorCode::WeakKey,
                join(&[
                    "HS256 keys must be at least 32 bytes, got ",
                    &u64_text(bytes.len() as u64),
                ]),
            ));
        }
        Ok(Key(hmac::HmacKey::new(bytes)))
    }

    /// Decodes a key written as canonical unpadded base64url (RFC 4648 §5, as the `k` member
    /// of an RFC 7517 §6.4 JWK). Text that is not base64url is `invalid_argument` (a caller
    /// error, not a weak key); fewer than 32 decoded bytes is `weak_key`.
    pub fn from_base64url(text: &str) -> Result<Self, crate::Error> {
        let bytes = b64::decode(text).ok_or_else(|| {
            RotorError::argument("an HS256 key string must be unpadded base64url (RFC 4648 §5)")
        })?;
        Ok(Self::from_slice(&bytes)?)
    }

    /// HMAC-SHA-256 of `data` under this key.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        self.0.mac(data)
    }

    /// Constant-time check of `tag` against the HMAC of `data` (RFC 7515 §5.2 step 8).
    pub fn verify_mac(&self, data: &[u8], tag: &[u8]) -> bool {
        tags_equal(&self.0.mac(data), tag)
    }
}

/// Signs already-serialized claims (`claims_json`, the exact JWS payload bytes) as a compact
/// JWS with `alg: "HS256"` (RFC 7515 §7.1, RFC 7519 §7.1), the one signer of rotor.
///
/// The claims are first checked to be what [`verify_json`] would accept: one JSON object read
/// by [`crate::json::scan`] (UTF-8, no duplicate names, depth ≤ 64) whose `exp`, `nbf` and
/// `iat`, when present, are NumericDates (RFC 7519 §2, §4.1.4–§4.1.6); anything else is
/// `invalid_argument`. The header holds the only parameters rotor writes: `alg`, then `kid`
/// (RFC 7515 §4.1.4) and `typ` (RFC 7515 §4.1.9) when given —
/// `{"alg":"HS256","kid":..,"typ":..}`, written by [`crate::json::write`](mod@crate::json::write).
pub fn sign_claims_json(
    kid: Option<&str>,
    typ: Option<&str>,
    claims_json: &[u8],
    key: &Key,
) -> Result<String, RotorError> {
    check_claims_json(claims_json)?;
    let mut header = String::with_capacity(64);
    header.push_str("{\"alg\":\"HS256\"");
    for (name, value) in [("kid", kid), ("typ", typ)] {
        if let Some(value) = value {
            header.push_str(",\"");
            header.push_str(name);
            header.push_str("\":");
            push_string(&mut header, value);
        }
    }
    header.push('}');
    Ok(sign_raw(header.as_bytes(), claims_json, key))
}

fn check_claims_json(claims_json: &[u8]) -> Result<(), RotorError> {
    let claims = scan::object_bytes(claims_json)
        .map_err(|e| RotorError::argument(join(&["JWT claims: ", &json_message(&e)])))?;
    for name in ["exp", "nbf", "iat"] {
        if let Some(value) = claims.get(name) {
            raw_numeric_date(value).ok_or_else(|| {
                RotorError::argument(join(&[
                    "JWT claim \"",
                    name,
                    "\" must be a finite number of seconds between 0 and ",
                    MAX_NUMERIC_DATE_TEXT,
                ]))
            })?;
        }
    }
    Ok(())
}

fn sign_raw(header_json: &[u8], claims_json: &[u8], key: &Key) -> String {
    let mut out = String::with_capacity((header_json.len() + claims_json.len() + 32) * 4 / 3 + 8);
    b64::encode_into(header_json, &mut out);
    out.push('.');
    b64::encode_into(claims_json, &mut out);
    let tag = key.mac(out.as_bytes());
    out.push('.');
    b64::encode_into(tag, &mut out);
    out
}

/// The keys a verifier accepts (RFC 7515 §4.1.4, §6).
#[derive(Debug, Clone)]
pub enum KeySet {
    /// One key. The token's `kid`, if any, is not consulted (a `kid` is only a hint, RFC 7515
    /// §4.1.4): the signature decides.
    Single(Key),
    /// Several keys named by `kid`, for rotation. A token must carry a `kid` equal (byte for
    /// byte, RFC 7515 §4.1.4: case-sensitive) to one of these, else `unknown_kid`.
    ByKid(Vec<(String, Key)>),
}

impl KeySet {
    /// A set of one key that accepts tokens with any or no `kid`.
    pub fn single(key: Key) -> Self {
        KeySet::Single(key)
    }

    /// A set of keys selected by `kid`. Empty sets, empty `kid`s and a `kid` given twice are
    /// `invalid_argument`.
    pub fn by_kid(keys: Vec<(String, Key)>) -> Result<Self, RotorError> {
        if keys.is_empty() {
            return Err(RotorError::argument("the JWT key set is empty"));
        }
        for (i, (kid, _)) in keys.iter().enumerate() {
            if kid.is_empty() {
                return Err(RotorError::argument("a JWT key's kid must not be empty"));
            }
            if keys[..i].iter().any(|(other, _)| other == kid) {
                return Err(RotorError::argument(
                    "two JWT keys have the same kid; each kid must name one key",
                ));
            }
        }
        Ok(KeySet::ByKid(keys))
    }

    /// The key that signs when one set both signs and verifies (an issuer's keys, rotated by
    /// adding the new key first): the single key, or the first of a `kid` set with its `kid`
    /// for the header (RFC 7515 §4.1.4). `None` only for an empty `ByKid` set, which
    /// [`KeySet::by_kid`] never builds.
    pub fn signing_key(&self) -> Option<(Option<&str>, &Key)> {
        match self {
            KeySet::Single(key) => Some((None, key)),
            KeySet::ByKid(keys) => keys.first().map(|(kid, key)| (Some(kid.as_str()), key)),
        }
    }

    /// The key for a token whose header has this `kid` (`unknown_kid` when none fits).
    pub fn select(&self, kid: Option<&str>) -> Result<&Key, JwtError> {
        self.select_indexed(kid).map(|(_, key)| key)
    }

    /// The key at a position [`KeySet::select_indexed`] returned.
    fn key_at(&self, index: usize) -> Option<&Key> {
        match self {
            KeySet::Single(key) => Some(key),
            KeySet::ByKid(keys) => keys.get(index).map(|(_, key)| key),
        }
    }

    /// [`KeySet::select`] with the key's position in the set.
    fn select_indexed(&self, kid: Option<&str>) -> Result<(usize, &Key), JwtError> {
        match self {
            KeySet::Single(key) => Ok((0, key)),
            KeySet::ByKid(keys) => {
                let Some(kid) = kid else {
                    return Err(JwtError::new(
                        JwtErrorCode::UnknownKid,
                        "the token has no kid and the key set selects keys by kid",
                    ));
                };
                keys.iter()
                    .enumerate()
                    .find(|(_, (k, _))| k == kid)
                    .map(|(i, (_, key))| (i, key))
                    .ok_or_else(|| {
                        JwtError::new(
                            JwtErrorCode::UnknownKid,
                            "the token's kid names no known key",
                        )
                    })
            }
        }
    }
}

impl From<Key> for KeySet {
    fn from(key: Key) -> Self {
        KeySet::Single(key)
    }
}

/// Verification options as data (RFC 8725 §3; RFC 7519 §4.1; RFC 9068 §4).
///
/// [`Validation::default`]: leeway 0, at most 16 KiB, `exp` required, `typ`, `iss` and `aud`
/// not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// Clock-skew allowance, in seconds, for `exp`, `nbf` and `iat` (RFC 7519 §4.1.4).
    /// Default 0.
    pub leeway_seconds: u64,
    /// Longest token read, in bytes; longer is `too_large` before anything is decoded.
    /// Default [`DEFAULT_MAX_TOKEN_BYTES`] (16 KiB).
    pub max_token_bytes: usize,
    /// Claims that must be present (as members, whatever their value) or `missing_claim`.
    /// Default `["exp"]`; this list replaces the default, so `[]` makes `exp` optional.
    pub required_claims: Vec<String>,
    /// Expected `iss` (RFC 7519 §4.1.1), compared exactly (`claim_mismatch`; absent:
    /// `missing_claim`). `None`: not checked.
    pub issuer: Option<String>,
    /// Accepted audiences (RFC 7519 §4.1.3): the token's `aud` (a string or an array of
    /// strings) must contain one of them (`claim_mismatch`; absent: `missing_claim`). Empty: not
    /// checked.
    pub audience: Vec<String>,
    /// Expected `typ` header (RFC 7515 §4.1.9, RFC 8725 §3.11), e.g. `at+jwt` for RFC 9068
    /// access tokens. Compared ASCII case-insensitively, ignoring an `application/` prefix on
    /// either side. A missing, non-string or different `typ` is `claim_mismatch`. `None`: not
    /// checked.
    pub typ: Option<String>,
}

impl Default for Validation {
    fn default() -> Self {
        Validation {
            leeway_seconds: 0,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            required_claims: vec!["exp".to_owned()],
            issuer: None,
            audience: Vec::new(),
            typ: None,
        }
    }
}

/// A verified token as JSON text, exactly as decoded from the token: the header and the claims
/// set, and both together as `{"header":<header>,"claims":<claims>}` (for bindings that hand
/// the text to a JSON reader in one call instead of building values here). Both parts were
/// read with the verdicts of [`crate::json`]: UTF-8 JSON objects, no duplicate member names,
/// depth ≤ 64, numbers within the `f64` range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson {
    text: String,
    header: Range<usize>,
    claims: Range<usize>,
}

impl VerifiedJson {
    /// The JOSE header's JSON text (RFC 7515 §4).
    pub fn header_json(&self) -> &str {
        &self.text[self.header.clone()]
    }

    /// The JWT claims set's JSON text (RFC 7519 §4), the exact JWS payload.
    pub fn claims_json(&self) -> &str {
        &self.text[self.claims.clone()]
    }

    /// `{"header":<header>,"claims":<claims>}`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `{"header":<header>,"claims":<claims>}`, without a copy.
    pub fn into_string(self) -> String {
        self.text
    }
}

fn err(code: JwtErrorCode, message: impl Into<String>) -> JwtError {
    JwtError::new(code, message)
}

/// A scanner refusal for a message: a duplicate name is not quoted (it may be the token's).
fn json_message(e: &JsonError) -> String {
    match e {
        JsonError::DuplicateKey(_) => "duplicate JSON member name".to_owned(),
        other => other.message(),
    }
}

fn not_base64url(what: &str) -> JwtError {
    err(
        JwtErrorCode::Malformed,
        join(&["the JWT ", what, " is not canonical unpadded base64url"]),
    )
}

fn scan_part<'a>(bytes: &'a [u8], what: &str) -> Result<Object<'a>, JwtError> {
    scan::object_bytes(bytes).map_err(|e| not_object(what, &e))
}

/// [`scan_part`] of text already checked to be UTF-8.
fn scan_text<'a>(text: &'a str, what: &str) -> Result<Object<'a>, JwtError> {
    scan::object(text).map_err(|e| not_object(what, &e))
}

fn not_object(what: &str, e: &JsonError) -> JwtError {
    err(
        JwtErrorCode::Malformed,
        join(&[
            "the JWT ",
            what,
            " is not a JSON object: ",
            &json_message(e),
        ]),
    )
}

const HEADER_PREFIX: &[u8] = b"{\"header\":";
const CLAIMS_PREFIX: &[u8] = b",\"claims\":";

/// Verifies an HS256 compact JWS and validates its claims at `now_ms` (milliseconds since the
/// Unix epoch), the one verifier of rotor. RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725 §3; the
/// order of checks is in the [module documentation](self).
///
/// Returns the verified header and claims as JSON text, exactly as decoded from the token
/// (read them with [`crate::json::scan::object`], or hand them to a JSON reader): both were
/// validated by a single-pass scan ([`crate::json::scan`]) and build no value tree here.
pub fn verify_json(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Result<VerifiedJson, JwtError> {
    verify_json_bytes(token.as_bytes(), keys, validation, now_ms)
}

/// [`verify_json`] of a token given as bytes (as a binding finds it in memory). A compact JWS
/// is ASCII (RFC 7515 §7.1): any other byte is refused as not base64url, so the token needs
/// no UTF-8 check of its own.
pub fn verify_json_bytes(
    token: &[u8],
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Result<VerifiedJson, JwtError> {
    let mut buf = Vec::new();
    let mut cache = PrefixCache::default();
    let (header, claims) = verify_json_into(token, &mut buf, &mut cache, keys, validation, now_ms)?;
    // verify_json_into checked both documents: the text is UTF-8.
    let text =
        String::from_utf8(buf).map_err(|_| err(JwtErrorCode::Malformed, "the JWT is not UTF-8"))?;
    Ok(VerifiedJson {
        text,
        header,
        claims,
    })
}

/// [`verify_json_bytes`] into a caller's buffer (a binding reuses one, so that a verify
/// allocates nothing for it): on success `buf` holds exactly the UTF-8 text
/// `{"header":<header>,"claims":<claims>}` and the ranges of both parts in it are returned.
/// On success the text is always shorter than the token. `buf` is cleared first; on failure
/// it holds decoded bytes of the token (a caller that must not keep them zeroes it).
///
/// `cache` is what a verifier keeps between its tokens ([`PrefixCache`]); it belongs to this
/// `keys` set and this `validation`.
pub fn verify_json_into(
    token: &[u8],
    buf: &mut Vec<u8>,
    cache: &mut PrefixCache,
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Result<(Range<usize>, Range<usize>), JwtError> {
    buf.clear();
    // 1. Size, before anything is decoded.
    if token.len() > validation.max_token_bytes {
        return Err(err(
            JwtErrorCode::TooLarge,
            join(&[
                "the JWT is longer than ",
                &u64_text(validation.max_token_bytes as u64),
                " bytes",
            ]),
        ));
    }

    // 2. Structure: exactly three segments (RFC 7515 §7.1), canonical base64url, JSON objects.
    let first = find_dot(token, 0);
    let second = first.and_then(|i| find_dot(token, i + 1));
    let (Some(first), Some(second), None) =
        (first, second, second.and_then(|i| find_dot(token, i + 1)))
    else {
        return Err(err(
            JwtErrorCode::Malformed,
            "a JWT in compact JWS form has exactly three segments",
        ));
    };
    let (header_b64, payload_b64, signature_b64) = (
        &token[..first],
        &token[first + 1..second],
        &token[second + 1..],
    );
    // Both documents are decoded into one buffer laid out as the result text; the signature
    // after it, moved out before the text is made.
    buf.reserve(
        HEADER_PREFIX.len()
            + CLAIMS_PREFIX.len()
            + 1
            + (header_b64.len() + payload_b64.len() + signature_b64.len()) * 3 / 4
            + 3,
    );
    buf.extend_from_slice(HEADER_PREFIX);
    let header_start = buf.len();
    // The last verified token's header, when this token's encoded header is the same bytes (a
    // plain comparison: the header is public; the timing says only whether it is the same).
    let known = cache
        .header
        .as_ref()
        .filter(|memo| hmac::same_bytes(&memo.encoded, header_b64));
    match known {
        Some(memo) => buf.extend_from_slice(&memo.decoded),
        None if b64::decode_into(header_b64, buf) => {}
        None => return Err(not_base64url("header")),
    }
    let known = known.map(|memo| memo.key);
    let header_range = header_start..buf.len();
    buf.extend_from_slice(CLAIMS_PREFIX);
    let claims_start = buf.len();
    if !b64::decode_into(payload_b64, buf) {
        return Err(not_base64url("payload"));
    }
    let claims_range = claims_start..buf.len();
    buf.push(b'}');
    let text_len = buf.len();
    let signature_ok = b64::decode_into(signature_b64, buf);
    // HS256 tags are 32 bytes; any other length is a mismatch (checked in step 6).
    let mut tag = [0u8; 32];
    let tag_fits = signature_ok && buf.len() - text_len == tag.len();
    if tag_fits {
        tag.copy_from_slice(&buf[text_len..]);
    }
    buf[text_len..].fill(0);
    buf.truncate(text_len);
    // One UTF-8 check of both documents (the rest of the buffer is ASCII); on failure, the
    // scans say which part is refused and why, in the order header, payload.
    let Ok(text) = std::str::from_utf8(buf) else {
        scan_part(&buf[header_range], "header")?;
        scan_part(&buf[claims_range], "payload")?;
        return Err(err(JwtErrorCode::Malformed, "the JWT is not UTF-8"));
    };
    let key = check_parts(
        text,
        &header_range,
        &claims_range,
        signature_ok,
        Signing {
            input: &token[..header_b64.len() + 1 + payload_b64.len()],
            public: header_b64.len() + 1,
            cache: &mut cache.block,
        },
        tag_fits.then_some(&tag),
        known,
        keys,
        validation,
        now_ms,
    )?;
    if known.is_none() {
        let memo = cache.header.get_or_insert_with(Default::default);
        memo.encoded.clear();
        memo.encoded.extend_from_slice(header_b64);
        memo.decoded.clear();
        memo.decoded.extend_from_slice(&buf[header_range.clone()]);
        memo.key = key;
    }
    Ok((header_range, claims_range))
}

/// What a verifier keeps between its tokens, all of it public (RFC 7515 §5.1: the signing
/// input starts with the encoded header; an issuer's tokens share theirs): the HMAC inner state
/// after the first 64 bytes when they are all header, for the next token of the same first
/// block and key (one SHA-256 block less per token; the tag still covers every byte), and the
/// last verified token's header (encoded and decoded) with the position of its key. A token
/// with that very encoded header has that very decoded header, which passed steps 2–5 and 7 for
/// these keys and this validation: it is not decoded, scanned or checked again (canonical
/// base64url, RFC 7515 §2, decodes one way). Its payload and signature are, and its MAC covers
/// every byte.
#[derive(Default)]
pub struct PrefixCache {
    block: hmac::BlockCache,
    header: Option<HeaderMemo>,
}

impl std::fmt::Debug for PrefixCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrefixCache([redacted])")
    }
}

/// The last verified token's header: see [`PrefixCache`].
#[derive(Default)]
struct HeaderMemo {
    encoded: Vec<u8>,
    decoded: Vec<u8>,
    key: usize,
}

/// The position of the first `.` in `bytes` from `from` on, eight bytes at a time (the token's
/// segments are found in one pass of word compares, not a closure call per byte).
fn find_dot(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let x =
            u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ (ONES * u64::from(b'.'));
        // The high bit of each zero byte of `x` (a `.` in the chunk); the lowest is exact.
        let dots = x.wrapping_sub(ONES) & !x & HIGH;
        if dots != 0 {
            return Some(at + (dots.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    rest.iter().position(|&b| b == b'.').map(|i| at + i)
}

/// The JWS signing input (RFC 7515 §5.1), of which the first `public` bytes are the encoded
/// header and its `.`, and the verifier's [`PrefixCache`].
struct Signing<'a> {
    input: &'a [u8],
    public: usize,
    cache: &'a mut hmac::BlockCache,
}

/// Constant-time tag comparison (RFC 7515 §5.2 step 8): the length is public; the bytes are
/// folded into one difference, compared once.
fn tags_equal(mac: &[u8; 32], tag: &[u8]) -> bool {
    let diff =
        (tag.len() == mac.len()).then(|| mac.iter().zip(tag).fold(0u8, |d, (a, b)| d | (a ^ b)));
    diff.is_some_and(|d| bool::from(d.ct_eq(&0)))
}

/// Steps 2 (the JSON of both parts, then the signature's base64url) to 8 of
/// [`verify_json_bytes`], on the decoded text; the position of the key in `keys`. `known`: the
/// header is the last verified token's, whose key is at that position ([`PrefixCache`]).
#[allow(clippy::too_many_arguments)]
fn check_parts(
    text: &str,
    header_range: &Range<usize>,
    claims_range: &Range<usize>,
    signature_ok: bool,
    signing: Signing<'_>,
    tag: Option<&[u8; 32]>,
    known: Option<usize>,
    keys: &KeySet,
    validation: &Validation,
    now_ms: u64,
) -> Result<usize, JwtError> {
    let header = match known {
        Some(_) => None,
        None => Some(scan_text(&text[header_range.clone()], "header")?),
    };
    let claims = scan_text(&text[claims_range.clone()], "payload")?;
    if !signature_ok {
        return Err(not_base64url("signature"));
    }

    let header = header.as_ref().map(HeaderFields::of);
    let (index, key) = match (&header, known.and_then(|i| Some((i, keys.key_at(i)?)))) {
        (None, Some(known)) => known,
        (Some(header), _) => {
            check_header(header)?;
            keys.select_indexed(kid(header)?.as_deref())?
        }
        (None, None) => {
            return Err(err(
                JwtErrorCode::UnknownKid,
                "the token's kid names no known key",
            ));
        }
    };

    // 6. Signature over the raw ASCII of `header.payload` (RFC 7515 §5.2 step 8), constant time.
    let verified = tag.is_some_and(|tag| {
        let mac = key
            .0
            .mac_cached(signing.input, signing.public, signing.cache, index);
        tags_equal(&mac, tag)
    });
    if !verified {
        return Err(err(
            JwtErrorCode::BadSignature,
            "the JWT signature does not match",
        ));
    }

    // 7. Explicit typing (RFC 8725 §3.11, RFC 9068 §4); a known header passed it.
    if let (Some(expected), Some(header)) = (&validation.typ, &header) {
        match header.typ {
            Some(raw) => match raw.as_str() {
                Some(typ) if typ_matches(&typ, expected) => {}
                Some(_) => {
                    return Err(err(
                        JwtErrorCode::ClaimMismatch,
                        join(&["the JWT typ header is not \"", expected, "\""]),
                    ));
                }
                None => {
                    return Err(err(
                        JwtErrorCode::ClaimMismatch,
                        "the JWT typ header is not a string",
                    ));
                }
            },
            None => {
                return Err(err(
                    JwtErrorCode::ClaimMismatch,
                    join(&["the JWT has no typ header; \"", expected, "\" is required"]),
                ));
            }
        }
    }

    // 8. Claims (RFC 7519 §4.1).
    validate_claims(&claims, validation, now_ms)?;
    Ok(index)
}

/// The header parameters verification reads, found in one pass over the members.
#[derive(Default)]
struct HeaderFields<'a> {
    alg: Option<Raw<'a>>,
    crit: bool,
    b64: Option<Raw<'a>>,
    kid: Option<Raw<'a>>,
    typ: Option<Raw<'a>>,
}

impl<'a> HeaderFields<'a> {
    fn of(header: &Object<'a>) -> Self {
        let mut fields = HeaderFields::default();
        // Byte patterns: compared inline, not by a memcmp call per candidate.
        for (name, raw) in header.members() {
            match name.as_bytes() {
                b"alg" => fields.alg = Some(*raw),
                b"crit" => fields.crit = true,
                b"b64" => fields.b64 = Some(*raw),
                b"kid" => fields.kid = Some(*raw),
                b"typ" => fields.typ = Some(*raw),
                _ => {}
            }
        }
        fields
    }
}

/// The registered claims verification reads, found in one pass over the members.
#[derive(Default)]
struct ClaimFields<'a> {
    exp: Option<Raw<'a>>,
    nbf: Option<Raw<'a>>,
    iat: Option<Raw<'a>>,
    iss: Option<Raw<'a>>,
    aud: Option<Raw<'a>>,
}

impl<'a> ClaimFields<'a> {
    fn of(claims: &Object<'a>) -> Self {
        let mut fields = ClaimFields::default();
        for (name, raw) in claims.members() {
            match name.as_bytes() {
                b"exp" => fields.exp = Some(*raw),
                b"nbf" => fields.nbf = Some(*raw),
                b"iat" => fields.iat = Some(*raw),
                b"iss" => fields.iss = Some(*raw),
                b"aud" => fields.aud = Some(*raw),
                _ => {}
            }
        }
        fields
    }
}

/// Steps 3–4 of the module documentation, on the header: `alg`, `crit`/`b64`.
fn check_header(header: &HeaderFields<'_>) -> Result<(), JwtError> {
    // 3. The algorithm allow-list, before anything about keys (RFC 8725 §3.1).
    match header.alg {
        Some(alg) if alg.as_str().as_deref() == Some(ALG) => {}
        Some(_) => {
            return Err(err(
                JwtErrorCode::AlgNotAllowed,
                "the JWT alg is not HS256, the only algorithm accepted",
            ));
        }
        None => {
            return Err(err(
                JwtErrorCode::AlgNotAllowed,
                "the JWT header has no alg; only HS256 is accepted",
            ));
        }
    }

    // 4. Extensions: rotor understands none (RFC 7515 §4.1.11, RFC 7797 §6).
    if header.crit {
        return Err(err(
            JwtErrorCode::CritUnsupported,
            "the JWT header has a crit parameter; rotor understands no JWS extension",
        ));
    }
    if let Some(b64) = header.b64 {
        if b64.kind() != Kind::True {
            return Err(err(
                JwtErrorCode::CritUnsupported,
                "the JWT header asks for an unencoded payload (b64), which rotor does not support",
            ));
        }
    }
    Ok(())
}

/// 5. The `kid` header parameter (RFC 7515 §4.1.4): absent, or a string.
fn kid<'a>(header: &HeaderFields<'a>) -> Result<Option<Cow<'a, str>>, JwtError> {
    match header.kid {
        None => Ok(None),
        Some(raw) => raw.as_str().map(Some).ok_or_else(|| {
            err(
                JwtErrorCode::Malformed,
                "the JWT kid header parameter is not a string",
            )
        }),
    }
}

/// `typ` comparison of RFC 7515 §4.1.9: media types are case-insensitive and the
/// `application/` prefix may be omitted.
fn typ_matches(actual: &str, expected: &str) -> bool {
    fn strip(s: &str) -> &str {
        const PREFIX: &str = "application/";
        // `get` (not indexing): the token's `typ` may have a multi-byte character there.
        match s.get(..PREFIX.len()) {
            Some(head) if head.eq_ignore_ascii_case(PREFIX) => &s[PREFIX.len()..],
            _ => s,
        }
    }
    let (a, e) = (strip(actual), strip(expected));
    // A media type with its own "/" after the prefix (e.g. "application/application/jwt")
    // is not the same as its bare form.
    !a.contains('/') && a.eq_ignore_ascii_case(e)
}

/// A NumericDate (RFC 7519 §2): a JSON number, finite, within `0 ..= MAX_NUMERIC_DATE`.
fn raw_numeric_date(value: &Raw<'_>) -> Option<f64> {
    value
        .as_f64()
        .filter(|v| v.is_finite() && (0.0..=MAX_NUMERIC_DATE).contains(v))
}

fn time_claim(value: Option<Raw<'_>>, name: &str) -> Result<Option<f64>, JwtError> {
    match value {
        None => Ok(None),
        Some(value) => raw_numeric_date(&value).map(Some).ok_or_else(|| {
            err(
                JwtErrorCode::ClaimMismatch,
                join(&[
                    "the JWT claim \"",
                    name,
                    "\" is not a NumericDate (a number of seconds from 0 to ",
                    MAX_NUMERIC_DATE_TEXT,
                    ")",
                ]),
            )
        }),
    }
}

fn validate_claims(
    claims: &Object<'_>,
    validation: &Validation,
    now_ms: u64,
) -> Result<(), JwtError> {
    let fields = ClaimFields::of(claims);
    // Types first: a present but mistyped time claim is never silently ignored.
    let exp = time_claim(fields.exp, "exp")?;
    let nbf = time_claim(fields.nbf, "nbf")?;
    let iat = time_claim(fields.iat, "iat")?;

    for name in &validation.required_claims {
        let present = match name.as_str() {
            "exp" => exp.is_some(),
            _ => claims.contains(name),
        };
        if !present {
            return Err(err(
                JwtErrorCode::MissingClaim,
                join(&["the JWT has no \"", name, "\" claim"]),
            ));
        }
    }

    // Compare in milliseconds; every value here is far below 2^53, so f64 is exact for
    // integer seconds.
    let now = now_ms as f64;
    let leeway = validation.leeway_seconds as f64 * 1000.0;
    if let Some(exp) = exp {
        // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after exp.
        if now >= exp * 1000.0 + leeway {
            return Err(err(JwtErrorCode::Expired, "the JWT has expired"));
        }
    }
    if let Some(nbf) = nbf {
        // RFC 7519 §4.1.5: not accepted before nbf.
        if nbf * 1000.0 > now + leeway {
            return Err(err(
                JwtErrorCode::NotYetValid,
                "the JWT is not valid yet (nbf)",
            ));
        }
    }
    if let Some(iat) = iat {
        if iat * 1000.0 > now + leeway {
            return Err(err(
                JwtErrorCode::IssuedInFuture,
                "the JWT was issued in the future (iat)",
            ));
        }
    }

    if let Some(issuer) = &validation.issuer {
        match fields.iss {
            Some(iss) if iss.as_str().as_deref() == Some(issuer.as_str()) => {}
            Some(_) => {
                return Err(err(
                    JwtErrorCode::ClaimMismatch,
                    "the JWT iss claim is not the expected issuer",
                ));
            }
            None => {
                return Err(err(
                    JwtErrorCode::MissingClaim,
                    "the JWT has no \"iss\" claim",
                ));
            }
        }
    }

    if !validation.audience.is_empty() {
        let accepted = |aud: &str| validation.audience.iter().any(|a| a == aud);
        let not_strings = || {
            err(
                JwtErrorCode::ClaimMismatch,
                "the JWT aud claim is neither a string nor an array of strings",
            )
        };
        let ok = match fields.aud {
            Some(aud) if aud.is_string() => aud.as_str().is_some_and(|a| accepted(&a)),
            Some(aud) if aud.kind() == Kind::Array => {
                let list = aud.elements().ok_or_else(not_strings)?;
                let mut names = Vec::with_capacity(list.len());
                for item in &list {
                    names.push(item.as_str().ok_or_else(not_strings)?);
                }
                names.iter().any(|a| accepted(a))
            }
            Some(_) => return Err(not_strings()),
            None => {
                return Err(err(
                    JwtErrorCode::MissingClaim,
                    "the JWT has no \"aud\" claim",
                ));
            }
        };
        if !ok {
            return Err(err(
                JwtErrorCode::ClaimMismatch,
                "the JWT aud claim names no accepted audience",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_comparison() {
        assert!(typ_matches("at+jwt", "at+jwt"));
        assert!(typ_matches("AT+JWT", "at+jwt"));
        assert!(typ_matches("application/at+jwt", "at+jwt"));
        assert!(typ_matches("Application/AT+jwt", "application/at+jwt"));
        assert!(typ_matches("at+jwt", "application/at+jwt"));
        assert!(!typ_matches("jwt", "at+jwt"));
        assert!(!typ_matches("application/application/at+jwt", "at+jwt"));
        assert!(!typ_matches("text/at+jwt", "at+jwt"));
        assert!(!typ_matches("", "at+jwt"));
        // A multi-byte character across the prefix's length is no panic.
        assert!(!typ_matches("aaaaaaaaaaa\u{e9}", "at+jwt"));
        assert!(!typ_matches("at+jwt", "aaaaaaaaaaa\u{e9}"));
    }

    #[test]
    fn numeric_dates() {
        let date = |v: &str| {
            let doc = format!("{{\"d\":{v}}}");
            let obj = scan::object(&doc).unwrap();
            raw_numeric_date(obj.get("d").unwrap())
        };
        assert_eq!(date("0"), Some(0.0));
        assert_eq!(date("1.5"), Some(1.5));
        assert_eq!(date("-1"), None);
        assert_eq!(date("1e300"), None);
        assert_eq!(date("\"1\""), None);
        assert_eq!(date("null"), None);
        assert_eq!(date(&u64::MAX.to_string()), None);
        assert_eq!(date("253402300799"), Some(MAX_NUMERIC_DATE));
        assert_eq!(date("253402300799.5"), None);
        assert_eq!(MAX_NUMERIC_DATE.to_string(), MAX_NUMERIC_DATE_TEXT);
    }

    /// The one UTF-8 check of the decoded text refuses as the per-part scans did: the header
    /// first, then the payload, then the signature's base64url, each with its own message.
    #[test]
    fn refusal_order_and_messages() {
        let keys = KeySet::single(Key::new(vec![7u8; 32]).unwrap());
        let refuse = |header: &[u8], payload: &[u8], signature: &str| {
            let token = [
                b64::encode(header),
                b64::encode(payload),
                signature.to_owned(),
            ];
            let e = verify_json(&token.join("."), &keys, &Validation::default(), 0).unwrap_err();
            assert_eq!(e.code, JwtErrorCode::Malformed);
            e.message
        };
        let header = br#"{"alg":"HS256"}"#;
        let sig = "AAAA";
        assert_eq!(
            refuse(header, b"{\"sub\":\"\xff\"}", sig),
            "the JWT payload is not a JSON object: invalid JSON: invalid UTF-8"
        );
        assert_eq!(
            refuse(b"{\"alg\":\"\xc0\xaf\"}", b"{}", sig),
            "the JWT header is not a JSON object: invalid JSON: invalid UTF-8"
        );
        // A broken header wins over a non-UTF-8 payload, as it does over a broken payload.
        let broken = refuse(b"{\"alg\"}", b"{\"sub\":\"\xff\"}", sig);
        assert!(
            broken.starts_with("the JWT header is not a JSON object: "),
            "{broken}"
        );
        assert_ne!(
            broken,
            "the JWT header is not a JSON object: invalid JSON: invalid UTF-8"
        );
        // The signature's base64url is checked after both documents.
        let payload_first = refuse(header, b"[1]", "A");
        assert!(
            payload_first.starts_with("the JWT payload is not a JSON object"),
            "{payload_first}"
        );
        assert_eq!(
            refuse(header, b"{}", "A"),
            "the JWT signature is not canonical unpadded base64url"
        );
    }

    /// The wasm binding writes a verified token's text over the token itself: the text is
    /// shorter than the token even for the smallest documents and for the longest ones.
    #[test]
    fn verified_text_is_shorter_than_the_token() {
        let key = Key::new(vec![7u8; 32]).unwrap();
        let keys = KeySet::single(key.clone());
        let no_exp = Validation {
            required_claims: Vec::new(),
            ..Validation::default()
        };
        let long = format!("{{\"sub\":\"{}\"}}", "x".repeat(10_000));
        for claims in [&b"{}"[..], b"{\"a\":1}", long.as_bytes()] {
            let token = sign_raw(br#"{"alg":"HS256"}"#, claims, &key);
            let mut buf = Vec::new();
            let mut cache = PrefixCache::default();
            let (header, body) =
                verify_json_into(token.as_bytes(), &mut buf, &mut cache, &keys, &no_exp, 0)
                    .expect("a valid token");
            assert!(buf.len() < token.len(), "{} >= {}", buf.len(), token.len());
            assert_eq!(&buf[body], claims);
            assert_eq!(&buf[header], br#"{"alg":"HS256"}"#);
        }
    }

    /// One verifier's prefix cache across keys whose tokens share their first 64 header
    /// bytes: each token is checked with its own key's state, and a token signed with one key
    /// but naming the other is refused after the cache holds that block.
    #[test]
    fn prefix_cache_is_per_key_and_per_block() {
        let (a, b) = (
            Key::new(vec![1u8; 32]).unwrap(),
            Key::new(vec![2u8; 32]).unwrap(),
        );
        let keys = KeySet::by_kid(vec![("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
        let header = |kid: &str| {
            format!(
                "{{\"alg\":\"HS256\",\"x\":\"{}\",\"kid\":\"{kid}\"}}",
                "p".repeat(60)
            )
        };
        let no_exp = Validation {
            required_claims: Vec::new(),
            ..Validation::default()
        };
        let token_a = sign_raw(header("a").as_bytes(), b"{\"n\":1}", &a);
        let token_b = sign_raw(header("b").as_bytes(), b"{\"n\":2}", &b);
        let forged = sign_raw(header("b").as_bytes(), b"{\"n\":3}", &a);
        let other = sign_raw(
            br#"{"alg":"HS256","kid":"a","typ":"JWT","zzzzzzzzzzzzzzzzz":1}"#,
            b"{}",
            &a,
        );
        assert_eq!(token_a[..64], token_b[..64], "the first block is shared");
        let mut cache = PrefixCache::default();
        let mut buf = Vec::new();
        let mut verify = |token: &str| {
            verify_json_into(token.as_bytes(), &mut buf, &mut cache, &keys, &no_exp, 0)
                .map_err(|e| e.code)
        };
        for _ in 0..2 {
            assert!(verify(&token_a).is_ok());
            assert!(verify(&token_b).is_ok());
            assert_eq!(verify(&forged), Err(JwtErrorCode::BadSignature));
            assert!(verify(&other).is_ok());
            assert!(verify(&token_a).is_ok());
            let mut tampered = token_a.clone().into_bytes();
            tampered[10] ^= 1;
            let tampered = String::from_utf8(tampered).unwrap();
            assert!(verify(&tampered).is_err());
        }
    }

    /// After a verified token, tokens with the same encoded header take its decoded header and
    /// key from the cache: each is accepted or refused exactly as by a fresh verifier (same code
    /// and message), and a refused one does not replace the kept header.
    #[test]
    fn known_header_verdicts_match_a_fresh_verifier() {
        let (a, b) = (
            Key::new(vec![1u8; 32]).unwrap(),
            Key::new(vec![2u8; 32]).unwrap(),
        );
        let keys = KeySet::by_kid(vec![("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
        let validation = Validation {
            typ: Some("at+jwt".into()),
            issuer: Some("iss".into()),
            ..Validation::default()
        };
        let header = br#"{"alg":"HS256","typ":"at+jwt","kid":"a"}"#;
        let good = sign_raw(header, br#"{"iss":"iss","exp":10}"#, &a);
        let (h, rest) = good.split_once('.').unwrap();
        let (p, _) = rest.split_once('.').unwrap();
        let with_sig = |payload: &str, key: &Key| {
            let input = format!("{h}.{payload}");
            format!("{input}.{}", b64::encode(key.mac(input.as_bytes())))
        };
        let cases = [
            good.clone(),
            sign_raw(header, br#"{"iss":"other","exp":10}"#, &a),
            sign_raw(header, br#"{"iss":"iss","exp":1}"#, &a),
            sign_raw(header, br#"{"iss":"iss"}"#, &a),
            sign_raw(header, br#"{"iss":"iss","exp":10,"exp":11}"#, &a),
            sign_raw(header, b"[1]", &a),
            sign_raw(header, b"{\"iss\":\"\xff\"}", &a),
            sign_raw(header, br#"{"iss":"iss","exp":10}"#, &b),
            with_sig(p, &b),
            format!("{h}.{p}.AAAA"),
            format!("{h}.{p}.A"),
            format!("{h}.{p}"),
            format!("{h}.{p}.x.y"),
            format!("{h}.*{}.{}", &p[1..], good.rsplit('.').next().unwrap()),
            with_sig(&b64::encode(br#"{"iss":"iss","exp":9}"#), &a),
        ];
        let fresh = |token: &str| {
            verify_json(token, &keys, &validation, 5_000).map_err(|e| (e.code, e.message))
        };
        let mut cache = PrefixCache::default();
        let mut buf = Vec::new();
        for round in 0..2 {
            for token in &cases {
                let cached = verify_json_into(
                    token.as_bytes(),
                    &mut buf,
                    &mut cache,
                    &keys,
                    &validation,
                    5_000,
                )
                .map(|(_, claims)| buf[claims].to_vec())
                .map_err(|e| (e.code, e.message));
                let expected = fresh(token).map(|v| v.claims_json().as_bytes().to_vec());
                assert_eq!(cached, expected, "round {round}: {token}");
                assert!(cache.header.is_some());
            }
        }
        // A different header verified replaces the kept one.
        let other = sign_raw(
            br#"{"alg":"HS256","typ":"at+jwt","kid":"b"}"#,
            br#"{"iss":"iss","exp":10}"#,
            &b,
        );
        assert!(
            verify_json_into(
                other.as_bytes(),
                &mut buf,
                &mut cache,
                &keys,
                &validation,
                5_000
            )
            .is_ok()
        );
        assert_eq!(cache.header.as_ref().unwrap().key, 1);
        assert!(
            verify_json_into(
                good.as_bytes(),
                &mut buf,
                &mut cache,
                &keys,
                &validation,
                5_000
            )
            .is_ok()
        );
        assert_eq!(cache.header.as_ref().unwrap().key, 0);
    }

    /// Every one-byte change of a verified token, each verified right after the good token
    /// primed the kept header: the same verdict and message as a fresh verifier's.
    #[test]
    fn kept_header_under_one_byte_changes() {
        let key = Key::new(vec![3u8; 32]).unwrap();
        let keys = KeySet::single(key.clone());
        let validation = Validation {
            typ: Some("JWT".into()),
            ..Validation::default()
        };
        let good = sign_raw(
            br#"{"alg":"HS256","typ":"JWT","kid":"k"}"#,
            r#"{"exp":10,"n":[1,{"a":"é"}]}"#.as_bytes(),
            &key,
        );
        let mut cache = PrefixCache::default();
        let mut buf = Vec::new();
        for at in 0..good.len() {
            for with in [b'A', b'.', b'_', b'=', 0xc3] {
                let mut token = good.clone().into_bytes();
                token[at] = with;
                let verify = |token: &[u8], buf: &mut Vec<u8>, cache: &mut PrefixCache| {
                    verify_json_into(token, buf, cache, &keys, &validation, 5_000)
                        .map(|(h, c)| (buf[h].to_vec(), buf[c].to_vec()))
                        .map_err(|e| (e.code, e.message))
                };
                assert!(verify(good.as_bytes(), &mut buf, &mut cache).is_ok());
                let cached = verify(&token, &mut buf, &mut cache);
                let fresh = verify(&token, &mut Vec::new(), &mut PrefixCache::default());
                assert_eq!(cached, fresh, "byte {at} = {with}");
            }
        }
    }

    #[test]
    fn find_dot_is_the_first_dot_from_a_position() {
        for len in 0..40 {
            for dot in 0..=len {
                // A `.` at `dot` (none when dot == len), and bytes that differ from it by one bit.
                let bytes: Vec<u8> = (0..len)
                    .map(|i| {
                        if i == dot {
                            b'.'
                        } else {
                            b'.' ^ (1 << (i % 8))
                        }
                    })
                    .collect();
                for from in 0..=len {
                    let naive = bytes[from..]
                        .iter()
                        .position(|&b| b == b'.')
                        .map(|i| from + i);
                    assert_eq!(
                        find_dot(&bytes, from),
                        naive,
                        "len {len}, dot {dot}, from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn key_debug_is_redacted() {
        let key = Key::new(vec![7u8; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "Key([redacted])");
        assert_eq!(
            Key::new(vec![7u8; 31]).unwrap_err().code,
            JwtErrorCode::WeakKey
        );
    }
}
