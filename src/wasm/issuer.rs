//! JS bindings for `crate::issuer`: the `IssuerCore` class driven by `pkg/lib/issuer.js`.
//!
//! Every argument crosses as text, bytes or a number, and every result as one JSON text that
//! the JS driver reads with one `JSON.parse`; errors are thrown (`super::js_error`). JSON is
//! read with rotor's scanner and written with its writer (`crate::json`), as in the browser
//! module. A request crosses as its method, path, `Headers` (read with web-sys) and body
//! bytes; a response comes back as
//! `{"status":..,"headers":{name: value, ..},"body":".."}`.

use crate::error::{Error, RotorError};
use crate::issuer::{
    self, DpopProof, HttpRequest, HttpResponse, IssuerConfig, RANDOM_BYTES, RecordChange, Route,
    SessionInput,
};
use crate::json::write::Obj;
use crate::text::{join, u64_text};
use wasm_bindgen::prelude::*;
use web_sys::Headers;

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

/// The request headers the core reads (src/issuer: client authentication, the body's type,
/// CORS and its preflight).
const READ_HEADERS: [&str; 4] = [
    "authorization",
    "content-type",
    "origin",
    "access-control-request-method",
];

/// The headers the core reads, taken from the request's `Headers` (web-sys): one
/// `Headers.get` per name (values of a repeated name come joined with ", ", RFC 9110 §5.3).
fn headers_of(headers: &Headers) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::with_capacity(READ_HEADERS.len());
    for name in READ_HEADERS {
        let value = headers
            .get(name)
            .map_err(|_| RotorError::argument("request headers: expected a Headers"))?;
        if let Some(value) = value {
            out.push((name.to_owned(), value));
        }
    }
    Ok(out)
}

fn request(
    method: &str,
    path: &str,
    headers: &Headers,
    body: &[u8],
    dpop: &str,
) -> Result<HttpRequest, Error> {
    Ok(HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: headers_of(headers)?,
        body: body.to_vec(),
        dpop: DpopProof::from_wire(dpop),
    })
}

impl IssuerCore {
    fn route_text(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        body: &[u8],
        dpop: &str,
        now: f64,
    ) -> Result<String, Error> {
        let req = request(method, path, headers, body, dpop)?;
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
        headers: &Headers,
        body: &[u8],
        dpop: &str,
        stored: Option<&str>,
        now: f64,
        random: &[u8],
    ) -> Result<String, Error> {
        let req = request(method, path, headers, body, dpop)?;
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

    fn start_session_text(
        &self,
        input: &str,
        dpop: &str,
        now: f64,
        random: &[u8],
    ) -> Result<String, Error> {
        let mut input = SessionInput::from_json(input)?;
        input.dpop = DpopProof::from_wire(dpop);
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

    /// Phase 1 (JSON text): `{ response }` or `{ familyKey }`. `headers` is the request's
    /// `Headers`; `dpop` its DPoP proof as the driver checked it ([`DpopProof::from_wire`]).
    pub fn route(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        body: &[u8],
        dpop: &str,
        now: f64,
    ) -> Result<String, JsValue> {
        text(self.route_text(method, path, headers, body, dpop, now))
    }

    /// Phase 2 (JSON text): `{ change: "keep" | "put" | "delete", record?, expiresAt?,
    /// response }`. `has_stored` says whether the store holds a record (`stored`);
    /// `random` is [`RANDOM_BYTES`] bytes from `crypto.getRandomValues`.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        body: &[u8],
        dpop: &str,
        has_stored: bool,
        stored: &str,
        now: f64,
        random: &[u8],
    ) -> Result<String, JsValue> {
        let stored = has_stored.then_some(stored);
        text(self.apply_text(method, path, headers, body, dpop, stored, now, random))
    }

    /// Creates a family (JSON text): `{ familyKey, record, expiresAt, body }`. `input` is
    /// the JSON text of `{ clientId, subject, scope?, claims? }`, `dpop` the sign-in's proof
    /// as the driver checked it.
    #[wasm_bindgen(js_name = startSession)]
    pub fn start_session(
        &self,
        input: &str,
        dpop: &str,
        now: f64,
        random: &[u8],
    ) -> Result<String, JsValue> {
        text(self.start_session_text(input, dpop, now, random))
    }

    /// The rules the driver checks token-endpoint DPoP proofs with (JSON text, see
    /// `Issuer::dpop_rules`), or `""` when no client uses DPoP.
    #[wasm_bindgen(js_name = dpopRules)]
    pub fn dpop_rules(&self, now: f64) -> String {
        // `now` comes from the driver's `resolveNow` (finite, non-negative); `as` saturates.
        self.inner.dpop_rules(now as u64).unwrap_or_default()
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
