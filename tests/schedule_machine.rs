//! Renewal state machine transitions with a fixed clock.

use rotor::ErrorKind;
use rotor::schedule::{
    Action, Answer, BackoffOptions, Event, Input, Policy, RenewalMachine, State, TokenTimes,
};

const NOW: f64 = 1_700_000_000_000.0;

fn tokens(received: f64, lifetime_s: f64) -> TokenTimes {
    TokenTimes {
        expires_at: Some(received + lifetime_s * 1000.0),
        received_at: Some(received),
        has_refresh_token: true,
        ..TokenTimes::default()
    }
}

fn machine() -> RenewalMachine {
    RenewalMachine::new(Policy {
        lead_seconds: None,
        backoff: BackoffOptions {
            base_ms: 1000.0,
            cap_ms: 8000.0,
            ..BackoffOptions::default()
        },
        ..Policy::default()
    })
    .unwrap()
}

/// A machine given a token set that expired an hour ago: it is refreshing at `NOW`.
fn refreshing_machine() -> RenewalMachine {
    let mut m = machine();
    let out = m
        .step(
            Input::TokensStored(tokens(NOW - 3_600_000.0, 300.0)),
            NOW,
            0.0,
        )
        .unwrap();
    assert_eq!(out, vec![Action::CancelTimer, Action::SendRefresh]);
    m
}

fn failed(kind: ErrorKind, code: &str, retry_after: Option<f64>) -> Input {
    Input::RefreshFailed {
        kind,
        code: code.into(),
        retry_after_ms: retry_after,
    }
}

#[test]
fn stored_tokens_are_scheduled_then_refreshed_on_tick() {
    let mut m = machine();
    let out = m
        .step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    assert_eq!(
        out,
        vec![Action::WakeAt {
            at: NOW + 225_000.0
        }]
    );
    assert_eq!(m.state(), State::Scheduled);
    // An early tick re-arms the timer.
    let out = m.step(Input::Tick, NOW + 1000.0, 0.0).unwrap();
    assert_eq!(
        out,
        vec![Action::WakeAt {
            at: NOW + 225_000.0
        }]
    );
    // A tick at the time sends the refresh, once.
    let out = m.step(Input::Tick, NOW + 225_000.0, 0.0).unwrap();
    assert_eq!(out, vec![Action::CancelTimer, Action::SendRefresh]);
    assert_eq!(m.state(), State::Refreshing);
    assert_eq!(m.step(Input::Demand, NOW + 225_001.0, 0.0).unwrap(), vec![]);
    assert_eq!(m.step(Input::WakeUp, NOW + 225_002.0, 0.0).unwrap(), vec![]);
    // Success: renewed, rotated, rescheduled.
    let t2 = NOW + 226_000.0;
    let out = m
        .step(
            Input::RefreshSucceeded {
                tokens: tokens(t2, 300.0),
                rotated: true,
            },
            t2,
            0.0,
        )
        .unwrap();
    assert_eq!(
        out,
        vec![
            Action::Emit {
                event: Event::Renewed {
                    expires_at: Some(t2 + 300_000.0)
                }
            },
            Action::Emit {
                event: Event::Rotated
            },
            Action::WakeAt { at: t2 + 225_000.0 },
        ]
    );
    assert_eq!(m.state(), State::Scheduled);
}

#[test]
fn expired_access_token_with_live_refresh_token_refreshes_at_once() {
    let mut m = machine();
    let out = m
        .step(
            Input::TokensStored(tokens(NOW - 3_600_000.0, 300.0)),
            NOW,
            0.0,
        )
        .unwrap();
    assert_eq!(out, vec![Action::CancelTimer, Action::SendRefresh]);
    assert_eq!(m.state(), State::Refreshing);
}

#[test]
fn sleeping_laptop_wakeup_refreshes_without_the_timer() {
    let mut m = machine();
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    // The timer never fired; the page comes back 2 hours later.
    let out = m.step(Input::WakeUp, NOW + 7_200_000.0, 0.0).unwrap();
    assert_eq!(out, vec![Action::CancelTimer, Action::SendRefresh]);
}

