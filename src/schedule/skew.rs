//! Clock skew between the authorization server and the local clock.
//!
//! Two observations of the server's clock arrive with every token response:
//! - the `Date` response header (RFC 9110 §6.6.1), an IMF-fixdate with one-second resolution;
//! - the access token's `iat` claim (RFC 7519 §4.1.6), when the access token is a JWT
//!   (RFC 9068 §2.2), also in whole seconds.
//!
//! Both were produced while the request was in flight, between `requestSentAt` and `now`
//! (local). Taking the midpoint of that window as the local instant and the middle of the
//! server's one-second interval (`+500 ms`) as the server instant gives
//! `skew = server − local` with an error of at most half the round trip plus half a second.
//! With both observations the estimate is their mean, unless they disagree by more than
//! [`MAX_DISAGREEMENT_MS`] (a cached or reused token carries an old `iat`): the `Date` header
//! is then taken alone.
//!
//! The JWT payload is decoded **without verification** and used for nothing but this estimate;
//! the scheduler only ever lets a skew make refreshes earlier (see `timing`).

use crate::client::unverified_jwt_times;
use crate::error::RotorError;

/// Two observations further apart than this (ms) are not averaged; `Date` wins.
pub const MAX_DISAGREEMENT_MS: f64 = 5_000.0;

/// The access token's unverified `iat` (seconds), when it is a JWT with a non-negative,
/// finite `iat` (read by the client module's one JWT peek, [`unverified_jwt_times`]).
pub fn unverified_issued_at(access_token: &str) -> Option<f64> {
    unverified_jwt_times(access_token)?
        .iat
        .filter(|iat| *iat >= 0.0)
}

/// The access token's unverified `exp` (seconds), when it is a JWT with a non-negative,
/// finite `exp`.
pub fn unverified_expires_at(access_token: &str) -> Option<f64> {
    unverified_jwt_times(access_token)?
        .exp
        .filter(|exp| *exp >= 0.0)
}

/// Inputs of [`estimate_clock_skew`].
#[derive(Debug, Clone, Default)]
pub struct SkewInputs<'a> {
    /// The response's `Date` header value.
    pub date: Option<&'a str>,
    /// The access token (only its unverified `iat` is read, when it is a JWT).
    pub access_token: Option<&'a str>,
    /// When the response arrived (local ms).
    pub now: f64,
    /// When the request was sent (local ms); defaults to `now`.
    pub request_sent_at: Option<f64>,
}

/// Estimates `server − local` in whole milliseconds; `0` when nothing tells.
///
/// Errors (`invalid_argument`): `now`/`requestSentAt` not finite, negative, or
/// `requestSentAt` after `now`; a `date` that is not an HTTP date (RFC 9110 §5.6.7).
pub fn estimate_clock_skew(inputs: &SkewInputs<'_>) -> Result<f64, RotorError> {
    let now = inputs.now;
    if !(now.is_finite() && now >= 0.0) {
        return Err(RotorError::argument(
            "now must be a finite, non-negative number",
        ));
    }
    let sent = inputs.request_sent_at.unwrap_or(now);
    if !(sent.is_finite() && sent >= 0.0 && sent <= now) {
        return Err(RotorError::argument(
            "requestSentAt must be a finite instant no later than now",
        ));
    }
    let local_mid = (sent + now) / 2.0;
    let from_date = match inputs.date {
        Some(text) => {
            let secs = crate::http_date::parse(text.trim_ascii()).ok_or_else(|| {
                RotorError::argument("date is not an HTTP date after 1970 (RFC 9110 §5.6.7)")
            })? as f64;
            Some(secs * 1000.0 + 500.0 - local_mid)
        }
        None => None,
    };
    let from_iat = inputs
        .access_token
        .and_then(unverified_issued_at)
        .map(|iat| iat * 1000.0 + 500.0 - local_mid);
    let skew = match (from_date, from_iat) {
        (Some(d), Some(i)) if (d - i).abs() <= MAX_DISAGREEMENT_MS => (d + i) / 2.0,
        (Some(d), _) => d,
        (None, Some(i)) => i,
        (None, None) => 0.0,
    };
    Ok(skew.round())
}
