//! The renewal state machine: which refresh to send and when, as a pure function of inputs.
//!
//! ```text
//!            tokens stored (refresh token, something expires)
//!   Idle ───────────────────────────────────────────────▶ Scheduled
//!    ▲  cleared / config error                              │ tick, wake-up, online, demand
//!    │                                                      │ at/after refreshAt (and online)
//!    │      success (renewed[, rotated]) ◀── Refreshing ◀───┘
//!    │                                        │   ▲
//!    │       transient failure (retrying) ────┘   │ retryAt reached / back online
//!    │                                  ▼         │
//!    │                               RetryWait ───┘
//!    │
//!    └── NeedsReauthentication ◀── invalid_grant (reauthenticate; tokens dropped)
//! ```
//!
//! The machine keeps only instants and counters, never a token value. Callers feed it
//! [`Input`]s with the current time and a jitter they drew, and carry out the [`Action`]s it
//! returns: send the refresh request, arm one timer, drop the stored tokens, emit events.
//!
//! Rules that close the classic renewal bugs:
//! - The refresh token is dropped only on `kind: "reauthenticate"` (RFC 6749 §5.2
//!   `invalid_grant`: expired, revoked, or reused). 5xx, 429, network failures and
//!   unparseable proxy pages keep it and retry with [`backoff_delay`], at least `Retry-After`
//!   (RFC 9110 §10.2.3).
//! - A refresh is sent only from `Scheduled` or `RetryWait` and never while `Refreshing`:
//!   one request in flight per machine.
//! - Timers are hints: every tick, wake-up (page shown, laptop resumed, timer drift) and
//!   demand re-checks the clock, so a throttled or frozen timer delays nothing.
//! - An access token the resource server rejects (RFC 6750 §3.1 `invalid_token`) is renewed
//!   at once, except while backing off.
//! - A renewed set that is due on arrival (`expires_in: 0`, a clock far off) backs off like
//!   a transient failure instead of looping.
//! - A token set that is already due when stored (a page loaded with an expired access token
//!   and a live refresh token) sends the refresh at once.
//! - A refresh token that expires before the access token would be renewed is announced
//!   ahead of time with a `refresh-expiring` event.
//! - A set another party stored ([`Input::TokensSeen`]) is adopted only when it is another
//!   set and not older than the current one ([`Action::AdoptTokens`]); a dead refresh token
//!   is never adopted back.
//! - [`RenewalMachine::answer`] tells a demand what to do: use the access token, wait for the
//!   refresh in flight, wait for a retry due within [`Policy::max_demand_wait_ms`], or fail
//!   (a rejected token is never "usable").

use super::timing::{
    BackoffOptions, RefreshOptions, TokenTimes, backoff_delay, check_jitter, next_refresh_at,
    refresh_token_expires_first,
};
use crate::error::{ErrorKind, RotorError};
use serde::Serialize;

/// The machine's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// No renewable token set (none stored, no refresh token, nothing expires, or stopped
    /// after a configuration error).
    Idle,
    /// A refresh is planned at `refresh_at`.
    Scheduled,
    /// A refresh request is in flight.
    Refreshing,
    /// The last refresh failed transiently; the next try is at `retry_at`.
    RetryWait,
    /// The refresh token is dead: the user must sign in again.
    NeedsReauthentication,
}

impl State {
    /// The stable string used on the JS side.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Scheduled => "scheduled",
            State::Refreshing => "refreshing",
            State::RetryWait => "retry-wait",
            State::NeedsReauthentication => "needs-reauthentication",
        }
    }
}

/// Default longest wait of a demand for a retry in `RetryWait`: five seconds.
pub const DEFAULT_MAX_DEMAND_WAIT_MS: f64 = 5_000.0;

/// Scheduling and backoff policy (all optional on the JS side).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Lead time in seconds; `None` for the adaptive default (see `timing`).
    pub lead_seconds: Option<f64>,
    /// Backoff base and cap (jitter and Retry-After are per failure).
    pub backoff: BackoffOptions,
    /// A demand without a usable access token during `RetryWait` waits for the retry when it
    /// is due within this many ms ([`Answer::WaitUntil`]), else fails at once
    /// ([`Answer::RetryLater`]). Default [`DEFAULT_MAX_DEMAND_WAIT_MS`].
    pub max_demand_wait_ms: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            lead_seconds: None,
            backoff: BackoffOptions::default(),
            max_demand_wait_ms: DEFAULT_MAX_DEMAND_WAIT_MS,
        }
    }
}

