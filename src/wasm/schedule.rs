//! JS bindings for `crate::schedule`: `nextRefreshAt`, `backoffDelay`, `estimateClockSkew`
//! and the `RenewalMachine` class (re-exported as they are by pkg/lib/schedule.js).
//!
//! Scheduling runs once per renewal, not per request: its option objects and the machine's
//! inputs are read member by member (`super::options`); each action, event and answer is
//! made by one call of `renewalValue` (pkg/lib/shapes.js) with its kind as a number and its
//! fields as arguments, so the names live in JS only (serde-wasm-bindgen's serializer,
//! measured: 3.0 KB of the gzipped browser module, is not linked).

use super::now_or_clock;
use super::options::{Fields, Shape};
use super::{argument, js, random};
use crate::error::ErrorKind;
use crate::schedule::machine::{Action, Answer, DEFAULT_MAX_DEMAND_WAIT_MS, Event};
use crate::schedule::{
    BackoffOptions, Input, Policy, RefreshOptions, RenewalMachine as Machine, SkewInputs,
    TokenTimes, backoff_delay, estimate_clock_skew, next_refresh_at, unverified_expires_at,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "../lib/shapes.js")]
extern "C" {
    /// `{ type, ...fields }` of the machine's value number `kind` (pkg/lib/shapes.js lists the
    /// names), its fields from `a`, `b`, `c`, `d` in order (`null` for absent ones).
    #[wasm_bindgen(js_name = renewalValue)]
    fn renewal_value(kind: u8, a: JsValue, b: JsValue, c: JsValue, d: JsValue) -> JsValue;
}

/// A number, or `null`.
fn number(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

/// One `renewalValue` with fewer fields.
fn value(kind: u8, a: JsValue) -> JsValue {
    renewal_value(kind, a, JsValue::NULL, JsValue::NULL, JsValue::NULL)
}

/// An event (`emit`'s `event`): kinds 6-11 of pkg/lib/shapes.js.
fn event_value(event: &Event) -> JsValue {
    let text = |s: &str| JsValue::from_str(s);
    match event {
        Event::Renewed { expires_at } => value(6, number(*expires_at)),
        Event::Rotated => value(7, JsValue::NULL),
        Event::Retrying {
            attempt,
            delay_ms,
            retry_at,
            code,
        } => renewal_value(
            8,
            JsValue::from(*attempt),
            JsValue::from(*delay_ms),
            JsValue::from(*retry_at),
            text(code),
        ),
        Event::Reauthenticate { code } => value(9, text(code)),
        Event::Error { code, kind } => {
            renewal_value(10, text(code), text(kind), JsValue::NULL, JsValue::NULL)
        }
        Event::RefreshExpiring { refresh_expires_at } => {
            value(11, JsValue::from(*refresh_expires_at))
        }
    }
}

/// The actions of one step as a JS array: kinds 0-5 of pkg/lib/shapes.js.
fn actions_value(actions: &[Action]) -> JsValue {
    let out = js_sys::Array::new();
    for action in actions {
        out.push(&match action {
            Action::SendRefresh => value(0, JsValue::NULL),
            Action::WakeAt { at } => value(1, JsValue::from(*at)),
            Action::CancelTimer => value(2, JsValue::NULL),
            Action::DropTokens => value(3, JsValue::NULL),
            Action::Emit { event } => value(4, event_value(event)),
            Action::AdoptTokens => value(5, JsValue::NULL),
        });
    }
    out.into()
}

/// An answer to a demand: kinds 12-17 of pkg/lib/shapes.js.
fn answer_value(answer: Answer) -> JsValue {
    match answer {
        Answer::Use => value(12, JsValue::NULL),
        Answer::Wait => value(13, JsValue::NULL),
        Answer::WaitUntil { at } => value(14, JsValue::from(at)),
        Answer::RetryLater { retry_at } => value(15, number(retry_at)),
        Answer::Expired => value(16, JsValue::NULL),
        Answer::NoSession => value(17, JsValue::NULL),
    }
}

const REFRESH: Shape = Shape {
    what: "nextRefreshAt options",
    keys: &["now", "leadSeconds", "jitter", "skewMs"],
    config: false,
};

const BACKOFF: Shape = Shape {
    what: "backoffDelay options",
    keys: &["baseMs", "capMs", "jitter", "retryAfter"],
    config: false,
};

const SKEW: Shape = Shape {
    what: "estimateClockSkew",
    keys: &["date", "accessToken", "now", "requestSentAt"],
    config: false,
};

const ANSWER: Shape = Shape {
    what: "answer options",
    keys: &["now", "rejectedToken"],
    config: false,
};

const POLICY: Shape = Shape {
    what: "policy",
    keys: &[
        "leadSeconds",
        "baseMs",
        "capMs",
        "jitter",
        "retryAfter",
        "maxDemandWaitMs",
    ],
    config: false,
};

/// The members of an options argument that may be omitted (undefined/null: none).
fn optional(shape: Shape, value: &JsValue) -> Result<Option<Fields<'_>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        shape.fields(value).map(Some)
    }
}

