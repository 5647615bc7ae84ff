//! JS bindings for `crate::client`, called by `pkg/lib/client.js` (which holds the public
//! `buildRefreshRequest`, `parseTokenResponse` and `unverifiedJwtTimes`).
//!
//! Objects arrive as JSON text made by the JS wrapper (`JSON.stringify`), bodies as a string or
//! bytes, `now` and `status` as numbers (JSON cannot carry NaN, and the core must see it to
//! refuse it). Results leave as boundary text (`super::result_text`): the value's JSON, or `!`
//! and the error's JSON.

use super::{error_text, result_text, scrub};
use crate::client::{
    self, ClientAuth, ClientConfig, ClientOptions, ParseOptions, RefreshParams, TokenResponse,
};
use crate::error::{Error, RotorError};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A result as boundary text (see `super::result_text`).
pub(super) fn text<T: Serialize>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => result_text(Ok(&value)),
        Err(err) => error_text(err),
    }
}

/// `N` random bytes from the platform (`crypto.getRandomValues`); `invalid_config` without one.
pub(super) fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| RotorError::config(format!("no secure random source: {e}")))?;
    Ok(buf)
}

/// Refuses NaN, infinite and negative instants (ms since the epoch).
pub(super) fn instant(now: f64) -> Result<f64, Error> {
    if now.is_finite() && now >= 0.0 {
        Ok(now)
    } else {
        Err(
            RotorError::argument("now must be a finite, non-negative number of milliseconds")
                .into(),
        )
    }
}

/// Where a JSON argument's errors go: its name, and `invalid_config` or `invalid_argument`.
#[derive(Clone, Copy)]
struct Arg {
    what: &'static str,
    config: bool,
}

impl Arg {
    fn error(self, message: impl fmt::Display) -> Error {
        let message = format!("{}: {message}", self.what);
        if self.config {
            RotorError::config(message).into()
        } else {
            RotorError::argument(message).into()
        }
    }

    /// Reads a JSON object into `T`; anything but an object (arrays included: serde would read
    /// a struct from one by position) is refused with `expected`.
    fn object<T: DeserializeOwned>(self, text: &[u8], expected: &str) -> Result<T, Error> {
        if text.first() != Some(&b'{') {
            return Err(self.error(expected));
        }
        serde_json::from_slice(text).map_err(|e| self.error(scrub(&e)))
    }
}

const CLIENT: Arg = Arg {
    what: "client",
    config: true,
};
const PARAMS: Arg = Arg {
    what: "buildRefreshRequest",
    config: false,
};
const OPTIONS: Arg = Arg {
    what: "parseTokenResponse options",
    config: false,
};
const HEADERS: Arg = Arg {
    what: "headers",
    config: false,
};

fn read_config(client: &[u8]) -> Result<ClientConfig, Error> {
    let options: ClientOptions = CLIENT.object(client, "expected a ClientConfig object")?;
    Ok(ClientConfig::from_options(options)?)
}

thread_local! {
    /// The last valid configuration and the JSON text it was read from. An application talks
    /// to one token endpoint, so every build and parse after the first skips reading and
    /// checking the same configuration again (a string comparison instead). It holds nothing
    /// the caller's `ClientConfig` object does not.
    static LAST_CONFIG: RefCell<Option<(Vec<u8>, Rc<ClientConfig>)>> = const { RefCell::new(None) };
}

/// The configuration read from `client` (JSON text), from [`LAST_CONFIG`] when it is the same
/// text. A configuration is a function of its text, so the cache never changes a result.
fn config(client: &[u8]) -> Result<Rc<ClientConfig>, Error> {
    let cached = LAST_CONFIG.with_borrow(|last| {
        last.as_ref()
            .filter(|(text, _)| text.as_slice() == client)
            .map(|(_, config)| Rc::clone(config))
    });
    if let Some(config) = cached {
        return Ok(config);
    }
    let config = Rc::new(read_config(client)?);
    LAST_CONFIG.set(Some((client.to_owned(), Rc::clone(&config))));
    Ok(config)
}

