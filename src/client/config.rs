//! Client configuration (`ClientConfig` in JS): what it may contain and how it is checked.

use super::auth::{AuthMethod, ClientAuth};
use super::dialect::Dialect;
use super::scope::Scope;
use crate::error::RotorError;
use crate::secret::Secret;
use crate::text::join;
use serde::Deserialize;

/// Longest accepted token endpoint URL, in bytes.
pub const MAX_ENDPOINT_BYTES: usize = 2048;

/// Parameter names that belong to the protocol: they may not appear in `extraParams` or in the
/// token endpoint's query, in either their RFC 6749 or TokenIDP (camelCase) spelling.
pub const PROTOCOL_PARAMS: [&str; 14] = [
    "grant_type",
    "refresh_token",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "scope",
    "grantType",
    "refreshToken",
    "clientId",
    "clientSecret",
    "clientAssertion",
    "clientAssertionType",
    "access_token",
];

/// True when `name` (raw bytes, as decoded from a query) is a protocol parameter (or a
/// `client_assertion*` variant).
pub(crate) fn is_protocol_param(name: &[u8]) -> bool {
    PROTOCOL_PARAMS.iter().any(|p| p.as_bytes() == name)
        || name.starts_with(b"client_assertion")
        || name.starts_with(b"clientAssertion")
}

/// The client configuration as the caller writes it (`ClientConfig` in JS). Unknown keys are
/// refused so that a typo (`tokenEndpiont`) cannot silently drop a setting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// The token endpoint (RFC 6749 §3.2): `https:`, or `http:` for loopback only.
    pub token_endpoint: String,
    /// The client identifier (RFC 6749 §2.2).
    pub client_id: String,
    /// The client secret (RFC 6749 §2.3.1), if the client is confidential.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// `client_secret_basic` (default with a secret), `client_secret_post`,
    /// `client_secret_jwt`, `private_key_jwt` (the caller signs, src/jws.rs) or `none`
    /// (default without a secret).
    #[serde(default)]
    pub auth_method: Option<String>,
    /// `rfc6749` (default), `keycloak`, `curity`, `pingfederate` or `tokenidp`.
    #[serde(default)]
    pub dialect: Option<String>,
    /// The scope originally granted (RFC 6749 §6): requests may narrow it, never widen it.
    #[serde(default)]
    pub granted_scope: Option<String>,
    /// The revocation endpoint (RFC 7009 §2), same URL rules as the token endpoint.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
}

/// A checked client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    token_endpoint: String,
    client_id: String,
    auth: ClientAuth,
    dialect: Dialect,
    granted_scope: Option<Scope>,
    revocation_endpoint: Option<String>,
}

impl ClientConfig {
    /// Checks `options` and builds a configuration; every problem is `invalid_config`.
    #[inline(never)]
    pub fn from_options(options: ClientOptions) -> Result<ClientConfig, RotorError> {
        let dialect = match options.dialect.as_deref() {
            None => Dialect::default(),
            Some(name) => Dialect::parse(name)?,
        };
        let method = match options.auth_method.as_deref() {
            Some(name) => AuthMethod::parse(name)?,
            None if options.client_secret.is_some() => AuthMethod::ClientSecretBasic,
            None => AuthMethod::None,
        };
        if options.client_id.is_empty() {
            return Err(RotorError::config("clientId must not be empty"));
        }
        if options.client_id.chars().any(char::is_control) {
            return Err(RotorError::config(
                "clientId must not contain control characters",
            ));
        }
        if dialect == Dialect::TokenIdp
            && matches!(
                method,
                AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt
            )
        {
            return Err(RotorError::config(
                "the tokenidp dialect has no client assertion parameters: use client_secret_basic, client_secret_post or none",
            ));
        }
        check_endpoint(&options.token_endpoint, options.client_secret.as_ref())?;
        if let Some(url) = &options.revocation_endpoint {
            check_endpoint_named("revocationEndpoint", url, options.client_secret.as_ref())?;
        }
        let auth = ClientAuth::new(method, options.client_secret)?;
        let granted_scope = match options.granted_scope.as_deref() {
            None => None,
            Some(text) => Some(
                Scope::parse(text)
                    .map_err(|e| RotorError::config(join(&["grantedScope: ", &e.message()])))?,
            ),
        };
        Ok(ClientConfig {
            token_endpoint: options.token_endpoint,
            client_id: options.client_id,
            auth,
            dialect,
            granted_scope,
            revocation_endpoint: options.revocation_endpoint,
        })
    }

