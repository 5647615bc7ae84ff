// A small loopback OAuth token endpoint for renewal tests: rotating refresh tokens with reuse
// detection (RFC 9700 §4.14.2), short-lived opaque access tokens, a protected API that answers
// 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3), and the test pages,
// their esbuild bundles (browser conditions) and the package's wasm module.
//
//   const server = await startTokenServer({ accessTtl: 3, pages: { "/x.html": html },
//                                            bundles: { "/x.js": "tests/browser/fixtures/x.js" } });
//   server.url, server.startSession(), server.stats, server.revokeAll(), server.close()
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function bundle(entry) {
  const out = await build({
    entryPoints: [resolve(ROOT, entry)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["browser"],
    target: "es2022",
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

function readBody(req) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

export async function startTokenServer({ accessTtl = 3, refreshTtl = null, pages = {}, bundles = {}, apiPrefix = "/api/" } = {}) {
  const bundled = {};
  for (const [path, entry] of Object.entries(bundles)) bundled[path] = await bundle(entry);
  const wasm = await readFile(resolve(ROOT, "pkg/gen/rotor_bg.wasm"));
  // The DPoP module, fetched by pkg/lib/dpop-module.js from next to the bundle on first use.
  const dpopWasm = await readFile(resolve(ROOT, "pkg/gen/dpop_bg.wasm"));

  const refreshTokens = new Map(); // token -> { family, used, successor }
  const accessTokens = new Map(); // token -> { expiresAt, family }
  const revokedFamilies = new Set();
  const stats = {
    redemptions: [], // refresh tokens redeemed successfully, in order
    redemptionFamilies: [], // the session (family) of each redemption, same order
    reuse: 0, // a retired refresh token presented again
    rejected: 0, // invalid_grant answers
    tokenRequests: 0,
    api: [], // { path, authorization, ok }
  };
  let families = 0;
  let failNext = 0; // answer the next N token requests with 503

  const newToken = (prefix) => `${prefix}${randomBytes(24).toString("base64url")}`;
  function issue(family) {
    const accessToken = newToken("at_");
    const refreshToken = newToken("rt_");
    accessTokens.set(accessToken, { expiresAt: Date.now() + accessTtl * 1000, family });
    refreshTokens.set(refreshToken, { family, used: false });
    const body = { access_token: accessToken, token_type: "Bearer", expires_in: accessTtl, refresh_token: refreshToken, scope: "api" };
    if (refreshTtl !== null) body.refresh_expires_in = refreshTtl;
    return body;
  }

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
    res.end(JSON.stringify(body));
  };

  async function token(req, res) {
    stats.tokenRequests += 1;
    if (req.method !== "POST") return json(res, 405, { error: "invalid_request" });
    const params = new URLSearchParams(await readBody(req));
    if (failNext > 0) {
      failNext -= 1;
      return json(res, 503, { error: "temporarily_unavailable" }, { "retry-after": "1" });
    }
    if (params.get("grant_type") !== "refresh_token") return json(res, 400, { error: "unsupported_grant_type" });
    const presented = params.get("refresh_token");
    const record = refreshTokens.get(presented);
    if (!record || revokedFamilies.has(record.family)) {
      stats.rejected += 1;
      return json(res, 400, { error: "invalid_grant", error_description: "refresh token is not active" });
    }
    if (record.used) {
      // Reuse of a rotated refresh token: revoke the whole family (RFC 9700 §4.14.2).
      stats.reuse += 1;
      stats.rejected += 1;
      revokedFamilies.add(record.family);
      return json(res, 400, { error: "invalid_grant", error_description: "refresh token reused" });
    }
    record.used = true;
    stats.redemptions.push(presented);
    stats.redemptionFamilies.push(record.family);
    return json(res, 200, issue(record.family));
  }

  function api(req, res, path) {
    const auth = req.headers.authorization ?? null;
    const bearer = auth?.startsWith("Bearer ") ? auth.slice(7) : null;
    const at = bearer ? accessTokens.get(bearer) : undefined;
    const ok = Boolean(at && at.expiresAt > Date.now() && !revokedFamilies.has(at.family));
    stats.api.push({ path, authorization: auth, ok });

    if (!path.startsWith(apiPrefix)) return json(res, 200, { path, sawAuthorization: auth !== null });
    if (!ok) {
      return json(res, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    return json(res, 200, { path, ok: true });
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    try {
      if (path === "/token") return await token(req, res);
      if (pages[path] !== undefined) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        return res.end(pages[path]);
      }
      if (bundled[path] !== undefined) {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
        return res.end(bundled[path]);
      }
      if (path.endsWith("/rotor_bg.wasm")) {
        res.writeHead(200, { "content-type": "application/wasm", "cache-control": "no-store" });
        return res.end(wasm);
      }
      if (path.endsWith("/dpop_bg.wasm")) {
        res.writeHead(200, { "content-type": "application/wasm", "cache-control": "no-store" });
        return res.end(dpopWasm);
      }
      if (path === "/favicon.ico") return res.writeHead(404).end();
      return api(req, res, path);
    } catch (err) {
      json(res, 500, { error: "server_error", error_description: String(err?.message ?? err) });
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    stats,
    /** Starts a session the way an authorization-code exchange would: RFC 6749 §5.1 JSON. */
    startSession() {
      families += 1;
      return issue(families);
    },
    /** The session (family) number of a refresh token, or null. */
    familyOf(refreshToken) {
      return refreshTokens.get(refreshToken)?.family ?? null;
    },
    /** How many refresh tokens of a session were redeemed. */
    redemptionsOf(family) {
      return stats.redemptionFamilies.filter((f) => f === family).length;
    },
    /** Revokes every session: the next refresh gets invalid_grant. */
    revokeAll() {
      for (const r of refreshTokens.values()) revokedFamilies.add(r.family);
    },
    /** Makes the API refuse every access token issued so far (as after a key rotation). */
    expireAccessTokens() {
      for (const a of accessTokens.values()) a.expiresAt = 0;
    },
    /** Answers the next `n` token requests with 503 + Retry-After. */
    failTokenRequests(n) {
      failNext = n;
    },
    /** True when no refresh token was redeemed twice (and no reuse was seen). */
    redeemedOncePerRotation() {
      return stats.reuse === 0 && new Set(stats.redemptions).size === stats.redemptions.length;
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(ok);
      }),
  };
}
