//! Asymmetric JWS, sans-IO (RFC 7515 §3.1 compact serialization, §5.1 steps): the core writes
//! the protected header and the claims, and returns the signing input
//! `base64url(header) "." base64url(claims)`; the caller signs it with a key the core never
//! sees (WebCrypto, `extractable: false`) and hands the raw signature back to [`compact`].
//!
//! One step serves two documents:
//! - **DPoP proofs** (RFC 9449 §4.2): header `{"alg","jwk","typ":"dpop+jwt"}` with the public
//!   key ([`dpop_header`]), claims `htm`, `htu` (without query and fragment), `iat`, `jti`,
//!   and `nonce` / `ath` when the server asked for one / an access token is presented
//!   ([`dpop_claims`]);
//! - **`private_key_jwt` client assertions** (RFC 7523 §2.2, §3; OpenID Connect Core §9):
//!   header `{"alg","kid","typ":"JWT"}` ([`assertion_header`]) over the claims of
//!   `client_secret_jwt` (`iss` = `sub` = client id, `aud` the endpoint, `jti`, `iat`,
//!   `exp` = `iat` + 60 s).
//!
//! Algorithms ([`Alg`], RFC 7518 §3.1, RFC 8037 §3.1): `ES256` (the default: WebCrypto's
//! ECDSA signature is IEEE P1363 `r || s`, 64 bytes, exactly JWS's format, RFC 7518 §3.4),
//! `EdDSA` (Ed25519, 64 bytes) and `RS256` (RSASSA-PKCS1-v1_5, as long as the modulus).
//!
//! [`PublicJwk::thumbprint`] is the RFC 7638 JWK thumbprint (SHA-256 over the required members
//! in lexicographic order, no whitespace, base64url): the `jkt` a server binds tokens to
//! (RFC 9449 §6). The header's `jwk` is written as exactly those canonical members, so the
//! thumbprint is the hash of the header's `jwk` text.
//!
//! JSON is written by [`crate::json::write`](mod@crate::json::write), base64url by
//! [`crate::b64`]; no `core::fmt` (the browser module carries none).

use crate::b64;
use crate::error::RotorError;
use crate::json::write::{push_name, push_string};
use crate::text::{join, prefix, push_i64};
use sha2::{Digest, Sha256};

/// Latest `iat` a proof may carry: 9999-12-31T23:59:59Z (RFC 7519 §2 NumericDate).
const MAX_SECONDS: f64 = 253_402_300_799.0;

/// Longest accepted `htu`, `nonce`, `jti`, `kid` or access token, in bytes.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// A JWS algorithm of an asymmetric key (RFC 7518 §3.1, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// ECDSA P-256 with SHA-256 (RFC 7518 §3.4): WebCrypto `{ name: "ECDSA", namedCurve:
    /// "P-256" }`, signed with `{ name: "ECDSA", hash: "SHA-256" }`.
    Es256,
    /// Ed25519 (RFC 8037 §3.1): WebCrypto `"Ed25519"`.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), modulus of at least 2048 bits.
    Rs256,
}

impl Alg {
    /// The JWS `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
            Alg::Rs256 => "RS256",
        }
    }

    /// Reads an `alg` name; anything else (HS256 and `none` included) is `invalid_config`.
    pub fn parse(name: &str) -> Result<Alg, RotorError> {
        [Alg::Es256, Alg::EdDsa, Alg::Rs256]
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| {
                RotorError::config(join(&[
                    "unknown JWS alg \"",
                    prefix(name, 20),
                    "\" (expected ES256, EdDSA or RS256)",
                ]))
            })
    }
}

/// The public half of a signing key as a JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2), with
/// only the members RFC 7638 §3.2 requires for its thumbprint.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicJwk {
    alg: Alg,
    /// The canonical JSON (RFC 7638 §3.3): required members, lexicographic order.
    canonical: String,
    /// RSA only: the modulus length in bytes (the length of every signature).
    modulus_bytes: usize,
}

impl core::fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Public material, but the Debug of the browser module stays small: the alg only.
        f.debug_struct("PublicJwk")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// The members of an exported public JWK that rotor reads (WebCrypto `exportKey("jwk")`).