/// Member `name` of optional fields.
fn member<T: super::options::Member>(
    o: &Option<Fields<'_>>,
    name: &str,
) -> Result<Option<T>, JsValue> {
    o.as_ref().map_or(Ok(None), |o| o.get(name))
}

/// `now` of optional fields, else `Date.now()`.
fn now_of(o: &Option<Fields<'_>>) -> Result<f64, JsValue> {
    now_or_clock(&o.as_ref().map_or(JsValue::UNDEFINED, |o| o.raw("now")))
}

/// Member `name` of a `TokenSet`: a number, or `None` for undefined/null.
#[inline(never)]
fn number_member(token_set: &JsValue, name: &str) -> Result<Option<f64>, JsValue> {
    let v = get(token_set, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| argument(&[name, ": expected a number"].concat()))
}

/// The instants of a `TokenSet` (only `expiresAt`, `refreshExpiresAt`, `receivedAt`,
/// `accessToken` — peeked for a JWT `exp` — and whether it has a `refreshToken`).
fn token_times(token_set: &JsValue) -> Result<TokenTimes, JsValue> {
    if !Shape::is_object(token_set) {
        return Err(argument("tokenSet: expected a TokenSet object"));
    }
    let number = |name: &str| number_member(token_set, name);
    let access_token = get(token_set, "accessToken").as_string();
    let refresh_token = get(token_set, "refreshToken");
    let times = TokenTimes {
        expires_at: number("expiresAt")?,
        refresh_expires_at: number("refreshExpiresAt")?,
        received_at: number("receivedAt")?,
        access_exp_seconds: access_token.as_deref().and_then(unverified_expires_at),
        has_refresh_token: refresh_token.as_string().is_some_and(|t| !t.is_empty()),
    };
    js(times.validate())?;
    Ok(times)
}

/// When to start refreshing `tokenSet` (ms since the epoch), or `null` when nothing expires.
/// `options`: `{ now?, leadSeconds?, jitter?, skewMs? }`.
#[wasm_bindgen(js_name = nextRefreshAt)]
pub fn next_refresh_at_js(token_set: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let times = token_times(&token_set)?;
    let o = optional(REFRESH, &options)?;
    let now = now_of(&o)?;
    let options = RefreshOptions {
        lead_seconds: member(&o, "leadSeconds")?,
        jitter: member(&o, "jitter")?.unwrap_or(0.0),
        skew_ms: member(&o, "skewMs")?.unwrap_or(0.0),
    };
    Ok(js(next_refresh_at(&times, now, &options))?.map_or(JsValue::NULL, JsValue::from))
}

fn backoff(o: &Option<Fields<'_>>) -> Result<BackoffOptions, JsValue> {
    let d = BackoffOptions::default();
    Ok(BackoffOptions {
        base_ms: member(o, "baseMs")?.unwrap_or(d.base_ms),
        cap_ms: member(o, "capMs")?.unwrap_or(d.cap_ms),
        jitter: member(o, "jitter")?.unwrap_or(0.0),
        retry_after_ms: member(o, "retryAfter")?,
    })
}

/// The delay (ms) before retry number `attempt` (from 0): `{ baseMs?, capMs?, jitter?,
/// retryAfter? }`.
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay_js(attempt: JsValue, options: JsValue) -> Result<f64, JsValue> {
    let attempt = attempt
        .as_f64()
        .ok_or_else(|| argument("attempt: expected a number"))?;
    let o = optional(BACKOFF, &options)?;
    js(backoff_delay(attempt, &backoff(&o)?))
}