impl Policy {
    /// Refuses invalid values up front (`invalid_argument`).
    pub fn validate(&self) -> Result<(), RotorError> {
        backoff_delay(0.0, &self.backoff)?;
        if let Some(l) = self.lead_seconds {
            if !(l.is_finite() && l >= 0.0) {
                return Err(RotorError::argument(
                    "leadSeconds must be a finite, non-negative number",
                ));
            }
        }
        if !(self.max_demand_wait_ms.is_finite() && self.max_demand_wait_ms >= 0.0) {
            return Err(RotorError::argument(
                "maxDemandWaitMs must be a finite, non-negative number",
            ));
        }
        Ok(())
    }
}

/// What happened, fed to [`RenewalMachine::step`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A timer fired (or the caller polls).
    Tick,
    /// The page became visible, was restored from the back/forward cache, or the caller saw
    /// the clock jump (sleep): re-check everything now.
    WakeUp,
    /// Someone needs an access token now (`getAccessToken`).
    Demand,
    /// A resource server refused the current access token (RFC 6750 §3.1 `invalid_token`):
    /// refresh now instead of at the planned time. Does not bypass a backoff wait.
    AccessTokenRejected,
    /// A token set was stored by the app (a sign-in): it becomes the current set.
    TokensStored(TokenTimes),
    /// The driver found a set in shared storage that another party (a tab, the service
    /// worker) wrote, or re-read storage before redeeming. It is adopted
    /// ([`Action::AdoptTokens`], then scheduled) unless it is the current set, older than the
    /// current set (`receivedAt`), or — after the session ended — holds the dead refresh token.
    /// In `Refreshing` (the redemption re-read storage under the lock) an adopted set that is
    /// not due ends the redemption like a success; a due one stays `Refreshing` and the driver
    /// redeems the adopted set instead.
    TokensSeen {
        /// The stored set's instants.
        tokens: TokenTimes,
        /// Whether its refresh token differs from the current set's (or there is none here).
        refresh_token_changed: bool,
        /// Whether its access token differs from the current set's (or there is none here).
        access_token_changed: bool,
    },
    /// The refresh answered with a token set.
    RefreshSucceeded {
        /// The new set's instants.
        tokens: TokenTimes,
        /// Whether the server rotated the refresh token.
        rotated: bool,
    },
    /// The refresh answered with an error (an `OAuthError` or `RotorError` on the JS side).
    RefreshFailed {
        /// The error's `kind`.
        kind: ErrorKind,
        /// The error's `code`.
        code: String,
        /// `Retry-After` in ms, when the server sent one.
        retry_after_ms: Option<f64>,
    },
    /// The request never got an answer (offline, DNS, TLS, CORS, abort).
    NetworkFailed,
    /// The platform reports connectivity.
    Online,
    /// The platform reports no connectivity.
    Offline,
    /// The tokens were removed (sign-out).
    Cleared,
    /// Another party (a tab, the service worker) learned from the server that the refresh
    /// token is dead and removed it: the session is over here too.
    SessionEnded {
        /// The server's error code, or a local one such as `session_ended`.
        code: String,
    },
}

/// An event for the application.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// A refresh succeeded.
    #[serde(rename_all = "camelCase")]
    Renewed {
        /// The new access token's expiry (ms) or null.
        expires_at: Option<f64>,
    },
    /// The server rotated the refresh token (RFC 9700 §4.14.2).
    Rotated,
    /// A refresh failed transiently and will be retried.
    #[serde(rename_all = "camelCase")]
    Retrying {
        /// Failures in a row so far (1 after the first).
        attempt: u32,
        /// Wait before the next try (ms).
        delay_ms: f64,
        /// When the next try is due (ms).
        retry_at: f64,
        /// The failure's code (`network_error` when there was no answer).
        code: String,
    },
    /// The refresh token is dead; the session is over.
    Reauthenticate {
        /// The server's error code (usually `invalid_grant`).
        code: String,
    },
    /// A failure retrying cannot fix (configuration, scope) or a protocol error.
    Error {
        /// The error's code.
        code: String,
        /// The error's kind.
        kind: &'static str,
    },
    /// The refresh token expires before the access token would be renewed.
    #[serde(rename_all = "camelCase")]
    RefreshExpiring {
        /// The refresh token's expiry (ms).
        refresh_expires_at: f64,
    },
}

