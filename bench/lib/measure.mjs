// Paired, alternating measurement: rotor and its peer run in the same process, one batch each
// per round (order swapped every round), after a warm-up; the result is the median per-op time
// of each side and the median of the per-round ratios (robust against the machine's drift).

const now = () => performance.now();

// A batch function may carry `prepare(n)`: untimed set-up of the inputs of its next batch
// (for example the n `Response` objects that fetch would have returned).
async function timeBatch(fn, n) {
  if (fn.prepare) await fn.prepare(n);
  const t0 = now();
  await fn(n);
  return now() - t0;
}

/** Smallest power-of-two batch that runs at least `ms`. */
async function calibrate(fn, ms) {
  let n = 1;
  for (;;) {
    const t = await timeBatch(fn, n);
    if (t >= ms || n >= 1 << 22) return n;
    n *= t < ms / 8 ? 8 : 2;
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Compares `rotor(n)` and `peer(n)` (each runs n operations; may be async).
 * Returns { rotorOps, peerOps (ops/s, median), ratio (median of per-round peerTime/rotorTime),
 * rotorUs, peerUs (µs/op, median), rounds, batch sizes }.
 */
export async function compare(rotor, peer, { rounds = 9, batchMs = 40, warmMs = 300 } = {}) {
  for (const fn of [rotor, peer]) {
    const t0 = now();
    while (now() - t0 < warmMs) {
      if (fn.prepare) await fn.prepare(64);
      await fn(64);
    }
  }
  const nr = await calibrate(rotor, batchMs);
  const np = await calibrate(peer, batchMs);
  const r = [];
  const p = [];
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    let tr, tp;
    if (i % 2 === 0) {
      tr = (await timeBatch(rotor, nr)) / nr;
      tp = (await timeBatch(peer, np)) / np;
    } else {
      tp = (await timeBatch(peer, np)) / np;
      tr = (await timeBatch(rotor, nr)) / nr;
    }
    r.push(tr);
    p.push(tp);
    ratios.push(tp / tr);
  }
  const rotorMs = median(r);
  const peerMs = median(p);
  return {
    rotorOps: 1000 / rotorMs,
    peerOps: 1000 / peerMs,
    rotorUs: rotorMs * 1000,
    peerUs: peerMs * 1000,
    ratio: median(ratios),
    rounds,
    batch: { rotor: nr, peer: np },
  };
}

/** Measures one side alone (used when the other side is unavailable). */
export async function single(fn, { rounds = 9, batchMs = 40, warmMs = 300 } = {}) {
  const t0 = now();
  while (now() - t0 < warmMs) {
      if (fn.prepare) await fn.prepare(64);
      await fn(64);
    }
  const n = await calibrate(fn, batchMs);
  const xs = [];
  for (let i = 0; i < rounds; i++) xs.push((await timeBatch(fn, n)) / n);
  const ms = median(xs);
  return { ops: 1000 / ms, us: ms * 1000, rounds, batch: n };
}

export { median };
