// The error classes of rotor (shared API.md, "Errors"). The wasm core makes every error it
// throws through the `new...` functions below (src/wasm/mod.rs, `js_error`: the one place
// errors cross into JS), and the JS drivers use the same classes, so `instanceof` and
// `err.code` work on everything rotor throws.

/** An authorization server's error answer (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(code, message, { kind, status, description = null, uri = null, retryAfter = null } = {}) {
    super(message);
    this.name = "OAuthError";
    this.code = code;
    this.kind = kind;
    this.status = status;
    this.description = description;
    this.uri = uri;
    this.retryAfter = retryAfter;
  }
}

/** An error rotor raises locally (`invalid_config`, `invalid_argument`, ...). */
export class RotorError extends Error {
  constructor(code, message, kind = "config") {
    super(message);
    this.name = "RotorError";
    this.code = code;
    this.kind = kind;
  }
}

/** A JWT verification or signing failure (`bad_signature`, `expired`, ...). */
export class JwtError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "JwtError";
    this.code = code;
  }
}

/** True when `err` is an `OAuthError` (also across realms, by name and code). */
export const isOAuthError = (err) => err instanceof OAuthError;
/** True when `err` is a `RotorError`. */
export const isRotorError = (err) => err instanceof RotorError;
/** True when `err` is a `JwtError`. */
export const isJwtError = (err) => err instanceof JwtError;

// Called by the wasm core (imported by the generated glue).
export function newOAuthError(code, message, kind, status, description, uri, retryAfter) {
  return new OAuthError(code, message, { kind, status, description: description ?? null, uri: uri ?? null, retryAfter: retryAfter ?? null });
}
export function newRotorError(code, message, kind) {
  return new RotorError(code, message, kind);
}
export function newJwtError(code, message) {
  return new JwtError(code, message);
}

/** A `RotorError` with a stable `code` and `kind` (default `config`), for the JS drivers. */
export function rotorError(code, message, kind = "config") {
  return new RotorError(code, message, kind);
}

/** `invalid_config`. */
export function configError(message) {
  return new RotorError("invalid_config", message);
}