/// Server clock minus local clock (ms) from a `Date` header (RFC 9110 §6.6.1) and a JWT access
/// token's `iat` (RFC 7519 §4.1.6): `{ date?, accessToken?, now?, requestSentAt? }`.
#[wasm_bindgen(js_name = estimateClockSkew)]
pub fn estimate_clock_skew_js(inputs: JsValue) -> Result<f64, JsValue> {
    let o = optional(SKEW, &inputs)?;
    let date: Option<String> = member(&o, "date")?;
    let access_token: Option<String> = member(&o, "accessToken")?;
    let now = now_of(&o)?;
    js(estimate_clock_skew(&SkewInputs {
        date: date.as_deref(),
        access_token: access_token.as_deref(),
        now,
        request_sent_at: member(&o, "requestSentAt")?,
    }))
}

/// Member `name` of `object`: undefined when it has none or reading it throws (one call site
/// for every member the schedule reads).
#[inline(never)]
fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or_default()
}

/// Member `name` of an object as a string (`None` for anything else, or no object).
fn string_member(object: &JsValue, name: &str) -> Option<String> {
    if object.is_object() {
        get(object, name).as_string()
    } else {
        None
    }
}

/// `current`'s times (`None` for undefined/null) and whether its `accessToken` is `rejectedToken`
/// (from `{ now?, rejectedToken? }`), with `now`.
fn demand_of(
    current: &JsValue,
    options: &JsValue,
) -> Result<(Option<TokenTimes>, bool, f64), JsValue> {
    let o = optional(ANSWER, options)?;
    let rejected_token: Option<String> = member(&o, "rejectedToken")?;
    let times = if current.is_undefined() || current.is_null() {
        None
    } else {
        Some(token_times(current)?)
    };
    let rejected =
        rejected_token.is_some() && rejected_token == string_member(current, "accessToken");
    Ok((times, rejected, now_of(&o)?))
}

fn error_kind(name: &str) -> Result<ErrorKind, JsValue> {
    Ok(match name {
        "reauthenticate" => ErrorKind::Reauthenticate,
        "retry" => ErrorKind::Retry,
        "config" => ErrorKind::Config,
        "scope" => ErrorKind::Scope,
        "protocol" => ErrorKind::Protocol,
        _ => return Err(argument("kind: unknown error kind")),
    })
}

/// The sans-IO renewal state machine (`crate::schedule::machine`) shared by `TokenManager`
/// and `rotor/sw`: `new RenewalMachine({ leadSeconds?, baseMs?, capMs? })`, then
/// `step(input, { now?, jitter? })` returns the actions to carry out, in order.
#[wasm_bindgen]
pub struct RenewalMachine {
    inner: Machine,
}

#[wasm_bindgen]
impl RenewalMachine {
    /// A machine with this policy (`jitter` and `retryAfter` are only checked, as backoff
    /// options would be).
    #[wasm_bindgen(constructor)]
    pub fn new(policy: JsValue) -> Result<RenewalMachine, JsValue> {
        let o = optional(POLICY, &policy)?;
        let policy = Policy {
            lead_seconds: member(&o, "leadSeconds")?,
            backoff: backoff(&o)?,
            max_demand_wait_ms: member(&o, "maxDemandWaitMs")?
                .unwrap_or(DEFAULT_MAX_DEMAND_WAIT_MS),
        };
        Ok(RenewalMachine {
            inner: js(Machine::new(policy))?,
        })
    }

    /// `"idle" | "scheduled" | "refreshing" | "retry-wait" | "needs-reauthentication"`.
    #[wasm_bindgen(getter, unchecked_return_type = "string")]
    pub fn state(&self) -> JsValue {
        JsValue::from_str(self.inner.state().as_str())
    }

    /// The planned refresh instant (ms), if any.
    #[wasm_bindgen(getter, js_name = refreshAt)]
    pub fn refresh_at(&self) -> Option<f64> {
        self.inner.refresh_at()
    }

    /// The next retry instant (ms), if any.
    #[wasm_bindgen(getter, js_name = retryAt)]
    pub fn retry_at(&self) -> Option<f64> {
        self.inner.retry_at()
    }

    /// Transient failures in a row.
    #[wasm_bindgen(getter)]
    pub fn failures(&self) -> u32 {
        self.inner.failures()
    }

    /// Sets the clock skew (server minus local, ms) for later schedules.
    #[wasm_bindgen(js_name = setSkew)]
    pub fn set_skew(&mut self, skew_ms: JsValue) -> Result<(), JsValue> {
        let skew = skew_ms
            .as_f64()
            .ok_or_else(|| argument("skewMs: expected a number"))?;
        js(self.inner.set_skew_ms(skew))
    }

