// Compile-time test of rotor's public types: every name of shared API.md, used the way a user
// would, with realistic values. Checked by `tsc --noEmit --strict -p tests/types`
// (scripts/typecheck.sh); nothing here runs. Each `// @ts-expect-error` line proves that a
// wrong shape is refused (tsc fails if such a line compiles).
import init, * as rotor from "rotor";
import {
  buildRefreshRequest,
  parseTokenResponse,
  unverifiedJwtTimes,
  signJwt,
  verifyJwt,
  version,
  createClient,
  createVerifier,
  createSigner,
  Client,
  Verifier,
  isOAuthError,
  isRotorError,
  isJwtError,
} from "rotor";
import issuerInit, { Issuer, MemoryStore } from "rotor/issuer";
import type {
  IssuerConfig,
  IssuerStore,
  SessionInput,
  StoredRecord,
  TokenResponseJson,
  AuthorizationServerMetadata,
} from "rotor/issuer";
import type {
  AuthMethod,
  ClientConfig,
  Dialect,
  ErrorKind,
  JsonValue,
  JwtClaims,
  JwtError,
  JwtErrorCode,
  OAuthError,
  RefreshRequest,
  RotorError,
  RotorErrorCode,
  TokenHttpResponse,
  TokenSet,
  VerifiedJwt,
} from "rotor";
import * as sw from "rotor/sw";
import swInit from "rotor/sw";
import worker, {
  createWorker,
  configFromEnv,
  DurableObjectStore,
  RotorFamily,
  startSession,
  createTokenHandler,
} from "rotor/worker";
import type { DurableObjectStorageLike, WorkerEnv, WorkerHandler, TokenHandler, TokenHandlerPaths } from "rotor/worker";

const NOW = 1_700_000_000_000;

// ---- Package and loading -------------------------------------------------------------------
async function loading(): Promise<string> {
  await init();
  await init(new URL("https://app.example/rotor_bg.wasm"));
  await rotor.default();
  // @ts-expect-error init takes one module source
  await init("rotor_bg.wasm", {});
  return version();
}

// ---- Client --------------------------------------------------------------------------------
const client: ClientConfig = {
  tokenEndpoint: "https://id.example.com/realms/demo/protocol/openid-connect/token",
  clientId: "spa",
  clientSecret: "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t",
  authMethod: "client_secret_basic",
  dialect: "keycloak",
  grantedScope: "openid profile offline_access",
};
const dialects: Dialect[] = ["rfc6749", "keycloak", "curity", "pingfederate", "tokenidp"];
const methods: AuthMethod[] = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "none"];
// @ts-expect-error not a dialect
const badDialect: Dialect = "okta";
// @ts-expect-error a typo in a config key is refused at compile time too
const typo: ClientConfig = { tokenEndpiont: "https://id.example.com/token", clientId: "spa" };

const request: RefreshRequest = buildRefreshRequest(client, {
  refreshToken: "8xLOxBtZp8",
  scope: "openid profile",
  extraParams: { resource: "https://api.example.com" },
  now: NOW,
});
const post: "POST" = request.method;
const headers: Record<string, string> = request.headers;
const body: string = request.body;
const url: string = request.url;
buildRefreshRequest({ tokenEndpoint: "http://127.0.0.1:8080/token", clientId: "cli" }, { refreshToken: "rt" });
// @ts-expect-error refreshToken is required
buildRefreshRequest(client, { scope: "openid" });
// @ts-expect-error extraParams values are strings
buildRefreshRequest(client, { refreshToken: "rt", extraParams: { n: 1 } });

const answer: TokenHttpResponse = {
  status: 200,
  headers: { "content-type": "application/json" },
  body: '{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt2"}',
};
const tokens: TokenSet = parseTokenResponse(client, answer, { now: NOW, requestedScope: "openid" });
const fromFetch: TokenSet = parseTokenResponse(
  client,
  { status: 200, headers: new Headers({ "content-type": "application/json" }), body: new Uint8Array(8) },
  { previous: tokens },
);
parseTokenResponse(client, { status: 400, headers: [["content-type", "application/json"]], body: new ArrayBuffer(0) });
parseTokenResponse(client, answer, { previous: { refreshToken: "rt", scope: "openid", idToken: null } });
// @ts-expect-error status is a number
parseTokenResponse(client, { status: "200", body: "{}" });
const access: string = tokens.accessToken;
const expiresAt: number | null = tokens.expiresAt;
const refreshToken: string | null = tokens.refreshToken;
const refreshExpiresAt: number | null = tokens.refreshExpiresAt;
const scope: string | null = tokens.scope;
const idToken: string | null = tokens.idToken;
const rotated: boolean = tokens.rotated;
const receivedAt: number = tokens.receivedAt;
const tokenType: string = tokens.tokenType;
// @ts-expect-error expiresAt may be null
const alwaysExpires: number = tokens.expiresAt;

