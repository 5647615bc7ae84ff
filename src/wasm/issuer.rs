//! JS bindings for `crate::issuer`: the `IssuerCore` class driven by `pkg/lib/issuer.js`.
//!
//! Every argument crosses as text, bytes or a number, and every result as one JSON text that
//! the JS driver reads with one `JSON.parse`; errors are thrown (`super::js_error`). JSON is
//! read with rotor's scanner and written with its writer (`crate::json`), as in the browser
//! module. A request crosses as its method, path, headers (a JSON array of `[name, value]`
//! pairs) and body bytes; a response comes back as
//! `{"status":..,"headers":{name: value, ..},"body":".."}`.

use crate::error::{Error, RotorError};
use crate::issuer::{
    self, HttpRequest, HttpResponse, IssuerConfig, RANDOM_BYTES, RecordChange, Route, SessionInput,
};
use crate::json::scan;
use crate::json::write::Obj;
use crate::text::{join, u64_text};
use wasm_bindgen::prelude::*;

/// The sans-IO issuer core (RFC 6749 §6, RFC 9700 §4.14.2, RFC 7009, RFC 7662, RFC 8414).
/// Used by the JS `Issuer` driver; not part of the documented API.
#[wasm_bindgen(js_name = IssuerCore)]
pub struct IssuerCore {
    inner: issuer::Issuer,
}

/// A response as the driver builds its `Response` from it: `{"status", "headers", "body"}`.
/// Headers are one JSON object (`{ name: value }`): workerd builds a `Response` from an object
/// about twice as fast as from `[name, value]` pairs. A name given more than once has its
/// values joined with ", " (RFC 9110 §5.3), which is what `Headers` does with them.
fn response_json(r: &HttpResponse) -> String {
    let headers = &r.headers;
    let mut out = Obj::new();
    for (i, (name, value)) in headers.iter().enumerate() {
        let same = |(other, _): &&(String, String)| other.eq_ignore_ascii_case(name);
        if headers[..i].iter().any(|h| same(&h)) {
            continue;
        }
        let mut joined = value.clone();
        for (_, v) in headers[i + 1..].iter().filter(same) {
            joined.push_str(", ");
            joined.push_str(v);
        }
        out = out.str(name, &joined);
    }
    Obj::new()
        .u64("status", u64::from(r.status))
        .raw("headers", &out.end())
        .str("body", &r.body)
        .end()
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
        RotorError::argument(join(&[
            "the core needs exactly ",
            &u64_text(RANDOM_BYTES as u64),
            " random bytes per call",
        ]))
        .into()
    })
}

/// The request headers: the JSON text of `[[name, value], ..]` (made by pkg/lib/issuer.js),
/// names lower-cased (RFC 9110 §5.1: they are case-insensitive).
fn headers_of(text: &str) -> Result<Vec<(String, String)>, Error> {
    let bad = || RotorError::argument("request headers: expected [name, value] string pairs");
    let wrapped = join(&["{\"h\":", text, "}"]);
    let doc = scan::object(&wrapped)
        .map_err(|e| RotorError::argument(join(&["request headers: ", &e.message()])))?;
    let pairs = doc.get("h").and_then(|h| h.elements()).ok_or_else(bad)?;
    let mut headers = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let (name, value) = match pair.elements().as_deref() {
            Some([n, v]) => (n.as_str().ok_or_else(bad)?, v.as_str().ok_or_else(bad)?),
            _ => return Err(bad().into()),
        };
        headers.push((name.to_ascii_lowercase(), value.into_owned()));
    }
    Ok(headers)
}

fn request(method: &str, path: &str, headers: &str, body: &[u8]) -> Result<HttpRequest, Error> {
    Ok(HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: headers_of(headers)?,
        body: body.to_vec(),
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
        Ok(match self.inner.route(&req, now) {
            Route::Respond(r) => Obj::new().raw("response", &response_json(&r)).end(),
            Route::Family { family_key } => Obj::new().str("familyKey", &family_key).end(),
        })
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
            RecordChange::Keep => Obj::new().str("change", "keep"),
            RecordChange::Delete => Obj::new().str("change", "delete"),
            RecordChange::Put(record) => Obj::new()
                .str("change", "put")
                .str("record", &record.to_json())
                .u64("expiresAt", self.inner.purge_at(record)),
        };
        Ok(out.raw("response", &response_json(&applied.response)).end())
    }

    fn start_session_text(&self, input: &str, now: f64, random: &[u8]) -> Result<String, Error> {
        let input = SessionInput::from_json(input)?;
        let now = now_ms(now)?;
        let random = random_of(random)?;
        let session = self.inner.start_session(input, now, random)?;
        Ok(Obj::new()
            .str("familyKey", &session.family_key)
            .str("record", &session.record.to_json())
            .u64("expiresAt", self.inner.purge_at(&session.record))
            .raw("body", &session.body)
            .end())
    }
}

fn text(result: Result<String, Error>) -> Result<String, JsValue> {
    result.map_err(super::js_error)
}

#[wasm_bindgen(js_class = IssuerCore)]
impl IssuerCore {
    /// Validates the configuration: JSON text of the JS config without `store`, `keys[].key`
    /// as base64url strings; throws `invalid_config` when it is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<IssuerCore, JsValue> {
        let config = IssuerConfig::from_json(config).map_err(super::js_error)?;
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
        response_json(&self.inner.token_error(status, code, description, false))
    }

    /// The RFC 8414 metadata document (JSON text).
    pub fn metadata(&self) -> String {
        self.inner.metadata()
    }

    /// The path prefix of the endpoints (the issuer URL's path).
    #[wasm_bindgen(getter, js_name = pathPrefix)]
    pub fn path_prefix(&self) -> String {
        self.inner.settings().path_prefix.clone()
    }
}
