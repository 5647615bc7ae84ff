//! Refresh timing, backoff and clock skew: boundary tables with a fixed `now`, and properties.

use proptest::prelude::*;
use rotor::RotorErrorCode;
use rotor::schedule::{
    BackoffOptions, RefreshOptions, SkewInputs, TokenTimes, backoff_delay, estimate_clock_skew,
    next_refresh_at, refresh_token_expires_first, unverified_expires_at, unverified_issued_at,
};

const NOW: f64 = 1_700_000_000_000.0;

fn set(received: f64, lifetime_s: f64) -> TokenTimes {
    TokenTimes {
        expires_at: Some(received + lifetime_s * 1000.0),
        received_at: Some(received),
        has_refresh_token: true,
        ..TokenTimes::default()
    }
}

fn opts(lead: Option<f64>, jitter: f64, skew: f64) -> RefreshOptions {
    RefreshOptions {
        lead_seconds: lead,
        jitter,
        skew_ms: skew,
    }
}

#[test]
fn adaptive_lead_table() {
    // (lifetime s, lead s, jitter, expected refresh offset from NOW in ms)
    let cases: &[(f64, Option<f64>, f64, f64)] = &[
        (300.0, None, 0.0, 225_000.0),       // quarter of 300 s = 75 s lead
        (14_400.0, None, 0.0, 14_100_000.0), // 4 h: lead capped at 300 s
        (3_600.0, None, 0.0, 3_300_000.0),   // 1 h: 900 s quarter capped at 300 s
        (10.0, None, 0.0, 5_000.0),          // 10 s: min lead 5 s (= half)
        (20.0, None, 0.0, 15_000.0),         // 20 s: quarter 5 s = min 5 s
        (4.0, None, 0.0, 2_000.0),           // 4 s: min lead is half the lifetime
        (1.0, None, 0.0, 500.0),
        (300.0, Some(60.0), 0.0, 240_000.0),  // explicit lead
        (300.0, Some(600.0), 0.0, 150_000.0), // explicit lead capped at half
        (300.0, Some(0.0), 0.0, 299_999.0),   // zero lead: still 1 ms before expiry
        (300.0, None, 0.5, 206_250.0),        // jitter 0.5: 75 s * 0.25 earlier
        (300.0, None, 0.999_999, 187_500.0),  // jitter -> 1: up to lead/2 earlier
    ];
    for &(lifetime, lead, jitter, expected) in cases {
        let got = next_refresh_at(&set(NOW, lifetime), NOW, &opts(lead, jitter, 0.0))
            .unwrap()
            .unwrap();
        assert_eq!(
            got - NOW,
            expected.floor(),
            "lifetime {lifetime} lead {lead:?} jitter {jitter}"
        );
    }
}

#[test]
fn boundaries_around_now_and_expiry() {
    let t = set(NOW - 300_000.0, 300.0); // expires exactly at NOW
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW)
    );
    let t = set(NOW - 600_000.0, 300.0); // expired 5 min ago: due now
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW)
    );
    let t = set(NOW - 290_000.0, 300.0); // 10 s left, lead 75 s: due now
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW)
    );
    let t = set(NOW - 224_999.0, 300.0); // 1 ms before the planned instant
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW + 1.0)
    );
    // 1 ms left: now itself (strictly before expiry).
    let t = set(NOW - 299_999.0, 300.0);
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW)
    );
    // No receivedAt: the remaining time stands in for the lifetime.
    let t = TokenTimes {
        expires_at: Some(NOW + 300_000.0),
        ..TokenTimes::default()
    };
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW + 225_000.0)
    );
}

#[test]
fn nothing_expires_gives_none() {
    let t = TokenTimes {
        has_refresh_token: true,
        ..TokenTimes::default()
    };
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        None
    );
}

#[test]
fn refresh_token_expiring_first_pulls_the_refresh_forward() {
    let mut t = set(NOW, 300.0);
    t.refresh_expires_at = Some(NOW + 120_000.0); // refresh token lives 2 min
    // Refresh against the refresh token's lifetime: 120 s, quarter lead 30 s.
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW + 90_000.0)
    );
    assert!(refresh_token_expires_first(&t, NOW, &RefreshOptions::default()).unwrap());
    t.refresh_expires_at = Some(NOW + 1_800_000.0);
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default()).unwrap(),
        Some(NOW + 225_000.0)
    );
    assert!(!refresh_token_expires_first(&t, NOW, &RefreshOptions::default()).unwrap());
}

