// One object store of one IndexedDB database, opened on first use, as a keyed async store:
// the token-set storage (`IndexedDbStorage`) and the DPoP key store (`IndexedDbKeyStore`),
// pkg/lib/manager.js, are made of it.
import { configError } from "./errors.js";

/** A request as a promise. */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class IdbStore {
  #idb;
  #database;
  #store;
  #db = null;

  /** `store` of `database` (created at version 1) in `idb` (default `globalThis.indexedDB`). */
  constructor(idb, database, store) {
    this.#idb = idb ?? globalThis.indexedDB;
    if (!this.#idb) throw configError("IndexedDB is not available here");
    this.#database = database;
    this.#store = store;
  }

  #open() {
    if (!this.#db) {
      const req = this.#idb.open(this.#database, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(this.#store)) req.result.createObjectStore(this.#store);
      };
      this.#db = request(req).catch((err) => {
        this.#db = null;
        throw err;
      });
    }
    return this.#db;
  }

  /** Runs `fn(objectStore)` in a transaction: its request's result, once a `readwrite` one committed. */
  async #tx(mode, fn) {
    const tx = (await this.#open()).transaction(this.#store, mode);
    const result = await request(fn(tx.objectStore(this.#store)));
    if (mode === "readwrite") {
      await new Promise((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    }
    return result;
  }

  async get(key) {
    return (await this.#tx("readonly", (s) => s.get(key))) ?? null;
  }
  async set(key, value) {
    await this.#tx("readwrite", (s) => s.put(value, key));
  }
  async delete(key) {
    await this.#tx("readwrite", (s) => s.delete(key));
  }
}