#[test]
fn transient_failures_back_off_keep_tokens_and_honour_retry_after() {
    let mut m = refreshing_machine();
    let out = m
        .step(failed(ErrorKind::Retry, "server_error", None), NOW, 0.0)
        .unwrap();
    assert_eq!(
        out,
        vec![
            Action::Emit {
                event: Event::Retrying {
                    attempt: 1,
                    delay_ms: 1000.0,
                    retry_at: NOW + 1000.0,
                    code: "server_error".into()
                }
            },
            Action::WakeAt { at: NOW + 1000.0 }
        ]
    );
    assert!(!out.contains(&Action::DropTokens));
    assert_eq!(m.state(), State::RetryWait);
    // Demand during the wait does not bypass the backoff.
    assert_eq!(
        m.step(Input::Demand, NOW + 500.0, 0.0).unwrap(),
        vec![Action::WakeAt { at: NOW + 1000.0 }]
    );
    assert_eq!(
        m.step(Input::Tick, NOW + 1000.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
    // Second failure: 2 s; third with Retry-After 30 s.
    let out = m.step(Input::NetworkFailed, NOW + 1000.0, 0.0).unwrap();
    assert_eq!(out[1], Action::WakeAt { at: NOW + 3000.0 });
    m.step(Input::Tick, NOW + 3000.0, 0.0).unwrap();
    let out = m
        .step(
            failed(ErrorKind::Retry, "temporarily_unavailable", Some(30_000.0)),
            NOW + 3000.0,
            0.0,
        )
        .unwrap();
    assert_eq!(out[1], Action::WakeAt { at: NOW + 33_000.0 });
    assert_eq!(m.failures(), 3);
    // Success resets the count.
    m.step(Input::Tick, NOW + 33_000.0, 0.0).unwrap();
    m.step(
        Input::RefreshSucceeded {
            tokens: tokens(NOW + 33_000.0, 300.0),
            rotated: false,
        },
        NOW + 33_000.0,
        0.0,
    )
    .unwrap();
    assert_eq!(m.failures(), 0);
    assert_eq!(m.state(), State::Scheduled);
}

#[test]
fn backoff_grows_to_the_cap() {
    let mut m = refreshing_machine();
    let mut now = NOW;
    let mut delays = vec![];
    for _ in 0..6 {
        let out = m.step(Input::NetworkFailed, now, 0.0).unwrap();
        let Action::Emit {
            event: Event::Retrying { delay_ms, .. },
        } = &out[0]
        else {
            panic!("{out:?}")
        };
        delays.push(*delay_ms);
        now += delay_ms;
        assert_eq!(
            m.step(Input::Tick, now, 0.0).unwrap().last(),
            Some(&Action::SendRefresh)
        );
    }
    assert_eq!(delays, vec![1000.0, 2000.0, 4000.0, 8000.0, 8000.0, 8000.0]);
}

#[test]
fn invalid_grant_asks_for_reauthentication_and_drops_tokens() {
    let mut m = refreshing_machine();
    let out = m
        .step(
            failed(ErrorKind::Reauthenticate, "invalid_grant", None),
            NOW,
            0.0,
        )
        .unwrap();
    assert_eq!(
        out,
        vec![
            Action::CancelTimer,
            Action::DropTokens,
            Action::Emit {
                event: Event::Reauthenticate {
                    code: "invalid_grant".into()
                }
            }
        ]
    );
    assert_eq!(m.state(), State::NeedsReauthentication);
    assert_eq!(m.step(Input::Tick, NOW + 1e9, 0.0).unwrap(), vec![]);
    // A new sign-in restarts renewal.
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    assert_eq!(m.state(), State::Scheduled);
}

#[test]
fn config_errors_stop_without_dropping_tokens() {
    let mut m = refreshing_machine();
    let out = m
        .step(failed(ErrorKind::Config, "invalid_client", None), NOW, 0.0)
        .unwrap();
    assert_eq!(
        out,
        vec![
            Action::CancelTimer,
            Action::Emit {
                event: Event::Error {
                    code: "invalid_client".into(),
                    kind: "config"
                }
            }
        ]
    );
    assert_eq!(m.state(), State::Idle);
}

#[test]
fn offline_holds_the_refresh_until_online() {
    let mut m = machine();
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    m.step(Input::Offline, NOW, 0.0).unwrap();
    assert_eq!(m.step(Input::Tick, NOW + 300_000.0, 0.0).unwrap(), vec![]);
    assert_eq!(
        m.step(Input::Online, NOW + 301_000.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
    // Online during a retry wait retries now.
    m.step(Input::NetworkFailed, NOW + 301_000.0, 0.0).unwrap();
    assert_eq!(
        m.step(Input::Online, NOW + 301_100.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
}

#[test]
fn refresh_token_expiring_before_renewal_is_announced() {
    let mut m = machine();
    let mut t = tokens(NOW, 300.0);
    t.refresh_expires_at = Some(NOW + 60_000.0);
    let out = m.step(Input::TokensStored(t), NOW, 0.0).unwrap();
    assert_eq!(
        out,
        vec![
            Action::Emit {
                event: Event::RefreshExpiring {
                    refresh_expires_at: NOW + 60_000.0
                }
            },
            Action::WakeAt { at: NOW + 45_000.0 }
        ]
    );
}

#[test]
fn no_refresh_token_or_no_expiry_is_idle_and_cleared_cancels() {
    let mut m = machine();
    let mut t = tokens(NOW, 300.0);
    t.has_refresh_token = false;
    assert_eq!(
        m.step(Input::TokensStored(t), NOW, 0.0).unwrap(),
        vec![Action::CancelTimer]
    );
    assert_eq!(m.state(), State::Idle);
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    assert_eq!(
        m.step(Input::Cleared, NOW, 0.0).unwrap(),
        vec![Action::CancelTimer]
    );
    assert_eq!(m.state(), State::Idle);
}

#[test]
fn late_failure_after_adoption_is_ignored_and_bad_inputs_refused() {
    let mut m = machine();
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    // A failure while not refreshing (e.g. after another tab's set was adopted) changes nothing.
    assert_eq!(m.step(Input::NetworkFailed, NOW, 0.0).unwrap(), vec![]);
    assert_eq!(m.state(), State::Scheduled);
    assert!(m.step(Input::Tick, f64::NAN, 0.0).is_err());
    assert!(m.step(Input::Tick, NOW, 1.0).is_err());
    assert!(
        RenewalMachine::new(Policy {
            lead_seconds: Some(-1.0),
            ..Policy::default()
        })
        .is_err()
    );
}

#[test]
fn rejected_access_token_refreshes_now_but_not_during_backoff() {
    let mut m = machine();
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    assert_eq!(
        m.step(Input::AccessTokenRejected, NOW + 10.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
    m.step(Input::NetworkFailed, NOW + 10.0, 0.0).unwrap();
    assert_eq!(
        m.step(Input::AccessTokenRejected, NOW + 20.0, 0.0).unwrap(),
        vec![Action::WakeAt { at: NOW + 1010.0 }]
    );
    // Idle (no refresh token): nothing to do.
    let mut idle = machine();
    assert_eq!(
        idle.step(Input::AccessTokenRejected, NOW, 0.0).unwrap(),
        vec![]
    );
}

#[test]
fn a_set_stored_during_a_failing_refresh_is_kept() {
    let mut m = refreshing_machine();
    assert_eq!(m.state(), State::Refreshing);
    // The user signs in again while the old refresh token is being redeemed.
    assert_eq!(
        m.step(
            Input::TokensStored(tokens(NOW + 10.0, 300.0)),
            NOW + 10.0,
            0.0
        )
        .unwrap(),
        vec![]
    );
    // The old token is dead: nothing is dropped, the new set is scheduled.
    let out = m
        .step(
            failed(ErrorKind::Reauthenticate, "invalid_grant", None),
            NOW + 20.0,
            0.0,
        )
        .unwrap();
    assert_eq!(
        out,
        vec![Action::WakeAt {
            at: NOW + 225_010.0
        }]
    );
    assert_eq!(m.state(), State::Scheduled);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn input() -> impl Strategy<Value = Input> {
        prop_oneof![
            Just(Input::Tick),
            Just(Input::WakeUp),
            Just(Input::Demand),
            Just(Input::AccessTokenRejected),
            Just(Input::Online),
            Just(Input::Offline),
            Just(Input::Cleared),
            Just(Input::NetworkFailed),
            Just(Input::SessionEnded {
                code: "session_ended".into()
            }),
            (0.0f64..600.0, -700.0f64..10.0, any::<bool>(), any::<bool>()).prop_map(
                |(life, age, refresh_token_changed, access_token_changed)| Input::TokensSeen {
                    tokens: tokens(NOW + age * 1000.0, life),
                    refresh_token_changed,
                    access_token_changed,
                }
            ),
            (0.0f64..600.0, -700.0f64..0.0)
                .prop_map(|(life, age)| Input::TokensStored(tokens(NOW + age * 1000.0, life))),
            (1.0f64..600.0, any::<bool>()).prop_map(|(life, rotated)| Input::RefreshSucceeded {
                tokens: tokens(NOW, life),
                rotated
            }),
            prop_oneof![
                Just(ErrorKind::Reauthenticate),
                Just(ErrorKind::Retry),
                Just(ErrorKind::Config),
                Just(ErrorKind::Scope),
                Just(ErrorKind::Protocol)
            ]
            .prop_flat_map(|kind| proptest::option::of(0.0f64..120_000.0)
                .prop_map(move |ra| failed(kind, "code", ra))),
        ]
    }

    proptest! {
        #[test]
        fn invariants_hold_for_any_input_sequence(
            steps in proptest::collection::vec((input(), 0.0f64..400_000.0, 0.0f64..1.0), 1..60)
        ) {
            let mut m = machine();
            let mut now = NOW;
            for (input, advance, jitter) in steps {
                now += advance.floor();
                let was = m.state();
                let is_reauth = matches!(
                    &input,
                    Input::RefreshFailed { kind: ErrorKind::Reauthenticate, .. }
                );
                let ended = matches!(&input, Input::SessionEnded { .. });
                let completes_failure =
                    matches!(&input, Input::RefreshFailed { .. } | Input::NetworkFailed);
                let out = m.step(input, now, jitter).unwrap();
                let sends = out.iter().filter(|a| **a == Action::SendRefresh).count();
                prop_assert!(sends <= 1);
                if sends == 1 {
                    // Never a second request while one is in flight, and never straight
                    // after a success (no loop); after a failed request only when a set
                    // stored meanwhile is itself due.
                    prop_assert!(was != State::Refreshing || completes_failure);
                    prop_assert_eq!(m.state(), State::Refreshing);
                }
                if out.contains(&Action::DropTokens) {
                    // Tokens are dropped only when the server said the refresh token is dead.
                    prop_assert!((is_reauth && was == State::Refreshing) || ended);
                }
                for a in &out {
                    if let Action::WakeAt { at } = a {
                        prop_assert!(*at > now && at.is_finite());
                    }
                    if let Action::Emit { event: Event::Retrying { delay_ms, .. } } = a {
                        prop_assert!(*delay_ms >= 500.0);
                        prop_assert!(*delay_ms <= 120_000.0_f64.max(8000.0));
                    }
                }
            }
        }
    }
}

#[test]
fn late_reauth_is_ignored_but_session_ended_elsewhere_ends_it_here() {
    let mut m = machine();
    m.step(Input::TokensStored(tokens(NOW, 300.0)), NOW, 0.0)
        .unwrap();
    assert_eq!(
        m.step(
            failed(ErrorKind::Reauthenticate, "invalid_grant", None),
            NOW,
            0.0
        )
        .unwrap(),
        vec![]
    );
    assert_eq!(m.state(), State::Scheduled);
    let out = m
        .step(
            Input::SessionEnded {
                code: "session_ended".into(),
            },
            NOW,
            0.0,
        )
        .unwrap();
    assert_eq!(out[1], Action::DropTokens);
    assert_eq!(m.state(), State::NeedsReauthentication);
    // Nothing to end twice.
    let mut idle = machine();
    assert_eq!(
        idle.step(
            Input::SessionEnded {
                code: "session_ended".into()
            },
            NOW,
            0.0
        )
        .unwrap(),
        vec![]
    );
}

#[test]
fn a_renewed_set_due_on_arrival_backs_off_instead_of_looping() {
    let mut m = refreshing_machine();
    let mut now = NOW;
    for expected_delay in [1000.0, 2000.0, 4000.0] {
        let out = m
            .step(
                Input::RefreshSucceeded {
                    tokens: tokens(now, 0.0),
                    rotated: false,
                },
                now,
                0.0,
            )
            .unwrap();
        assert!(!out.contains(&Action::SendRefresh), "{out:?}");
        assert_eq!(
            out.last(),
            Some(&Action::WakeAt {
                at: now + expected_delay
            })
        );
        assert_eq!(m.state(), State::RetryWait);
        now += expected_delay;
        assert_eq!(
            m.step(Input::Tick, now, 0.0).unwrap().last(),
            Some(&Action::SendRefresh)
        );
    }
}

#[test]
fn a_set_without_lifetime_is_renewed_when_the_api_rejects_it() {
    let mut m = machine();
    let no_lifetime = TokenTimes {
        has_refresh_token: true,
        received_at: Some(NOW),
        ..TokenTimes::default()
    };
    assert_eq!(
        m.step(Input::TokensStored(no_lifetime), NOW, 0.0).unwrap(),
        vec![Action::CancelTimer]
    );
    assert_eq!(m.state(), State::Idle);
    assert_eq!(
        m.step(Input::AccessTokenRejected, NOW + 5.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
}

fn seen(received: f64, lifetime_s: f64) -> Input {
    Input::TokensSeen {
        tokens: tokens(received, lifetime_s),
        refresh_token_changed: true,
        access_token_changed: true,
    }
}

#[test]
fn a_set_seen_in_storage_is_adopted_only_when_it_is_another_newer_set() {
    let mut m = machine();
    // Nothing here yet (another tab signed in): adopted and scheduled.
    assert_eq!(
        m.step(seen(NOW, 300.0), NOW, 0.0).unwrap(),
        vec![
            Action::AdoptTokens,
            Action::WakeAt {
                at: NOW + 225_000.0
            }
        ]
    );
    // The current set itself: nothing.
    let same = Input::TokensSeen {
        tokens: tokens(NOW, 300.0),
        refresh_token_changed: false,
        access_token_changed: false,
    };
    assert_eq!(m.step(same, NOW + 1.0, 0.0).unwrap(), vec![]);
    // An older set (a stale write): kept out.
    assert_eq!(
        m.step(seen(NOW - 1.0, 300.0), NOW + 2.0, 0.0).unwrap(),
        vec![]
    );
    // A newer one (another tab renewed): adopted, failures reset, rescheduled from it.
    assert_eq!(
        m.step(seen(NOW + 60_000.0, 300.0), NOW + 60_000.0, 0.0)
            .unwrap(),
        vec![
            Action::AdoptTokens,
            Action::WakeAt {
                at: NOW + 285_000.0
            }
        ]
    );
    // As new as the current one but another access token (same receivedAt): adopted.
    let access_only = Input::TokensSeen {
        tokens: tokens(NOW + 60_000.0, 600.0),
        refresh_token_changed: false,
        access_token_changed: true,
    };
    assert_eq!(
        m.step(access_only, NOW + 60_000.0, 0.0).unwrap(),
        vec![
            Action::AdoptTokens,
            Action::WakeAt {
                at: NOW + 510_000.0
            }
        ]
    );
    // Without receivedAt on either side, another set is adopted.
    let undated = TokenTimes {
        received_at: None,
        ..tokens(NOW, 300.0)
    };
    let out = m
        .step(
            Input::TokensSeen {
                tokens: undated,
                refresh_token_changed: true,
                access_token_changed: true,
            },
            NOW + 60_000.0,
            0.0,
        )
        .unwrap();
    assert_eq!(out[0], Action::AdoptTokens);
}

#[test]
fn after_the_session_ended_the_dead_refresh_token_is_not_adopted_back() {
    let mut m = refreshing_machine();
    m.step(
        failed(ErrorKind::Reauthenticate, "invalid_grant", None),
        NOW,
        0.0,
    )
    .unwrap();
    assert_eq!(m.state(), State::NeedsReauthentication);
    // Storage still holds the dead set (its deletion is under way): not adopted.
    let dead = Input::TokensSeen {
        tokens: tokens(NOW + 10.0, 300.0),
        refresh_token_changed: false,
        access_token_changed: true,
    };
    assert_eq!(m.step(dead, NOW + 10.0, 0.0).unwrap(), vec![]);
    assert_eq!(m.state(), State::NeedsReauthentication);
    // A new sign-in elsewhere (another refresh token, even an older receivedAt): adopted.
    assert_eq!(
        m.step(seen(NOW - 5.0, 300.0), NOW + 20.0, 0.0).unwrap(),
        vec![
            Action::AdoptTokens,
            Action::WakeAt {
                at: NOW + 224_995.0
            }
        ]
    );
    assert_eq!(m.state(), State::Scheduled);
}

#[test]
fn a_set_seen_while_refreshing_ends_the_redemption_or_is_redeemed_instead() {
    // Another tab renewed while this one waited for the lock: its set is the outcome.
    let mut m = refreshing_machine();
    assert_eq!(
        m.step(seen(NOW + 5.0, 300.0), NOW + 10.0, 0.0).unwrap(),
        vec![
            Action::AdoptTokens,
            Action::Emit {
                event: Event::Renewed {
                    expires_at: Some(NOW + 300_005.0)
                }
            },
            Action::WakeAt {
                at: NOW + 225_005.0
            }
        ]
    );
    assert_eq!(m.state(), State::Scheduled);
    // A late answer to the superseded request changes nothing.
    let late = Input::RefreshSucceeded {
        tokens: tokens(NOW + 20.0, 300.0),
        rotated: true,
    };
    assert_eq!(m.step(late, NOW + 20.0, 0.0).unwrap(), vec![]);
    assert_eq!(m.refresh_at(), Some(NOW + 225_005.0));
    // Another set, already due (renewed long ago by another tab): redeem it instead.
    let mut m = refreshing_machine();
    assert_eq!(
        m.step(seen(NOW - 1_000_000.0, 300.0), NOW, 0.0).unwrap(),
        vec![Action::AdoptTokens]
    );
    assert_eq!(m.state(), State::Refreshing);
    // A set older than the one being redeemed: ignored, the redemption goes on.
    let mut m = refreshing_machine();
    assert_eq!(
        m.step(seen(NOW - 3_700_000.0, 300.0), NOW, 0.0).unwrap(),
        vec![]
    );
    assert_eq!(m.state(), State::Refreshing);
}

#[test]
fn answer_uses_a_live_token_and_waits_for_the_refresh_in_flight() {
    let mut m = machine();
    assert_eq!(m.answer(None, false, NOW).unwrap(), Answer::NoSession);
    let t = tokens(NOW, 300.0);
    m.step(Input::TokensStored(t), NOW, 0.0).unwrap();
    assert_eq!(m.answer(Some(&t), false, NOW).unwrap(), Answer::Use);
    // Usable up to the millisecond before expiry, not at it.
    assert!(m.usable(Some(&t), false, NOW + 299_999.0));
    assert!(!m.usable(Some(&t), false, NOW + 300_000.0));
    // The rejected token is never usable, however fresh.
    assert!(!m.usable(Some(&t), true, NOW));
    m.step(Input::AccessTokenRejected, NOW + 1.0, 0.0).unwrap();
    assert_eq!(m.answer(Some(&t), true, NOW + 1.0).unwrap(), Answer::Wait);
    // Inside the lead (due) a demand starts the refresh and waits for it.
    let mut m = machine();
    m.step(Input::TokensStored(t), NOW, 0.0).unwrap();
    assert_eq!(
        m.step(Input::Demand, NOW + 225_000.0, 0.0).unwrap(),
        vec![Action::CancelTimer, Action::SendRefresh]
    );
    assert_eq!(
        m.answer(Some(&t), false, NOW + 225_000.0).unwrap(),
        Answer::Wait
    );
    assert!(m.answer(Some(&t), false, f64::NAN).is_err());
}

#[test]
fn usable_applies_the_clock_skew_to_a_jwt_exp() {
    let mut m = machine();
    let t = TokenTimes {
        access_exp_seconds: Some((NOW + 300_000.0) / 1000.0),
        ..tokens(NOW, 600.0)
    };
    m.step(Input::TokensStored(t), NOW, 0.0).unwrap();
    assert!(m.usable(Some(&t), false, NOW + 299_999.0));
    assert!(!m.usable(Some(&t), false, NOW + 300_000.0));
    // The server's clock is 10 s ahead: its exp comes 10 s earlier here.
    m.set_skew_ms(10_000.0).unwrap();
    assert!(m.usable(Some(&t), false, NOW + 289_999.0));
    assert!(!m.usable(Some(&t), false, NOW + 290_000.0));
    // No expiry at all: usable until rejected.
    let forever = TokenTimes {
        has_refresh_token: true,
        ..TokenTimes::default()
    };
    assert!(m.usable(Some(&forever), false, NOW + 1e12));
    assert!(!m.usable(Some(&forever), true, NOW));
}

#[test]
fn answer_during_backoff_waits_for_a_near_retry_and_fails_for_a_far_one() {
    let expired = tokens(NOW - 3_600_000.0, 300.0);
    let mut m = refreshing_machine();
    m.step(failed(ErrorKind::Retry, "server_error", None), NOW, 0.0)
        .unwrap();
    assert_eq!(m.retry_at(), Some(NOW + 1000.0));
    assert_eq!(
        m.answer(Some(&expired), false, NOW + 400.0).unwrap(),
        Answer::WaitUntil { at: NOW + 1000.0 }
    );
    // A still-valid access token is used meanwhile; the rejected one waits.
    let live = tokens(NOW, 300.0);
    assert_eq!(m.answer(Some(&live), false, NOW).unwrap(), Answer::Use);
    assert_eq!(
        m.answer(Some(&live), true, NOW).unwrap(),
        Answer::WaitUntil { at: NOW + 1000.0 }
    );
    // Retry-After 30 s: beyond the 5 s bound, fail now with the time of the next try.
    m.step(Input::Tick, NOW + 1000.0, 0.0).unwrap();
    m.step(
        failed(ErrorKind::Retry, "temporarily_unavailable", Some(30_000.0)),
        NOW + 1000.0,
        0.0,
    )
    .unwrap();
    assert_eq!(
        m.answer(Some(&expired), false, NOW + 1000.0).unwrap(),
        Answer::RetryLater {
            retry_at: Some(NOW + 31_000.0)
        }
    );
    // Exactly 5 s before the retry: waits; 1 ms earlier: fails.
    assert_eq!(
        m.answer(Some(&expired), false, NOW + 26_000.0).unwrap(),
        Answer::WaitUntil { at: NOW + 31_000.0 }
    );
    assert_eq!(
        m.answer(Some(&expired), false, NOW + 25_999.0).unwrap(),
        Answer::RetryLater {
            retry_at: Some(NOW + 31_000.0)
        }
    );
    // Offline: the retry waits for connectivity, so does not the demand.
    m.step(Input::Offline, NOW + 30_000.0, 0.0).unwrap();
    assert_eq!(
        m.answer(Some(&expired), false, NOW + 30_000.0).unwrap(),
        Answer::RetryLater {
            retry_at: Some(NOW + 31_000.0)
        }
    );
    // A bound of 0: never waits.
    let mut eager = RenewalMachine::new(Policy {
        max_demand_wait_ms: 0.0,
        ..Policy::default()
    })
    .unwrap();
    eager.step(Input::TokensStored(expired), NOW, 0.0).unwrap();
    eager.step(Input::NetworkFailed, NOW, 0.0).unwrap();
    assert_eq!(
        eager.answer(Some(&expired), false, NOW).unwrap(),
        Answer::RetryLater {
            retry_at: Some(NOW + 1000.0)
        }
    );
    assert!(
        RenewalMachine::new(Policy {
            max_demand_wait_ms: -1.0,
            ..Policy::default()
        })
        .is_err()
    );
}

#[test]
fn answer_without_renewal_is_expired_or_waits_for_connectivity() {
    // No refresh token: an expired access token cannot be renewed.
    let mut m = machine();
    let mut t = tokens(NOW - 3_600_000.0, 300.0);
    t.has_refresh_token = false;
    m.step(Input::TokensStored(t), NOW, 0.0).unwrap();
    assert_eq!(m.answer(Some(&t), false, NOW).unwrap(), Answer::Expired);
    // A configuration error stops renewal; the live token is still used, then it expires.
    let mut m = refreshing_machine();
    let live = tokens(NOW, 300.0);
    m.step(failed(ErrorKind::Config, "invalid_client", None), NOW, 0.0)
        .unwrap();
    assert_eq!(m.answer(Some(&live), false, NOW).unwrap(), Answer::Use);
    assert_eq!(
        m.answer(Some(&live), false, NOW + 300_000.0).unwrap(),
        Answer::Expired
    );
    // Offline with a due set: the refresh waits for connectivity.
    let mut m = machine();
    m.step(Input::Offline, NOW, 0.0).unwrap();
    let expired = tokens(NOW - 3_600_000.0, 300.0);
    m.step(Input::TokensStored(expired), NOW, 0.0).unwrap();
    assert_eq!(m.state(), State::Scheduled);
    assert_eq!(
        m.answer(Some(&expired), false, NOW).unwrap(),
        Answer::RetryLater { retry_at: None }
    );
    // After reauthentication: no session.
    let mut m = refreshing_machine();
    m.step(
        failed(ErrorKind::Reauthenticate, "invalid_grant", None),
        NOW,
        0.0,
    )
    .unwrap();
    assert_eq!(m.answer(None, false, NOW).unwrap(), Answer::NoSession);
}
