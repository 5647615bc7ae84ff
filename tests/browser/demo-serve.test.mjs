// `make demo` runs `node www/serve.mjs`: it must build, print its URL, serve the page, and on
// Ctrl-C (SIGINT) or SIGTERM stop workerd and exit 0, leaving no process behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../support/workerd.mjs";
import { ROOT } from "../support/browser.mjs";

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function descendants(pid) {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    return [];
  }
  const children = out.split("\n").map((s) => Number(s.trim())).filter(Boolean);
  return children.flatMap((c) => [c, ...descendants(c)]);
}

async function serveAndStop(signal) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "www/serve.mjs")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DEMO_STORAGE: "temp" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((r) => child.on("exit", (code, sig) => r({ code, sig })));
  try {
    const deadline = Date.now() + 45_000;
    while (!output.includes(`http://127.0.0.1:${port}`)) {
      assert.ok(child.exitCode === null, `serve.mjs exited early:\n${output}`);
      assert.ok(Date.now() < deadline, `no URL printed within 45 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /rotor/);
    const wasm = await fetch(`http://127.0.0.1:${port}/rotor_bg.wasm`);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())), "the page's wasm module is served intact");
    // The protected API: no token or a forged one is 401 invalid_token (RFC 6750 §3.1).
    for (const authorization of [undefined, "Bearer e30.e30.AAAA"]) {
      const res = await fetch(`http://127.0.0.1:${port}/api/hello`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);
      assert.equal((await res.json()).error, "invalid_token");
    }
    // The page's own sign-in: this origin, a JSON body (anything else is refused: login CSRF).
    const headers = { origin: `http://127.0.0.1:${port}`, "content-type": "application/json" };
    const denied = await fetch(`http://127.0.0.1:${port}/signin`, { method: "POST", headers, body: JSON.stringify({ username: "eve", password: "guess" }) });
    assert.equal(denied.status, 401);
    const signin = await fetch(`http://127.0.0.1:${port}/signin`, { method: "POST", headers, body: JSON.stringify({ username: "carol", password: "demo" }) });
    const tokens = await signin.json();
    assert.equal(tokens.token_type, "Bearer");
    const hello = await fetch(`http://127.0.0.1:${port}/api/hello`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal((await hello.json()).hello, "carol");
    const metadata = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    assert.equal((await metadata.json()).token_endpoint, `http://127.0.0.1:${port}/token`);

    const workers = descendants(child.pid);
    const names = workers.map((pid) => {
      try {
        return execFileSync("ps", ["-o", "comm=", "-p", String(pid)], { encoding: "utf8" }).trim();
      } catch {
        return "";
      }
    });
    assert.ok(names.includes("workerd"), `workerd runs as a child of serve.mjs (children: ${names.join(", ")})`);
    child.kill(signal);
    let timer;
    const { code } = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r({ code: "timeout" }), 8000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `serve.mjs exit after ${signal}:\n${output}`);
    // Children (workerd; esbuild's service process) go with it, at the latest within 3 s.
    const gone = Date.now() + 3000;
    while (workers.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    for (const pid of workers) assert.equal(alive(pid), false, `process ${pid} outlived serve.mjs`);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), "nothing listens any more");
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

test("serve.mjs prints its URL, serves the demo and stops workerd on SIGINT", () => serveAndStop("SIGINT"));
test("serve.mjs stops workerd on SIGTERM", () => serveAndStop("SIGTERM"));
