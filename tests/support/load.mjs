// Load driver for the rotor issuer on workerd, run as a separate process by
// tests/workerd/load.test.mjs so that the load comes from another process than the test.
//
//   node tests/support/load.mjs '<json options>'
//
// Options: { url, mode: "burst" | "families" | "soak", key (base64url HS256 key),
//   issuer, audience, ...mode options }. Prints ONE line of JSON with the results on stdout.
// Only loopback URLs are accepted.
import * as jose from "jose";

const opts = JSON.parse(process.argv[2] ?? "{}");
const base = new URL(opts.url);
if (base.hostname !== "127.0.0.1") {
  console.error("load.mjs: only http://127.0.0.1 is allowed");
  process.exit(2);
}
const KEY = jose.base64url.decode(opts.key);

function familyOf(refreshToken) {
  // base64url(family_id[16] || random[32] || mac[16]): the first 16 bytes are the family id.
  return Buffer.from(jose.base64url.decode(refreshToken).subarray(0, 16)).toString("hex");
}

async function session(subject) {
  const res = await fetch(new URL("/test/session", base), {
    method: "POST",
    body: JSON.stringify({ clientId: "spa", subject }),
  });
  if (res.status !== 200) throw new Error(`session: ${res.status} ${await res.text()}`);
  return res.json();
}

/** One refresh; returns { status, body, ms }. Never throws for HTTP statuses. */
async function refresh(token) {
  const t = performance.now();
  const res = await fetch(new URL("/token", base), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: "spa" }),
  });
  const text = await res.text();
  const ms = performance.now() - t;
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { status: res.status, body, ms };
}

async function subjectOf(accessToken) {
  const { payload } = await jose.jwtVerify(accessToken, KEY, {
    typ: "at+jwt",
    issuer: opts.issuer,
    audience: opts.audience,
  });
  return payload.sub;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencyStats(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
  };
}

/** Rounds of N simultaneous redemptions of one token; each round redeems the previous successor. */
async function burst({ rounds = 5, n = 50 }) {
  const out = { rounds: [], secrets: [] };
  let token = (await session("burst-user")).refresh_token;
  out.secrets.push(token);
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.all(Array.from({ length: n }, () => refresh(token)));
    const statuses = {};
    for (const x of results) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
    const successors = [...new Set(results.filter((x) => x.status === 200).map((x) => x.body.refresh_token))];
    const subs = new Set();
    for (const x of results) if (x.status === 200) subs.add(await subjectOf(x.body.access_token));
    const sameFamily = successors.every((s) => familyOf(s) === familyOf(token));
    out.rounds.push({ statuses, successors: successors.length, changed: successors[0] !== token, subs: [...subs], sameFamily });
    for (const x of results) if (x.status === 200) out.secrets.push(x.body.access_token);
    out.secrets.push(...successors);
    if (successors.length !== 1) break;
    token = successors[0];
  }
  // The last successor is live.
  const next = await refresh(token);
  out.finalStatus = next.status;
  if (next.status === 200) out.secrets.push(next.body.refresh_token, next.body.access_token);
  return out;
}