#[derive(Debug, Clone, Default)]
pub struct JwkMembers<'a> {
    /// `kty`: `EC`, `OKP` or `RSA`.
    pub kty: Option<&'a str>,
    /// `crv`: `P-256` or `Ed25519`.
    pub crv: Option<&'a str>,
    /// `x` coordinate (EC, OKP), base64url.
    pub x: Option<&'a str>,
    /// `y` coordinate (EC), base64url.
    pub y: Option<&'a str>,
    /// RSA modulus, base64url.
    pub n: Option<&'a str>,
    /// RSA public exponent, base64url.
    pub e: Option<&'a str>,
}

impl PublicJwk {
    /// Checks that `members` are a public key for `alg` (`invalid_config` otherwise): `EC`
    /// `P-256` with 32-byte `x` and `y` for ES256, `OKP` `Ed25519` with a 32-byte `x` for
    /// EdDSA, `RSA` with a modulus of at least 2048 bits for RS256; every value canonical
    /// base64url (RFC 7515 §2).
    pub fn new(alg: Alg, members: &JwkMembers<'_>) -> Result<PublicJwk, RotorError> {
        let bad = |why: &str| RotorError::config(join(&["public JWK: ", why]));
        let bytes = |name: &str, value: Option<&str>| -> Result<Vec<u8>, RotorError> {
            let value = value.ok_or_else(|| bad(&join(&["missing \"", name, "\""])))?;
            if value.len() > MAX_TEXT_BYTES {
                return Err(bad(&join(&["\"", name, "\" is too long"])));
            }
            b64::decode(value).ok_or_else(|| bad(&join(&["\"", name, "\" is not base64url"])))
        };
        let (kty, crv) = match alg {
            Alg::Es256 => ("EC", Some("P-256")),
            Alg::EdDsa => ("OKP", Some("Ed25519")),
            Alg::Rs256 => ("RSA", None),
        };
        if members.kty != Some(kty) {
            return Err(bad(&join(&[alg.as_str(), " needs kty \"", kty, "\""])));
        }
        if crv.is_some() && members.crv != crv {
            return Err(bad(&join(&[
                alg.as_str(),
                " needs crv \"",
                crv.unwrap_or_default(),
                "\"",
            ])));
        }
        let mut canonical = String::with_capacity(128);
        canonical.push('{');
        let mut modulus_bytes = 0;
        let member = |out: &mut String, name: &str, value: &str| {
            push_name(out, name);
            push_string(out, value);
        };
        match alg {
            Alg::Es256 | Alg::EdDsa => {
                let coordinate = |name: &str, value: Option<&str>| {
                    if bytes(name, value)?.len() == 32 {
                        Ok(())
                    } else {
                        Err(bad(&join(&["\"", name, "\" must be 32 bytes"])))
                    }
                };
                coordinate("x", members.x)?;
                member(&mut canonical, "crv", crv.unwrap_or_default());
                member(&mut canonical, "kty", kty);
                member(&mut canonical, "x", members.x.unwrap_or_default());
                if alg == Alg::Es256 {
                    coordinate("y", members.y)?;
                    member(&mut canonical, "y", members.y.unwrap_or_default());
                }
            }
            Alg::Rs256 => {
                let n = bytes("n", members.n)?;
                let e = bytes("e", members.e)?;
                if n.first() == Some(&0) || e.first() == Some(&0) || e.is_empty() {
                    return Err(bad("\"n\" and \"e\" must be minimal big-endian integers"));
                }
                if n.len() < 256 || n.len() > 1024 {
                    return Err(bad(
                        "RS256 needs a modulus of 2048 to 8192 bits (RFC 7518 §3.3)",
                    ));
                }
                modulus_bytes = n.len();
                member(&mut canonical, "e", members.e.unwrap_or_default());
                member(&mut canonical, "kty", kty);
                member(&mut canonical, "n", members.n.unwrap_or_default());
            }
        }
        canonical.push('}');
        Ok(PublicJwk {
            alg,
            canonical,
            modulus_bytes,
        })
    }

