// The deployable example (worker/src/index.js) in the real workerd: a session started through
// the protected /session route, then refresh rounds at /token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";

const ENTRY = fileURLToPath(new URL("../../worker/src/index.js", import.meta.url));

test("workerd: the worker/ example starts sessions and rotates refresh tokens", async () => {
  const server = await startWorkerd(ENTRY, {
    durableObjects: ["ROTOR_FAMILY:RotorFamily"],
    text: {
      ROTOR_ISSUER: "https://auth.example.com",
      ROTOR_AUDIENCE: "https://api.example.com",
      ROTOR_SIGNING_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
      ROTOR_CLIENTS: JSON.stringify([{ clientId: "spa", scope: "openid api.read" }]),
      ROTOR_REUSE_GRACE_SECONDS: "10",
      SESSION_API_KEY: "k".repeat(40),
    },
  });
  try {
    const denied = await fetch(server.url + "/session", { method: "POST", headers: { authorization: "Bearer wrong" }, body: "{}" });
    assert.equal(denied.status, 401);
    const start = await fetch(server.url + "/session", {
      method: "POST",
      headers: { authorization: "Bearer " + "k".repeat(40), "content-type": "application/json" },
      body: JSON.stringify({ clientId: "spa", subject: "user-42" }),
    });
    assert.equal(start.status, 200);
    let { refresh_token: token } = await start.json();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(server.url + "/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.notEqual(body.refresh_token, token);
      token = body.refresh_token;
    }
    const bad = await fetch(server.url + "/session", {
      method: "POST",
      headers: { authorization: "Bearer " + "k".repeat(40) },
      body: JSON.stringify({ clientId: "nobody", subject: "x" }),
    });
    assert.equal(bad.status, 400);
  } finally {
    await server.stop();
  }
});
