//! JS bindings for `crate::schedule`: `nextRefreshAt`, `backoffDelay`, `estimateClockSkew`,
//! `peekTokenTimes` and the `RenewalMachine` class.

use super::{bad_argument, get, now_or_clock, random_bytes, to_js, to_js_error};
use crate::error::{ErrorKind, RotorError};
use crate::schedule::{
    Action, BackoffOptions, Input, Policy, RefreshOptions, RenewalMachine as CoreMachine,
    SkewInputs, TokenTimes, backoff_delay, estimate_clock_skew, next_refresh_at,
    unverified_expires_at,
};
use wasm_bindgen::prelude::*;

/// An optional number property; present but not a number is `invalid_argument`.
fn number(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad_argument(key, "expected a number")),
    }
}

fn string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| bad_argument(key, "expected a string")),
    }
}

/// The instants of a JS `TokenSet` (the token values are only peeked for a JWT `exp`).
fn token_times(token_set: &JsValue) -> Result<TokenTimes, JsValue> {
    if !token_set.is_object() {
        return Err(bad_argument("tokenSet", "expected a TokenSet object"));
    }
    let access_exp_seconds = string(token_set, "accessToken")?
        .as_deref()
        .and_then(unverified_expires_at);
    let times = TokenTimes {
        expires_at: number(token_set, "expiresAt")?,
        refresh_expires_at: number(token_set, "refreshExpiresAt")?,
        received_at: number(token_set, "receivedAt")?,
        access_exp_seconds,
        has_refresh_token: string(token_set, "refreshToken")?.is_some_and(|t| !t.is_empty()),
    };
    times.validate().map_err(to_js_error)?;
    Ok(times)
}

/// A jitter from options, else drawn from `crypto.getRandomValues`.
fn jitter_or_random(value: Option<f64>) -> Result<f64, JsValue> {
    match value {
        Some(j) => Ok(j),
        None => {
            let bytes = random_bytes::<4>()?;
            Ok(f64::from(u32::from_le_bytes(bytes)) / 4_294_967_296.0)
        }
    }
}

/// `nextRefreshAt(tokenSet, { now?, leadSeconds?, jitter?, skewMs? }) -> number | null`.
///
/// `jitter` defaults to 0 here (deterministic); see `crate::schedule::timing` for the formula.
#[wasm_bindgen(js_name = nextRefreshAt)]
pub fn next_refresh_at_js(token_set: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let times = token_times(&token_set)?;
    let now = now_or_clock(number(&options, "now")?)?;
    let opts = RefreshOptions {
        lead_seconds: number(&options, "leadSeconds")?,
        jitter: number(&options, "jitter")?.unwrap_or(0.0),
        skew_ms: number(&options, "skewMs")?.unwrap_or(0.0),
    };
    let at = next_refresh_at(&times, now, &opts).map_err(to_js_error)?;
    Ok(at.map_or(JsValue::NULL, JsValue::from_f64))
}

fn backoff_options(options: &JsValue) -> Result<BackoffOptions, JsValue> {
    let d = BackoffOptions::default();
    Ok(BackoffOptions {
        base_ms: number(options, "baseMs")?.unwrap_or(d.base_ms),
        cap_ms: number(options, "capMs")?.unwrap_or(d.cap_ms),
        jitter: number(options, "jitter")?.unwrap_or(0.0),
        retry_after_ms: number(options, "retryAfter")?,
    })
}

/// `backoffDelay(attempt, { baseMs?, capMs?, jitter?, retryAfter? }) -> number` (ms).
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay_js(attempt: JsValue, options: JsValue) -> Result<f64, JsValue> {
    let attempt = attempt
        .as_f64()
        .ok_or_else(|| bad_argument("attempt", "expected a number"))?;
    backoff_delay(attempt, &backoff_options(&options)?).map_err(to_js_error)
}

/// `estimateClockSkew({ date?, accessToken?, now?, requestSentAt? }) -> number`: server
/// minus local, in ms (RFC 9110 §6.6.1 `Date`, RFC 7519 §4.1.6 `iat`).
#[wasm_bindgen(js_name = estimateClockSkew)]
pub fn estimate_clock_skew_js(options: JsValue) -> Result<f64, JsValue> {
    let date = string(&options, "date")?;
    let access_token = string(&options, "accessToken")?;
    let now = now_or_clock(number(&options, "now")?)?;
    estimate_clock_skew(&SkewInputs {
        date: date.as_deref(),
        access_token: access_token.as_deref(),
        now,
        request_sent_at: number(&options, "requestSentAt")?,
    })
    .map_err(to_js_error)
}

fn policy(options: &JsValue) -> Result<Policy, JsValue> {
    let policy = Policy {
        lead_seconds: number(options, "leadSeconds")?,
        backoff: backoff_options(options)?,
    };
    policy.validate().map_err(to_js_error)?;
    Ok(policy)
}

