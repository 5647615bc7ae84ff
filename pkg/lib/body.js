// Reading a request body of unknown length with a cap (the issuer's and the Worker's one way).

/**
 * Reads `stream` chunk by chunk: its bytes, or `null` as soon as it has more than `limit`
 * bytes (the rest is not read; the stream is cancelled).
 */
export async function readCapped(stream, limit) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