/// Splits the one byte argument of an export into `N` JSON texts separated by `\n` and the
/// rest (a body, or the last JSON text), as `pkg/lib/client.js` frames them.
///
/// One `Uint8Array` made by `TextEncoder` crosses faster than several strings: wasm-bindgen
/// copies a string into wasm memory one UTF-16 unit at a time in JS (~3 ns per character here),
/// `TextEncoder` ~20 times faster. `JSON.stringify` never writes a raw line feed (it escapes
/// control characters and adds no whitespace), so the separator cannot occur inside a text.
pub(super) fn frames<const N: usize>(input: &[u8]) -> Result<([&[u8]; N], &[u8]), Error> {
    let mut parts = [&input[..0]; N];
    let mut rest = input;
    for part in &mut parts {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return Err(RotorError::argument("the arguments are not framed as expected").into());
        };
        *part = &rest[..end];
        rest = &rest[end + 1..];
    }
    Ok((parts, rest))
}

/// `""` when `client` (JSON text) is a valid `ClientConfig`, else its error as boundary text.
/// `pkg/lib/client.js` calls it before refusing a malformed response, so that a bad
/// configuration is reported first, as `parseTokenResponse` does for well-formed responses.
#[wasm_bindgen(js_name = clientConfigError, skip_typescript)]
pub fn client_config_error(client: &[u8]) -> String {
    match config(client) {
        Ok(_) => String::new(),
        Err(err) => error_text(err),
    }
}

/// The refresh-token request (RFC 6749 §6) at `now` (ms; used by `client_secret_jwt`):
/// `{ url, method, headers, body }`. `input` is the client's JSON text, `\n`, the params'
/// (see [`frames`]).
#[wasm_bindgen(js_name = clientBuildRefreshRequest, skip_typescript)]
pub fn build_refresh_request(input: &[u8], now: f64) -> String {
    text(build(input, now))
}

fn build(input: &[u8], now: f64) -> Result<client::RefreshRequest, Error> {
    let ([client], params) = frames::<1>(input)?;
    let config = config(client)?;
    let params: ParamsArg = PARAMS.object(
        params,
        "the second argument must be an object with refreshToken",
    )?;
    let params = RefreshParams {
        refresh_token: params.refresh_token,
        scope: params.scope,
        extra_params: params.extra_params,
    };
    let now = instant(now)?;
    let entropy = match config.auth() {
        ClientAuth::SecretJwt(_) => random::<16>()?,
        _ => [0u8; 16],
    };
    Ok(client::build_refresh_request(
        &config, &params, now, &entropy,
    )?)
}

/// `buildRefreshRequest`'s params as the JS side writes them: the core's [`RefreshParams`] and
/// `now`, which pkg/lib/client.js also passes as a number argument (the core takes it there).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ParamsArg {
    refresh_token: crate::Secret,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default, deserialize_with = "crate::client::request::ordered_pairs")]
    extra_params: Vec<(String, String)>,
    #[serde(default, rename = "now")]
    _now: Option<f64>,
}

/// `parseTokenResponse`'s options as the JS side writes them: the core's [`ParseOptions`] and
/// `now` (passed as a number argument too).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OptionsArg {
    #[serde(default)]
    previous: Option<client::PreviousTokens>,
    #[serde(default)]
    requested_scope: Option<String>,
    #[serde(default, rename = "now")]
    _now: Option<f64>,
}

