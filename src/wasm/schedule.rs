//! JS bindings for `crate::schedule`.
