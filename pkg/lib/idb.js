// One IndexedDB request as a promise: the token-set storage (manager.js) and the DPoP key
// store (dpop.js) share it.
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
