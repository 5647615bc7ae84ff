//! JS bindings for `crate::issuer`: the `IssuerCore` class driven by `pkg/lib/issuer.js`.

use super::{
    bad_argument, bad_config, from_js, get, now_or_clock, random_bytes, read_headers, to_js,
    to_js_error,
};
use crate::issuer::{
    self, HttpRequest, HttpResponse, IssuerConfig, RANDOM_BYTES, RecordChange, Route, SessionInput,
};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// The sans-IO issuer core (RFC 6749 §6, RFC 9700 §4.14.2, RFC 7009, RFC 7662, RFC 8414).
/// Used by the JS `Issuer` driver; not part of the documented API.
#[wasm_bindgen(js_name = IssuerCore)]
pub struct IssuerCore {
    inner: issuer::Issuer,
}

fn set(obj: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

fn read_request(value: &JsValue) -> Result<HttpRequest, JsValue> {
    let text = |k: &str| -> Result<String, JsValue> {
        get(value, k)
            .and_then(|v| v.as_string())
            .ok_or_else(|| bad_argument("request", format!("{k} must be a string")))
    };
    let method = text("method")?;
    let path = text("path")?;
    let headers = read_headers(&get(value, "headers").unwrap_or(JsValue::UNDEFINED))?;
    let body = match get(value, "body") {
        None => Vec::new(),
        Some(b) if b.is_instance_of::<Uint8Array>() => Uint8Array::new(&b).to_vec(),
        Some(b) => match b.as_string() {
            Some(s) => s.into_bytes(),
            None => {
                return Err(bad_argument(
                    "request",
                    "body must be a Uint8Array or string",
                ));
            }
        },
    };
    Ok(HttpRequest {
        method,
        path,
        headers,
        body,
    })
}

fn response_js(r: &HttpResponse) -> JsValue {
    let obj = Object::new();
    set(&obj, "status", JsValue::from(r.status));
    let headers = js_sys::Array::new();
    for (k, v) in &r.headers {
        let pair = js_sys::Array::new();
        pair.push(&JsValue::from_str(k));
        pair.push(&JsValue::from_str(v));
        headers.push(&pair);
    }
    set(&obj, "headers", headers.into());
    set(&obj, "body", JsValue::from_str(&r.body));
    obj.into()
}

fn now_ms(now: Option<f64>) -> Result<u64, JsValue> {
    Ok(now_or_clock(now)?.floor() as u64)
}

#[wasm_bindgen(js_class = IssuerCore)]
impl IssuerCore {
    /// Validates the configuration (`keys[].key` as base64url strings; no `store`).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<IssuerCore, JsValue> {
        let config: IssuerConfig = from_js(config).map_err(|e| {
            bad_config("issuer config", e.to_string().trim_start_matches("Error: "))
        })?;
        let inner = issuer::Issuer::new(config).map_err(to_js_error)?;
        Ok(IssuerCore { inner })
    }

    /// Phase 1: `{ response }` or `{ familyKey }`.
    pub fn route(&self, request: JsValue, now: Option<f64>) -> Result<JsValue, JsValue> {
        let req = read_request(&request)?;
        let now = now_ms(now)?;
        let obj = Object::new();
        match self.inner.route(&req, now) {
            Route::Respond(r) => set(&obj, "response", response_js(&r)),
            Route::Family { family_key } => set(&obj, "familyKey", JsValue::from_str(&family_key)),
        }
        Ok(obj.into())
    }

    /// Phase 2: `{ change: "keep" | "put" | "delete", record, expiresAt, response }`.
    pub fn apply(
        &self,
        request: JsValue,
        stored: Option<String>,
        now: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let req = read_request(&request)?;
        let now = now_ms(now)?;
        let random = random_bytes::<RANDOM_BYTES>()?;
        let applied = self.inner.apply(&req, stored.as_deref(), now, &random);
        let obj = Object::new();
        match &applied.change {
            RecordChange::Keep => set(&obj, "change", JsValue::from_str("keep")),
            RecordChange::Delete => set(&obj, "change", JsValue::from_str("delete")),
            RecordChange::Put(record) => {
                set(&obj, "change", JsValue::from_str("put"));
                let json = serde_json::to_string(record).map_err(|e| bad_argument("record", e))?;
                set(&obj, "record", JsValue::from_str(&json));
                set(
                    &obj,
                    "expiresAt",
                    JsValue::from_f64(self.inner.purge_at(record) as f64),
                );
            }
        }
        set(&obj, "response", response_js(&applied.response));
        Ok(obj.into())
    }

    /// Creates a family: `{ familyKey, record, expiresAt, body }`.
    #[wasm_bindgen(js_name = startSession)]
    pub fn start_session(&self, input: JsValue, now: Option<f64>) -> Result<JsValue, JsValue> {
        let input: SessionInput = from_js(input).map_err(|e| {
            bad_argument("startSession", e.to_string().trim_start_matches("Error: "))
        })?;
        let now = now_ms(now)?;
        let random = random_bytes::<RANDOM_BYTES>()?;
        let session = self
            .inner
            .start_session(input, now, &random)
            .map_err(to_js_error)?;
        let obj = Object::new();
        set(&obj, "familyKey", JsValue::from_str(&session.family_key));
        let json = serde_json::to_string(&session.record).map_err(|e| bad_argument("record", e))?;
        set(&obj, "record", JsValue::from_str(&json));
        set(
            &obj,
            "expiresAt",
            JsValue::from_f64(self.inner.purge_at(&session.record) as f64),
        );
        set(&obj, "body", to_js(&session.body)?);
        Ok(obj.into())
    }

    /// A token-endpoint error response in the configured dialect (used for store failures:
    /// 503 `temporarily_unavailable`).
    #[wasm_bindgen(js_name = errorResponse)]
    pub fn error_response(&self, status: u16, code: &str, description: &str) -> JsValue {
        response_js(&self.inner.token_error(status, code, description, false))
    }

    /// The RFC 8414 metadata document.
    pub fn metadata(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.metadata())
    }

    /// The path prefix of the endpoints (the issuer URL's path).
    #[wasm_bindgen(getter, js_name = pathPrefix)]
    pub fn path_prefix(&self) -> String {
        self.inner.settings().path_prefix.clone()
    }
}
