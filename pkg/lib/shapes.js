// Result objects the wasm core builds in one call (src/wasm/client.rs): its strings cross as
// one text, decoded once, and are cut here.

/**
 * A `TokenSet` (shared API.md): `text` holds the access token, the token type and the
 * optional refresh token, scope and ID token, one after another; each `...End` is the UTF-16
 * offset where that part ends, or -1 when it is absent.
 */
export function tokenSet(text, accessEnd, typeEnd, refreshEnd, scopeEnd, idEnd, expiresAt, refreshExpiresAt, rotated, receivedAt) {
  let at = typeEnd;
  const part = (end) => {
    if (end < 0) return null;
    const s = text.slice(at, end);
    at = end;
    return s;
  };
  return {
    accessToken: text.slice(0, accessEnd),
    tokenType: text.slice(accessEnd, typeEnd),
    expiresAt: expiresAt ?? null,
    refreshToken: part(refreshEnd),
    refreshExpiresAt: refreshExpiresAt ?? null,
    scope: part(scopeEnd),
    idToken: part(idEnd),
    rotated,
    receivedAt,
  };
}

/**
 * The `RenewalMachine`'s values (src/wasm/schedule.rs, as in shared API.md): the type name and
 * field names of value number `kind`; its fields come as `a`, `b`, `c`, `d` in this order.
 */
const RENEWAL = [
  // actions of `step`
  ["send-refresh"], ["wake-at", "at"], ["cancel-timer"], ["drop-tokens"], ["emit", "event"], ["adopt-tokens"],
  // events of `emit`
  ["renewed", "expiresAt"], ["rotated"], ["retrying", "attempt", "delayMs", "retryAt", "code"],
  ["reauthenticate", "code"], ["error", "code", "kind"], ["refresh-expiring", "refreshExpiresAt"],
  // answers of `answer`
  ["use"], ["wait"], ["wait-until", "at"], ["retry-later", "retryAt"], ["expired"], ["no-session"],
];

/** `{ type, ...fields }` of the machine's value number `kind`. */
export function renewalValue(kind, a, b, c, d) {
  const [type, ...names] = RENEWAL[kind];
  const value = { type };
  const fields = [a, b, c, d];
  for (let i = 0; i < names.length; i++) value[names[i]] = fields[i] ?? null;
  return value;
}
