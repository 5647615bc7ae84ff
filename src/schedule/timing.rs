//! When to refresh ([`next_refresh_at`]) and how long to wait after a failure
//! ([`backoff_delay`]).
//!
//! # Refresh time
//!
//! RFC 6749 §5.1 gives an access token a relative lifetime (`expires_in`); the client knows
//! its local expiry `expiresAt = receivedAt + expires_in·1000`. A refresh must complete before
//! that instant, so the request is started a *lead time* ahead of it. A fixed lead does not
//! fit every lifetime (60 s is most of a 90 s token and noise for a 4 h one), so the default
//! lead adapts to the token's lifetime `L = expiresAt − receivedAt`:
//!
//! ```text
//! lead = min(L / 4, 300 s)        a quarter of the lifetime, at most five minutes
//! lead = max(lead, min(5 s, L/2)) but at least five seconds (half the lifetime for tokens under 10 s)
//! ```
//!
//! An explicit `leadSeconds` replaces the first line and is capped at `L / 2`, so a lead longer
//! than the lifetime cannot make every freshly renewed token "due" at once (a refresh storm).
//! When the lifetime is unknown (no `receivedAt`), the remaining time `expiresAt − now` stands
//! in for `L`.
//!
//! Jitter spreads many clients that received tokens at the same moment (RFC 9700 §4.14 asks
//! for refresh-token handling that survives load; "thundering herd" avoidance). The caller
//! draws `jitter ∈ [0, 1)` and the refresh moves *earlier* by `jitter · lead / 2`: never later,
//! so jitter can never push a refresh past expiry.
//!
//! Clock skew: resource servers check a JWT access token's `exp` (RFC 7519 §4.1.4) against
//! *their* clock. With `skewMs = server − local` known, the server's `exp` happens at local
//! time `exp·1000 − skewMs`; the effective expiry is the earlier of that and `expiresAt`.
//! Only the earlier one is taken, so a wrong skew estimate can make a refresh earlier but
//! never later than the token's own lifetime allows.
//!
//! A refresh token with a known lifetime (`refresh_expires_in`, as Keycloak sends it) that
//! runs out before the access token's refresh time pulls the refresh forward, computed the
//! same way against `refreshExpiresAt`: renewing in time keeps idle-timed sessions alive.
//!
//! The result `t` satisfies `now ≤ t < expiry` whenever `now < expiry`, and is `now` when
//! the token is already due or expired.
//!
//! # Backoff
//!
//! Exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff And
//! Jitter"), scaled so that jitter only shortens:
//!
//! ```text
//! delay(a) = min(capMs, baseMs · 2^a · (1 − jitter/2))   a = 0, 1, 2, ...
//! delay(a) = max(delay(a), retryAfter)                   RFC 9110 §10.2.3 Retry-After
//! ```
//!
//! For a fixed `jitter` the delay never decreases with the attempt, and it stays within
//! `[baseMs/2, capMs]` unless the server asked for a longer `Retry-After`.

use crate::error::RotorError;

/// Default upper bound of the adaptive lead time: five minutes.
pub const MAX_DEFAULT_LEAD_MS: f64 = 300_000.0;
/// Default lower bound of the lead time (halved for tokens that live under twice this).
pub const MIN_LEAD_MS: f64 = 5_000.0;
/// Default first backoff delay: one second.
pub const DEFAULT_BASE_MS: f64 = 1_000.0;
/// Default largest backoff delay: five minutes.
pub const DEFAULT_CAP_MS: f64 = 300_000.0;

/// The instants of a token set that scheduling needs (no token values).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TokenTimes {
    /// Local expiry of the access token (ms), `null` on the wire when unknown.
    pub expires_at: Option<f64>,
    /// Local expiry of the refresh token (ms), when the server said (`refresh_expires_in`).
    pub refresh_expires_at: Option<f64>,
    /// When the token response was received (ms).
    pub received_at: Option<f64>,
    /// The access token's `exp` claim in **seconds of server time**, when it is a JWT.
    pub access_exp_seconds: Option<f64>,
    /// Whether the set holds a refresh token at all.
    pub has_refresh_token: bool,
}

