//! JS bindings for `crate::jwt`.