/// What the caller must do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    /// Send the refresh request now and report the outcome.
    SendRefresh,
    /// Arm the (single) timer for this instant (ms); replaces any earlier one.
    WakeAt {
        /// When to send the next `Tick`.
        at: f64,
    },
    /// Disarm the timer.
    CancelTimer,
    /// Delete the stored token set (the server said the refresh token is dead).
    DropTokens,
    /// Tell the application.
    Emit {
        /// The event.
        event: Event,
    },
    /// Make the set of [`Input::TokensSeen`] the current one (it was adopted).
    AdoptTokens,
}

/// What a demand for an access token should do ([`RenewalMachine::answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Answer {
    /// Hand out the current access token.
    Use,
    /// A refresh is in flight: wait for its outcome, then ask again.
    Wait,
    /// No usable token, and the next retry is due within `maxDemandWaitMs`: wait until `at`
    /// (the driver's timer), feed a `Demand`, and ask again.
    WaitUntil {
        /// When the retry is due (ms).
        at: f64,
    },
    /// No usable token, and the renewal is backing off beyond `maxDemandWaitMs` (or is
    /// waiting for connectivity): fail now with a `retry` error carrying `retryAt`.
    #[serde(rename_all = "camelCase")]
    RetryLater {
        /// When the next attempt is due (ms); `None` while offline.
        retry_at: Option<f64>,
    },
    /// The access token expired (or was rejected) and cannot be renewed: fail with the last
    /// refresh error, else `no_session`.
    Expired,
    /// There is no token set: fail with the last refresh error, else `no_session`.
    NoSession,
}

/// The renewal state machine (see the module docs).
#[derive(Debug, Clone)]
pub struct RenewalMachine {
    policy: Policy,
    state: State,
    tokens: Option<TokenTimes>,
    refresh_at: Option<f64>,
    retry_at: Option<f64>,
    failures: u32,
    online: bool,
    skew_ms: f64,
    /// A set stored while a refresh was in flight (a new sign-in): a failure of the old
    /// refresh must not drop it.
    stored_while_refreshing: Option<TokenTimes>,
}

impl RenewalMachine {
    /// A machine in `Idle` with a validated policy.
    pub fn new(policy: Policy) -> Result<Self, RotorError> {
        policy.validate()?;
        Ok(RenewalMachine {
            policy,
            state: State::Idle,
            tokens: None,
            refresh_at: None,
            retry_at: None,
            failures: 0,
            online: true,
            skew_ms: 0.0,
            stored_while_refreshing: None,
        })
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }
    /// When the next refresh is planned (ms), in `Scheduled`.
    pub fn refresh_at(&self) -> Option<f64> {
        self.refresh_at
    }
    /// When the next retry is due (ms), in `RetryWait`.
    pub fn retry_at(&self) -> Option<f64> {
        self.retry_at
    }
    /// Transient failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }
    /// Sets the clock skew (server − local, ms) used for the next schedules.
    pub fn set_skew_ms(&mut self, skew_ms: f64) -> Result<(), RotorError> {
        if !skew_ms.is_finite() {
            return Err(RotorError::argument("skewMs must be a finite number"));
        }
        self.skew_ms = skew_ms;
        Ok(())
    }

    /// Whether a token is needed from the server before the access token can be used: the
    /// planned refresh time has come (or a retry is due), judged on the clock alone.
    pub fn is_due(&self, now: f64) -> bool {
        match self.state {
            State::Scheduled => self.refresh_at.is_some_and(|t| now >= t),
            State::RetryWait => self.retry_at.is_some_and(|t| now >= t),
            _ => false,
        }
    }

