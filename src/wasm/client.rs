//! JS bindings for `crate::client`: `buildRefreshRequest`, `parseTokenResponse`,
//! `unverifiedJwtTimes`.

use super::{
    bad_argument, bad_config, from_js, get, now_or_clock, random_bytes, read_headers, to_js,
    to_js_error,
};
use crate::client::{
    self, ClientConfig, ClientOptions, ParseOptions, RefreshParams, TokenResponse,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The keys a `ClientConfig` may have.
const CLIENT_KEYS: &[&str] = &[
    "tokenEndpoint",
    "clientId",
    "clientSecret",
    "authMethod",
    "dialect",
    "grantedScope",
];
/// The keys of `buildRefreshRequest`'s second argument.
const PARAMS_KEYS: &[&str] = &["refreshToken", "scope", "extraParams", "now"];
/// The keys of `parseTokenResponse`'s options.
const OPTIONS_KEYS: &[&str] = &["now", "previous", "requestedScope"];

/// The first own key of `value` not in `allowed` (serde-wasm-bindgen reads structs by field
/// name, so `deny_unknown_fields` alone cannot see extra keys of a JS object).
fn unknown_key(value: &JsValue, allowed: &[&str]) -> Option<String> {
    js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| k.chars().take(40).collect())
}

fn read_config(client: JsValue) -> Result<ClientConfig, JsValue> {
    if !client.is_object() {
        return Err(bad_config("client", "expected a ClientConfig object"));
    }
    if let Some(key) = unknown_key(&client, CLIENT_KEYS) {
        return Err(bad_config(
            "client",
            format!(
                "unknown key \"{key}\" (expected one of {})",
                CLIENT_KEYS.join(", ")
            ),
        ));
    }
    let options: ClientOptions = from_js(client).map_err(|e| bad_config("client", e))?;
    ClientConfig::from_options(options).map_err(to_js_error)
}

/// `buildRefreshRequest(client, { refreshToken, scope?, extraParams?, now? })` — the
/// refresh-token request to send (RFC 6749 §6), as `{ url, method, headers, body }`.
#[wasm_bindgen(js_name = buildRefreshRequest, skip_typescript)]
pub fn build_refresh_request(client: JsValue, params: JsValue) -> Result<JsValue, JsValue> {
    let config = read_config(client)?;
    if !params.is_object() {
        return Err(bad_argument(
            "buildRefreshRequest",
            "the second argument must be an object with refreshToken",
        ));
    }
    if let Some(key) = unknown_key(&params, PARAMS_KEYS) {
        return Err(bad_argument(
            "buildRefreshRequest",
            format!(
                "unknown key \"{key}\" (expected one of {})",
                PARAMS_KEYS.join(", ")
            ),
        ));
    }
    let params: RefreshParams =
        from_js(params).map_err(|e| bad_argument("buildRefreshRequest", e))?;
    let now = now_or_clock(params.now)?;
    let entropy = match config.auth() {
        client::ClientAuth::SecretJwt(_) => random_bytes::<16>()?,
        _ => [0u8; 16],
    };
    let request =
        client::build_refresh_request(&config, &params, now, &entropy).map_err(to_js_error)?;
    to_js(&request)
}

/// `parseTokenResponse(client, { status, headers, body }, { now?, previous?, requestedScope? })`
/// — a `TokenSet` (RFC 6749 §5.1), or a thrown `OAuthError` (§5.2) / `RotorError`.
#[wasm_bindgen(js_name = parseTokenResponse, skip_typescript)]
pub fn parse_token_response(
    client: JsValue,
    response: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let config = read_config(client)?;
    if !response.is_object() {
        return Err(bad_argument(
            "parseTokenResponse",
            "the response must be an object { status, headers, body }",
        ));
    }
    let status = get(&response, "status")
        .and_then(|s| s.as_f64())
        .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
        .ok_or_else(|| {
            bad_argument(
                "response.status",
                "must be an integer HTTP status (100-599)",
            )
        })? as u16;
    let headers = read_headers(&get(&response, "headers").unwrap_or(JsValue::UNDEFINED))?;
    let body = match get(&response, "body") {
        None => Vec::new(),
        Some(b) => {
            if let Some(s) = b.as_string() {
                s.into_bytes()
            } else if let Some(bytes) = b.dyn_ref::<js_sys::Uint8Array>() {
                bytes.to_vec()
            } else if let Some(buf) = b.dyn_ref::<js_sys::ArrayBuffer>() {
                js_sys::Uint8Array::new(buf).to_vec()
            } else {
                return Err(bad_argument(
                    "response.body",
                    "must be a string, a Uint8Array or an ArrayBuffer",
                ));
            }
        }
    };
    let options: ParseOptions = if options.is_undefined() || options.is_null() {
        ParseOptions::default()
    } else {
        if let Some(key) = unknown_key(&options, OPTIONS_KEYS) {
            return Err(bad_argument(
                "parseTokenResponse options",
                format!(
                    "unknown key \"{key}\" (expected one of {})",
                    OPTIONS_KEYS.join(", ")
                ),
            ));
        }
        from_js(options).map_err(|e| bad_argument("parseTokenResponse options", e))?
    };
    let now = now_or_clock(options.now)?;
    let parsed = client::parse_token_response(
        &config,
        &TokenResponse {
            status,
            headers: &headers,
            body: &body,
        },
        &options,
        now,
    )
    .map_err(to_js_error)?;
    to_js(&parsed)
}

/// `unverifiedJwtTimes(token)` — `{ iat, exp }` (seconds) of a JWT access token, read WITHOUT
/// verifying it (untrusted; for clock-skew estimation only), or `null` when not a JWT.
#[wasm_bindgen(js_name = unverifiedJwtTimes, skip_typescript)]
pub fn unverified_jwt_times(token: JsValue) -> Result<JsValue, JsValue> {
    let Some(token) = token.as_string() else {
        return Ok(JsValue::NULL);
    };
    match client::unverified_jwt_times(&token) {
        Some(times) => to_js(&times),
        None => Ok(JsValue::NULL),
    }
}
