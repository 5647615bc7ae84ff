//! JS bindings for `crate::schedule`, called by `pkg/lib/schedule.js` (which holds the public
//! `nextRefreshAt`, `backoffDelay`, `estimateClockSkew` and the `RenewalMachine` class).
//!
//! Every input here is a number, a bool or a string: the JS wrapper reads the few members of
//! its arguments that scheduling uses, checks their JS types, and passes numbers as they are
//! (NaN and infinities included, so that the core refuses them; JSON would turn them into
//! `null`). Results leave as boundary text (`super::result_text`), or as a primitive when
//! nothing can fail.

use super::client::{instant, random, text, utf8};
use super::error_text;
use crate::error::{Error, ErrorKind, RotorError};
use crate::schedule::{
    Action, BackoffOptions, Input, Policy, RefreshOptions, RenewalMachine, SkewInputs, State,
    TokenTimes, backoff_delay, estimate_clock_skew, next_refresh_at, unverified_expires_at,
};
use wasm_bindgen::prelude::*;

/// The instants of a token set (`accessToken`, as UTF-8 bytes, is only peeked for a JWT `exp`;
/// empty when the set has none: a token crosses faster as bytes, see `super::client::frames`). NaN, infinite and negative instants are refused (`invalid_argument`).
fn token_times(
    expires_at: Option<f64>,
    refresh_expires_at: Option<f64>,
    received_at: Option<f64>,
    access_token: &[u8],
    has_refresh_token: bool,
) -> Result<TokenTimes, Error> {
    let times = TokenTimes {
        expires_at,
        refresh_expires_at,
        received_at,
        access_exp_seconds: utf8(access_token).and_then(unverified_expires_at),
        has_refresh_token,
    };
    times.validate()?;
    Ok(times)
}

/// When to start refreshing (ms) a token set with these instants, or `null` when nothing
/// expires (see `crate::schedule::timing`). `jitter` and `skewMs` are 0 when not given.
#[wasm_bindgen(js_name = scheduleNextRefreshAt, skip_typescript)]
#[allow(clippy::too_many_arguments)]
pub fn next_refresh_at_js(
    expires_at: Option<f64>,
    refresh_expires_at: Option<f64>,
    received_at: Option<f64>,
    access_token: &[u8],
    has_refresh_token: bool,
    now: f64,
    lead_seconds: Option<f64>,
    jitter: f64,
    skew_ms: f64,
) -> String {
    text((|| {
        let times = token_times(
            expires_at,
            refresh_expires_at,
            received_at,
            access_token,
            has_refresh_token,
        )?;
        let now = instant(now)?;
        let options = RefreshOptions {
            lead_seconds,
            jitter,
            skew_ms,
        };
        Ok(next_refresh_at(&times, now, &options)?)
    })())
}

fn backoff_options(
    base_ms: Option<f64>,
    cap_ms: Option<f64>,
    jitter: Option<f64>,
    retry_after_ms: Option<f64>,
) -> BackoffOptions {
    let d = BackoffOptions::default();
    BackoffOptions {
        base_ms: base_ms.unwrap_or(d.base_ms),
        cap_ms: cap_ms.unwrap_or(d.cap_ms),
        jitter: jitter.unwrap_or(0.0),
        retry_after_ms,
    }
}

/// The delay (ms) before retry number `attempt` (see `crate::schedule::timing`).
#[wasm_bindgen(js_name = scheduleBackoffDelay, skip_typescript)]
pub fn backoff_delay_js(
    attempt: f64,
    base_ms: Option<f64>,
    cap_ms: Option<f64>,
    jitter: Option<f64>,
    retry_after_ms: Option<f64>,
) -> String {
    text(
        backoff_delay(
            attempt,
            &backoff_options(base_ms, cap_ms, jitter, retry_after_ms),
        )
        .map_err(Error::from),
    )
}

/// Server minus local clock (ms) from a `Date` header (RFC 9110 §6.6.1) and a JWT access
/// token's `iat` (RFC 7519 §4.1.6; UTF-8 bytes, empty when there is none).
#[wasm_bindgen(js_name = scheduleEstimateClockSkew, skip_typescript)]
pub fn estimate_clock_skew_js(
    date: Option<String>,
    access_token: &[u8],
    now: f64,
    request_sent_at: Option<f64>,
) -> String {
    text((|| {
        let now = instant(now)?;
        Ok(estimate_clock_skew(&SkewInputs {
            date: date.as_deref(),
            access_token: utf8(access_token),
            now,
            request_sent_at,
        })?)
    })())
}

fn error_kind(name: &str) -> Result<ErrorKind, Error> {
    Ok(match name {
        "reauthenticate" => ErrorKind::Reauthenticate,
        "retry" => ErrorKind::Retry,
        "config" => ErrorKind::Config,
        "scope" => ErrorKind::Scope,
        "protocol" => ErrorKind::Protocol,
        _ => return Err(RotorError::argument("kind: unknown error kind").into()),
    })
}

/// The renewal state machine (`crate::schedule::machine`) behind the JS `RenewalMachine`
/// class of `pkg/lib/schedule.js`.
#[wasm_bindgen(js_name = RenewalMachineCore)]
pub struct RenewalMachineJs {
    inner: RenewalMachine,
}