    /// Whether `current`'s access token can be handed out at `now`: there is a set, the
    /// resource server has not rejected it (`rejected`: it is the token the caller reports),
    /// and `now` is before its effective expiry (`expiresAt`, or the JWT `exp` moved by the
    /// clock skew, whichever is earlier; see `timing`). The lead time is not a limit here: a
    /// token inside its lead is renewed, not refused (a demand at or after `refreshAt` starts
    /// the refresh and [`RenewalMachine::answer`] waits for it).
    pub fn usable(&self, current: Option<&TokenTimes>, rejected: bool, now: f64) -> bool {
        current.is_some_and(|t| {
            !rejected
                && t.effective_expiry(self.skew_ms)
                    .is_none_or(|expiry| now < expiry)
        })
    }

    /// What a demand at `now` should do with `current` (the driver's set, `None` without one)
    /// after the `Demand` or `AccessTokenRejected` input was fed. `rejected`: `current`'s
    /// access token is the one a resource server just refused, so it is never [`Answer::Use`].
    pub fn answer(
        &self,
        current: Option<&TokenTimes>,
        rejected: bool,
        now: f64,
    ) -> Result<Answer, RotorError> {
        check_now(now)?;
        if self.state == State::Refreshing {
            return Ok(Answer::Wait);
        }
        if current.is_none() {
            return Ok(Answer::NoSession);
        }
        if self.usable(current, rejected, now) {
            return Ok(Answer::Use);
        }
        Ok(match self.state {
            State::RetryWait => match self.retry_at {
                Some(at) if !self.online => Answer::RetryLater { retry_at: Some(at) },
                Some(at) if at - now <= self.policy.max_demand_wait_ms => {
                    Answer::WaitUntil { at: at.max(now) }
                }
                retry_at => Answer::RetryLater { retry_at },
            },
            // Not refreshing although due: waiting for connectivity.
            State::Scheduled if !self.online => Answer::RetryLater { retry_at: None },
            _ => Answer::Expired,
        })
    }

