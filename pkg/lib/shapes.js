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
