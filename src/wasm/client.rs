//! JS bindings for `crate::client`: the `ClientHandle` class behind `createClient`,
//! `buildRefreshRequest`, `parseTokenResponse` (pkg/lib/client.js) and `unverifiedJwtTimes`.
//!
//! The configuration is read and checked once, by the constructor; each call then passes only
//! the refresh token, scope and `now` (build) or the status, the `Retry-After` value, the body
//! bytes and the few members of `previous` that are read (parse), typed as wasm-bindgen passes them;
//! pkg/lib/client.js takes them out of the caller's objects and checks their JS types (which
//! wasm-bindgen would otherwise coerce).

use super::options::Shape;
use super::{argument, instant, js, random};
use crate::client::{
    self, ClientAuth, ClientConfig, ClientOptions, ParseOptions, PreviousTokens, RefreshParams,
    TokenResponse, TokenSet,
};
use crate::secret::Secret;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "../lib/shapes.js")]
extern "C" {
    /// Builds a `TokenSet` from `text` (access token, token type, then the optional refresh
    /// token, scope and ID token, concatenated) cut at the UTF-16 offsets given (`-1`: absent).
    #[wasm_bindgen(js_name = tokenSet)]
    #[allow(clippy::too_many_arguments)]
    fn token_set(
        text: &str,
        access_end: i32,
        type_end: i32,
        refresh_end: i32,
        scope_end: i32,
        id_end: i32,
        expires_at: Option<f64>,
        refresh_expires_at: Option<f64>,
        rotated: bool,
        received_at: f64,
    ) -> JsValue;
}

const CLIENT: Shape = Shape {
    what: "client",
    keys: &[
        "tokenEndpoint",
        "clientId",
        "clientSecret",
        "authMethod",
        "dialect",
        "grantedScope",
        "revocationEndpoint",
    ],
    config: true,
};

/// A checked client configuration (RFC 6749 §2, §3.2) kept in wasm memory.
#[wasm_bindgen]
pub struct ClientHandle {
    config: ClientConfig,
    /// The request headers, which depend on the configuration only (`accept`,
    /// `content-type`, and `authorization` for `client_secret_basic`).
    headers: Vec<(&'static str, String)>,
}

#[wasm_bindgen]
impl ClientHandle {
    /// Reads and checks a `ClientConfig` object (`invalid_config`).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<ClientHandle, JsValue> {
        let o = CLIENT.fields(&config)?;
        let options = ClientOptions {
            token_endpoint: o.require("tokenEndpoint")?,
            client_id: o.require("clientId")?,
            client_secret: o.get::<String>("clientSecret")?.map(Secret::new),
            auth_method: o.get("authMethod")?,
            dialect: o.get("dialect")?,
            granted_scope: o.get("grantedScope")?,
            revocation_endpoint: o.get("revocationEndpoint")?,
        };
        let config = js(ClientConfig::from_options(options))?;
        // The headers do not depend on the token or the time: built once.
        let headers = client::refresh_request_headers(&config);
        Ok(ClientHandle { config, headers })
    }

    /// The request headers as a fresh plain object (lower-case names): those of a refresh
    /// request, or with `revocation` those of a revocation request (RFC 7009 §2.1).
    pub fn headers(&self, revocation: bool) -> js_sys::Object {
        let object = js_sys::Object::new();
        let revocation_headers;
        let headers = if revocation {
            revocation_headers = client::revocation_request_headers(&self.config);
            &revocation_headers
        } else {
            &self.headers
        };
        for (name, value) in headers {
            let _ = js_sys::Reflect::set(&object, &(*name).into(), &value.into());
        }
        object
    }

    /// The body of a revocation request (RFC 7009 §2.1) for `token` (`token_type_hint` as
    /// given) at `now` (ms; used by `client_secret_jwt`), with the `private_key_jwt`
    /// `client_assertion` the caller signed.
    pub fn revocation(
        &self,
        token: &str,
        token_type_hint: Option<String>,
        now: f64,
        client_assertion: Option<String>,
    ) -> Result<String, JsValue> {
        let now = instant(now)?;
        let entropy = match self.config.auth() {
            ClientAuth::SecretJwt(_) => random::<16>()?,
            _ => [0; 16],
        };
        js(client::revocation_request_body_signed(
            &self.config,
            token,
            token_type_hint.as_deref(),
            now,
            &entropy,
            client_assertion.as_deref(),
        ))
    }

    /// The body of the refresh-token request (RFC 6749 §6) for the refresh token in the first
    /// `refresh_token_len` bytes of the input buffer (UTF-8, written there by
    /// pkg/lib/client.js), `scope` (`None` keeps the granted one) and `extra_params` (an object
    /// of string values, or undefined/null) at `now` (ms), with the `private_key_jwt`
    /// `client_assertion` the caller signed (pkg/lib/dpop.js).
    pub fn body(
        &self,
        refresh_token_len: usize,
        scope: Option<String>,
        extra_params: JsValue,
        now: f64,
        client_assertion: Option<String>,
    ) -> Result<String, JsValue> {
        let refresh_token = super::with_input(refresh_token_len, |bytes| {
            core::str::from_utf8(bytes)
                .map(Secret::new)
                .map_err(|_| argument("refreshToken is not valid text"))
        })?;
        let params = RefreshParams {
            refresh_token,
            scope,
            extra_params: extra(&extra_params)?,
        };
        let now = instant(now)?;
        let entropy = match self.config.auth() {
            ClientAuth::SecretJwt(_) => random::<16>()?,
            _ => [0; 16],
        };
        // The body only: the URL and the headers are the handle's (no `RefreshRequest`).
        js(client::refresh_request_body_signed(
            &self.config,
            &params,
            now,
            &entropy,
            client_assertion.as_deref(),
        ))
    }

