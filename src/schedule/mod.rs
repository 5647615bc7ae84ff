//! Refresh timing, backoff, clock skew and the renewal state machine.