    /// Feeds one input at local time `now` (ms) with a caller-drawn `jitter` in `[0, 1)`.
    pub fn step(&mut self, input: Input, now: f64, jitter: f64) -> Result<Vec<Action>, RotorError> {
        check_now(now)?;
        check_jitter(jitter)?;
        let mut out = Vec::new();
        match input {
            Input::Tick | Input::WakeUp | Input::Demand => self.check(now, &mut out),
            Input::Online => {
                self.online = true;
                if self.state == State::RetryWait {
                    // Connectivity is back: the backoff was waiting for it, try now.
                    self.retry_at = Some(now);
                }
                self.check(now, &mut out);
            }
            Input::Offline => self.online = false,
            Input::AccessTokenRejected => {
                let renewable = self.tokens.is_some_and(|t| t.has_refresh_token);
                // Scheduled, or idle because the set has no lifetime (no `expires_in`): the
                // rejection is the only sign that it expired.
                if self.state == State::Scheduled || (self.state == State::Idle && renewable) {
                    self.state = State::Scheduled;
                    self.refresh_at = Some(now);
                }
                self.check(now, &mut out);
            }
            Input::TokensStored(tokens) => {
                tokens.validate()?;
                if self.state == State::Refreshing {
                    // Another writer (the app after a new sign-in) stored a set while our
                    // request is in flight: a success supersedes it, a failure falls back to it.
                    self.stored_while_refreshing = Some(tokens);
                } else {
                    self.failures = 0;
                    self.adopt(tokens, now, jitter, &mut out)?;
                }
            }
            Input::TokensSeen {
                tokens,
                refresh_token_changed,
                access_token_changed,
            } => {
                tokens.validate()?;
                self.seen(
                    tokens,
                    refresh_token_changed,
                    access_token_changed,
                    now,
                    jitter,
                    &mut out,
                )?;
            }
            Input::RefreshSucceeded { .. } if self.state != State::Refreshing => {
                // A late answer for a request this machine no longer waits for (cleared,
                // the session ended, or another party's set was adopted meanwhile).
            }
            Input::RefreshSucceeded { tokens, rotated } => {
                tokens.validate()?;
                self.stored_while_refreshing = None;
                push(
                    &mut out,
                    Action::Emit {
                        event: Event::Renewed {
                            expires_at: tokens.expires_at,
                        },
                    },
                );
                if rotated {
                    push(
                        &mut out,
                        Action::Emit {
                            event: Event::Rotated,
                        },
                    );
                }
                let due_on_arrival = tokens.has_refresh_token
                    && next_refresh_at(
                        &tokens,
                        now,
                        &RefreshOptions {
                            lead_seconds: self.policy.lead_seconds,
                            jitter,
                            skew_ms: self.skew_ms,
                        },
                    )?
                    .is_some_and(|t| t <= now);
                if due_on_arrival && self.state == State::Refreshing {
                    // The fresh set is already due (expires_in 0, or a clock far off): renewing
                    // again at once would loop. Keep it and back off like a transient failure.
                    self.tokens = Some(tokens);
                    self.refresh_at = None;
                    self.retry("expired_on_arrival".into(), None, now, jitter, &mut out)?;
                } else {
                    self.failures = 0;
                    self.state = State::Idle;
                    self.adopt(tokens, now, jitter, &mut out)?;
                }
            }
            Input::RefreshFailed { .. } | Input::NetworkFailed
                if self.state == State::Refreshing && self.stored_while_refreshing.is_some() =>
            {
                // The failed request redeemed the *old* refresh token; the set stored
                // meanwhile is untouched by that failure: schedule it, drop nothing.
                let tokens = self.stored_while_refreshing.take().unwrap_or_default();
                self.failures = 0;
                self.adopt(tokens, now, jitter, &mut out)?;
            }
            Input::RefreshFailed { .. } if self.state != State::Refreshing => {
                // A late answer for a request this machine no longer waits for (the set it
                // redeemed was replaced): it says nothing about the current set.
            }
            Input::SessionEnded { code } => {
                if self.tokens.is_some() || self.state != State::Idle {
                    self.end_session(code, &mut out);
                }
            }
            Input::RefreshFailed {
                kind,
                code,
                retry_after_ms,
            } => match kind {
                ErrorKind::Reauthenticate => self.end_session(code, &mut out),
                ErrorKind::Config | ErrorKind::Scope => {
                    // Retrying cannot help; keep the tokens and stop until told otherwise.
                    self.state = State::Idle;
                    self.refresh_at = None;
                    self.retry_at = None;
                    push(&mut out, Action::CancelTimer);
                    push(
                        &mut out,
                        Action::Emit {
                            event: Event::Error {
                                code,
                                kind: kind.as_str(),
                            },
                        },
                    );
                }
                ErrorKind::Protocol => {
                    push(
                        &mut out,
                        Action::Emit {
                            event: Event::Error {
                                code: code.clone(),
                                kind: kind.as_str(),
                            },
                        },
                    );
                    self.retry(code, retry_after_ms, now, jitter, &mut out)?;
                }
                ErrorKind::Retry => self.retry(code, retry_after_ms, now, jitter, &mut out)?,
            },
            Input::NetworkFailed => {
                self.retry("network_error".into(), None, now, jitter, &mut out)?
            }
            Input::Cleared => {
                self.stored_while_refreshing = None;
                self.tokens = None;
                self.refresh_at = None;
                self.retry_at = None;
                self.failures = 0;
                self.state = State::Idle;
                push(&mut out, Action::CancelTimer);
            }
        }
        Ok(out)
    }

    fn seen(
        &mut self,
        tokens: TokenTimes,
        refresh_token_changed: bool,
        access_token_changed: bool,
        now: f64,
        jitter: f64,
        out: &mut Vec<Action>,
    ) -> Result<(), RotorError> {
        if !refresh_token_changed && !access_token_changed {
            return Ok(()); // the current set itself
        }
        if self.state == State::NeedsReauthentication && !refresh_token_changed {
            return Ok(()); // the dead refresh token, not yet deleted
        }
        let older = match (tokens.received_at, self.tokens.and_then(|t| t.received_at)) {
            (Some(seen), Some(current)) => seen < current,
            _ => false,
        };
        if self.tokens.is_some() && older {
            return Ok(()); // a stale write: the current set is newer
        }
        push(out, Action::AdoptTokens);
        self.failures = 0;
        if self.state == State::Refreshing {
            self.stored_while_refreshing = None;
            let due = tokens.has_refresh_token
                && next_refresh_at(&tokens, now, &self.refresh_options(jitter))?
                    .is_some_and(|t| t <= now);
            if due {
                // Redeem the adopted set's refresh token instead (still one request).
                self.tokens = Some(tokens);
                return Ok(());
            }
            // Another party renewed first: that is this redemption's outcome.
            push(
                out,
                Action::Emit {
                    event: Event::Renewed {
                        expires_at: tokens.expires_at,
                    },
                },
            );
            self.state = State::Idle;
        }
        self.adopt(tokens, now, jitter, out)
    }

