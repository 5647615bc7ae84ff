// Benchmark worker for bench/token-handler.mjs: the two places a token handler can keep the
// upstream refresh token, each doing per refresh what createTokenHandler does with it.
// - /cookie: open the AES-256-GCM sealed session cookie, seal its successor (WebCrypto)
// - /do: the session's Durable Object reads the record and writes its successor
// - /none: the same request with neither (the baseline)
let key;
const enc = new TextEncoder();
const dec = new TextDecoder();
const b64 = (u) => btoa(String.fromCharCode(...u)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function seal(payload) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("s") }, key, enc.encode(JSON.stringify(payload))));
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return `k1.${b64(out)}`;
}

async function open(value) {
  const bytes = unb64(value.slice(3));
  return JSON.parse(dec.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: enc.encode("s") }, key, bytes.subarray(12))));
}

export class Sessions {
  constructor(state) {
    this.storage = state.storage;
  }
  async fetch(request) {
    const next = await request.json();
    const current = (await this.storage.get("s")) ?? next;
    await this.storage.put("s", { ...current, rt: next.rt });
    return new Response(null, { status: 204 });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    key ??= await crypto.subtle.importKey("raw", unb64(env.KEY), "AES-GCM", false, ["encrypt", "decrypt"]);
    const cookie = request.headers.get("cookie") ?? "";
    if (url.pathname === "/seal") return new Response(await seal(await request.json()));
    if (url.pathname === "/cookie") {
      const session = await open(cookie);
      return new Response(null, { status: 204, headers: { "set-cookie": `s=${await seal({ ...session, rt: session.rt.split("").reverse().join("") })}; HttpOnly` } });
    }
    if (url.pathname === "/do") {
      const stub = env.SESSIONS.get(env.SESSIONS.idFromName(cookie));
      await stub.fetch("https://do/", { method: "POST", body: JSON.stringify({ rt: crypto.randomUUID() }) });
      return new Response(null, { status: 204, headers: { "set-cookie": `s=${cookie}; HttpOnly` } });
    }
    return new Response(null, { status: 204 });
  },
};