    /// [`PublicJwk::new`] from the JSON text of an exported JWK (`JSON.stringify` of
    /// WebCrypto's `exportKey("jwk")`), read by the crate's one JSON reader; members other
    /// than `kty`, `crv`, `x`, `y`, `n`, `e` are ignored, a private member (`d`) is refused.
    pub fn from_json(alg: Alg, json: &str) -> Result<PublicJwk, RotorError> {
        if json.len() > 4 * MAX_TEXT_BYTES {
            return Err(RotorError::config("public JWK: too long"));
        }
        let object = crate::json::scan::object(json)
            .map_err(|_| RotorError::config("public JWK: not a JSON object"))?;
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|m| object.contains(m))
        {
            return Err(RotorError::config(
                "public JWK: has private key members; pass the public key",
            ));
        }
        let text = |name: &str| {
            object
                .get(name)
                .and_then(crate::json::scan::Raw::as_str)
                .map(|v| v.into_owned())
        };
        let [kty, crv, x, y, n, e] = ["kty", "crv", "x", "y", "n", "e"].map(text);
        PublicJwk::new(
            alg,
            &JwkMembers {
                kty: kty.as_deref(),
                crv: crv.as_deref(),
                x: x.as_deref(),
                y: y.as_deref(),
                n: n.as_deref(),
                e: e.as_deref(),
            },
        )
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The canonical JSON of RFC 7638 §3.3 (also the header's `jwk`).
    pub fn canonical_json(&self) -> &str {
        &self.canonical
    }

    /// The RFC 7638 JWK SHA-256 thumbprint, base64url (RFC 9449 §6.1 `jkt`).
    pub fn thumbprint(&self) -> String {
        b64::encode(Sha256::digest(self.canonical.as_bytes()))
    }

    /// The signature length in bytes this key produces (64 for ES256 and EdDSA, the
    /// modulus length for RS256).
    pub fn signature_len(&self) -> usize {
        match self.alg {
            Alg::Es256 | Alg::EdDsa => 64,
            Alg::Rs256 => self.modulus_bytes,
        }
    }
}

/// The protected header of a DPoP proof (RFC 9449 §4.2): `{"alg":..,"jwk":..,"typ":"dpop+jwt"}`
/// with the canonical public JWK (never a private member).
pub fn dpop_header(jwk: &PublicJwk) -> String {
    let mut out = String::with_capacity(48 + jwk.canonical.len());
    out.push('{');
    push_name(&mut out, "alg");
    push_string(&mut out, jwk.alg.as_str());
    push_name(&mut out, "jwk");
    out.push_str(&jwk.canonical);
    push_name(&mut out, "typ");
    push_string(&mut out, "dpop+jwt");
    out.push('}');
    out
}

/// The protected header of a `private_key_jwt` assertion (RFC 7523 §2.2, RFC 7515 §4.1.4):
/// `{"alg":..,"kid":..,"typ":"JWT"}`, `kid` when given (it selects the key among the
/// client's registered `jwks`).
pub fn assertion_header(alg: Alg, kid: Option<&str>) -> Result<String, RotorError> {
    let mut out = String::with_capacity(48);
    out.push('{');
    push_name(&mut out, "alg");
    push_string(&mut out, alg.as_str());
    if let Some(kid) = kid {
        check_text("kid", kid)?;
        push_name(&mut out, "kid");
        push_string(&mut out, kid);
    }
    push_name(&mut out, "typ");
    push_string(&mut out, "JWT");
    out.push('}');
    Ok(out)
}

/// The claims of one DPoP proof (RFC 9449 §4.2).
#[derive(Clone, Copy)]
pub struct ProofClaims<'a> {
    /// `htm`: the request's method (RFC 9110 §9), e.g. `POST`.
    pub htm: &'a str,
    /// The request's URL; `htu` is it without query and fragment ([`htu`]).
    pub url: &'a str,
    /// The current time, ms since the epoch; `iat` is it in whole seconds.
    pub now_ms: f64,
    /// `jti`: unique per proof (16 random bytes, base64url, by default in the bindings).
    pub jti: &'a str,
    /// `nonce`: the server's last `DPoP-Nonce` (RFC 9449 §8, §9), when it gave one.
    pub nonce: Option<&'a str>,
    /// The access token presented with the proof at a resource: `ath` is its hash (§4.2).
    pub access_token: Option<&'a str>,
}

