// The input buffer of the wasm core (src/wasm/mod.rs, `inputBuffer`): per-call inputs — a
// token, a response body — are written straight into wasm memory with TextEncoder.encodeInto
// (or copied, for bytes) and only their length crosses. wasm-bindgen's own string argument
// copies one character at a time in JS (measured ~1.7 µs for a 364-character JWT in Node;
// encodeInto: ~0.1 µs). What is written is zeroed after the call (it may be a token).
import { inputBuffer, wasmMemory } from "../gen/rotor.js";

/** Texts up to this length are written by a loop when ASCII (see `writeText`). */
const SHORT = 128;

/**
 * The input buffer of one wasm module, from its glue's `inputBuffer` and `wasmMemory` exports:
 * `{ reserve, writeText, readText, writeBytes, wipe }` (the JWT module has its own, pkg/lib/jwt.js).
 */

export function inputOf(inputBuffer, wasmMemory) {
  const encoder = new TextEncoder();
  let decoder = null;
  let memory = null;
  let address = 0;
  let capacity = 0;
  let view = null;

  /** The view of the buffer, at least `need` bytes, valid for the current memory. */
  function buffer(need) {
    memory ??= wasmMemory();
    if (need > capacity) {
      address = inputBuffer(need);
      capacity = need;
      view = null;
    }
    // Growing wasm memory detaches the old ArrayBuffer, which empties its views (as the
    // generated glue checks too): cheaper than reading `memory.buffer` on every call.
    if (view === null || view.length === 0) view = new Uint8Array(memory.buffer, address, capacity);
    return view;
  }

  return {
    /**
     * Makes the buffer at least `n` bytes long: call it first when several inputs are written
     * one after another (growing does not keep what was written).
     */
    reserve(n) {
      buffer(n);
    },
    /** Writes `text` as UTF-8 into the buffer at `at`; returns the number of bytes written. */
    writeText(text, at = 0) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      const view = buffer(at + text.length * 3);
      if (text.length <= SHORT) {
        // A short ASCII text byte by byte: one native encodeInto call costs more (measured for
        // a 47-character token: workerd 220 ns against 75 ns; Node 40 ns against ~30 ns).
        let i = 0;
        for (; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 0x7f) break;
          view[at + i] = c;
        }
        if (i === text.length) return i;
        return i + encoder.encodeInto(text.slice(i), view.subarray(at + i)).written;
      }
      return encoder.encodeInto(text, at === 0 ? view : view.subarray(at)).written;
    },
    /** `n` bytes of the buffer from `at` as text: a UTF-8 result the core wrote there. */
    readText(n, at = 0) {
      decoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
      return decoder.decode(buffer(0).subarray(at, at + n));
    },
    /** Copies `bytes` into the buffer; returns their length. */
    writeBytes(bytes) {
      buffer(bytes.length).set(bytes);
      return bytes.length;
    },
    /** Zeroes the first `n` bytes of the buffer (the memory may have grown during the call). */
    wipe(n) {
      if (n > 0) buffer(0).fill(0, 0, n);
    },
  };
}

/** The browser module's input buffer (gen/rotor.js). */
export const { reserve, writeText, writeBytes, wipe } = /* @__PURE__ */ inputOf(inputBuffer, wasmMemory);
