// rotor: client — building the refresh-token request and reading the answer (RFC 6749 §6,
// §5.1, §5.2). The work is the wasm core's (src/wasm/client.rs, `ClientHandle`): the
// configuration is read and checked once per handle, and each call passes only the token,
// scope, status, headers, body and `now`. This file takes those out of the caller's objects
// and checks their JS types (wasm-bindgen would coerce a number to a string, or a string to
// NaN); every other rule is the core's.
import { ClientHandle, unverifiedJwtTimes } from "../gen/rotor.js";
import { rotorError } from "./errors.js";
import { reserve, wipe, writeBytes, writeText } from "./input.js";
import { checkClientKey } from "./keys.js";
import { dpopModule } from "./dpop-api.js";

export { unverifiedJwtTimes };

const PARAMS = new Set(["refreshToken", "scope", "extraParams", "now", "clientAssertion"]);
const REVOCATION = new Set(["token", "tokenTypeHint", "now", "clientAssertion"]);
const OPTIONS = new Set(["now", "previous", "requestedScope"]);

/**
 * Cookie mode (`refreshTokenIn: "cookie"`, issue 16): the refresh token lives in an `HttpOnly`
 * cookie of the token endpoint's origin that script never sees. Requests then carry no
 * `refresh_token` (revocation: no `token`), are sent with `credentials: "include"`, and carry
 * `x-rotor-csrf` (a header no form can send; cross-origin it forces a CORS
 * preflight). The core builds the body with a placeholder token that is then cut out, so the
 * wire format stays the core's.
 */
const COOKIE_HEADER = "x-rotor-csrf";
const PLACEHOLDER = "-";

function withoutPair(body, name) {
  return body.split("&").filter((p) => p !== `${name}=${PLACEHOLDER}`).join("&");
}

/** Takes `refreshTokenIn` out of a ClientConfig: `[configForTheCore, cookie]`. */
function splitConfig(config) {
  if (config === null || typeof config !== "object" || !Object.hasOwn(config, "refreshTokenIn")) return [config, false];
  const { refreshTokenIn, ...rest } = config;
  if (refreshTokenIn !== "body" && refreshTokenIn !== "cookie") throw rotorError("invalid_config", 'refreshTokenIn must be "body" or "cookie"');
  if (refreshTokenIn === "body") return [rest, false];
  if (rest.clientSecret !== undefined || (rest.authMethod !== undefined && rest.authMethod !== "none")) {
    throw rotorError("invalid_config", 'refreshTokenIn "cookie" is for public browser clients (no clientSecret, authMethod "none")');
  }
  if (rest.dialect === "tokenidp") throw rotorError("invalid_config", 'refreshTokenIn "cookie" needs a form-encoded dialect, not "tokenidp"');
  return [rest, true];
}

function argument(message) {
  return rotorError("invalid_argument", message, "config");
}

/** `value` when it is a string, `undefined` when absent or null; otherwise `invalid_argument`. */
function optionalString(value, what) {
  if (value == null) return undefined;
  if (typeof value !== "string") throw argument(`${what}: expected a string`);
  return value;
}

/** `now` in ms: a number as given (NaN included, which the core refuses), else `Date.now()`. */
function nowOf(now) {
  if (now == null) return Date.now();
  if (typeof now !== "number") throw argument("now: expected a number");
  return now;
}

/** Refuses what is not an object, and keys not in `known` (a typo must not be ignored). */
function checkKeys(value, known, what) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw argument(`${what}: expected an object`);
  for (const key in value) if (Object.hasOwn(value, key) && !known.has(key)) throw argument(`${what}: unknown option "${key.slice(0, 40)}"`);
}

const BAD_HEADERS = "headers: expected a Headers instance, [name, value] pairs or a plain object";