fn error_kind(name: &str) -> Result<ErrorKind, JsValue> {
    Ok(match name {
        "reauthenticate" => ErrorKind::Reauthenticate,
        "retry" => ErrorKind::Retry,
        "config" => ErrorKind::Config,
        "scope" => ErrorKind::Scope,
        "protocol" => ErrorKind::Protocol,
        _ => return Err(bad_argument("kind", "unknown error kind")),
    })
}

/// The renewal state machine (`crate::schedule::machine`) for JS drivers.
///
/// `new RenewalMachine(policy?)`; `step(input, { now?, jitter? })` returns an array of
/// actions: `{ type: "send-refresh" }`, `{ type: "wake-at", at }`, `{ type: "cancel-timer" }`,
/// `{ type: "drop-tokens" }`, `{ type: "emit", event: { type, ...detail } }`.
/// Inputs: `{ type: "tick" | "wake-up" | "demand" | "token-rejected" | "online" | "offline" |
/// "cleared" }`,
/// `{ type: "tokens-stored", tokenSet }`, `{ type: "refresh-succeeded", tokenSet }`,
/// `{ type: "refresh-failed", error }` (an `OAuthError`/`RotorError`: `kind`, `code`,
/// `retryAfter`), `{ type: "network-failed" }`, `{ type: "session-ended", code? }`.
#[wasm_bindgen(js_name = RenewalMachine)]
pub struct RenewalMachineJs {
    inner: CoreMachine,
}

#[wasm_bindgen(js_class = RenewalMachine)]
impl RenewalMachineJs {
    /// `new RenewalMachine({ leadSeconds?, baseMs?, capMs? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(policy_options: JsValue) -> Result<RenewalMachineJs, JsValue> {
        Ok(RenewalMachineJs {
            inner: CoreMachine::new(policy(&policy_options)?).map_err(to_js_error)?,
        })
    }

    /// `"idle" | "scheduled" | "refreshing" | "retry-wait" | "needs-reauthentication"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.inner.state().as_str().to_owned()
    }

    /// The planned refresh instant (ms) or null.
    #[wasm_bindgen(getter, js_name = refreshAt)]
    pub fn refresh_at(&self) -> Option<f64> {
        self.inner.refresh_at()
    }

    /// The next retry instant (ms) or null.
    #[wasm_bindgen(getter, js_name = retryAt)]
    pub fn retry_at(&self) -> Option<f64> {
        self.inner.retry_at()
    }

    /// Transient failures in a row.
    #[wasm_bindgen(getter)]
    pub fn failures(&self) -> u32 {
        self.inner.failures()
    }

    /// Sets the clock skew (server − local, ms) for later schedules.
    #[wasm_bindgen(js_name = setSkew)]
    pub fn set_skew(&mut self, skew_ms: f64) -> Result<(), JsValue> {
        self.inner.set_skew_ms(skew_ms).map_err(to_js_error)
    }

    /// Whether the planned refresh or retry time has come (`now` defaults to `Date.now()`).
    #[wasm_bindgen(js_name = isDue)]
    pub fn is_due(&self, now: Option<f64>) -> Result<bool, JsValue> {
        Ok(self.inner.is_due(now_or_clock(now)?))
    }

    /// Feeds one input; returns the actions to carry out, in order.
    pub fn step(&mut self, input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let kind =
            string(&input, "type")?.ok_or_else(|| bad_argument("input", "expected { type }"))?;
        let input = match kind.as_str() {
            "tick" => Input::Tick,
            "wake-up" => Input::WakeUp,
            "demand" => Input::Demand,
            "token-rejected" => Input::AccessTokenRejected,
            "online" => Input::Online,
            "offline" => Input::Offline,
            "cleared" => Input::Cleared,
            "network-failed" => Input::NetworkFailed,
            "tokens-stored" => Input::TokensStored(token_times(
                &get(&input, "tokenSet").unwrap_or(JsValue::UNDEFINED),
            )?),
            "refresh-succeeded" => {
                let token_set = get(&input, "tokenSet").unwrap_or(JsValue::UNDEFINED);
                let rotated = get(&token_set, "rotated").is_some_and(|v| v.is_truthy());
                Input::RefreshSucceeded {
                    tokens: token_times(&token_set)?,
                    rotated,
                }
            }
            "session-ended" => Input::SessionEnded {
                code: string(&input, "code")?.unwrap_or_else(|| "session_ended".into()),
            },
            "refresh-failed" => {
                let error = get(&input, "error").unwrap_or(JsValue::UNDEFINED);
                let kind = string(&error, "kind")?.unwrap_or_else(|| "retry".into());
                let code = string(&error, "code")?.unwrap_or_else(|| "unknown_error".into());
                Input::RefreshFailed {
                    kind: error_kind(&kind)?,
                    code,
                    retry_after_ms: number(&error, "retryAfter")?,
                }
            }
            _ => {
                return Err(to_js_error(RotorError::argument(
                    "input.type is not a RenewalMachine input",
                )));
            }
        };
        let now = now_or_clock(number(&options, "now")?)?;
        let jitter = jitter_or_random(number(&options, "jitter")?)?;
        let actions: Vec<Action> = self.inner.step(input, now, jitter).map_err(to_js_error)?;
        to_js(&actions)
    }
}