    /// Reads the token endpoint's answer (RFC 6749 §5.1, §5.2) received at `now` (ms), whose
    /// body is the first `body_len` bytes of the input buffer, into a `TokenSet`, or throws the
    /// `OAuthError`/`RotorError`. `retry_after` is the response's `Retry-After` value, the one
    /// header the core reads (pkg/lib/client.js takes it out of a `Headers`, pairs or a plain
    /// object). The members of the token set being refreshed that are read follow the body in
    /// the input buffer, as UTF-8: `previous_refresh_token` bytes of its refresh token, then
    /// `previous_scope` of its scope and `previous_id_token` of its ID token, each `-1` when
    /// absent (written there like the body: no string copy per member).
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        &self,
        status: f64,
        retry_after: Option<String>,
        body_len: usize,
        now: f64,
        previous_refresh_token: i32,
        previous_scope: i32,
        previous_id_token: i32,
        requested_scope: Option<String>,
    ) -> Result<JsValue, JsValue> {
        if !(status.fract() == 0.0 && (100.0..=599.0).contains(&status)) {
            return Err(argument(
                "response.status must be an integer HTTP status (100-599)",
            ));
        }
        let now = instant(now)?;
        let lens = [previous_refresh_token, previous_scope, previous_id_token];
        let total = lens.iter().fold(body_len, |n, &l| {
            n.saturating_add(usize::try_from(l).unwrap_or(0))
        });
        let headers = match retry_after {
            Some(value) => vec![("retry-after".to_owned(), value)],
            None => Vec::new(),
        };
        let set =
            super::with_input(total, |input| {
                let (body, mut rest) = input.split_at(body_len);
                // The members of `previous` after the body, in order; `None` when absent.
                let mut members: [Option<String>; 3] = Default::default();
                for (member, &len) in members.iter_mut().zip(&lens) {
                    let Ok(len) = usize::try_from(len) else {
                        continue;
                    };
                    let (text, tail) = rest.split_at(len);
                    rest = tail;
                    let text = core::str::from_utf8(text)
                        .map_err(|_| argument("previous: a member is not valid text"))?;
                    *member = Some(text.to_owned());
                }
                let [refresh_token, scope, id_token] = members;
                let previous = (refresh_token.is_some() || scope.is_some() || id_token.is_some())
                    .then(|| PreviousTokens {
                        refresh_token: refresh_token.map(Secret::new),
                        scope,
                        id_token: id_token.map(Secret::new),
                    });
                let options = ParseOptions {
                    previous,
                    requested_scope,
                };
                let response = TokenResponse {
                    status: status as u16,
                    headers: &headers,
                    body,
                };
                js(client::parse_token_response(
                    &self.config,
                    &response,
                    &options,
                    now,
                ))
            })?;
        Ok(token_set_value(&set))
    }
}

/// `extraParams` (RFC 8707 `resource` and the like): an object of string values, in order.
#[inline(never)]
fn extra(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Shape::is_object(value) {
        return Err(argument("extraParams: expected an object of string values"));
    }
    // Own enumerable string keys in order, as `Object.entries` lists them, each value read with
    // the `Reflect.get` the option readers use (a getter's exception is thrown as it is).
    let object: &js_sys::Object = value.unchecked_ref();
    let keys = js_sys::Object::keys(object);
    let mut out = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let value = js_sys::Reflect::get(object, &key)?
            .as_string()
            .ok_or_else(|| argument("extraParams: every value must be a string"))?;
        out.push((key.as_string().unwrap_or_default(), value));
    }
    Ok(out)
}

/// UTF-16 length of `s` (what JS's `slice` counts).
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// The `TokenSet` object: the five strings cross as one text (one decode), cut in JS.
#[inline(never)]
fn token_set_value(set: &TokenSet) -> JsValue {
    let parts = [
        Some(set.access_token.expose()),
        Some(set.token_type.as_str()),
        set.refresh_token.as_ref().map(Secret::expose),
        set.scope.as_deref(),
        set.id_token.as_ref().map(Secret::expose),
    ];
    let mut text = String::with_capacity(parts.iter().flatten().map(|p| p.len()).sum());
    let mut ends = [-1i32; 5];
    let mut offset = 0usize;
    for (part, end) in parts.iter().zip(&mut ends) {
        if let Some(part) = part {
            text.push_str(part);
            offset += utf16_len(part);
            *end = i32::try_from(offset).unwrap_or(i32::MAX);
        }
    }
    token_set(
        &text,
        ends[0],
        ends[1],
        ends[2],
        ends[3],
        ends[4],
        set.expires_at,
        set.refresh_expires_at,
        set.rotated,
        set.received_at,
    )
}

/// `{ iat, exp }` (seconds) of a JWT access token, read WITHOUT verifying it (untrusted; for
/// clock-skew estimation only), or `null` when it is not a JWT.
#[wasm_bindgen(js_name = unverifiedJwtTimes)]
pub fn unverified_jwt_times(token: JsValue) -> JsValue {
    let Some(token) = token.as_string() else {
        return JsValue::NULL;
    };
    match client::unverified_jwt_times(&token) {
        None => JsValue::NULL,
        Some(times) => {
            let object = js_sys::Object::new();
            let number = |v: Option<f64>| v.map_or(JsValue::NULL, JsValue::from);
            let _ = js_sys::Reflect::set(&object, &"iat".into(), &number(times.iat));
            let _ = js_sys::Reflect::set(&object, &"exp".into(), &number(times.exp));
            object.into()
        }
    }
}