/// Options of [`next_refresh_at`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RefreshOptions {
    /// Lead time in seconds; `None` for the adaptive default.
    pub lead_seconds: Option<f64>,
    /// Caller-drawn jitter in `[0, 1)`; moves the refresh earlier only.
    pub jitter: f64,
    /// Estimated clock skew, server minus local (ms).
    pub skew_ms: f64,
}

/// Options of [`backoff_delay`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffOptions {
    /// Delay of attempt 0 before jitter (ms).
    pub base_ms: f64,
    /// Largest delay (ms), `Retry-After` aside.
    pub cap_ms: f64,
    /// Caller-drawn jitter in `[0, 1)`; shortens the delay by up to half.
    pub jitter: f64,
    /// The server's `Retry-After`, in ms (RFC 9110 §10.2.3).
    pub retry_after_ms: Option<f64>,
}

impl Default for BackoffOptions {
    fn default() -> Self {
        BackoffOptions {
            base_ms: DEFAULT_BASE_MS,
            cap_ms: DEFAULT_CAP_MS,
            jitter: 0.0,
            retry_after_ms: None,
        }
    }
}

fn check_instant(name: &str, value: f64) -> Result<f64, RotorError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(RotorError::argument(crate::text::join(&[
            name,
            " must be a finite, non-negative number",
        ])))
    }
}

/// Refuses a jitter outside `[0, 1)` (and NaN).
pub fn check_jitter(jitter: f64) -> Result<f64, RotorError> {
    if (0.0..1.0).contains(&jitter) {
        Ok(jitter)
    } else {
        Err(RotorError::argument("jitter must be a number in [0, 1)"))
    }
}

impl TokenTimes {
    /// Refuses NaN, infinite or negative instants.
    pub fn validate(&self) -> Result<(), RotorError> {
        for (name, v) in [
            ("expiresAt", self.expires_at),
            ("refreshExpiresAt", self.refresh_expires_at),
            ("receivedAt", self.received_at),
        ] {
            if let Some(v) = v {
                check_instant(name, v)?;
            }
        }
        Ok(())
    }

