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

/// Scheduling and backoff policy (all optional on the JS side).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Policy {
    /// Lead time in seconds; `None` for the adaptive default (see `timing`).
    pub lead_seconds: Option<f64>,
    /// Backoff base and cap (jitter and Retry-After are per failure).
    pub backoff: BackoffOptions,
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
    /// A token set was stored (by the app, or adopted from another tab).
    TokensStored(TokenTimes),
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

    /// Feeds one input at local time `now` (ms) with a caller-drawn `jitter` in `[0, 1)`.
    pub fn step(&mut self, input: Input, now: f64, jitter: f64) -> Result<Vec<Action>, RotorError> {
        if !(now.is_finite() && now >= 0.0) {
            return Err(RotorError::argument(
                "now must be a finite, non-negative number",
            ));
        }
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
            Input::RefreshSucceeded { tokens, rotated } => {
                tokens.validate()?;
                self.stored_while_refreshing = None;
                out.push(Action::Emit {
                    event: Event::Renewed {
                        expires_at: tokens.expires_at,
                    },
                });
                if rotated {
                    out.push(Action::Emit {
                        event: Event::Rotated,
                    });
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
                    out.push(Action::CancelTimer);
                    out.push(Action::Emit {
                        event: Event::Error {
                            code,
                            kind: kind.as_str(),
                        },
                    });
                }
                ErrorKind::Protocol => {
                    out.push(Action::Emit {
                        event: Event::Error {
                            code: code.clone(),
                            kind: kind.as_str(),
                        },
                    });
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
                out.push(Action::CancelTimer);
            }
        }
        Ok(out)
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
                out.push(Action::CancelTimer);
            }
            Some(_) => {
                if let (true, Some(refresh_expires_at)) = (
                    refresh_token_expires_first(&tokens, now, &opts)?,
                    tokens.refresh_expires_at,
                ) {
                    out.push(Action::Emit {
                        event: Event::RefreshExpiring { refresh_expires_at },
                    });
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
        out.push(Action::CancelTimer);
        out.push(Action::DropTokens);
        out.push(Action::Emit {
            event: Event::Reauthenticate { code },
        });
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
        out.push(Action::Emit {
            event: Event::Retrying {
                attempt: self.failures,
                delay_ms: delay,
                retry_at,
                code,
            },
        });
        out.push(Action::WakeAt { at: retry_at });
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
                out.push(Action::CancelTimer);
                out.push(Action::SendRefresh);
            }
            // Offline: wait for `Online`; no timer spins meanwhile.
        } else {
            out.push(Action::WakeAt { at: due_at });
        }
    }
}
