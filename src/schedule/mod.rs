//! Refresh timing, backoff, clock skew and the renewal state machine.
//!
//! - [`next_refresh_at`] / [`backoff_delay`]: when to refresh and how long to back off
//!   (formulas and rationale in [`timing`]).
//! - [`estimate_clock_skew`]: server-vs-local clock offset from `Date` (RFC 9110 §6.6.1) and
//!   the access token's `iat` (RFC 7519 §4.1.6), see [`skew`].
//! - [`RenewalMachine`]: the sans-IO renewal state machine shared by `TokenManager` and the
//!   service worker, see [`machine`].
//!
//! Everything here is pure: the caller passes `now` (ms) and a jitter in `[0, 1)` it drew.

pub mod machine;
pub mod skew;
pub mod timing;

pub use machine::{Action, Answer, Event, Input, Policy, RenewalMachine, State};
pub use skew::{SkewInputs, estimate_clock_skew, unverified_expires_at, unverified_issued_at};
pub use timing::{
    BackoffOptions, RefreshOptions, TokenTimes, backoff_delay, next_refresh_at,
    refresh_token_expires_first,
};