    /// The revocation endpoint (RFC 7009 §2), when configured.
    pub fn revocation_endpoint(&self) -> Option<&str> {
        self.revocation_endpoint.as_deref()
    }

    /// The token endpoint URL, as configured.
    pub fn token_endpoint(&self) -> &str {
        &self.token_endpoint
    }
    /// The client identifier.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The client authentication strategy.
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }
    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
    /// The originally granted scope, when configured.
    pub fn granted_scope(&self) -> Option<&Scope> {
        self.granted_scope.as_ref()
    }
}

/// The parts of an absolute `http:`/`https:` URL that rotor checks, as returned by
/// [`check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl<'a> {
    /// `https` or `http` (lower-case).
    pub scheme: &'static str,
    /// The host as written: a name, an IPv4 address or a bracketed IPv6 address.
    pub host: &'a str,
    /// The port, when one is given.
    pub port: Option<&'a str>,
    /// Everything after the authority: the path (possibly empty) and the query, if any.
    pub path_and_query: &'a str,
}

/// Checks an absolute URL of a server endpoint and splits it (RFC 3986 §3; RFC 6749 §3.2 and
/// RFC 8414 §2: TLS required; RFC 8252 §8.3 for loopback `http:`; RFC 9700 §4.1 and RFC 6749
/// §2.3.1: no credentials in URLs). `what` names the setting in messages (`tokenEndpoint`,
/// `issuer`).
///
/// Refused: anything but `https:` (or `http:` to `localhost`, `127.0.0.0/8` or `[::1]`, see
/// [`is_loopback_host`]), userinfo (`user:pass@`), a fragment, whitespace, control or
/// non-ASCII characters, a bad port and an empty or invalid host.
// `iter().any` rather than `[u8]::contains`, which brings core's `memchr` into the browser
// module (README, "The page's module").
#[inline(never)]
#[allow(clippy::manual_contains)]
pub fn check_url<'a>(what: &str, url: &'a str) -> Result<HttpUrl<'a>, RotorError> {
    let bad = |why: &'static str| Err(url_error(what, why));
    let b = url.as_bytes();
    if b.len() > MAX_ENDPOINT_BYTES {
        return bad("is too long");
    }
    if !b.iter().all(u8::is_ascii_graphic) {
        return bad("must be an absolute URL without spaces, control or non-ASCII characters");
    }
    if b.iter().any(|&c| c == b'#') {
        return bad("must not have a fragment (RFC 6749 §3.2, RFC 8414 §2)");
    }
    let Some((scheme, rest)) = crate::text::split_once(url, "://") else {
        return bad("must be an absolute https: URL");
    };
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return bad("must use https: (RFC 6749 §3.2)");
    };
    let (authority, path_and_query) = rest.split_at(position(rest, |c| c == b'/' || c == b'?'));
    let a = authority.as_bytes();
    if a.iter().any(|&c| c == b'@') {
        return bad("must not contain credentials (userinfo)");
    }
    // The host ends at `]` for an IPv6 address, else at the first `:`.
    let host_end = if a.first() == Some(&b'[') {
        let close = position(authority, |c| c == b']');
        if close == a.len() {
            return bad("has an unterminated IPv6 address");
        }
        if ipv6(&authority[1..close]).is_none() {
            return bad("has an invalid IPv6 address");
        }
        close + 1
    } else {
        position(authority, |c| c == b':')
    };
    let (host, after) = authority.split_at(host_end);
    let port = match after.as_bytes().first() {
        None => None,
        Some(b':') => Some(&after[1..]),
        Some(_) => return bad("has an invalid port"),
    };
    if host.is_empty() {
        return bad("has no host");
    }
    if a[0] != b'['
        && !host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_')
    {
        return bad("has an invalid host");
    }
    if let Some(p) = port {
        let n = p.bytes().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        });
        if p.is_empty() || p.len() > 5 || !n.is_some_and(|n| (1..=65535).contains(&n)) {
            return bad("has an invalid port");
        }
    }
    if scheme == "http" && !is_loopback_host(host) {
        return bad("must use https: (http: is allowed only for localhost, 127.0.0.0/8 and [::1])");
    }
    Ok(HttpUrl {
        scheme,
        host,
        port,
        path_and_query,
    })
}