    /// The access token's effective local expiry: the earlier of `expiresAt` and the JWT
    /// `exp` converted to local time with `skew_ms` (see the module docs).
    pub fn effective_expiry(&self, skew_ms: f64) -> Option<f64> {
        let from_exp = self
            .access_exp_seconds
            .map(|exp| exp * 1000.0 - skew_ms)
            .filter(|t| t.is_finite());
        match (self.expires_at, from_exp) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The lead time (ms) before an expiry at `expiry`, for a token received at `received_at`.
fn lead_ms(expiry: f64, received_at: Option<f64>, now: f64, lead_seconds: Option<f64>) -> f64 {
    let lifetime = match received_at {
        Some(r) if r < expiry => expiry - r,
        _ => (expiry - now).max(0.0),
    };
    let lead = match lead_seconds {
        Some(s) => (s * 1000.0).min(lifetime / 2.0),
        None => (lifetime / 4.0)
            .min(MAX_DEFAULT_LEAD_MS)
            .max(MIN_LEAD_MS.min(lifetime / 2.0)),
    };
    // At least one millisecond, so that the result is strictly before the expiry.
    lead.max(1.0)
}

/// The refresh instant for one expiry, clamped to `[now, expiry)`.
fn refresh_before(expiry: f64, received_at: Option<f64>, now: f64, opts: &RefreshOptions) -> f64 {
    if now >= expiry {
        return now;
    }
    let lead = lead_ms(expiry, received_at, now, opts.lead_seconds);
    let earlier = opts.jitter * lead / 2.0;
    // lead >= 1 ms, so the floored instant is strictly before the expiry; so is `now`.
    (expiry - lead - earlier).floor().max(now)
}

/// When to start refreshing (ms), or `None` when nothing in the set expires.
///
/// See the module docs for the formula. Errors (`invalid_argument`): `now`, instants or
/// `leadSeconds` NaN, infinite or negative; `jitter` outside `[0, 1)`; `skewMs` not finite.
pub fn next_refresh_at(
    tokens: &TokenTimes,
    now: f64,
    opts: &RefreshOptions,
) -> Result<Option<f64>, RotorError> {
    check_instant("now", now)?;
    tokens.validate()?;
    if let Some(l) = opts.lead_seconds {
        check_instant("leadSeconds", l)?;
    }
    check_jitter(opts.jitter)?;
    if !opts.skew_ms.is_finite() {
        return Err(RotorError::argument("skewMs must be a finite number"));
    }
    let access = tokens
        .effective_expiry(opts.skew_ms)
        .map(|e| refresh_before(e, tokens.received_at, now, opts));
    let refresh = tokens
        .refresh_expires_at
        .map(|e| refresh_before(e, tokens.received_at, now, opts));
    Ok(match (access, refresh) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    })
}

/// Whether the refresh token runs out before the access token would be renewed: the
/// refresh then cannot wait for the access token's schedule, and the session ends at
/// `refreshExpiresAt` unless the server extends it.
pub fn refresh_token_expires_first(
    tokens: &TokenTimes,
    now: f64,
    opts: &RefreshOptions,
) -> Result<bool, RotorError> {
    let Some(refresh_expires_at) = tokens.refresh_expires_at else {
        return Ok(false);
    };
    let access_only = TokenTimes {
        refresh_expires_at: None,
        ..*tokens
    };
    Ok(match next_refresh_at(&access_only, now, opts)? {
        Some(t) => refresh_expires_at <= t,
        None => true,
    })
}

/// `2^n`, exactly (what `2f64.powf(n)` returns), for `n` ≤ 1023: written as the exponent bits
/// of an `f64`, since `powf` brings libm's `pow` and its 4 KB table into the wasm module.
fn power_of_two(n: u16) -> f64 {
    f64::from_bits((1023 + u64::from(n.min(1023))) << 52)
}

/// The delay (ms) before retry number `attempt` (from 0) after a transient failure.
///
/// See the module docs for the formula. Errors (`invalid_argument`): `attempt` not a
/// non-negative integer; `baseMs` not positive; `capMs` below `baseMs`; `jitter` outside
/// `[0, 1)`; `retryAfter` negative or not finite.
pub fn backoff_delay(attempt: f64, opts: &BackoffOptions) -> Result<f64, RotorError> {
    if !(attempt.is_finite() && attempt >= 0.0 && attempt.fract() == 0.0) {
        return Err(RotorError::argument(
            "attempt must be a non-negative integer",
        ));
    }
    if !(opts.base_ms.is_finite() && opts.base_ms > 0.0) {
        return Err(RotorError::argument(
            "baseMs must be a finite, positive number",
        ));
    }
    if !(opts.cap_ms.is_finite() && opts.cap_ms >= opts.base_ms) {
        return Err(RotorError::argument(
            "capMs must be a finite number no smaller than baseMs",
        ));
    }
    check_jitter(opts.jitter)?;
    if let Some(r) = opts.retry_after_ms {
        check_instant("retryAfter", r)?;
    }
    // 2^attempt saturates long before f64 does; cap the exponent so the product stays finite.
    let growth = power_of_two(attempt.min(1000.0) as u16);
    let raw = opts.base_ms * growth * (1.0 - opts.jitter / 2.0);
    let delay = if raw.is_finite() {
        raw.min(opts.cap_ms)
    } else {
        opts.cap_ms
    };
    let delay = delay.floor();
    Ok(match opts.retry_after_ms {
        Some(r) => delay.max(r.ceil()),
        None => delay,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn power_of_two_is_powf() {
        for n in 0..=1023u16 {
            assert_eq!(super::power_of_two(n), 2f64.powf(f64::from(n)), "{n}");
        }
    }
}