const times = unverifiedJwtTimes(access);
const iat: number | null = times === null ? null : times.iat;

function handle(err: unknown): ErrorKind | RotorErrorCode | JwtErrorCode | undefined {
  const e = err as OAuthError | RotorError | JwtError;
  switch (e.name) {
    case "OAuthError": {
      const status: number = e.status;
      const wait: number | null = e.retryAfter;
      const description: string | null = e.description;
      const code: string = e.code;
      return status > 0 && wait !== 0 && description !== code ? e.kind : "retry";
    }
    case "RotorError":
      return e.code === "scope_widening" ? e.kind : e.code;
    case "JwtError":
      return e.code;
  }
}
const kinds: ErrorKind[] = ["reauthenticate", "retry", "config", "scope", "protocol"];
// @ts-expect-error not a rotor error code
const badCode: RotorErrorCode = "invalid_grant";

// ---- Scheduling and renewal drivers (nextRefreshAt, backoffDelay, TokenManager) ------------
// ---- Scheduling and TokenManager ----------------------------------------------------------
const due: number | null = rotor.nextRefreshAt(tokens, { now: NOW, leadSeconds: 30, jitter: 0.2, skewMs: -1500 });
const delay: number = rotor.backoffDelay(3, { baseMs: 500, capMs: 60_000, jitter: 0.5, retryAfter: 2000 });
const skew: number = rotor.estimateClockSkew({ date: "Sun, 22 Nov 2026 20:00:00 GMT", accessToken: access, now: NOW });
// @ts-expect-error the attempt is a number
rotor.backoffDelay("3");
// @ts-expect-error jitter is a number the caller draws
rotor.nextRefreshAt(tokens, { jitter: true });

const manager = new rotor.TokenManager({
  client,
  fetch: (url, req) => fetch(url, req),
  storage: new rotor.IndexedDbStorage(),
  policy: { leadSeconds: 20, baseMs: 250, capMs: 30_000 },
});
const memoryManager = new rotor.TokenManager({ client, storage: new rotor.MemoryStorage() });
manager.addEventListener("renewed", (e) => {
  const at: number | null = e.detail.expiresAt;
  void at;
});
manager.addEventListener("retrying", (e) => {
  const wait: number = e.detail.delayMs;
  void wait;
});
manager.addEventListener("reauthenticate", (e) => void e.detail.code);
const clocked = new rotor.TokenManager({
  client,
  policy: { maxDemandWaitMs: 2000 },
  now: () => NOW,
  random: () => 0.25,
  timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
});
// @ts-expect-error now is a function, not an instant
new rotor.TokenManager({ client, now: NOW });
async function backoff(): Promise<string | null> {
  try {
    return await clocked.getAccessToken({ rejectedToken: access });
  } catch (err) {
    const e = err as rotor.RenewalBackoffError;
    if (e.code === "renewal_backoff") {
      const next: number | null = e.retryAt;
      void next;
    }
    return null;
  }
}
const machine = new rotor.RenewalMachine({ maxDemandWaitMs: 0 });
machine.step({ type: "tokens-seen", tokenSet: tokens, current: null }, { now: NOW, jitter: 0 });
machine.step({ type: "token-rejected", rejectedToken: access, current: tokens });
const demandAnswer: rotor.RenewalAnswer = machine.answer(tokens, { now: NOW, rejectedToken: access });
if (demandAnswer.type === "wait-until") void (demandAnswer.at satisfies number);
if (demandAnswer.type === "retry-later") void (demandAnswer.retryAt satisfies number | null);
const usable: boolean = machine.usable(tokens, { now: NOW });
void [backoff, usable];
async function renewal(): Promise<void> {
  await manager.setTokens(tokens);
  await manager.start();
  const bearer: string = await manager.getAccessToken();
  const state: rotor.RenewalState = manager.state;
  manager.stop();
  await manager.clear();
  void [bearer, state, memoryManager];
}
// @ts-expect-error a TokenManager needs a client
new rotor.TokenManager({});
void [due, delay, skew, renewal];

