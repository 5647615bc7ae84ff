//! JS bindings for `crate::issuer`: the `IssuerCore` class driven by `pkg/lib/issuer.js`.
//!
//! Every argument crosses as text, bytes or a number, and every result as one JSON text that
//! the JS driver reads with one `JSON.parse`; errors are thrown (`super::js_error`). This is
//! the edge module, where `serde_json` is allowed: the records it stores and the configuration
//! it reads are JSON texts. A request crosses as its method, path, headers (a JSON
//! array of `[name, value]` pairs) and body bytes; a response comes back as
//! `{"status":..,"headers":{name: value, ..},"body":".."}`.

use super::options::scrub;
use crate::error::{Error, RotorError};
use crate::issuer::{
    self, FamilyRecord, HttpRequest, HttpResponse, IssuerConfig, RANDOM_BYTES, RecordChange, Route,
    SessionInput,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The sans-IO issuer core (RFC 6749 §6, RFC 9700 §4.14.2, RFC 7009, RFC 7662, RFC 8414).
/// Used by the JS `Issuer` driver; not part of the documented API.
#[wasm_bindgen(js_name = IssuerCore)]
pub struct IssuerCore {
    inner: issuer::Issuer,
}

/// A response as the driver builds its `Response` from it.
#[derive(Serialize)]
struct ResponseOut<'a> {
    status: u16,
    headers: HeaderObject<'a>,
    body: &'a str,
}

/// Response headers as one JSON object (`{ name: value }`): workerd builds a `Response` from
/// an object about twice as fast as from `[name, value]` pairs. A name given more than once
/// has its values joined with ", " (RFC 9110 §5.3), which is what `Headers` does with them.
struct HeaderObject<'a>(&'a [(String, String)]);

impl Serialize for HeaderObject<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let headers = self.0;
        let mut map = serializer.serialize_map(Some(headers.len()))?;
        for (i, (name, value)) in headers.iter().enumerate() {
            let same = |(other, _): &&(String, String)| other.eq_ignore_ascii_case(name);
            if headers[..i].iter().any(|h| same(&h)) {
                continue;
            }
            let mut later = headers[i + 1..].iter().filter(same).peekable();
            if later.peek().is_none() {
                map.serialize_entry(name, value)?;
            } else {
                let mut joined = value.clone();
                for (_, v) in later {
                    joined.push_str(", ");
                    joined.push_str(v);
                }
                map.serialize_entry(name, &joined)?;
            }
        }
        map.end()
    }
}

impl<'a> From<&'a HttpResponse> for ResponseOut<'a> {
    fn from(r: &'a HttpResponse) -> Self {
        ResponseOut {
            status: r.status,
            headers: HeaderObject(&r.headers),
            body: &r.body,
        }
    }
}

/// Phase 1: `{"response": ..}` or `{"familyKey": ".."}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<ResponseOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_key: Option<&'a str>,
}

/// Phase 2: the record change (`"keep"`, `"put"` with the record's JSON text and its purge
/// instant, `"delete"`) and the response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplyOut<'a> {
    change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    response: ResponseOut<'a>,
}

/// A created family: its store key, record (JSON text), purge instant and the first token
/// response body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionOut<'a> {
    family_key: &'a str,
    record: String,
    expires_at: u64,
    body: &'a serde_json::Value,
}

/// `now` (ms) as the core takes it: refuses NaN, infinities and negative instants.
fn now_ms(now: f64) -> Result<u64, Error> {
    if now.is_finite() && now >= 0.0 {
        Ok(now.floor() as u64)
    } else {
        Err(
            RotorError::argument("now must be a finite, non-negative number of milliseconds")
                .into(),
        )
    }
}

/// The random bytes of one call, drawn by the driver (`crypto.getRandomValues`).
fn random_of(random: &[u8]) -> Result<&[u8; RANDOM_BYTES], Error> {
    random.try_into().map_err(|_| {
        RotorError::argument(format!(
            "the core needs exactly {RANDOM_BYTES} random bytes per call"
        ))
        .into()
    })
}

fn request(method: &str, path: &str, headers: &str, body: &[u8]) -> Result<HttpRequest, Error> {
    let mut headers: Vec<(String, String)> = read_json(headers, "request headers", false)?;
    for (name, _) in headers.iter_mut() {
        // Header names are case-insensitive (RFC 9110 §5.1); `Headers` gives them lower-case.
        name.make_ascii_lowercase();
    }
    Ok(HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: body.to_vec(),
    })
}

fn record_text(record: &FamilyRecord) -> Result<String, Error> {
    serde_json::to_string(record).map_err(|e| {
        RotorError::argument(format!("the family record cannot be written: {e}")).into()
    })
}