/// The longest prefix of `bytes` that is UTF-8.
fn utf8_prefix(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes)
        .unwrap_or_else(|e| core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
}

/// Where the first byte of `text` for which `stop` holds is (`text.len()` when none).
fn position(text: &str, stop: impl Fn(u8) -> bool) -> usize {
    text.bytes().position(stop).unwrap_or(text.len())
}

/// `what why` as `invalid_config` (one cold call per URL check site).
#[cold]
#[inline(never)]
fn url_error(what: &str, why: &str) -> RotorError {
    RotorError::config(join(&[what, " ", why]))
}

/// Checks a token endpoint URL: the rules of [`check_url`], and (RFC 6749 §2.3.1, RFC 9700
/// §4.1) no protocol parameter in the query and no `secret` anywhere in the URL.
pub fn check_endpoint(url: &str, secret: Option<&Secret>) -> Result<(), RotorError> {
    check_endpoint_named("tokenEndpoint", url, secret)
}

/// [`check_endpoint`] for the endpoint named `what` in messages (`revocationEndpoint`, ...).
/// The query's parameter names are read as `application/x-www-form-urlencoded` (URL Standard
/// §5.1: `+` and `%XX` decoded, sequences split at `&`, a name ends at its first `=`).
pub fn check_endpoint_named(
    what: &str,
    url: &str,
    secret: Option<&Secret>,
) -> Result<(), RotorError> {
    let parts = check_url(what, url)?;
    let path_and_query = parts.path_and_query;
    let query = &path_and_query[position(path_and_query, |c| c == b'?')..];
    for sequence in query
        .as_bytes()
        .get(1..)
        .unwrap_or_default()
        .split(|&c| c == b'&')
    {
        let end = sequence
            .iter()
            .position(|&c| c == b'=')
            .unwrap_or(sequence.len());
        let name = crate::form::decode_bytes(&sequence[..end]);
        if is_protocol_param(&name) {
            return Err(RotorError::config(join(&[
                what,
                " query must not carry the protocol parameter \"",
                // Decoded bytes that are not UTF-8 are shown up to the first invalid one.
                utf8_prefix(&name),
                "\": tokens and secrets never go in URLs (RFC 6749 §2.3.1, RFC 9700 §4.1)",
            ])));
        }
    }
    if secret.is_some_and(|s| contains_secret(url, s.expose())) {
        return Err(url_error(
            what,
            "must not contain the client secret (RFC 6749 §2.3.1)",
        ));
    }
    Ok(())
}

/// Shortest token or secret looked for in a URL: shorter values ("s", "rt") would match
/// ordinary URL text by accident.
pub const MIN_SECRET_SEARCH_BYTES: usize = 8;

/// True when `value` (at least [`MIN_SECRET_SEARCH_BYTES`] long) occurs in `url`, raw or
/// percent-encoded.
#[inline(never)]
pub(crate) fn contains_secret(url: &str, value: &str) -> bool {
    if value.len() < MIN_SECRET_SEARCH_BYTES {
        return false;
    }
    if crate::text::find(url, value).is_some() {
        return true;
    }
    // Without `%` or `+` the URL decodes to itself, and an encoding of `value` that differs
    // from it has one of them: nothing else can match (the per-request fast path).
    if !url.bytes().any(|b| b == b'%' || b == b'+') {
        return false;
    }
    let encoded: String = crate::form::encode(value);
    if crate::text::find(url, &encoded).is_some() {
        return true;
    }
    // A fully decoded comparison catches other percent-encodings of the same bytes.
    let decoded: Vec<u8> = crate::form::decode_bytes(url.as_bytes());
    decoded.windows(value.len()).any(|w| w == value.as_bytes())
}

