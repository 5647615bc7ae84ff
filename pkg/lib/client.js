// rotor: client — building the refresh-token request and reading the answer (RFC 6749 §6,
// §5.1, §5.2). The work happens in the wasm core (src/wasm/client.rs); this file turns the JS
// arguments into what crosses the boundary: objects as JSON texts, joined with the body by
// "\n" into ONE UTF-8 byte array (`frames` in src/wasm/client.rs: TextEncoder copies text ~20x
// faster than wasm-bindgen's per-character string copy), and `now` and `status` as numbers
// (JSON would turn NaN into null, and the core must refuse it).
import { clientBuildRefreshRequest, clientConfigError, clientParseTokenResponse, clientUnverifiedJwtTimes } from "../gen/rotor.js";
import { argumentError, check, json, unwrap } from "./boundary.js";

const encoder = new TextEncoder();

// The JSON text of the last client configuration and the own values it was written from.
let lastClient = null;
let lastKeys = [];
let lastValues = [];
let lastClientText = "";

/**
 * `client` as JSON text. The text of the last configuration is reused while the same object
 * has the same own keys holding the same primitive values (what JSON.stringify would read
 * again): an application passes one configuration object on every call.
 */
function clientJson(client) {
  if (client === lastClient) {
    const keys = Object.keys(client);
    let same = keys.length === lastKeys.length;
    for (let i = 0; same && i < keys.length; i++) same = keys[i] === lastKeys[i] && client[keys[i]] === lastValues[i];
    if (same) return lastClientText;
  }
  const text = json(client, "client", "invalid_config");
  lastClient = null;
  if (client !== null && typeof client === "object" && typeof client.toJSON !== "function") {
    const keys = Object.keys(client);
    const values = keys.map((k) => client[k]);
    if (values.every((v) => v === null || typeof v !== "object")) {
      lastClient = client;
      lastKeys = keys;
      lastValues = values;
      lastClientText = text;
    }
  }
  return text;
}

/** A number argument as it crosses; anything else (absent, or a type JSON refuses) is `Date.now()`. */
function nowOf(options) {
  const now = options?.now;
  return typeof now === "number" ? now : Date.now();
}

/** Builds the refresh-token request (RFC 6749 §6): `{ url, method, headers, body }`. */
export function buildRefreshRequest(client, params) {
  const input = `${clientJson(client)}\n${json(params, "buildRefreshRequest")}`;
  return unwrap(clientBuildRefreshRequest(encoder.encode(input), nowOf(params)));
}

/** The headers of a response as JSON: `null`, `[name, value]` pairs, or a plain object; `undefined` when none of these. */
function headersText(headers) {
  if (headers == null) return "null";
  if (typeof headers !== "object") return undefined;
  // The core reads one response header, Retry-After (RFC 9110 §10.2.3). A `Headers` instance
  // is asked for it alone: iterating every header costs a native call per entry (measured
  // ~6 µs a parse in workerd), and `get` combines repeated values as iteration would.
  if (typeof Headers === "function" && headers instanceof Headers) {
    const retryAfter = headers.get("retry-after");
    return retryAfter === null ? "[]" : json([["retry-after", retryAfter]], "headers");
  }
  // Any other iterable of pairs becomes an array; arrays go as they are.
  if (!Array.isArray(headers) && typeof headers[Symbol.iterator] === "function") return json(Array.from(headers), "headers");
  return json(headers, "headers");
}

/**
 * The options as JSON, with only the members of `previous` that are read (refreshToken, scope,
 * idToken): a whole stored TokenSet may be passed, and its access token need not cross.
 */
function optionsText(options) {
  if (options == null) return "null";
  const previous = options.previous;
  if (previous !== null && typeof previous === "object" && !Array.isArray(previous)) {
    const { refreshToken, scope, idToken } = previous;
    return json({ ...options, previous: { refreshToken, scope, idToken } }, "parseTokenResponse options");
  }
  return json(options, "parseTokenResponse options");
}

/** A malformed response: the client configuration's error comes first, as in the core. */
function responseError(clientText, message) {
  check(clientConfigError(encoder.encode(clientText)));
  return argumentError(message);
}

/**
 * Reads the token endpoint's answer (RFC 6749 §5.1): a `TokenSet`, or throws an `OAuthError`
 * (§5.2, error statuses) or a `RotorError`.
 */
export function parseTokenResponse(client, response, options) {
  const clientText = clientJson(client);
  if (response === null || typeof response !== "object") {
    throw responseError(clientText, "parseTokenResponse: the response must be an object { status, headers, body }");
  }
  const { status, headers, body } = response;
  const statusNumber = typeof status === "number" ? status : NaN;
  const headerText = headersText(headers);
  if (headerText === undefined) throw responseError(clientText, "headers: expected a Headers instance or a plain object");
  let input;
  if (body == null || typeof body === "string") {
    input = encoder.encode(`${clientText}\n${headerText}\n${optionsText(options)}\n${body ?? ""}`);
  } else {
    let bytes;
    if (body instanceof Uint8Array) bytes = body;
    else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
    else throw responseError(clientText, "response.body: must be a string, a Uint8Array or an ArrayBuffer");
    const head = encoder.encode(`${clientText}\n${headerText}\n${optionsText(options)}\n`);
    input = new Uint8Array(head.length + bytes.length);
    input.set(head);
    input.set(bytes, head.length);
  }
  return unwrap(clientParseTokenResponse(input, statusNumber, nowOf(options)));
}

/**
 * `{ iat, exp }` (seconds) of a JWT access token, read WITHOUT verifying it (untrusted; for
 * clock-skew estimation only), or `null` when it is not a JWT.
 */
export function unverifiedJwtTimes(token) {
  if (typeof token !== "string") return null;
  return unwrap(clientUnverifiedJwtTimes(encoder.encode(token)));
}