impl core::fmt::Debug for ProofClaims<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProofClaims")
            .field("htm", &self.htm)
            .field("url", &self.url)
            .field("access_token", &self.access_token.map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// The claims JSON of a DPoP proof (RFC 9449 §4.2), members in name order: `ath` (with an
/// access token), `htm`, `htu`, `iat`, `jti`, `nonce` (when given).
///
/// Refused (`invalid_argument`): a method that is not an RFC 9110 §5.6.2 token, a URL that is
/// not absolute `http:`/`https:` ([`htu`]), a `now` that is not a time between 1970 and 9999,
/// an empty or over-long `jti`, a nonce outside RFC 9449 §8.1 `NQCHAR`.
pub fn dpop_claims(claims: &ProofClaims<'_>) -> Result<String, RotorError> {
    if claims.htm.is_empty() || claims.htm.len() > 32 || !claims.htm.bytes().all(is_tchar) {
        return Err(RotorError::argument(
            "DPoP htm must be an HTTP method (RFC 9110 §9)",
        ));
    }
    let htu = htu(claims.url)?;
    let iat = seconds(claims.now_ms)?;
    check_text("jti", claims.jti)?;
    if let Some(nonce) = claims.nonce {
        check_nonce(nonce)?;
    }
    let mut out = String::with_capacity(96 + htu.len() + claims.jti.len());
    out.push('{');
    if let Some(token) = claims.access_token {
        check_text("access token", token)?;
        push_name(&mut out, "ath");
        push_string(&mut out, &ath(token));
    }
    push_name(&mut out, "htm");
    push_string(&mut out, claims.htm);
    push_name(&mut out, "htu");
    push_string(&mut out, htu);
    push_name(&mut out, "iat");
    push_i64(&mut out, iat);
    push_name(&mut out, "jti");
    push_string(&mut out, claims.jti);
    if let Some(nonce) = claims.nonce {
        push_name(&mut out, "nonce");
        push_string(&mut out, nonce);
    }
    out.push('}');
    Ok(out)
}

/// The claims JSON of a `private_key_jwt` assertion (RFC 7523 §3) for `client_id` addressed
/// to `audience` at `now_ms`: `aud`, `exp` (= `iat` + 60 s), `iat`, `iss`, `jti`, `sub`.
pub fn assertion_claims(
    client_id: &str,
    audience: &str,
    now_ms: f64,
    jti_entropy: &[u8; 16],
) -> Result<String, RotorError> {
    let iat = seconds(now_ms)?;
    Ok(crate::client::auth::assertion_claims(
        client_id,
        audience,
        iat,
        jti_entropy,
    ))
}

/// `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII bytes.
pub fn ath(access_token: &str) -> String {
    b64::encode(Sha256::digest(access_token.as_bytes()))
}

/// `htu` (RFC 9449 §4.2): the target URI without query and fragment. The URL must be an
/// absolute `http:` or `https:` URL without spaces or control characters (`invalid_argument`).
pub fn htu(url: &str) -> Result<&str, RotorError> {
    let bad = || RotorError::argument("DPoP htu: the URL must be an absolute http: or https: URL");
    if url.len() > MAX_TEXT_BYTES || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let target = &url[..end];
    let scheme_end = target.find("://").ok_or_else(bad)?;
    let scheme = &target[..scheme_end];
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        || target.len() == scheme_end + 3
    {
        return Err(bad());
    }
    Ok(target)
}

/// `base64url(header) "." base64url(claims)`: the JWS signing input (RFC 7515 §5.1 step 6).
pub fn signing_input(header_json: &str, claims_json: &str) -> String {
    let mut out = String::with_capacity((header_json.len() + claims_json.len()) * 4 / 3 + 4);
    b64::encode_into(header_json, &mut out);
    out.push('.');
    b64::encode_into(claims_json, &mut out);
    out
}

/// The compact JWS (RFC 7515 §7.1): `signing_input "." base64url(signature)`, after checking
/// that `signature` has the length `alg` produces (64 bytes for ES256 — WebCrypto's IEEE P1363
/// `r || s`, RFC 7518 §3.4 — and EdDSA; `expected_len` for RS256: the modulus length).
/// A DER-encoded ECDSA signature (as Node's `crypto.sign` makes by default) is refused.
pub fn compact(
    signing_input: &str,
    alg: Alg,
    expected_len: Option<usize>,
    signature: &[u8],
) -> Result<String, RotorError> {
    let ok = match alg {
        Alg::Es256 | Alg::EdDsa => signature.len() == 64,
        Alg::Rs256 => match expected_len {
            Some(n) => signature.len() == n,
            None => (256..=1024).contains(&signature.len()),
        },
    };
    if !ok {
        return Err(RotorError::argument(join(&[
            "the ",
            alg.as_str(),
            " signature has the wrong length (ES256 and EdDSA: 64 bytes, IEEE P1363 r||s, RFC 7518 §3.4; RS256: the modulus length)",
        ])));
    }
    if signing_input.split('.').count() != 2 {
        return Err(RotorError::argument(
            "the signing input must be base64url(header).base64url(claims)",
        ));
    }
    let mut out = String::with_capacity(signing_input.len() + 1 + signature.len() * 4 / 3 + 4);
    out.push_str(signing_input);
    out.push('.');
    b64::encode_into(signature, &mut out);
    Ok(out)
}

/// Whole seconds of `now_ms` (RFC 7519 §2 NumericDate), between 1970 and 9999.
fn seconds(now_ms: f64) -> Result<i64, RotorError> {
    let s = (now_ms / 1000.0).floor();
    if !(now_ms.is_finite() && now_ms >= 0.0 && s <= MAX_SECONDS) {
        return Err(RotorError::argument(
            "now must be a finite, non-negative number of milliseconds before the year 10000",
        ));
    }
    Ok(s as i64)
}

/// Non-empty, bounded, no control characters.
fn check_text(what: &str, value: &str) -> Result<(), RotorError> {
    if value.is_empty() || value.len() > MAX_TEXT_BYTES || value.chars().any(char::is_control) {
        return Err(RotorError::argument(join(&[
            what,
            " must be non-empty, at most 16 KiB, without control characters",
        ])));
    }
    Ok(())
}

/// RFC 9449 §8.1: `nonce = 1*NQCHAR`, `NQCHAR = %x21 / %x23-5B / %x5D-7E`.
fn check_nonce(nonce: &str) -> Result<(), RotorError> {
    let nqchar = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
    if nonce.is_empty() || nonce.len() > MAX_TEXT_BYTES || !nonce.bytes().all(nqchar) {
        return Err(RotorError::argument(
            "DPoP nonce must be 1*NQCHAR (RFC 9449 §8.1)",
        ));
    }
    Ok(())
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `nonce` is a valid RFC 9449 §8.1 nonce (for drivers reading `DPoP-Nonce`).
pub fn is_nonce(nonce: &str) -> bool {
    check_nonce(nonce).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 §3.1's example key is RSA; its thumbprint is given there.
    #[test]
    fn rfc_7638_example_thumbprint() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk = PublicJwk::new(
            Alg::Rs256,
            &JwkMembers {
                kty: Some("RSA"),
                n: Some(n),
                e: Some("AQAB"),
                ..JwkMembers::default()
            },
        )
        .unwrap();
        assert_eq!(
            jwk.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert_eq!(jwk.signature_len(), 256);
    }

    #[test]
    fn dpop_proof_shape() {
        // RFC 9449 §4.1's example key (EC P-256).
        let jwk = PublicJwk::new(
            Alg::Es256,
            &JwkMembers {
                kty: Some("EC"),
                crv: Some("P-256"),
                x: Some("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs"),
                y: Some("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"),
                ..JwkMembers::default()
            },
        )
        .unwrap();
        assert_eq!(
            dpop_header(&jwk),
            r#"{"alg":"ES256","jwk":{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"},"typ":"dpop+jwt"}"#
        );
        let claims = dpop_claims(&ProofClaims {
            htm: "POST",
            url: "https://server.example.com/token?x=1#f",
            now_ms: 1_562_262_616_999.0,
            jti: "-BwC3ESc6acc2lTc",
            nonce: None,
            access_token: None,
        })
        .unwrap();
        assert_eq!(
            claims,
            r#"{"htm":"POST","htu":"https://server.example.com/token","iat":1562262616,"jti":"-BwC3ESc6acc2lTc"}"#
        );
        // RFC 9449 §7.1's example: the access token and its ath.
        let claims = dpop_claims(&ProofClaims {
            htm: "GET",
            url: "https://resource.example.org/protectedresource",
            now_ms: 1_562_262_618_000.0,
            jti: "e1j3V_bKic8-LAEB",
            nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
            access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        })
        .unwrap();
        assert_eq!(
            claims,
            r#"{"ath":"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo","htm":"GET","htu":"https://resource.example.org/protectedresource","iat":1562262618,"jti":"e1j3V_bKic8-LAEB","nonce":"eyJ7S_zG.eyJH0-Z.HX4w-7v"}"#
        );
        let input = signing_input(&dpop_header(&jwk), &claims);
        let jws = compact(&input, Alg::Es256, None, &[7; 64]).unwrap();
        assert_eq!(jws, [input.as_str(), &b64::encode([7u8; 64])].join("."));
    }

    #[test]
    fn refusals() {
        let p = |htm: &'static str, url: &'static str, nonce: Option<&'static str>| ProofClaims {
            htm,
            url,
            now_ms: 0.0,
            jti: "j",
            nonce,
            access_token: None,
        };
        for claims in [
            p("", "https://a/", None),
            p("PO ST", "https://a/", None),
            p("POST", "ftp://a/", None),
            p("POST", "https://", None),
            p("POST", "/token", None),
            p("POST", "https://a/ b", None),
            p("POST", "https://a/", Some("")),
            p("POST", "https://a/", Some("a\"b")),
            p("POST", "https://a/", Some("a b")),
        ] {
            assert_eq!(
                dpop_claims(&claims).unwrap_err().code,
                crate::RotorErrorCode::InvalidArgument,
                "{claims:?}"
            );
        }
        let mut late = p("POST", "https://a/", None);
        late.now_ms = 253_402_300_800_000.0;
        assert!(dpop_claims(&late).is_err());
        late.now_ms = f64::NAN;
        assert!(dpop_claims(&late).is_err());
        // DER (70-72 bytes) is not JWS's P1363 form.
        assert!(compact("a.b", Alg::Es256, None, &[0; 71]).is_err());
        assert!(compact("a.b", Alg::Rs256, Some(256), &[0; 255]).is_err());
        assert!(compact("a.b.c", Alg::EdDsa, None, &[0; 64]).is_err());
        assert_eq!(
            Alg::parse("HS256").unwrap_err().code,
            crate::RotorErrorCode::InvalidConfig
        );
        assert!(Alg::parse("none").is_err());
        let ec = |x: &'static str, crv: &'static str| JwkMembers {
            kty: Some("EC"),
            crv: Some(crv),
            x: Some(x),
            y: Some(x),
            ..JwkMembers::default()
        };
        let x32 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(PublicJwk::new(Alg::Es256, &ec(x32, "P-256")).is_ok());
        assert!(PublicJwk::new(Alg::Es256, &ec(x32, "P-384")).is_err());
        assert!(PublicJwk::new(Alg::Es256, &ec("AAAA", "P-256")).is_err());
        assert!(PublicJwk::new(Alg::EdDsa, &ec(x32, "P-256")).is_err());
        assert!(PublicJwk::new(Alg::Es256, &ec("AAA=", "P-256")).is_err());
        assert!(assertion_header(Alg::Es256, Some("")).is_err());
        let json = r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","ext":true,"key_ops":["verify"]}"#;
        assert_eq!(
            PublicJwk::from_json(Alg::Es256, json).unwrap(),
            PublicJwk::new(Alg::Es256, &ec(x32, "P-256")).unwrap()
        );
        let private = json.replace("\"ext\"", "\"d\":\"AA\",\"ext\"");
        assert!(PublicJwk::from_json(Alg::Es256, &private).is_err());
        assert!(PublicJwk::from_json(Alg::Es256, "[]").is_err());
        assert_eq!(
            assertion_header(Alg::EdDsa, Some("k\"1")).unwrap(),
            r#"{"alg":"EdDSA","kid":"k\"1","typ":"JWT"}"#
        );
    }
}