/// `STATES` of `pkg/lib/schedule.js` lists the names in this order.
fn state_index(state: State) -> u32 {
    match state {
        State::Idle => 0,
        State::Scheduled => 1,
        State::Refreshing => 2,
        State::RetryWait => 3,
        State::NeedsReauthentication => 4,
    }
}

#[wasm_bindgen(js_class = RenewalMachineCore)]
impl RenewalMachineJs {
    /// A machine with the default policy; [`Self::configure`] sets the caller's.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> RenewalMachineJs {
        RenewalMachineJs {
            inner: RenewalMachine::new(Policy::default()).expect("the default policy is valid"),
        }
    }

    /// Replaces the machine with one of this policy (`jitter` and `retryAfter` are only
    /// checked, as backoff options); `""` or the error as boundary text.
    pub fn configure(
        &mut self,
        lead_seconds: Option<f64>,
        base_ms: Option<f64>,
        cap_ms: Option<f64>,
        jitter: Option<f64>,
        retry_after_ms: Option<f64>,
    ) -> String {
        let policy = Policy {
            lead_seconds,
            backoff: backoff_options(base_ms, cap_ms, jitter, retry_after_ms),
        };
        match RenewalMachine::new(policy) {
            Ok(inner) => {
                self.inner = inner;
                String::new()
            }
            Err(err) => error_text(err),
        }
    }

    /// The state as an index into `STATES` of `pkg/lib/schedule.js` (a number crosses the
    /// boundary for free; a string would be copied and decoded on every read).
    #[wasm_bindgen(getter, js_name = stateIndex)]
    pub fn state_index(&self) -> u32 {
        state_index(self.inner.state())
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

    /// Sets the clock skew (server − local, ms); `""` or the error as boundary text.
    #[wasm_bindgen(js_name = setSkew)]
    pub fn set_skew(&mut self, skew_ms: f64) -> String {
        match self.inner.set_skew_ms(skew_ms) {
            Ok(()) => String::new(),
            Err(err) => error_text(err),
        }
    }

    /// Whether the planned refresh or retry time has come; 2 when `now` is not a finite,
    /// non-negative number (the wrapper throws `invalid_argument`).
    #[wasm_bindgen(js_name = isDue)]
    pub fn is_due(&self, now: f64) -> u32 {
        match instant(now) {
            Ok(now) => u32::from(self.inner.is_due(now)),
            Err(_) => 2,
        }
    }

    /// Feeds one input of type `kind`; returns the actions (JSON array) or the error as
    /// boundary text. The token set's instants are those of `tokens-stored` and
    /// `refresh-succeeded`; `error_kind`, `code` and `retry_after_ms` are the failure's of
    /// `refresh-failed` (`code` also that of `session-ended`). `jitter` is drawn from
    /// `crypto.getRandomValues` when not given.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        kind: &str,
        expires_at: Option<f64>,
        refresh_expires_at: Option<f64>,
        received_at: Option<f64>,
        access_token: &[u8],
        has_refresh_token: bool,
        rotated: bool,
        error_kind_name: Option<String>,
        code: Option<String>,
        retry_after_ms: Option<f64>,
        now: f64,
        jitter: Option<f64>,
    ) -> String {
        let tokens = || {
            token_times(
                expires_at,
                refresh_expires_at,
                received_at,
                access_token,
                has_refresh_token,
            )
        };
        let actions = (|| -> Result<Vec<Action>, Error> {
            let input = match kind {
                "tick" => Input::Tick,
                "wake-up" => Input::WakeUp,
                "demand" => Input::Demand,
                "token-rejected" => Input::AccessTokenRejected,
                "online" => Input::Online,
                "offline" => Input::Offline,
                "cleared" => Input::Cleared,
                "network-failed" => Input::NetworkFailed,
                "tokens-stored" => Input::TokensStored(tokens()?),
                "refresh-succeeded" => Input::RefreshSucceeded {
                    tokens: tokens()?,
                    rotated,
                },
                "session-ended" => Input::SessionEnded {
                    code: code.unwrap_or_else(|| "session_ended".into()),
                },
                "refresh-failed" => Input::RefreshFailed {
                    kind: error_kind(error_kind_name.as_deref().unwrap_or("retry"))?,
                    code: code.unwrap_or_else(|| "unknown_error".into()),
                    retry_after_ms,
                },
                _ => {
                    return Err(
                        RotorError::argument("input.type is not a RenewalMachine input").into(),
                    );
                }
            };
            let now = instant(now)?;
            let jitter = match jitter {
                Some(j) => j,
                None => f64::from(u32::from_le_bytes(random::<4>()?)) / 4_294_967_296.0,
            };
            Ok(self.inner.step(input, now, jitter)?)
        })();
        text(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `STATES` of `pkg/lib/schedule.js`.
    const STATES: [&str; 5] = [
        "idle",
        "scheduled",
        "refreshing",
        "retry-wait",
        "needs-reauthentication",
    ];

    #[test]
    fn state_names_match_the_core() {
        for state in [
            State::Idle,
            State::Scheduled,
            State::Refreshing,
            State::RetryWait,
            State::NeedsReauthentication,
        ] {
            assert_eq!(STATES[state_index(state) as usize], state.as_str());
        }
    }
}
