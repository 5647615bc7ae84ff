// An in-memory stand-in for a Workers KV namespace (get/put/delete/list with metadata and
// expirationTtl), enough for @cloudflare/workers-oauth-provider. Values are stored as strings,
// as KV stores them, so `get(key, { type: "json" })` pays a JSON parse like the real binding.
export class MemoryKV {
  #map = new Map();

  #live(key) {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e;
  }

  async get(key, options) {
    const e = this.#live(key);
    if (!e) return null;
    const type = typeof options === "string" ? options : options?.type ?? "text";
    if (type === "json") return JSON.parse(e.value);
    if (type === "text") return e.value;
    if (type === "arrayBuffer") return new TextEncoder().encode(e.value).buffer;
    throw new TypeError(`MemoryKV: unsupported type ${type}`);
  }

  async put(key, value, options = {}) {
    if (typeof value !== "string") value = new TextDecoder().decode(value);
    let expiresAt;
    if (options.expirationTtl !== undefined) expiresAt = Date.now() + options.expirationTtl * 1000;
    else if (options.expiration !== undefined) expiresAt = options.expiration * 1000;
    this.#map.set(key, { value, expiresAt, metadata: options.metadata ?? null });
  }

  async delete(key) {
    this.#map.delete(key);
  }

  async list({ prefix = "", limit = 1000, cursor } = {}) {
    const names = [...this.#map.keys()].filter((k) => k.startsWith(prefix) && this.#live(k)).sort();
    const start = cursor ? Number(cursor) : 0;
    const page = names.slice(start, start + limit);
    const end = start + page.length;
    return {
      keys: page.map((name) => ({ name, metadata: this.#map.get(name).metadata })),
      list_complete: end >= names.length,
      cursor: end >= names.length ? undefined : String(end),
    };
  }

  get size() {
    return this.#map.size;
  }
}
