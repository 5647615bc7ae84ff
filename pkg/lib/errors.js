// The JS drivers' own errors, shaped like the core's (name, stable code, kind).

/** A `RotorError` with a stable `code` and `kind` (default `config`). */
export function rotorError(code, message, kind = "config") {
  const err = new Error(message);
  err.name = "RotorError";
  err.code = code;
  err.kind = kind;
  return err;
}

/** `invalid_config`. */
export function configError(message) {
  return rotorError("invalid_config", message);
}
