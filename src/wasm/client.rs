//! JS bindings for `crate::client`.