/// Loopback hosts for which `http:` is allowed (RFC 8252 §8.3): `localhost`, `127.0.0.0/8`
/// and `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let b = host.as_bytes();
    if b.len() >= 2 && b[0] == b'[' && b[b.len() - 1] == b']' {
        return ipv6(&host[1..b.len() - 1]) == Some([0, 0, 0, 0, 0, 0, 0, 1]);
    }
    let mut text = Text(host.as_bytes());
    text.ipv4().is_some_and(|a| a[0] == 127) && text.0.is_empty()
}

/// The groups of an IPv6 address in the text form of RFC 4291 §2.2 (hex groups, one `::`, an
/// IPv4 address in the last 32 bits), with exactly the rules of `core::net`'s parser
/// (`"…".parse::<Ipv6Addr>()`, against which it is tested): the module does not link
/// `core::net`'s parsers (measured: about 2 KB of the browser module before gzip).
pub(crate) fn ipv6(text: &str) -> Option<[u16; 8]> {
    let mut text = Text(text.as_bytes());
    let mut head = [0u16; 8];
    let (head_len, head_v4) = text.groups(&mut head);
    if head_len == 8 {
        return text.0.is_empty().then_some(head);
    }
    if head_v4 || !text.take(b':') || !text.take(b':') {
        return None;
    }
    let mut tail = [0u16; 7];
    let (tail_len, _) = text.groups(&mut tail[..7 - head_len]);
    head[8 - tail_len..].copy_from_slice(&tail[..tail_len]);
    text.0.is_empty().then_some(head)
}

/// The rest of an address being read.
struct Text<'a>(&'a [u8]);

impl Text<'_> {
    /// Takes `byte` if it comes next.
    fn take(&mut self, byte: u8) -> bool {
        let next = self.0.first() == Some(&byte);
        if next {
            self.0 = &self.0[1..];
        }
        next
    }

    /// A number of at most `max` digits in `radix` (a leading zero only alone, when
    /// `zero_prefix` is false); nothing is taken when there is none.
    fn number(&mut self, radix: u32, max: usize, zero_prefix: bool) -> Option<u32> {
        let digits = self
            .0
            .iter()
            .take_while(|b| (**b as char).is_digit(radix))
            .count();
        if digits == 0 || digits > max || (!zero_prefix && digits > 1 && self.0[0] == b'0') {
            return None;
        }
        let value = self.0[..digits].iter().fold(0, |n, b| {
            n * radix + (*b as char).to_digit(radix).unwrap_or(0)
        });
        self.0 = &self.0[digits..];
        Some(value)
    }

    /// A dotted-quad IPv4 address (four decimal octets, no leading zeros); nothing is taken
    /// when there is none.
    fn ipv4(&mut self) -> Option<[u8; 4]> {
        let start = self.0;
        let mut octets = [0u8; 4];
        for (i, octet) in octets.iter_mut().enumerate() {
            match (i == 0 || self.take(b'.'))
                .then(|| self.number(10, 3, false))
                .flatten()
                .and_then(|n| u8::try_from(n).ok())
            {
                Some(n) => *octet = n,
                None => {
                    self.0 = start;
                    return None;
                }
            }
        }
        Some(octets)
    }

    /// Up to `groups.len()` colon-separated hex groups, the last two of which may be an IPv4
    /// address: how many were read, and whether an IPv4 address ended them.
    fn groups(&mut self, groups: &mut [u16]) -> (usize, bool) {
        let limit = groups.len();
        for i in 0..limit {
            let before = self.0;
            if i + 1 < limit && (i == 0 || self.take(b':')) {
                if let Some([a, b, c, d]) = self.ipv4() {
                    groups[i] = u16::from_be_bytes([a, b]);
                    groups[i + 1] = u16::from_be_bytes([c, d]);
                    return (i + 2, true);
                }
                self.0 = before;
            }
            match (i == 0 || self.take(b':'))
                .then(|| self.number(16, 4, true))
                .flatten()
            {
                Some(group) => groups[i] = group as u16,
                None => {
                    self.0 = before;
                    return (i, false);
                }
            }
        }
        (limit, false)
    }
}

