//! Building refresh-token requests and parsing token responses (RFC 6749 §6, §5.1, §5.2).
