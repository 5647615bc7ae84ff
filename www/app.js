// The demo page: signs in, calls the protected API, and draws what rotor's renewal does on a
// live timeline. Three drivers behind one switch:
// - "page": a `TokenManager` in this page (tokens in IndexedDB, shared by the tabs of this
//   origin; one tab redeems each refresh token, under a Web Lock, the others adopt the result);
// - "sw": `rotor/sw` silent renewal in a service worker that owns the refresh token and adds
//   `Authorization` to /api/ requests; the page only sees events;
// - "cookie" ("edge cookie"): a `TokenManager` in this page whose refresh token never reaches
//   script: the issuer keeps it in an HttpOnly cookie (`refreshTokenIn: "cookie"`), the page
//   and IndexedDB hold the access token and lifetimes only;
// - "dpop" ("page + DPoP"): the page driver with a DPoP key (RFC 9449): a non-extractable
//   CryptoKey in IndexedDB signs the sign-in, every refresh and every API call; the issuer binds
//   the family to it (client `dpop: "required"`), and the timeline marks its tokens "DPoP".
import init, * as rotor from "rotor";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const EVENTS = ["renewed", "rotated", "retrying", "reauthenticate", "error", "refresh-expiring"];
const STATE_COLORS = {
  idle: "#94a3b8",
  scheduled: "#3b82f6",
  refreshing: "#a855f7",
  "retry-wait": "#f59e0b",
  "needs-reauthentication": "#ef4444",
  "signed-out": "#94a3b8",
};

/** Everything the page knows, also read by the browser test (tests/browser/demo.test.mjs). */
const demo = {
  ready: false,
  mode: null,
  active: false,
  state: null,
  counts: { renewals: 0, rotations: 0, retries: 0, adopted: 0, apiOk: 0, apiFail: 0, reauthenticate: 0, errors: 0, tokenRequests: 0 },
  events: [],
  lastApi: null,
  skewMs: null,
};
window.demo = demo;

// ---------------------------------------------------------------- set-up
const params = new URLSearchParams(location.search);
const MODES = ["page", "sw", "cookie", "dpop"];
if (MODES.includes(params.get("mode"))) localStorage.setItem("rotor-demo-mode", params.get("mode"));
const mode = MODES.includes(localStorage.getItem("rotor-demo-mode")) ? localStorage.getItem("rotor-demo-mode") : "page";
demo.mode = mode;
for (const input of document.querySelectorAll('input[name="mode"]')) input.checked = input.value === mode;

await init("/rotor_bg.wasm");
const config = await (await fetch("/demo/config")).json();
const client = {
  tokenEndpoint: `${location.origin}/token`,
  clientId: config.clientId,
  authMethod: "none",
  grantedScope: config.scope,
};
/** The "edge cookie" mode's client: no refresh token in any token set, requests with credentials. */
const cookieClient = {
  tokenEndpoint: `${location.origin}/token`,
  revocationEndpoint: `${location.origin}/revoke`,
  clientId: config.cookieClientId,
  authMethod: "none",
  grantedScope: config.scope,
  refreshTokenIn: "cookie",
};
/** The "page + DPoP" mode's client: its refresh and access tokens are bound to the page's key. */
const dpopClient = { ...client, clientId: config.dpopClientId };
const timeline = new Timeline($("timeline"), { windowSeconds: config.timelineSeconds });
$("subtitle").textContent =
  `Edge issuer on workerd · access tokens ${config.accessTokenTtl} s · refresh family ${config.refreshTokenTtl} s` +
  ` · rotation ${config.rotation} · rotor ${rotor.version()}`;