fn jwt_with(claims: &str) -> String {
    format!(
        "{}.{}.{}",
        rotor::b64::encode(br#"{"alg":"HS256","typ":"at+jwt"}"#),
        rotor::b64::encode(claims.as_bytes()),
        rotor::b64::encode([0u8; 32])
    )
}

#[test]
fn jwt_exp_with_skew_only_moves_earlier() {
    // Server clock 60 s ahead: the server's exp happens 60 s earlier in local time.
    let exp_s = (NOW + 300_000.0) / 1000.0;
    let mut t = set(NOW, 300.0);
    t.access_exp_seconds = Some(exp_s);
    let at = next_refresh_at(&t, NOW, &opts(None, 0.0, 60_000.0))
        .unwrap()
        .unwrap();
    // Effective lifetime 240 s, quarter lead 60 s.
    assert_eq!(at, NOW + 180_000.0);
    // Server clock behind: expiresAt still bounds the schedule.
    let at = next_refresh_at(&t, NOW, &opts(None, 0.0, -60_000.0))
        .unwrap()
        .unwrap();
    assert_eq!(at, NOW + 225_000.0);
    // No expiresAt: exp converted with the skew is used.
    t.expires_at = None;
    let at = next_refresh_at(&t, NOW, &opts(None, 0.0, 0.0))
        .unwrap()
        .unwrap();
    assert_eq!(at, NOW + 225_000.0);
}

#[test]
fn invalid_inputs_are_invalid_argument() {
    let t = set(NOW, 300.0);
    let bad: Vec<(f64, RefreshOptions)> = vec![
        (f64::NAN, RefreshOptions::default()),
        (-1.0, RefreshOptions::default()),
        (f64::INFINITY, RefreshOptions::default()),
        (NOW, opts(Some(f64::NAN), 0.0, 0.0)),
        (NOW, opts(Some(-1.0), 0.0, 0.0)),
        (NOW, opts(None, 1.0, 0.0)),
        (NOW, opts(None, -0.1, 0.0)),
        (NOW, opts(None, f64::NAN, 0.0)),
        (NOW, opts(None, 0.0, f64::NAN)),
    ];
    for (now, o) in bad {
        let err = next_refresh_at(&t, now, &o).unwrap_err();
        assert_eq!(err.code, RotorErrorCode::InvalidArgument, "{now} {o:?}");
    }
    let mut t = set(NOW, 300.0);
    t.expires_at = Some(f64::NAN);
    assert_eq!(
        next_refresh_at(&t, NOW, &RefreshOptions::default())
            .unwrap_err()
            .code,
        RotorErrorCode::InvalidArgument
    );
}

#[test]
fn backoff_table() {
    let o = |jitter: f64, retry_after: Option<f64>| BackoffOptions {
        base_ms: 1000.0,
        cap_ms: 30_000.0,
        jitter,
        retry_after_ms: retry_after,
    };
    let cases: &[(f64, BackoffOptions, f64)] = &[
        (0.0, o(0.0, None), 1000.0),
        (1.0, o(0.0, None), 2000.0),
        (4.0, o(0.0, None), 16_000.0),
        (5.0, o(0.0, None), 30_000.0),
        (1e9, o(0.0, None), 30_000.0),
        (0.0, o(0.5, None), 750.0),
        (3.0, o(0.5, None), 6000.0),
        (0.0, o(0.0, Some(120_000.0)), 120_000.0),
        (6.0, o(0.0, Some(5_000.0)), 30_000.0),
        (0.0, o(0.0, Some(1_500.4)), 1_501.0),
    ];
    for (attempt, opts, expected) in cases {
        assert_eq!(
            backoff_delay(*attempt, opts).unwrap(),
            *expected,
            "{attempt} {opts:?}"
        );
    }
    assert_eq!(
        backoff_delay(0.0, &BackoffOptions::default()).unwrap(),
        1000.0
    );
    for (attempt, opts) in [
        (f64::NAN, BackoffOptions::default()),
        (-1.0, BackoffOptions::default()),
        (1.5, BackoffOptions::default()),
        (
            0.0,
            BackoffOptions {
                base_ms: 0.0,
                ..BackoffOptions::default()
            },
        ),
        (
            0.0,
            BackoffOptions {
                cap_ms: 10.0,
                ..BackoffOptions::default()
            },
        ),
        (
            0.0,
            BackoffOptions {
                jitter: 1.0,
                ..BackoffOptions::default()
            },
        ),
        (
            0.0,
            BackoffOptions {
                retry_after_ms: Some(-5.0),
                ..BackoffOptions::default()
            },
        ),
        (
            0.0,
            BackoffOptions {
                retry_after_ms: Some(f64::NAN),
                ..BackoffOptions::default()
            },
        ),
    ] {
        assert_eq!(
            backoff_delay(attempt, &opts).unwrap_err().code,
            RotorErrorCode::InvalidArgument
        );
    }
}

#[test]
fn clock_skew_from_date_and_iat() {
    // Date 2023-11-14T22:13:20Z = 1_700_000_000 s; local clock 10 s behind.
    let date = "Tue, 14 Nov 2023 22:13:20 GMT";
    let local = NOW - 10_000.0;
    let skew = estimate_clock_skew(&SkewInputs {
        date: Some(date),
        now: local,
        ..SkewInputs::default()
    })
    .unwrap();
    assert_eq!(skew, 10_500.0);
    // Round trip of 400 ms: the midpoint is the local instant.
    let skew = estimate_clock_skew(&SkewInputs {
        date: Some(date),
        now: local + 200.0,
        request_sent_at: Some(local - 200.0),
        ..SkewInputs::default()
    })
    .unwrap();
    assert_eq!(skew, 10_500.0);
    // iat agreeing within 5 s: the mean.
    let token = jwt_with(r#"{"iat":1700000002,"exp":1700000302}"#);
    let skew = estimate_clock_skew(&SkewInputs {
        date: Some(date),
        access_token: Some(&token),
        now: local,
        request_sent_at: None,
    })
    .unwrap();
    assert_eq!(skew, 11_500.0);
    // iat of an old (cached) token: Date alone.
    let token = jwt_with(r#"{"iat":1699990000}"#);
    let skew = estimate_clock_skew(&SkewInputs {
        date: Some(date),
        access_token: Some(&token),
        now: local,
        request_sent_at: None,
    })
    .unwrap();
    assert_eq!(skew, 10_500.0);
    // iat alone.
    let token = jwt_with(r#"{"iat":1700000000}"#);
    let skew = estimate_clock_skew(&SkewInputs {
        access_token: Some(&token),
        now: local,
        ..SkewInputs::default()
    })
    .unwrap();
    assert_eq!(skew, 10_500.0);
    // Opaque token, no date: 0.
    let skew = estimate_clock_skew(&SkewInputs {
        access_token: Some("opaque-token"),
        now: local,
        ..SkewInputs::default()
    })
    .unwrap();
    assert_eq!(skew, 0.0);
    for inputs in [
        SkewInputs {
            date: Some("yesterday"),
            now: NOW,
            ..SkewInputs::default()
        },
        SkewInputs {
            now: f64::NAN,
            ..SkewInputs::default()
        },
        SkewInputs {
            now: NOW,
            request_sent_at: Some(NOW + 1.0),
            ..SkewInputs::default()
        },
    ] {
        assert_eq!(
            estimate_clock_skew(&inputs).unwrap_err().code,
            RotorErrorCode::InvalidArgument
        );
    }
}

#[test]
fn peek_ignores_non_jwts() {
    assert_eq!(unverified_issued_at("abc"), None);
    assert_eq!(unverified_issued_at("a.b.c.d"), None);
    assert_eq!(unverified_issued_at(&jwt_with("[1]")), None);
    assert_eq!(
        unverified_issued_at(&jwt_with(r#"{"iat":1,"iat":2}"#)),
        None
    );
    let t = jwt_with(r#"{"iat":"x","exp":5}"#);
    assert_eq!(
        (unverified_issued_at(&t), unverified_expires_at(&t)),
        (None, Some(5.0))
    );
    let negative = jwt_with(r#"{"iat":-5,"exp":-1}"#);
    assert_eq!(
        (
            unverified_issued_at(&negative),
            unverified_expires_at(&negative)
        ),
        (None, None)
    );
}

proptest! {
    #[test]
    fn refresh_is_strictly_before_expiry_and_not_before_now(
        lifetime_ms in 1.0f64..86_400_000.0,
        elapsed_frac in 0.0f64..1.5,
        lead in proptest::option::of(0.0f64..100_000.0),
        jitter in 0.0f64..1.0,
        skew in -3_600_000.0f64..3_600_000.0,
        jwt in any::<bool>(),
    ) {
        let received = NOW;
        let now = received + (lifetime_ms * elapsed_frac).floor();
        let expires_at = received + lifetime_ms;
        let t = TokenTimes {
            expires_at: Some(expires_at),
            received_at: Some(received),
            access_exp_seconds: jwt.then_some((expires_at / 1000.0).floor()),
            has_refresh_token: true,
            refresh_expires_at: None,
        };
        let at = next_refresh_at(&t, now, &opts(lead, jitter, skew)).unwrap().unwrap();
        let expiry = t.effective_expiry(skew).unwrap();
        prop_assert!(at >= now);
        if now < expiry {
            prop_assert!(at < expiry, "at {} expiry {}", at, expiry);
            prop_assert!(at < expires_at);
        } else {
            prop_assert_eq!(at, now);
        }
        // Jitter only moves earlier.
        let no_jitter = next_refresh_at(&t, now, &opts(lead, 0.0, skew)).unwrap().unwrap();
        prop_assert!(at <= no_jitter);
    }

    #[test]
    fn backoff_is_bounded_and_growing(
        base in 1.0f64..10_000.0,
        cap_factor in 1.0f64..1000.0,
        jitter in 0.0f64..1.0,
        attempt in 0u32..200,
        retry_after in proptest::option::of(0.0f64..1e7),
    ) {
        let o = BackoffOptions { base_ms: base, cap_ms: base * cap_factor, jitter, retry_after_ms: None };
        let d0 = backoff_delay(f64::from(attempt), &o).unwrap();
        let d1 = backoff_delay(f64::from(attempt) + 1.0, &o).unwrap();
        prop_assert!(d0 <= d1);
        prop_assert!(d1 <= o.cap_ms);
        prop_assert!(d0 >= (base / 2.0).floor());
        let with = backoff_delay(f64::from(attempt), &BackoffOptions { retry_after_ms: retry_after, ..o }).unwrap();
        if let Some(r) = retry_after { prop_assert!(with >= r); }
        prop_assert!(with >= d0);
    }
}