impl IssuerCore {
    fn route_text(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
        now: f64,
    ) -> Result<String, Error> {
        let req = request(method, path, headers, body)?;
        let now = now_ms(now)?;
        let routed = self.inner.route(&req, now);
        let out = match &routed {
            Route::Respond(r) => RouteOut {
                response: Some(r.into()),
                family_key: None,
            },
            Route::Family { family_key } => RouteOut {
                response: None,
                family_key: Some(family_key),
            },
        };
        Ok(result_text(Ok(&out)))
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_text(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
        stored: Option<&str>,
        now: f64,
        random: &[u8],
    ) -> Result<String, Error> {
        let req = request(method, path, headers, body)?;
        let now = now_ms(now)?;
        let random = random_of(random)?;
        let applied = self.inner.apply(&req, stored, now, random);
        let out = match &applied.change {
            RecordChange::Keep => ApplyOut {
                change: "keep",
                record: None,
                expires_at: None,
                response: (&applied.response).into(),
            },
            RecordChange::Delete => ApplyOut {
                change: "delete",
                record: None,
                expires_at: None,
                response: (&applied.response).into(),
            },
            RecordChange::Put(record) => ApplyOut {
                change: "put",
                record: Some(record_text(record)?),
                expires_at: Some(self.inner.purge_at(record)),
                response: (&applied.response).into(),
            },
        };
        Ok(result_text(Ok(&out)))
    }

    fn start_session_text(&self, input: &str, now: f64, random: &[u8]) -> Result<String, Error> {
        let input: SessionInput = read_json(input, "startSession", false)?;
        let now = now_ms(now)?;
        let random = random_of(random)?;
        let session = self.inner.start_session(input, now, random)?;
        let out = SessionOut {
            family_key: &session.family_key,
            record: record_text(&session.record)?,
            expires_at: self.inner.purge_at(&session.record),
            body: &session.body,
        };
        Ok(result_text(Ok(&out)))
    }
}

fn text(result: Result<String, Error>) -> Result<String, JsValue> {
    result.map_err(super::js_error)
}

/// A value as JSON text.
fn result_text<T: Serialize + ?Sized>(value: Result<&T, Error>) -> String {
    value
        .ok()
        .and_then(|v| serde_json::to_string(v).ok())
        .unwrap_or_else(|| "null".to_owned())
}

/// Reads a JSON text argument (made by `JSON.stringify` in pkg/lib/issuer.js) into `T`;
/// errors are `invalid_argument` naming `what` (or `invalid_config`), with serde's quotes of
/// the caller's values removed.
fn read_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
    config: bool,
) -> Result<T, Error> {
    serde_json::from_str::<T>(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        let message = [what, ": ", &scrub(message)].concat();
        if config {
            RotorError::config(message).into()
        } else {
            RotorError::argument(message).into()
        }
    })
}

#[wasm_bindgen(js_class = IssuerCore)]
impl IssuerCore {
    /// Validates the configuration: JSON text of the JS config without `store`, `keys[].key`
    /// as base64url strings; throws `invalid_config` when it is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<IssuerCore, JsValue> {
        let config: IssuerConfig =
            read_json(config, "issuer config", true).map_err(super::js_error)?;
        let inner = issuer::Issuer::new(config).map_err(super::js_error)?;
        Ok(IssuerCore { inner })
    }

    /// Phase 1 (JSON text): `{ response }` or `{ familyKey }`. `headers` is the JSON text
    /// of `[name, value]` pairs.
    pub fn route(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
        now: f64,
    ) -> Result<String, JsValue> {
        text(self.route_text(method, path, headers, body, now))
    }

    /// Phase 2 (JSON text): `{ change: "keep" | "put" | "delete", record?, expiresAt?,
    /// response }`. `has_stored` says whether the store holds a record (`stored`);
    /// `random` is [`RANDOM_BYTES`] bytes from `crypto.getRandomValues`.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
        has_stored: bool,
        stored: &str,
        now: f64,
        random: &[u8],
    ) -> Result<String, JsValue> {
        let stored = has_stored.then_some(stored);
        text(self.apply_text(method, path, headers, body, stored, now, random))
    }

    /// Creates a family (JSON text): `{ familyKey, record, expiresAt, body }`. `input` is
    /// the JSON text of `{ clientId, subject, scope?, claims? }`.
    #[wasm_bindgen(js_name = startSession)]
    pub fn start_session(&self, input: &str, now: f64, random: &[u8]) -> Result<String, JsValue> {
        text(self.start_session_text(input, now, random))
    }

    /// A token-endpoint error response in the configured dialect (JSON text; used for
    /// store failures: 503 `temporarily_unavailable`).
    #[wasm_bindgen(js_name = errorResponse)]
    pub fn error_response(&self, status: u16, code: &str, description: &str) -> String {
        let r = self.inner.token_error(status, code, description, false);
        result_text(Ok(&ResponseOut::from(&r)))
    }

    /// The RFC 8414 metadata document (JSON text).
    pub fn metadata(&self) -> String {
        result_text(Ok(&self.inner.metadata()))
    }

    /// The path prefix of the endpoints (the issuer URL's path).
    #[wasm_bindgen(getter, js_name = pathPrefix)]
    pub fn path_prefix(&self) -> String {
        self.inner.settings().path_prefix.clone()
    }
}