/** F families refreshed in parallel for R rounds. */
async function families({ count = 200, rounds = 3 }) {
  const fams = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const s = await session(`user-${i}`);
      return { subject: `user-${i}`, family: familyOf(s.refresh_token), token: s.refresh_token };
    }),
  );
  const problems = [];
  const seenTokens = new Set(fams.map((f) => f.token));
  const secrets = fams.map((f) => f.token);
  const latencies = [];
  let refreshed = 0;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      fams.map(async (f) => {
        const x = await refresh(f.token);
        latencies.push(x.ms);
        if (x.status !== 200) {
          problems.push(`round ${r} ${f.subject}: ${x.status} ${JSON.stringify(x.body)}`);
          return;
        }
        const next = x.body.refresh_token;
        const sub = await subjectOf(x.body.access_token);
        if (sub !== f.subject) problems.push(`round ${r} ${f.subject}: access token sub ${sub} (crossed)`);
        if (familyOf(next) !== f.family) problems.push(`round ${r} ${f.subject}: successor of another family (crossed)`);
        if (seenTokens.has(next)) problems.push(`round ${r} ${f.subject}: successor seen before`);
        seenTokens.add(next);
        secrets.push(next, x.body.access_token);
        f.token = next;
        refreshed++;
      }),
    );
  }
  // Crossing: a token made of family A's id and family B's random part and MAC is refused
  // (its MAC fails, so it never reaches A's Durable Object and A lives on), while B's own
  // token keeps working for B only.
  let crossed = 0;
  for (let i = 0; i + 1 < Math.min(fams.length, 20); i += 2) {
    const a = fams[i];
    const b = fams[i + 1];
    const bytesA = jose.base64url.decode(a.token);
    const bytesB = jose.base64url.decode(b.token);
    const forged = jose.base64url.encode(new Uint8Array([...bytesA.subarray(0, 16), ...bytesB.subarray(16)]));
    const x = await refresh(forged);
    if (x.status !== 400 || x.body.error !== "invalid_grant") problems.push(`crossed token for ${a.subject}: ${x.status}`);
    const ra = await refresh(a.token);
    if (ra.status !== 200) problems.push(`${a.subject} lost after a forged token: ${ra.status}`);
    else secrets.push(ra.body.refresh_token, ra.body.access_token);
    const rb = await refresh(b.token);
    if (rb.status !== 200) problems.push(`${b.subject} lost after a forgery against ${a.subject}: ${rb.status}`);
    else {
      if ((await subjectOf(rb.body.access_token)) !== b.subject) problems.push(`${b.subject}: crossed sub`);
      secrets.push(rb.body.refresh_token, rb.body.access_token);
    }
    crossed++;
  }
  return { families: fams.length, distinctFamilies: new Set(fams.map((f) => f.family)).size, refreshed, crossed, problems, latency: latencyStats(latencies), secrets };
}

/**
 * Sustained load for `seconds` at `concurrency` workers. Each worker starts a family, refreshes
 * it `perFamily` times, then abandons it (it expires after the idle lifetime and must be
 * purged) and starts another. One request in `badEvery` is a refresh with a made-up token
 * (invalid_grant, must be a 4xx, never a 5xx).
 */
async function soak({ seconds = 10, concurrency = 16, perFamily = 5, badEvery = 10 }) {
  const until = Date.now() + seconds * 1000;
  const statuses = {};
  const latencies = [];
  const abandoned = [];
  const secrets = [];
  const problems = [];
  let requests = 0;
  let sessions = 0;
  async function worker(w) {
    let i = 0;
    while (Date.now() < until) {
      const s = await session(`soak-${w}-${i++}`);
      sessions++;
      let token = s.refresh_token;
      for (let k = 0; k < perFamily && Date.now() < until; k++) {
        requests++;
        if (requests % badEvery === 0) {
          const fake = jose.base64url.encode(crypto.getRandomValues(new Uint8Array(48)));
          const bad = await refresh(fake);
          statuses[bad.status] = (statuses[bad.status] ?? 0) + 1;
          latencies.push(bad.ms);
          if (bad.status !== 400) problems.push(`made-up token: ${bad.status}`);
          continue;
        }
        const x = await refresh(token);
        statuses[x.status] = (statuses[x.status] ?? 0) + 1;
        latencies.push(x.ms);
        if (x.status !== 200) {
          problems.push(`refresh: ${x.status} ${JSON.stringify(x.body)}`);
          break;
        }
        token = x.body.refresh_token;
        if (secrets.length < 4000) secrets.push(token, x.body.access_token);
      }
      if (abandoned.length < 200) abandoned.push(token);
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - t0) / 1000;
  const fiveXX = Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0);
  return {
    seconds: elapsed,
    requests: latencies.length,
    sessions,
    rps: latencies.length / elapsed,
    statuses,
    fiveXX,
    latency: latencyStats(latencies),
    problems: problems.slice(0, 20),
    problemCount: problems.length,
    abandoned,
    secrets,
  };
}

const modes = { burst, families, soak };
const run = modes[opts.mode];
if (!run) {
  console.error(`load.mjs: unknown mode ${opts.mode}`);
  process.exit(2);
}
try {
  const result = await run(opts);
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (err) {
  console.error(`load.mjs: ${err?.stack ?? err}`);
  process.exit(1);
}