/**
 * The one response header the core reads, `Retry-After` (RFC 9110 §10.2.3), from a `Headers`,
 * a plain object (string or number values) or any iterable of `[name, value]` string pairs
 * (names case-insensitive, RFC 9110 §5.1; repeated values joined as `Headers` joins them,
 * §5.3); `undefined` when absent. Read here, not in wasm: every shape is a JS one.
 */
function retryAfterOf(headers) {
  if (headers == null) return undefined;
  if (typeof Headers === "function" && headers instanceof Headers) return headers.get("retry-after") ?? undefined;
  if (typeof headers !== "object") throw argument(BAD_HEADERS);
  const iterable = typeof headers[Symbol.iterator] === "function";
  let found;
  for (const pair of iterable ? Array.from(headers) : Object.entries(headers)) {
    if (!Array.isArray(pair)) throw argument("headers: each header must be a [name, value] pair of strings");
    const [name, value] = pair;
    // A number in a plain object, written as JS writes it.
    const text = typeof value === "string" ? value : !iterable && typeof value === "number" ? String(value) : null;
    if (text === null) throw argument("headers: header values must be strings");
    if (typeof name !== "string") throw argument("headers: header names must be strings");
    if (name.length === 11 && name.toLowerCase() === "retry-after") found = found === undefined ? text : `${found}, ${text}`;
  }
  return found;
}

/**
 * A client of one token endpoint (`createClient(config)`): the configuration is checked once;
 * `buildRefreshRequest` and `parseTokenResponse` then do only the per-call work.
 */
export class Client {
  #core;
  #url;
  #revocationUrl;
  #headers;
  #cookie;
  /** private_key_jwt: `{ privateKey, kid, alg }` (pkg/lib/keys.js), else null. */
  #clientKey = null;
  #clientId;
  /**
   * Whether a 2xx answer can be an error that reads `Retry-After`: TokenIDP's
   * `{ isSuccess: false }` envelope (src/client/dialect.rs). Otherwise only 1xx/3xx-5xx do, and
   * a `Headers` instance is not asked on success (one native call less per parse).
   */
  #errorsOn2xx;

  /** @param {object} config ClientConfig (shared API.md); `invalid_config` when it is not valid. */
  constructor(config) {
    if (config !== null && typeof config === "object" && ("clientKey" in config || config.authMethod === "private_key_jwt")) {
      const { clientKey, ...rest } = config;
      this.#clientKey = checkClientKey(clientKey, rest.authMethod);
      config = rest;
    }
    const [core, cookie] = splitConfig(config);
    this.#core = new ClientHandle(core);
    this.#clientId = core.clientId;
    this.#errorsOn2xx = core.dialect === "tokenidp";
    // Kept as given: the core checked them (no getter crosses back for them).
    this.#url = core.tokenEndpoint;
    this.#revocationUrl = core.revocationEndpoint ?? undefined;
    this.#cookie = cookie;
    this.#headers = this.#core.headers(false);
    if (cookie) this.#headers[COOKIE_HEADER] = "1";
  }

  /** Where the refresh token lives: `"body"` (token sets hold it) or `"cookie"` (HttpOnly, never seen). */
  get refreshTokenIn() {
    return this.#cookie ? "cookie" : "body";
  }

  /** The token endpoint. */
  get tokenEndpoint() {
    return this.#url;
  }