$("api-interval").textContent = `${config.apiIntervalMs / 1000} s`;
// The password is never served: the hint is static text about the local demo's default.
$("signin-hint").hidden = !["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);
$("outage").textContent = `Simulate token endpoint outage (${config.outageSeconds} s)`;
$("outage").hidden = !config.controls; // DEMO_CONTROLS off: no outage switch on this worker

// ---------------------------------------------------------------- event log
function log(kind, text) {
  const at = Date.now();
  demo.events.push({ at, kind, text });
  const li = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = new Date(at).toISOString().slice(11, 23);
  const span = document.createElement("span");
  span.className = `k-${kind}`;
  span.textContent = text;
  li.append(time, span);
  $("log").prepend(li);
  while ($("log").children.length > 80) $("log").lastChild.remove();
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function banner(kind, text) {
  const el = $("banner");
  el.hidden = !text;
  el.className = `banner ${kind}`;
  el.textContent = text ?? "";
}

// ---------------------------------------------------------------- what rotor reports
/** expiresAt -> { at, byEvent, own } for every access token this page has drawn. */
const seenTokens = new Map();

function onRotorEvent(type, detail) {
  const now = Date.now();
  switch (type) {
    case "renewed": {
      const expiresAt = detail.expiresAt ?? null;
      // In page mode a tab that waited for the lock while another tab redeemed the refresh
      // token adopts that tab's result: also `renewed`, but without a request of its own.
      const adopted = mode === "page" && !redeemedSinceLastRenewal;
      redeemedSinceLastRenewal = false;
      if (adopted) demo.counts.adopted++;
      else demo.counts.renewals++;
      if (expiresAt !== null) {
        const start = seenTokens.get(expiresAt)?.start ?? now;
        timeline.addToken(start, expiresAt, { dpop: driver.dpopBound === true });
        seenTokens.set(expiresAt, { at: now, byEvent: true, start });
      }
      const valid = expiresAt ? seconds(expiresAt - now) : "?";
      timeline.mark(now, adopted ? "adopted" : "renewed", adopted ? "adopted from another tab" : `renewed, valid ${valid}`);
      log(adopted ? "adopted" : "renewed", adopted ? `adopted the access token another tab renewed (valid ${valid})` : `renewed: new access token valid for ${valid}`);
      break;
    }
    case "rotated":
      demo.counts.rotations++;
      timeline.markRotated();
      timeline.mark(now, "rotated");
      log("rotated", "refresh token rotated (the old one is now retired)");
      break;
    case "retrying":
      demo.counts.retries++;
      timeline.mark(now, "retry", `retry ${detail.attempt} · ${seconds(detail.delayMs)}`, detail.retryAt ?? null);
      log("retrying", `refresh failed (${detail.code}); attempt ${detail.attempt}, next try in ${seconds(detail.delayMs)}`);
      break;
    case "reauthenticate":
      demo.counts.reauthenticate++;
      timeline.mark(now, "reauth");
      log("reauthenticate", `reauthenticate: the session is over (${detail.code})`);
      banner("reauth", `reauthenticate — the refresh token was refused (${detail.code}). Sign in again.`);
      refreshStatus();
      break;
    case "error":
      demo.counts.errors++;
      timeline.mark(now, "error", `${detail.kind}: ${detail.code}`);
      log("error", `error (${detail.kind}): ${detail.code}`);
      break;
    case "refresh-expiring":
      log("refresh-expiring", `the refresh token expires at ${new Date(detail.refreshExpiresAt).toISOString().slice(11, 19)}: sign-in needed soon`);
      break;
  }
}

/** Whether this page's own token request answered 200 since the last `renewed` event. */
let redeemedSinceLastRenewal = false;

function onTokenRequest({ sentAt, receivedAt, status }) {
  demo.counts.tokenRequests++;
  if (status === 200) redeemedSinceLastRenewal = true;
  timeline.request(sentAt, receivedAt, status);
}

/** The token-endpoint fetch of the page driver, instrumented for the timeline. */
async function instrumentedFetch(url, init) {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, init);
    onTokenRequest({ sentAt, receivedAt: Date.now(), status: response.status });
    return response;
  } catch (err) {
    onTokenRequest({ sentAt, receivedAt: Date.now(), status: 0 });
    throw err;
  }
}

async function revokeRefreshToken(refreshToken) {
  const res = await fetch("/revoke", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: "refresh_token", client_id: client.clientId }),
  });
  return res.status;
}

// ---------------------------------------------------------------- drivers
class PageDriver {
  label = "page";
  client = client;
  storage = new rotor.IndexedDbStorage({ database: "rotor-demo", key: "page-session" });
  manager = new rotor.TokenManager({ client, storage: this.storage, policy: config.backoff, fetch: instrumentedFetch });

  async start() {
    // A service worker left from "sw" mode would add its own Authorization: leave it first.
    if ("serviceWorker" in navigator) {
      const registrations = await navigator.serviceWorker.getRegistrations();
      await Promise.all(registrations.map((r) => r.unregister()));
      if (navigator.serviceWorker.controller && !sessionStorage.getItem("rotor-demo-left-sw")) {
        sessionStorage.setItem("rotor-demo-left-sw", "1");
        location.reload();
        await new Promise(() => {});
      }
      sessionStorage.removeItem("rotor-demo-left-sw");
    }
    for (const type of EVENTS) this.manager.addEventListener(type, (ev) => onRotorEvent(type, ev.detail ?? {}));
    await this.manager.start();
  }