// ---- Service worker (rotor/sw) ---------------------------------------------------------------
declare const swScope: sw.ServiceWorkerScopeLike;
const silent: sw.SilentRenewal = sw.installSilentRenewal(swScope, {
  client,
  apiPrefixes: ["/api/"],
  policy: { leadSeconds: 15 },
});
const swMessage: sw.SilentRenewalCommand = { type: "rotor:set-tokens", tokenSet: tokens };
function onSwMessage(message: sw.SilentRenewalMessage): void {
  if (message.type === "rotor:renewed") void message.expiresAt;
  // @ts-expect-error worker-to-page messages never carry a token
  if (message.type === "rotor:renewed") void message.accessToken;
}
// @ts-expect-error apiPrefixes is required
sw.installSilentRenewal(swScope, { client });
sw.installSilentRenewal(swScope, { client, apiPrefixes: ["https://api.example.com/v1/"], allowCrossOriginApi: true });
sw.installSilentRenewal(swScope, { client, apiPrefixes: ["/api/"], sessionUrls: ["/signin"], persist: false });
sw.installSilentRenewal(swScope, { client, apiPrefixes: ["/api/"], now: () => NOW, random: () => 0, timers: { setTimeout, clearTimeout } });
const swReady: Promise<void> = swInit();
void [silent, swMessage, onSwMessage, swReady];

