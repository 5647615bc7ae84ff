// The demo's service worker: rotor's silent renewal (`rotor/sw`) for this origin's /api/.
// It owns the refresh token (IndexedDB), attaches `Authorization: Bearer` to /api/ requests,
// renews ahead of expiry and tells the pages what happened with postMessage; pages never get
// a token back. Bundled by www/demo.mjs into /sw.js.
import { installSilentRenewal } from "rotor/sw";
import { IndexedDbStorage } from "rotor";

const CLIENT_ID = "demo-spa";
const TOKEN_ENDPOINT = `${self.location.origin}/token`;
const storage = new IndexedDbStorage({ database: "rotor-demo-sw", key: "session" });

async function tell(message) {
  const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const c of clients) c.postMessage(message);
}

// Demo instrumentation: report every call to the token endpoint (time, status; never the
// body) so that the timeline can draw it. rotor/sw calls `self.fetch`, so wrapping it here is
// enough; a real app does not need this.
const realFetch = self.fetch.bind(self);
self.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input.url;
  if (url !== TOKEN_ENDPOINT) return realFetch(input, init);
  const sentAt = Date.now();
  try {
    const response = await realFetch(input, init);
    tell({ type: "demo:token-request", sentAt, receivedAt: Date.now(), status: response.status, date: response.headers.get("date") });
    return response;
  } catch (err) {
    tell({ type: "demo:token-request", sentAt, receivedAt: Date.now(), status: 0 });
    throw err;
  }
};

// Demo control: revoke the session's refresh token (RFC 7009). The worker holds the token,
// so the page asks it; the next renewal then meets invalid_grant and pages get
// `rotor:reauthenticate`.
self.addEventListener("message", (event) => {
  if (event.origin && event.origin !== self.location.origin) return;
  // Only this origin's pages (a WindowClient), as rotor/sw itself checks.
  const source = event.source;
  if (!source || source.type !== "window" || new URL(source.url).origin !== self.location.origin) return;
  if (event.data?.type !== "demo:revoke") return;
  event.waitUntil(
    (async () => {
      const tokens = await storage.get();
      let status = 0;
      if (tokens?.refreshToken) {
        const res = await realFetch(`${self.location.origin}/revoke`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: "refresh_token", client_id: CLIENT_ID }),
        });
        status = res.status;
      }
      event.ports?.[0]?.postMessage({ type: "demo:revoked", status });
    })(),
  );
});

installSilentRenewal(self, {
  client: { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, authMethod: "none", grantedScope: "openid profile api.read" },
  apiPrefixes: [`${self.location.origin}/api/`],
  // The worker performs the sign-in POST itself and keeps the token set: the page never
  // holds the refresh token, not even once.
  sessionUrls: [`${self.location.origin}/signin`],
  policy: { baseMs: 500, capMs: 8000 },
  storage,
  wasm: "/rotor_bg.wasm",
});
