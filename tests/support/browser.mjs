// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, and a tiny static
// file server on loopback for test pages. Shared by browser tests, the demo test and benches.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, dirname, extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const TYPES = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};

/**
 * Launches headless Chromium with the flags that work on these machines (as root, no network).
 * Each launch gets a fresh user-data-dir.
 */
export async function launchChromium() {
  const userDataDir = await mkdtemp(join(tmpdir(), "rotor-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return context;
}

/**
 * Serves files below `root` (default: the repository) on 127.0.0.1, plus `routes`
 * (path -> async (req, res) handler). Returns `{ url, close() }`.
 */
export async function serveStatic({ root = ROOT, routes = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    try {
      if (routes[path]) return await routes[path](req, res);
      const file = normalize(join(root, path));
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

/**
 * Runs in a page (`page.evaluate(pageStorageScan, secrets)`, Playwright or puppeteer): every
 * text page script can read — `document.cookie`, each IndexedDB database's stores, Cache
 * Storage — and the ones among them that hold one of `secrets` or look like a refresh token.
 * Resolves `{ texts, hits }`.
 */
export async function pageStorageScan(secrets) {
  const texts = [`document.cookie=${document.cookie}`];
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    for (const store of db.objectStoreNames) {
      const all = await new Promise((ok) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result);
      });
      texts.push(`${name}/${store}=${JSON.stringify(all)}`);
    }
    db.close();
  }
  for (const key of await caches.keys()) {
    const cache = await caches.open(key);
    for (const req of await cache.keys()) texts.push(`${key} ${req.url}=${await (await cache.match(req)).text()}`);
  }
  return { texts, hits: texts.filter((t) => secrets.some((v) => t.includes(v)) || /rotor-refresh|refresh_token|"refreshToken":"/.test(t)) };
}

/**
 * The edge cookie mode's refresh-token cookie as a browser reports it (Playwright or puppeteer):
 * present, `HttpOnly`, `Secure`, `SameSite=Strict`, `Path=/token`, an opaque 86-character token.
 */
export function assertRefreshCookie(cookie) {
  assert.ok(cookie, "the sign-in answer set the refresh-token cookie");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(cookie.path, "/token");
  assert.match(cookie.value, /^[A-Za-z0-9_-]{86}$/);
}