  /** The refresh-token request (RFC 6749 §6): `{ url, method: "POST", headers, body }`. */
  buildRefreshRequest(params) {
    checkKeys(params, PARAMS, "buildRefreshRequest");
    const { refreshToken } = params;
    if (this.#cookie) {
      if (refreshToken != null) throw argument('refreshToken: none is sent with refreshTokenIn "cookie" (the cookie carries it)');
      const body = this.#body(PLACEHOLDER, optionalString(params.scope, "scope"), params.extraParams, nowOf(params.now));
      return { url: this.#url, method: "POST", headers: { ...this.#headers }, body: withoutPair(body, "refresh_token"), credentials: "include" };
    }
    if (typeof refreshToken !== "string") throw argument("refreshToken: expected a string");
    const assertion = optionalString(params.clientAssertion, "clientAssertion");
    const body = this.#body(refreshToken, optionalString(params.scope, "scope"), params.extraParams, nowOf(params.now), assertion);
    return { url: this.#url, method: "POST", headers: { ...this.#headers }, body };
  }

  /** The core's request body; the refresh token crosses in the input buffer (pkg/lib/input.js). */
  #body(refreshToken, scope, extraParams, now, assertion) {
    const n = writeText(refreshToken);
    try {
      return this.#core.body(n, scope, extraParams, now, assertion);
    } finally {
      wipe(n);
    }
  }

  /**
   * `buildRefreshRequest` where a key signs (pkg/lib/dpop.js): with `dpop` (a `DPoP` from
   * `createDpop`) the request gets a `dpop` proof header (RFC 9449 §5: `htm` POST, `htu` the
   * token endpoint, the server's last nonce); with `authMethod: "private_key_jwt"` the
   * `clientKey` signs the client assertion (RFC 7523 §2.2).
   */
  async buildRefreshRequestAsync({ dpop, ...params } = {}) {
    if (dpop != null && !(dpop instanceof (await dpopModule()).DPoP)) throw argument("dpop: expected a DPoP prover (createDpop)");
    const now = nowOf(params.now);
    const clientAssertion = this.#clientKey ? await (await dpopModule()).signAssertion(this.#clientKey, this.#clientId, this.#url, now) : params.clientAssertion;
    const req = this.buildRefreshRequest({ ...params, now, clientAssertion });
    // The proof's iat: the given `now`, else the prover's own clock (createDpop's `now`).
    if (dpop) req.headers.dpop = await dpop.proof({ method: "POST", url: req.url, now: params.now ?? undefined });
    return req;
  }

  /** `buildRevocationRequest` with the `private_key_jwt` assertion signed by `clientKey`. */
  async buildRevocationRequestAsync(params) {
    const now = nowOf(params?.now);
    const url = this.#revocationUrl;
    const clientAssertion = this.#clientKey && url ? await (await dpopModule()).signAssertion(this.#clientKey, this.#clientId, url, now) : params?.clientAssertion;
    return this.buildRevocationRequest({ ...params, now, clientAssertion });
  }

  /**
   * The revocation request (RFC 7009 §2.1) for `{ token, tokenTypeHint?, now? }`
   * (`tokenTypeHint`: `"refresh_token"` or `"access_token"`): `{ url, method: "POST", headers,
   * body }`. Needs `revocationEndpoint` in the configuration (`invalid_config`). The server
   * answers 200 whether or not the token was valid (RFC 7009 §2.2).
   */
  buildRevocationRequest(params) {
    checkKeys(params, REVOCATION, "buildRevocationRequest");
    const { token } = params;
    if (this.#cookie && token == null) {
      const body = this.#core.revocation(PLACEHOLDER, optionalString(params.tokenTypeHint, "tokenTypeHint"), nowOf(params.now));
      const headers = { ...this.#core.headers(true), [COOKIE_HEADER]: "1" };
      return { url: this.#revocationUrl, method: "POST", headers, body: withoutPair(body, "token"), credentials: "include" };
    }
    if (typeof token !== "string") throw argument("token: expected a string");
    const body = this.#core.revocation(token, optionalString(params.tokenTypeHint, "tokenTypeHint"), nowOf(params.now), optionalString(params.clientAssertion, "clientAssertion"));
    return { url: this.#revocationUrl, method: "POST", headers: this.#core.headers(true), body };
  }

  /**
   * Reads the token endpoint's answer `{ status, headers, body }` (RFC 6749 §5.1): a
   * `TokenSet`, or throws an `OAuthError` (§5.2) or a `RotorError`. `options`:
   * `{ now?, previous?, requestedScope? }`.
   */
  parseTokenResponse(response, options) {
    if (response === null || typeof response !== "object") {
      throw argument("parseTokenResponse: the response must be an object { status, headers, body }");
    }
    let now;
    let previous;
    let requestedScope;
    if (options != null) {
      checkKeys(options, OPTIONS, "parseTokenResponse options");
      now = options.now;
      previous = options.previous;
      requestedScope = optionalString(options.requestedScope, "requestedScope");
    }
    const { status, body } = response;
    if (!(body == null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer)) {
      throw argument("response.body: must be a string, a Uint8Array or an ArrayBuffer");
    }
    let refreshToken;
    let scope;
    let idToken;
    if (previous != null) {
      if (typeof previous !== "object") throw argument("previous: expected a TokenSet");
      refreshToken = optionalString(previous.refreshToken, "previous.refreshToken");
      scope = optionalString(previous.scope, "previous.scope");
      idToken = optionalString(previous.idToken, "previous.idToken");
    }
    // The body goes straight into wasm memory (src/wasm/mod.rs, the input buffer), and the
    // members of `previous` after it (their byte lengths cross, -1 when absent).
    const bytes = body == null || typeof body === "string" ? null : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
    const size = bytes ? bytes.length : body == null ? 0 : body.length * 3;
    reserve(size + 3 * ((refreshToken?.length ?? 0) + (scope?.length ?? 0) + (idToken?.length ?? 0)));
    let n = bytes ? writeBytes(bytes) : body == null ? 0 : writeText(body);
    const bodyLength = n;
    const member = (text) => {
      if (text === undefined) return -1;
      const written = writeText(text, n);
      n += written;
      return written;
    };
    try {
      const rt = member(refreshToken);
      const sc = member(scope);
      const id = member(idToken);
      const { headers } = response;
      const unread = status >= 200 && status < 300 && !this.#errorsOn2xx && typeof Headers === "function" && headers instanceof Headers;
      return this.#core.parse(typeof status === "number" ? status : NaN, unread ? undefined : retryAfterOf(headers), bodyLength, nowOf(now), rt, sc, id, requestedScope);
    } finally {
      wipe(n);
    }
  }

  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free() {
    this.#core.free();
  }

  /** `using client = createClient(...)` frees it at the end of the scope (named "undefined", harmless, where `Symbol.dispose` is not defined). */
  [Symbol.dispose]() {
    this.free();
  }
}

/** `new Client(config)`. */
export function createClient(config) {
  return new Client(config);
}

/**
 * Builds the refresh-token request (RFC 6749 §6) for `client` (a ClientConfig or a `Client`).
 * With a plain configuration, it is checked on every call: make a `Client` once for repeated
 * calls.
 */
export function buildRefreshRequest(client, params) {
  if (client instanceof Client) return client.buildRefreshRequest(params);
  const once = new Client(client);
  try {
    return once.buildRefreshRequest(params);
  } finally {
    once.free();
  }
}

/** `Client.buildRefreshRequestAsync` for `client` (a ClientConfig or a `Client`): DPoP, private_key_jwt. */
export async function buildRefreshRequestAsync(client, params) {
  if (client instanceof Client) return client.buildRefreshRequestAsync(params);
  const once = new Client(client);
  try {
    return await once.buildRefreshRequestAsync(params);
  } finally {
    once.free();
  }
}

/** Reads the token endpoint's answer for `client` (a ClientConfig or a `Client`). */
export function parseTokenResponse(client, response, options) {
  if (client instanceof Client) return client.parseTokenResponse(response, options);
  const once = new Client(client);
  try {
    return once.parseTokenResponse(response, options);
  } finally {
    once.free();
  }
}

/** Builds the revocation request (RFC 7009 §2.1) for `client` (a ClientConfig or a `Client`). */
export function buildRevocationRequest(client, params) {
  if (client instanceof Client) return client.buildRevocationRequest(params);
  const once = new Client(client);
  try {
    return once.buildRevocationRequest(params);
  } finally {
    once.free();
  }
}