#[cfg(test)]
mod tests {
    use super::{Text, check_endpoint_named, ipv6};
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(text: &str) -> Option<[u8; 4]> {
        let mut t = Text(text.as_bytes());
        t.ipv4().filter(|_| t.0.is_empty())
    }

    #[test]
    fn query_names_are_decoded_and_shown_up_to_invalid_utf8() {
        let err = check_endpoint_named("tokenEndpoint", "https://as/t?a=1&client%5Fsecret=x", None)
            .unwrap_err();
        assert_eq!(
            err.message,
            "tokenEndpoint query must not carry the protocol parameter \"client_secret\": tokens and secrets never go in URLs (RFC 6749 §2.3.1, RFC 9700 §4.1)"
        );
        let err = check_endpoint_named("issuer", "https://as/t?client_assertion%FF%41=x", None)
            .unwrap_err();
        assert!(
            err.message.starts_with(
                "issuer query must not carry the protocol parameter \"client_assertion\": "
            ),
            "{}",
            err.message
        );
        assert!(check_endpoint_named("tokenEndpoint", "https://as/t?&&x=client_id", None).is_ok());
    }

    #[test]
    fn ip_addresses_as_core_net_reads_them() {
        for text in [
            "::1",
            "::",
            "1::",
            "::ffff:127.0.0.1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:1.2.3.4",
            "1.2.3.4::",
            "12345::",
            "0000:0::1",
            "::00001",
            ":::",
            "1:::2",
            "1::2::3",
            "::1.2.3",
            "::1.2.3.04",
            "::256.1.1.1",
            "fe80::1%eth0",
            "",
            ":",
            "1:",
            "::1:",
            "ABCD::ef",
            "g::",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::1.2.3.4:1",
        ] {
            assert_eq!(
                ipv6(text),
                text.parse::<Ipv6Addr>().ok().map(|a| a.segments()),
                "{text}"
            );
        }
        for text in [
            "127.0.0.1",
            "127.0.0.01",
            "0.0.0.0",
            "255.255.255.255",
            "256.0.0.1",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "",
            "1.2.3.1000",
        ] {
            assert_eq!(
                v4(text),
                text.parse::<Ipv4Addr>().ok().map(|a| a.octets()),
                "{text}"
            );
        }
    }

    proptest! {
        #[test]
        fn ipv6_agrees_with_core_net(text in "[0-9a-fA-F:.g]{0,45}") {
            prop_assert_eq!(ipv6(&text), text.parse::<Ipv6Addr>().ok().map(|a| a.segments()));
        }

        #[test]
        fn ipv6_agrees_on_near_addresses(
            groups in proptest::collection::vec("[0-9a-f]{0,5}|[0-9]{1,3}(\\.[0-9]{1,4}){0,4}", 0..10),
            gap in any::<u8>(),
        ) {
            let mut text = groups.join(":");
            if gap % 3 == 0 && !groups.is_empty() {
                let at = (gap as usize / 3) % groups.len();
                text = [groups[..at].join(":"), groups[at..].join(":")].join("::");
            }
            prop_assert_eq!(ipv6(&text), text.parse::<Ipv6Addr>().ok().map(|a| a.segments()));
        }

        #[test]
        fn ipv4_agrees_with_core_net(text in "[0-9.]{0,17}") {
            prop_assert_eq!(v4(&text), text.parse::<Ipv4Addr>().ok().map(|a| a.octets()));
        }
    }
}