  async signIn(res, body) {
    // Page mode: this tab parses the sign-in answer and hands it to the TokenManager.
    const tokenSet = rotor.parseTokenResponse(this.client, { status: res.status, headers: res.headers, body });
    await this.manager.setTokens(tokenSet);
    return tokenSet;
  }

  async callApi() {
    let token;
    try {
      token = await this.manager.getAccessToken();
    } catch (err) {
      return { status: 0, error: err.code ?? "no_token" };
    }
    let res = await fetch("/api/hello", { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 401 && /invalid_token/.test(res.headers.get("www-authenticate") ?? "")) {
      // RFC 6750 §3.1: the API refused this token; renew once and retry.
      try {
        token = await this.manager.getAccessToken({ rejectedToken: token });
      } catch (err) {
        return { status: 401, error: err.code ?? "invalid_token" };
      }
      res = await fetch("/api/hello", { headers: { authorization: `Bearer ${token}` } });
    }
    return res;
  }

  async revoke() {
    const tokens = await this.storage.get();
    if (!tokens?.refreshToken) return 0;
    const status = await revokeRefreshToken(tokens.refreshToken);
    // Renew now instead of at the planned time: the issuer answers invalid_grant.
    this.manager.getAccessToken({ rejectedToken: tokens.accessToken }).catch(() => {});
    return status;
  }

  async signOut() {
    const tokens = await this.storage.get();
    if (tokens?.refreshToken) await revokeRefreshToken(tokens.refreshToken).catch(() => {});
    await this.manager.clear();
  }

  async status() {
    const tokens = await this.storage.get();
    return {
      active: Boolean(tokens?.accessToken),
      state: this.manager.state,
      expiresAt: tokens?.expiresAt ?? null,
      receivedAt: tokens?.receivedAt ?? null,
    };
  }
}

/**
 * "edge cookie": the page driver with the refresh token in the issuer's HttpOnly cookie. The
 * sign-in answer sets the cookie; renewals send it (credentials) and get the successor's;
 * revocation and sign-out send it to /revoke, whose answer expires it.
 */
class CookieDriver extends PageDriver {
  label = "edge cookie";
  client = cookieClient;
  storage = new rotor.IndexedDbStorage({ database: "rotor-demo", key: "cookie-session" });
  manager = new rotor.TokenManager({ client: cookieClient, storage: this.storage, policy: config.backoff, fetch: instrumentedFetch });

  async revoke() {
    const tokens = await this.storage.get();
    if (!tokens) return 0;
    const req = rotor.buildRevocationRequest(cookieClient, { tokenTypeHint: "refresh_token" });
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, credentials: req.credentials });
    this.manager.getAccessToken({ rejectedToken: tokens.accessToken }).catch(() => {});
    return res.status;
  }

  async signOut() {
    await this.manager.clear({ revoke: true });
  }
}

/**
 * "page + DPoP": the page driver with a DPoP key (`TokenManager({ dpop: true })`). The sign-in
 * request carries a proof, so the issuer binds the family to the key; API calls send
 * `Authorization: DPoP` and a proof with `ath` (`manager.authorize`). A bound family stays
 * bound: every token of it is a DPoP token (`dpopBound`, the timeline's badge).
 */
class DpopDriver extends PageDriver {
  label = "page + DPoP";
  client = dpopClient;
  storage = new rotor.IndexedDbStorage({ database: "rotor-demo", key: "dpop-session" });
  manager = new rotor.TokenManager({ client: dpopClient, storage: this.storage, policy: config.backoff, fetch: instrumentedFetch, dpop: true });
  dpopBound = false;

  async signInHeaders(url) {
    const dpop = await this.manager.dpop();
    return { dpop: await dpop.proof({ method: "POST", url }) };
  }

  async signIn(res, body) {
    const tokenSet = await super.signIn(res, body);
    this.dpopBound = tokenSet.tokenType === "DPoP";
    return tokenSet;
  }

  async callApi() {
    const url = `${location.origin}/api/hello`;
    let headers;
    try {
      headers = await this.manager.authorize({ method: "GET", url });
    } catch (err) {
      return { status: 0, error: err.code ?? "no_token" };
    }
    let res = await fetch(url, { headers });
    if (res.status === 401 && /invalid_token/.test(res.headers.get("www-authenticate") ?? "")) {
      try {
        headers = await this.manager.authorize({ method: "GET", url, rejectedToken: headers.authorization.split(" ")[1] });
      } catch (err) {
        return { status: 401, error: err.code ?? "invalid_token" };
      }
      res = await fetch(url, { headers });
    }
    return res;
  }

  async status() {
    const tokens = await this.storage.get();
    if (tokens) this.dpopBound = tokens.tokenType === "DPoP";
    return super.status();
  }

