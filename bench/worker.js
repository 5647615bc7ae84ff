// The benchmark worker run by a real workerd (tests/support/workerd.mjs):
//   GET  /micro/<verify|sign|client|issuer>  the in-process cases, measured inside workerd
//   POST /<rotor|wop>/session                a fresh refresh token from that issuer
//   POST /<rotor|wop>/token                  the issuer's token endpoint (refresh grant)
//   POST /noop/<session|token>               the HTTP floor: no issuer work at all
// Both issuers keep their state in this isolate's memory (rotor: the Issuer's default
// in-memory store; workers-oauth-provider: an in-memory KV namespace stand-in).
import * as browserModule from "rotor";
import * as issuerModule from "rotor/issuer";
import { caseVerify, caseSign, caseClient, caseIssuer } from "./lib/cases.mjs";
import { makeWop } from "./lib/wop.mjs";
import { makeRotorIssuer } from "./lib/rotor-issuer.mjs";

// The browser module and the edge module (rotor/issuer), as one namespace for the cases.
const rotor = { ...browserModule, ...issuerModule };
const issuers = {};
async function issuer(name, origin) {
  issuers[name] ??= name === "rotor" ? Promise.resolve(makeRotorIssuer(rotor, { origin })) : makeWop({ origin });
  return issuers[name];
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const [, first, second] = url.pathname.split("/");
    try {
      if (first === "micro") {
        const opts = {
          rounds: Number(url.searchParams.get("rounds") ?? 9),
          batchMs: Number(url.searchParams.get("batchMs") ?? 40),
        };
        const run = { verify: caseVerify, sign: caseSign, client: caseClient }[second];
        const result = run ? await run(rotor, opts) : second === "issuer" ? await caseIssuer(rotor, makeWop, { ...opts, batchMs: Math.max(opts.batchMs, 60) }) : null;
        if (!result) return new Response("unknown case", { status: 404 });
        return Response.json(result);
      }
      if (first === "noop") {
        // The HTTP floor: what workerd and the load generator cost without any issuer work
        // (read the body, answer a token response of the same shape).
        if (second === "session") return Response.json({ refreshToken: "noop", authorization: "Basic bm9vcDpub29w" });
        await request.text();
        return Response.json({ access_token: "noop", token_type: "Bearer", expires_in: 300, refresh_token: "noop", scope: "openid profile api:read" });
      }
      if (first === "rotor" || first === "wop") {
        const iss = await issuer(first, url.origin);
        if (second === "session") return Response.json(await iss.newSession());
        if (second === "token") {
          // The same rewrite for both: each issuer sees its own POST /token.
          return await iss.handle(new Request(`${url.origin}/token`, request));
        }
      }
      return new Response("ok");
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
