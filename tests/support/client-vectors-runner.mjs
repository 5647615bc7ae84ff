// Runs the shared client vectors (tests/vectors/client/*.json) inside any runtime: it needs
// only the rotor module and the vectors (no Node API), so Chromium pages and workerd workers
// import it as it is. tests/support/client-vectors.mjs checks its results in Node.

/**
 * Runs every vector through `rotor` and returns plain, JSON-able results:
 * `{ requests, responses, withHeaders }`, one `{ ok }` or `{ error }` per vector
 * (`withHeaders` passes headers as a `Headers` instance and the body as bytes).
 */
export function runClientVectors(rotor, requests, responses) {
  const pick = (e) => ({ name: e.name, code: e.code, kind: e.kind, status: e.status, description: e.description, retryAfter: e.retryAfter, isError: e instanceof Error });
  const run = (fn) => {
    try {
      return { ok: fn() };
    } catch (e) {
      return { error: pick(e) };
    }
  };
  return {
    requests: requests.map((v) => run(() => rotor.buildRefreshRequest(v.client, v.params))),
    responses: responses.map((v) => run(() => rotor.parseTokenResponse(v.client, v.response, v.options))),
    withHeaders: responses.map((v) => run(() => rotor.parseTokenResponse(
      v.client,
      { ...v.response, headers: new Headers(v.response.headers), body: new TextEncoder().encode(v.response.body) },
      v.options,
    ))),
  };
}
