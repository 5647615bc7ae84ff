//! JS bindings for `crate::issuer`.