    fn refresh_options(&self, jitter: f64) -> RefreshOptions {
        RefreshOptions {
            lead_seconds: self.policy.lead_seconds,
            jitter,
            skew_ms: self.skew_ms,
        }
    }

    fn adopt(
        &mut self,
        tokens: TokenTimes,
        now: f64,
        jitter: f64,
        out: &mut Vec<Action>,
    ) -> Result<(), RotorError> {
        self.tokens = Some(tokens);
        self.retry_at = None;
        let opts = RefreshOptions {
            lead_seconds: self.policy.lead_seconds,
            jitter,
            skew_ms: self.skew_ms,
        };
        self.refresh_at = if tokens.has_refresh_token {
            next_refresh_at(&tokens, now, &opts)?
        } else {
            None
        };
        match self.refresh_at {
            None => {
                self.state = State::Idle;
                push(out, Action::CancelTimer);
            }
            Some(_) => {
                if let (true, Some(refresh_expires_at)) = (
                    refresh_token_expires_first(&tokens, now, &opts)?,
                    tokens.refresh_expires_at,
                ) {
                    push(
                        out,
                        Action::Emit {
                            event: Event::RefreshExpiring { refresh_expires_at },
                        },
                    );
                }
                self.state = State::Scheduled;
                self.check(now, out);
            }
        }
        Ok(())
    }

    fn end_session(&mut self, code: String, out: &mut Vec<Action>) {
        self.tokens = None;
        self.refresh_at = None;
        self.retry_at = None;
        self.failures = 0;
        self.state = State::NeedsReauthentication;
        push(out, Action::CancelTimer);
        push(out, Action::DropTokens);
        push(
            out,
            Action::Emit {
                event: Event::Reauthenticate { code },
            },
        );
    }

    fn retry(
        &mut self,
        code: String,
        retry_after_ms: Option<f64>,
        now: f64,
        jitter: f64,
        out: &mut Vec<Action>,
    ) -> Result<(), RotorError> {
        if self.state != State::Refreshing {
            // A late answer for a request this machine no longer waits for.
            return Ok(());
        }
        let delay = backoff_delay(
            f64::from(self.failures),
            &BackoffOptions {
                jitter,
                retry_after_ms,
                ..self.policy.backoff
            },
        )?;
        self.failures = self.failures.saturating_add(1);
        let retry_at = now + delay;
        self.retry_at = Some(retry_at);
        self.state = State::RetryWait;
        push(
            out,
            Action::Emit {
                event: Event::Retrying {
                    attempt: self.failures,
                    delay_ms: delay,
                    retry_at,
                    code,
                },
            },
        );
        push(out, Action::WakeAt { at: retry_at });
        Ok(())
    }

    /// Sends the refresh when due (and online), else arms the timer for the due instant.
    fn check(&mut self, now: f64, out: &mut Vec<Action>) {
        let due_at = match self.state {
            State::Scheduled => self.refresh_at,
            State::RetryWait => self.retry_at,
            _ => return,
        };
        let Some(due_at) = due_at else { return };
        if now >= due_at {
            if self.online {
                self.state = State::Refreshing;
                push(out, Action::CancelTimer);
                push(out, Action::SendRefresh);
            }
            // Offline: wait for `Online`; no timer spins meanwhile.
        } else {
            push(out, Action::WakeAt { at: due_at });
        }
    }
}

/// One action more (one call site for the vector's growth, not one per action).
#[inline(never)]
fn push(out: &mut Vec<Action>, action: Action) {
    out.push(action);
}

fn check_now(now: f64) -> Result<f64, RotorError> {
    if now.is_finite() && now >= 0.0 {
        Ok(now)
    } else {
        Err(RotorError::argument(
            "now must be a finite, non-negative number",
        ))
    }
}