// ---- JWT -----------------------------------------------------------------------------------
const key = new Uint8Array(32).fill(7);
const claims: JwtClaims = {
  iss: "https://id.example.com",
  sub: "alice",
  aud: ["https://api.example.com"],
  exp: 1_700_000_300,
  iat: 1_700_000_000,
  jti: "b5x1",
  scope: "openid profile",
  roles: ["admin"],
  org: { id: 7, verified: true },
};
const jwt: string = signJwt(claims, { key, kid: "2026-11", typ: "at+jwt" });
signJwt({ sub: "bob" }, { key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" });
const verified: VerifiedJwt = verifyJwt(jwt, {
  keys: [
    { kid: "2026-11", key },
    { kid: "2026-10", key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" },
  ],
  issuer: "https://id.example.com",
  audience: "https://api.example.com",
  typ: "at+jwt",
  leewaySeconds: 30,
  now: NOW,
  requiredClaims: ["exp", "sub"],
  maxTokenBytes: 8192,
});
verifyJwt(jwt, { keys: key });
const alg: "HS256" = verified.header.alg;
const kid: string | undefined = verified.header.kid;
const sub: string | undefined = verified.claims.sub;
const custom: JsonValue | undefined = verified.claims["roles"];
// @ts-expect-error keys are required
verifyJwt(jwt, { issuer: "https://id.example.com" });
// @ts-expect-error a claim value must be JSON (no functions)
signJwt({ sub: "a", fn: () => 1 }, { key });
// @ts-expect-error a key is bytes or a base64url string
signJwt({ sub: "a" }, { key: 42 });
const jwtCodes: JwtErrorCode[] = [
  "malformed", "too_large", "alg_not_allowed", "unknown_kid", "bad_signature", "expired",
  "not_yet_valid", "issued_in_future", "claim_mismatch", "missing_claim", "crit_unsupported", "weak_key",
];

// ---- Issuer --------------------------------------------------------------------------------
const issuerConfig: IssuerConfig = {
  issuer: "https://id.example.com/oauth",
  audience: ["https://api.example.com"],
  keys: [{ kid: "2026-11", key }, { kid: "2026-10", key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" }],
  accessTokenTtl: 300,
  refreshTokenTtl: 30 * 24 * 3600,
  refreshIdleTtl: 7 * 24 * 3600,
  rotation: "rotate",
  reuseGraceSeconds: 10,
  clients: [
    { clientId: "spa", scope: "openid profile offline_access" },
    { clientId: "backend", clientSecret: "s3cr3t", authMethods: ["client_secret_post"], scope: "api", disabled: false },
  ],
  dialect: "rfc6749",
  store: new MemoryStore(),
};
// @ts-expect-error the issuer does not verify client_secret_jwt
const jwtClient: IssuerConfig["clients"][number] = { clientId: "x", scope: "a", authMethods: ["client_secret_jwt"] };
// @ts-expect-error rotation is "rotate" or "reuse"
const badRotation: IssuerConfig = { ...issuerConfig, rotation: "sometimes" };
// DPoP (RFC 9449): per-client dpop, server nonces, the rotation of bound families.
const dpopConfig: IssuerConfig = { ...issuerConfig, clients: [{ clientId: "spa", scope: "openid", dpop: "required" }], dpopNonceSeconds: 300, dpopRotation: "reuse" };
// @ts-expect-error dpop is "required" or "allowed"
const badDpop: IssuerConfig["clients"][number] = { clientId: "x", scope: "a", dpop: true };
const boundSession: SessionInput = { clientId: "spa", subject: "alice", dpop: new Request("https://app.example.com/sign-in", { method: "POST" }) };
const dpopAlgs: string[] | undefined = new Issuer(dpopConfig).metadata().dpop_signing_alg_values_supported;

const customStore: IssuerStore = {
  async update(key: string, fn: (current: StoredRecord | null) => StoredRecord | null | undefined, context) {
    const next = fn(null);
    return next === undefined ? undefined : next && { value: next.value, expiresAt: Math.max(next.expiresAt, context.now) };
  },
};
const issuer = new Issuer({ ...issuerConfig, store: customStore });
async function issue(): Promise<void> {
  const response: Response = await issuer.handle(
    new Request("https://id.example.com/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=refresh_token&refresh_token=rt&client_id=spa",
    }),
    { now: NOW },
  );
  const session: SessionInput = { clientId: "spa", subject: "alice", scope: "openid", claims: { tenant: "acme", level: 2 } };
  const first: TokenResponseJson = await issuer.startSession(session, { now: NOW });
  const at: string | undefined = first.access_token;
  const expiresIn: number | undefined = first.expires_in;
  const routed = await issuer.route(new Request("https://id.example.com/oauth/revoke", { method: "POST" }));
  const next: Response | Request = "response" in routed ? routed.response : routed.request;
  const meta: AuthorizationServerMetadata = issuer.metadata();
  const endpoint: string = meta.token_endpoint;
  const store: IssuerStore = issuer.store;
  const memory = new MemoryStore();
  const held: number = memory.size;
  await memory.update("family", () => ({ value: "{}", expiresAt: NOW + 1000 }), { now: NOW });
  const got: StoredRecord | null = await memory.get("family");
  await memory.delete("family");
  // @ts-expect-error startSession needs a subject
  await issuer.startSession({ clientId: "spa" });
  // @ts-expect-error session claims are JSON
  await issuer.startSession({ clientId: "spa", subject: "a", claims: { at: new Date() } });
  void [response, at, expiresIn, next, endpoint, store, held, got];
}

// ---- rotor/worker ----------------------------------------------------------------------------
const env: WorkerEnv = {
  ROTOR_ISSUER: "https://id.example.com",
  ROTOR_AUDIENCE: "https://api.example.com",
  ROTOR_SIGNING_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
  ROTOR_CLIENTS: JSON.stringify([{ clientId: "spa", scope: "openid" }]),
};
const fromEnv: Omit<IssuerConfig, "store"> = configFromEnv(env);
const built = createWorker({
  binding: "ROTOR_FAMILY",
  config: (e) => ({ ...configFromEnv(e), accessTokenTtl: 120 }),
  async fetch(request, e, ctx, tools) {
    if (new URL(request.url).pathname !== "/login") return undefined;
    const body = await tools.startSession({ clientId: "spa", subject: "alice" }, { now: tools.now });
    return Response.json(body);
  },
});
const handler: WorkerHandler = built.worker;
const storage: DurableObjectStorageLike = {
  async get(key: string) { return undefined; },
  async put(key: string, value: unknown) {},
  async delete(key: string) { return true; },
  async list() { return new Map<string, unknown>(); },
};
async function workerd(): Promise<void> {
  const family = new RotorFamily({ storage }, env);
  const answered: Response = await family.fetch(new Request("https://family/"));
  await family.alarm();
  const viaDefault: Response = await worker.fetch(new Request("https://id.example.com/token"), env, {});
  const viaBuilt: Response = await handler.fetch(new Request("https://id.example.com/token"), env, {});
  const started: TokenResponseJson = await startSession(env, { clientId: "spa", subject: "alice" });
  const startedBuilt: TokenResponseJson = await built.startSession(env, { clientId: "spa", subject: "bob" }, { now: NOW });
  const doStore = new DurableObjectStore(storage);
  await doStore.update("family", (current) => current);
  const record: StoredRecord | null = await doStore.get("family");
  await doStore.delete("family");
  // @ts-expect-error the Durable Object needs a state with storage
  new RotorFamily({}, env);
  // @ts-expect-error the config hook returns an issuer config
  createWorker({ config: () => ({ issuer: 1 }) });
  void [answered, viaDefault, viaBuilt, started, startedBuilt, record];
}

// ---- rotor/worker: token handler --------------------------------------------------------------
interface BffEnv { BFF_SECRET: string; ROTOR_BFF_KEYS: string }
const bff: TokenHandler<BffEnv> = createTokenHandler<BffEnv>({
  client: (e) => ({ tokenEndpoint: "https://id.example/token", revocationEndpoint: "https://id.example/revoke", clientId: "bff", clientSecret: e.BFF_SECRET, dialect: "keycloak" }),
  authorizationEndpoint: "https://id.example/auth",
  issuer: "https://id.example",
  redirectUri: "https://app.example/auth/callback",
  scope: "openid offline_access",
  authorizationParams: { prompt: "consent" },
  keys: (e) => JSON.parse(e.ROTOR_BFF_KEYS),
  reuseWindowSeconds: 10,
  sessionBinding: "BFF_SESSIONS",
});
const BffSession = bff.TokenHandlerSession;
const bffSession: Promise<Response> = new BffSession({}, { BFF_SECRET: "s", ROTOR_BFF_KEYS: "[]" }).fetch(new Request("https://app.example/auth/token"));
const bffPaths: TokenHandlerPaths = bff.paths;
async function bffWorker(e: BffEnv): Promise<Response> {
  const own: Response | undefined = await bff.route(new Request("https://app.example/auth/token"), e);
  return own ?? bff.fetch(new Request("https://app.example/other"), e);
}
// @ts-expect-error scope is required
createTokenHandler({ client: { tokenEndpoint: "https://id.example/token", clientId: "c" }, authorizationEndpoint: "https://id.example/auth", redirectUri: "https://app.example/cb" });
void [bffPaths, bffWorker, bffSession];

// ---- rotor/token-handler: the same token handler without the issuer module ----------------------
import thInit, { createTokenHandler as createOwnTokenHandler, init as thInitNamed } from "rotor/token-handler";
import type { TokenHandler as OwnTokenHandler, TokenHandlerOptions } from "rotor/token-handler";
const thOptions: TokenHandlerOptions = {
  client: { tokenEndpoint: "https://id.example/token", clientId: "bff", clientSecret: "s" },
  authorizationEndpoint: "https://id.example/auth",
  redirectUri: "https://app.example/auth/callback",
  scope: "openid offline_access",
};
const ownHandler: OwnTokenHandler = createOwnTokenHandler(thOptions);
const sameType: TokenHandler = ownHandler;
const thReady: Promise<void> = thInit();
const thReadyNamed: Promise<void> = thInitNamed();
void [sameType, thReady, thReadyNamed];

void [
  loading, dialects, methods, badDialect, typo, post, headers, body, url, fromFetch, refreshToken,
  refreshExpiresAt, scope, idToken, rotated, receivedAt, tokenType, alwaysExpires, expiresAt, iat,
  handle, kinds, badCode, alg, kid, sub, custom, jwtCodes, jwtClient, badRotation, issue,
  fromEnv, workerd,
];

// ---- Handles, error classes ---------------------------------------------------------------
const clientHandle: Client = createClient({ tokenEndpoint: "https://as.example/token", clientId: "spa" });
const viaHandle: RefreshRequest = buildRefreshRequest(clientHandle, { refreshToken: "rt" });
const revocation: RefreshRequest = rotor.buildRevocationRequest(
  { tokenEndpoint: "https://as.example/token", revocationEndpoint: "https://as.example/revoke", clientId: "spa" },
  { token: "rt", tokenTypeHint: "refresh_token" },
);
void revocation;
const handleSet: TokenSet = clientHandle.parseTokenResponse({ status: 200, body: "{}" }, { previous: null });
const verifier: Verifier = createVerifier({ keys: new Uint8Array(32), issuer: "https://as.example" });
const verifiedByHandle: VerifiedJwt = verifier.verify("a.b.c", NOW);
const signed: string = createSigner({ key: new Uint8Array(32), kid: "k" }).sign({ sub: "u" });
void [viaHandle, handleSet, verifiedByHandle, signed, issuerInit()];
try {
  clientHandle.buildRefreshRequest({ refreshToken: "rt" });
} catch (err) {
  if (err instanceof rotor.OAuthError) {
    const retry: number | null = err.retryAfter;
    void retry;
  } else if (isOAuthError(err)) {
    const status: number = err.status;
    void status;
  } else if (isRotorError(err)) {
    const code: RotorErrorCode = err.code;
    void code;
  } else if (isJwtError(err)) {
    const code: JwtErrorCode = err.code;
    void code;
  }
}

// ---- DPoP (RFC 9449) and private_key_jwt (RFC 7523) ------------------------------------------
async function dpopUsage(): Promise<void> {
  const keyPair = await rotor.generateDpopKey({ alg: "ES256" });
  const dpop: rotor.DPoP = await rotor.createDpop(keyPair, { now: () => NOW, jti: () => "j" });
  const jkt: string = dpop.thumbprint;
  const proof: string = await dpop.proof({ method: "POST", url: "https://as.example/token" });
  const req: RefreshRequest = await rotor.buildRefreshRequestAsync(
    { tokenEndpoint: "https://as.example/token", clientId: "spa" },
    { refreshToken: "rt", dpop },
  );
  const { privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const pkjwt = createClient({ tokenEndpoint: "https://as.example/token", clientId: "app", authMethod: "private_key_jwt", clientKey: { privateKey, kid: "k1" } });
  const signedReq: RefreshRequest = await pkjwt.buildRefreshRequestAsync({ refreshToken: "rt" });
  const api: Response = await rotor.dpopFetch(dpop, "at", "https://api.example/x", { method: "GET" });
  const h: { authorization: string; dpop: string } = await dpop.headers({ method: "GET", url: "https://api.example/x", accessToken: "at" });
  // @ts-expect-error HS256 is not a DPoP alg
  await rotor.generateDpopKey({ alg: "HS256" });
  void [jkt, proof, req, signedReq, api, h];
}
void dpopUsage;

// ---- DPoP at a resource server (rotor/issuer) ------------------------------------------------
async function dpopVerifierUsage(request: Request): Promise<Response> {
  const { createDpopVerifier, MemoryReplayCache, DpopError } = await import("rotor/issuer");
  const access = createVerifier({ keys: new Uint8Array(32), typ: "at+jwt" });
  const dpop = createDpopVerifier({ accessToken: (t) => access.verify(t).claims, replay: new MemoryReplayCache(), maxAgeSeconds: 60 });
  try {
    const { jkt } = await dpop.verify(request);
    return new Response(jkt);
  } catch (err) {
    if (err instanceof DpopError) return err.response();
    throw err;
  }
}
void dpopVerifierUsage;

// ---- Refresh tokens in an HttpOnly cookie (issue 16) ----------------------------------------
const cookieClient: Client = createClient({
  tokenEndpoint: "https://id.example.com/token",
  revocationEndpoint: "https://id.example.com/revoke",
  clientId: "spa",
  refreshTokenIn: "cookie",
});
const cookieMode: "body" | "cookie" = cookieClient.refreshTokenIn;
const cookieRefresh: RefreshRequest = cookieClient.buildRefreshRequest({ scope: "openid" });
const cookieCredentials: "include" | undefined = cookieRefresh.credentials;
const cookieRevoke: RefreshRequest = cookieClient.buildRevocationRequest({ tokenTypeHint: "refresh_token" });
// @ts-expect-error refreshTokenIn is "body" or "cookie"
createClient({ tokenEndpoint: "https://id.example.com/token", clientId: "spa", refreshTokenIn: "jar" });
const cookieManager = new rotor.TokenManager({ client: { tokenEndpoint: "https://id.example.com/token", clientId: "spa", refreshTokenIn: "cookie" } });
const cookieIssuer = new Issuer({
  ...issuerConfig,
  clients: [{ clientId: "spa", scope: "openid", allowedOrigins: ["https://app.example.com"], refreshTokenDelivery: "cookie", refreshTokenCookie: "__Secure-rt" }],
});
// @ts-expect-error the cookie name must be __Secure- prefixed
const hostCookie: IssuerConfig["clients"][number] = { clientId: "x", scope: "a", refreshTokenDelivery: "cookie", refreshTokenCookie: "__Host-rt" };
async function cookieSignIn(): Promise<Response> {
  return cookieIssuer.sessionResponse({ clientId: "spa", subject: "alice" }, { now: NOW });
}
createWorker({
  async fetch(request, e, ctx, tools) {
    return tools.sessionResponse({ clientId: "spa", subject: "alice" });
  },
});
void [cookieMode, cookieCredentials, cookieRevoke, cookieManager, hostCookie, cookieSignIn];
const cookieConfigOnly = { tokenEndpoint: "https://id.example.com/token", clientId: "spa", refreshTokenIn: "cookie" } as const;
const cookieBuilt: RefreshRequest = buildRefreshRequest(cookieConfigOnly, {});
void cookieBuilt;