  async signOut() {
    await super.signOut();
    this.dpopBound = false;
  }
}

class ServiceWorkerDriver {
  label = "service worker";

  async start() {
    if (!("serviceWorker" in navigator)) throw new Error("this browser has no service workers");
    navigator.serviceWorker.addEventListener("message", (e) => this.#onMessage(e.data));
    // A classic script (www/demo.mjs bundles it as an IIFE): Firefox ESR 140 has no module
    // service workers.
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
    }
  }

  #onMessage(data) {
    if (typeof data?.type !== "string") return;
    if (data.type === "demo:token-request") onTokenRequest(data);
    else if (data.type.startsWith("rotor:") && EVENTS.includes(data.type.slice(6))) onRotorEvent(data.type.slice(6), data);
  }

  ask(message, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error(`the service worker did not answer ${message.type}`)), timeoutMs);
      channel.port1.onmessage = (e) => {
        clearTimeout(timer);
        resolve(e.data);
      };
      navigator.serviceWorker.controller.postMessage(message, [channel.port2]);
    });
  }

  async signIn(res, body) {
    // The worker performed the sign-in POST (rotor/sw `sessionUrls`) and kept the token set;
    // the page only learns the lifetimes, never a token.
    const session = JSON.parse(body);
    if (session.type !== "rotor:session") throw new Error("the service worker did not take the sign-in");
    return session;
  }

  callApi() {
    return fetch("/api/hello"); // the service worker adds Authorization
  }

  async revoke() {
    const { status } = await this.ask({ type: "demo:revoke" });
    this.ask({ type: "rotor:renew" }).catch(() => {});
    return status;
  }

  async signOut() {
    await this.ask({ type: "demo:revoke" }).catch(() => {});
    await this.ask({ type: "rotor:clear" });
  }

  async status() {
    const s = await this.ask({ type: "rotor:status" });
    return { active: Boolean(s.active), state: s.state, expiresAt: s.expiresAt ?? null, receivedAt: null };
  }
}

const driver = mode === "sw" ? new ServiceWorkerDriver() : mode === "cookie" ? new CookieDriver() : mode === "dpop" ? new DpopDriver() : new PageDriver();
$("s-mode").textContent = driver.label;
try {
  await driver.start();
} catch (err) {
  banner("reauth", `could not start the ${mode} driver: ${err.message}`);
  throw err;
}

// ---------------------------------------------------------------- status polling
let signingIn = false;

function setActive(active) {
  demo.active = active;
  $("signin-panel").hidden = active;
  $("controls").hidden = !active;
}

async function refreshStatus() {
  let s;
  try {
    s = await driver.status();
  } catch {
    return;
  }
  const now = Date.now();
  demo.state = s.state;
  demo.dpopBound = driver.dpopBound === true;
  timeline.state(now, s.active || s.state !== "idle" ? s.state : "signed-out");
  if (s.expiresAt !== null && !seenTokens.has(s.expiresAt) && !signingIn) {
    // A token this page did not see being renewed: decided below, after a grace period.
    seenTokens.set(s.expiresAt, { at: now, byEvent: false, start: s.receivedAt ?? now });
  }
  for (const [expiresAt, seen] of seenTokens) {
    if (!seen.byEvent && !seen.decided && now - seen.at > 1200) {
      seen.decided = true;
      // Renewed by another tab (or before this tab opened): adopted, not redeemed here.
      demo.counts.adopted++;
      timeline.addToken(seen.start, expiresAt, { dpop: driver.dpopBound === true });
      timeline.mark(seen.start, "adopted", "adopted from another tab");
      log("adopted", `adopted an access token renewed elsewhere (valid until ${new Date(expiresAt).toISOString().slice(11, 19)})`);
    }
  }
  setActive(s.active);
  const st = $("s-state");
  st.innerHTML = "";
  const pill = document.createElement("span");
  pill.className = "state-pill";
  pill.style.background = STATE_COLORS[s.state] ?? "#64748b";
  pill.textContent = s.state ?? "–";
  st.append(pill);
  $("s-access").textContent =
    s.expiresAt === null ? "none" : s.expiresAt > now ? `#${timeline.bars.length} · ${seconds(s.expiresAt - now)} left` : "expired";
  $("s-renewals").textContent = String(demo.counts.renewals + demo.counts.adopted) + (demo.counts.adopted ? ` (${demo.counts.adopted} adopted)` : "");
  $("s-rotations").textContent = String(demo.counts.rotations);
  $("s-retries").textContent = String(demo.counts.retries);
  $("s-api").textContent = `${demo.counts.apiOk} ok · ${demo.counts.apiFail} failed`;
  $("s-skew").textContent = demo.skewMs === null ? "–" : `${demo.skewMs >= 0 ? "+" : ""}${Math.round(demo.skewMs)} ms`;
}