/// Response headers as JSON: `null`, an object of string (or number) values, or an array of
/// `[name, value]` string pairs. Names are lower-cased (case-insensitive, RFC 9110 §5.1).
struct Headers(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(HeadersVisitor)
    }
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = Headers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Headers instance, [name, value] pairs or a plain object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Headers, E> {
        Ok(Headers(Vec::new()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
        let mut out = Vec::new();
        while let Some(mut name) = map.next_key::<String>()? {
            let value = map.next_value::<HeaderValue>().map_err(|_| {
                de::Error::custom(format_args!(
                    "the value of header \"{}\" is not a string",
                    name.chars().take(40).collect::<String>()
                ))
            })?;
            name.make_ascii_lowercase();
            out.push((name, value.0));
        }
        Ok(Headers(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Headers, A::Error> {
        let pairs = || de::Error::custom("each header must be a [name, value] pair of strings");
        let mut out = Vec::new();
        while let Some((mut name, value)) = seq
            .next_element::<(String, String)>()
            .map_err(|_| pairs())?
        {
            name.make_ascii_lowercase();
            out.push((name, value));
        }
        Ok(Headers(out))
    }
}

/// A header value of a plain object: a string, or a number written as JS would.
struct HeaderValue(String);

impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HeaderValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderValue, E> {
                Ok(HeaderValue(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<HeaderValue, E> {
                Ok(HeaderValue(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<HeaderValue, E> {
                Ok(HeaderValue((v as f64).to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<HeaderValue, E> {
                Ok(HeaderValue((v as f64).to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<HeaderValue, E> {
                Ok(HeaderValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the token endpoint's answer (RFC 6749 §5.1, §5.2). `input` is the client's JSON
/// text, the headers', the options' (or `null`) and the body, separated by `\n` (see
/// [`frames`]); `status` and `now` are numbers. A `TokenSet`, or the `OAuthError`/`RotorError`
/// as boundary text.
#[wasm_bindgen(js_name = clientParseTokenResponse, skip_typescript)]
pub fn parse_token_response(input: &[u8], status: f64, now: f64) -> String {
    text(
        frames::<3>(input).and_then(|([client, headers, options], body)| {
            parse(client, status, headers, body, options, now)
        }),
    )
}

fn parse(
    client: &[u8],
    status: f64,
    headers: &[u8],
    body: &[u8],
    options: &[u8],
    now: f64,
) -> Result<client::TokenSet, Error> {
    let config = config(client)?;
    if !(status.fract() == 0.0 && (100.0..=599.0).contains(&status)) {
        return Err(RotorError::argument(
            "response.status must be an integer HTTP status (100-599)",
        )
        .into());
    }
    let headers: Headers = serde_json::from_slice(headers).map_err(|e| HEADERS.error(scrub(&e)))?;
    let options: OptionsArg = if options == b"null" {
        OptionsArg::default()
    } else {
        OPTIONS.object(
            options,
            "expected an object { now?, previous?, requestedScope? }",
        )?
    };
    let options = ParseOptions {
        previous: options.previous,
        requested_scope: options.requested_scope,
    };
    let now = instant(now)?;
    client::parse_token_response(
        &config,
        &TokenResponse {
            status: status as u16,
            headers: &headers.0,
            body,
        },
        &options,
        now,
    )
}

/// `{ iat, exp }` (seconds) of a JWT access token, read WITHOUT verifying it (untrusted; for
/// clock-skew estimation only), or `null` when it is not a JWT. The token crosses as UTF-8
/// bytes (see [`frames`] for why).
#[wasm_bindgen(js_name = clientUnverifiedJwtTimes, skip_typescript)]
pub fn unverified_jwt_times(token: &[u8]) -> String {
    text(Ok(utf8(token).and_then(client::unverified_jwt_times)))
}

/// A token given as bytes (see [`frames`]) as text; `None` when the bytes are not UTF-8
/// (`TextEncoder` always writes UTF-8).
pub(super) fn utf8(token: &[u8]) -> Option<&str> {
    std::str::from_utf8(token).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_json_texts_and_keep_the_body_whole() {
        let (parts, rest) = frames::<2>(b"{\"a\":1}\nnull\nbody\nwith lines\n").unwrap();
        assert_eq!(parts, [&b"{\"a\":1}"[..], b"null"]);
        assert_eq!(rest, b"body\nwith lines\n");
        let (parts, rest) = frames::<1>(b"\n").unwrap();
        assert_eq!((parts, rest), ([&b""[..]], &b""[..]));
        assert!(frames::<2>(b"{}\n{}").is_err());
    }

    #[test]
    fn headers_from_object_pairs_and_null() {
        let h: Headers = serde_json::from_str(r#"{"Retry-After":3,"X-A":"b"}"#).unwrap();
        assert_eq!(
            h.0,
            vec![
                ("retry-after".into(), "3".into()),
                ("x-a".into(), "b".into())
            ]
        );
        let h: Headers = serde_json::from_str(r#"[["RETRY-AFTER","3"]]"#).unwrap();
        assert_eq!(h.0, vec![("retry-after".into(), "3".into())]);
        let h: Headers = serde_json::from_str("null").unwrap();
        assert!(h.0.is_empty());
        assert!(serde_json::from_str::<Headers>(r#"{"a":null}"#).is_err());
        assert!(serde_json::from_str::<Headers>(r#"[["a",1]]"#).is_err());
        assert!(serde_json::from_str::<Headers>(r#""a""#).is_err());
    }
}
