// Test-only routes shared by the workerd test workers (enabled by the ROTOR_TEST_CLOCK binding).

/** `POST /test/session`: starts a family and answers its token response. */
export async function startSessionRoute(request, tools) {
  return Response.json(await tools.startSession(await request.json(), { now: tools.now }));
}

/**
 * The Durable Object of the family named by a /token-shaped request body (its refresh token),
 * or null when the body names no family.
 */
export async function familyStub(request, env, tools) {
  const probe = new Request(new URL("/token", request.url), { method: "POST", headers: request.headers, body: request.body });
  const routed = await tools.issuer.route(probe, { now: tools.now });
  if (!routed.familyKey) return null;
  return env.ROTOR_FAMILY.get(env.ROTOR_FAMILY.idFromName(routed.familyKey));
}
