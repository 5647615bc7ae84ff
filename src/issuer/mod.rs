//! The edge token endpoint: refresh-token rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2).