    /// Whether the planned refresh or retry time has come (`now` defaults to `Date.now()`).
    #[wasm_bindgen(js_name = isDue)]
    pub fn is_due(&self, now: JsValue) -> Result<bool, JsValue> {
        Ok(self.inner.is_due(now_or_clock(&now)?))
    }

    /// Whether `tokenSet`'s access token can be handed out: not the `rejectedToken` and not
    /// past its effective expiry (skew applied). `options`: `{ now?, rejectedToken? }`.
    pub fn usable(&self, token_set: JsValue, options: JsValue) -> Result<bool, JsValue> {
        let (times, rejected, now) = demand_of(&token_set, &options)?;
        Ok(self.inner.usable(times.as_ref(), rejected, now))
    }

    /// What a demand should do with the driver's current `tokenSet` (or null): `{ type:
    /// "use" | "wait" | "wait-until" (at) | "retry-later" (retryAt) | "expired" | "no-session" }`.
    /// `options`: `{ now?, rejectedToken? }`.
    pub fn answer(&self, token_set: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let (times, rejected, now) = demand_of(&token_set, &options)?;
        Ok(answer_value(js(self.inner.answer(
            times.as_ref(),
            rejected,
            now,
        ))?))
    }

    /// Feeds one input (`{ type, tokenSet?, current?, error?, code? }`); returns the actions
    /// to carry out, in order. `options`: `{ now?, jitter? }`; without `jitter` one is drawn from
    /// `crypto.getRandomValues`.
    pub fn step(&mut self, input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        if !Shape::is_object(&input) {
            return Err(argument("input: expected { type }"));
        }
        let field = |name: &str| get(&input, name);
        let kind = field("type")
            .as_string()
            .ok_or_else(|| argument("input: expected { type }"))?;
        let input = match kind.as_str() {
            "tick" => Input::Tick,
            "wake-up" => Input::WakeUp,
            "demand" => Input::Demand,
            // With `rejectedToken` and `current`: a rejection of a token that is no longer
            // the current one (renewed meanwhile) is only a demand.
            "token-rejected" => match string_member(&input, "rejectedToken") {
                Some(t) if string_member(&field("current"), "accessToken").as_ref() != Some(&t) => {
                    Input::Demand
                }
                _ => Input::AccessTokenRejected,
            },
            "online" => Input::Online,
            "offline" => Input::Offline,
            "cleared" => Input::Cleared,
            "network-failed" => Input::NetworkFailed,
            "tokens-stored" => Input::TokensStored(token_times(&field("tokenSet"))?),
            "tokens-seen" => {
                let (seen, current) = (field("tokenSet"), field("current"));
                let changed =
                    |name: &str| string_member(&seen, name) != string_member(&current, name);
                Input::TokensSeen {
                    tokens: token_times(&seen)?,
                    refresh_token_changed: changed("refreshToken"),
                    access_token_changed: changed("accessToken"),
                }
            }
            "refresh-succeeded" => {
                let token_set = field("tokenSet");
                let tokens = token_times(&token_set)?;
                let rotated = get(&token_set, "rotated").is_truthy();
                Input::RefreshSucceeded { tokens, rotated }
            }
            "session-ended" => Input::SessionEnded {
                code: field("code")
                    .as_string()
                    .unwrap_or_else(|| "session_ended".into()),
            },
            "refresh-failed" => {
                let error = field("error");
                let member = |name: &str| {
                    if error.is_object() {
                        get(&error, name)
                    } else {
                        JsValue::UNDEFINED
                    }
                };
                let retry_after = member("retryAfter");
                Input::RefreshFailed {
                    kind: error_kind(member("kind").as_string().as_deref().unwrap_or("retry"))?,
                    code: member("code")
                        .as_string()
                        .unwrap_or_else(|| "unknown_error".into()),
                    retry_after_ms: retry_after.as_f64(),
                }
            }
            _ => return Err(argument("input.type is not a RenewalMachine input")),
        };
        let o = if options.is_undefined() || options.is_null() {
            None
        } else {
            Some(
                Shape {
                    what: "step options",
                    keys: &["now", "jitter"],
                    config: false,
                }
                .fields(&options)?,
            )
        };
        let now = now_of(&o)?;
        let jitter = match member::<f64>(&o, "jitter")? {
            Some(j) => j,
            None => f64::from(u32::from_le_bytes(random::<4>()?)) / 4_294_967_296.0,
        };
        Ok(actions_value(&js(self.inner.step(input, now, jitter))?))
    }
}