// ---------------------------------------------------------------- actions
async function callApi() {
  const sentAt = Date.now();
  let status = 0;
  let body = null;
  try {
    const res = await driver.callApi();
    status = res.status;
    if (typeof res.json === "function") body = await res.json().catch(() => null);
    else body = { error: res.error };
  } catch (err) {
    body = { error: err.message };
  }
  const receivedAt = Date.now();
  const ok = status === 200;
  if (ok) demo.counts.apiOk++;
  else demo.counts.apiFail++;
  demo.lastApi = { status, body, at: receivedAt };
  timeline.apiCall(receivedAt, ok, status);
  if (ok && typeof body?.serverNow === "number") {
    // Server clock minus ours, assuming the answer was made half-way through the round trip.
    demo.skewMs = body.serverNow - (sentAt + receivedAt) / 2;
    timeline.skewSample(receivedAt, demo.skewMs);
  }
  $("s-last").textContent = ok ? `200 · hello ${body.hello} · jti ${String(body.jti).slice(0, 8)}…` : `${status || "no token"} · ${body?.error ?? "failed"}`;
  if (!ok) log("error", status ? `API call failed: ${status} ${body?.error ?? ""}` : `API call not made: no usable access token (${body?.error ?? "no session"})`);
  return ok;
}

$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  signingIn = true;
  try {
    // "page + DPoP": the sign-in request carries a DPoP proof, which binds the family (RFC 9449 §5).
    const extra = driver.signInHeaders ? await driver.signInHeaders(`${location.origin}/signin`) : {};
    const res = await fetch("/signin", {
      method: "POST",
      headers: { "content-type": "application/json", ...extra },
      body: JSON.stringify({ username: $("username").value, password: $("password").value, ...(mode === "cookie" || mode === "dpop" ? { mode } : {}) }),
    });
    const body = await res.text();
    if (!res.ok) {
      banner("reauth", JSON.parse(body).error_description ?? `sign-in failed (${res.status})`);
      return;
    }
    const tokenSet = await driver.signIn(res, body);
    const now = Date.now();
    seenTokens.set(tokenSet.expiresAt, { at: now, byEvent: true });
    timeline.addToken(tokenSet.receivedAt, tokenSet.expiresAt, { dpop: driver.dpopBound === true });
    timeline.mark(now, "signin");
    banner(null, null);
    $("who").textContent = `signed in as ${$("username").value}`;
    log("signin", `signed in as ${$("username").value}: access token valid ${seconds(tokenSet.expiresAt - now)}, refresh token ${tokenSet.refreshExpiresAt ? `valid ${seconds(tokenSet.refreshExpiresAt - now)}` : "issued"}`);
    setActive(true);
  } catch (err) {
    banner("reauth", `sign-in failed: ${err.message}`);
  } finally {
    signingIn = false;
  }
});

$("call-api").addEventListener("click", () => callApi());

$("outage").addEventListener("click", async () => {
  const res = await fetch("/demo/outage", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seconds: config.outageSeconds }) });
  const { outageUntil } = await res.json();
  timeline.outage(Date.now(), outageUntil);
  log("retrying", `token endpoint down for ${config.outageSeconds} s (it answers 503 temporarily_unavailable)`);
});

$("revoke").addEventListener("click", async () => {
  timeline.mark(Date.now(), "revoke");
  const status = await driver.revoke();
  log("error", `session revoked at the issuer (RFC 7009, HTTP ${status}); the next renewal will be refused`);
});

$("signout").addEventListener("click", async () => {
  await driver.signOut();
  log("signin", "signed out (refresh token revoked)");
  $("who").textContent = "";
  setActive(false);
});

for (const input of document.querySelectorAll('input[name="mode"]')) {
  input.addEventListener("change", async () => {
    if (demo.active) await driver.signOut().catch(() => {});
    localStorage.setItem("rotor-demo-mode", input.value);
    location.replace(location.pathname);
  });
}

// ---------------------------------------------------------------- loops
setInterval(() => {
  if (demo.active && $("auto-api").checked) callApi();
}, config.apiIntervalMs);
setInterval(refreshStatus, mode === "sw" ? 400 : 250);
await refreshStatus();
if (demo.active) {
  log("adopted", "found a session of this origin (another tab or an earlier visit)");
  $("who").textContent = "session active";
}
timeline.render();
setInterval(() => timeline.render(), 150);
demo.ready = true;
