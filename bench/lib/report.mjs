// Renders the results of bench/main.mjs as one markdown table of ratios (with PASS/MISS against
// the targets of the issue) plus a size table.
import { median } from "./measure.mjs";

const KB = 1000; // budgets are in KB = 1000 bytes (the stricter reading)

/**
 * The budgets of the light-and-fast issue (#13): `must` is what the issue needs to hold,
 * `moon` where we are going. `more` is true when larger is better (ratios).
 */
const BUDGETS = {
  page: { must: 35 * KB, moon: 20 * KB },
  edge: { must: 80 * KB, moon: 40 * KB },
  clientNode: { must: 1.5, more: true },
  clientWorkerd: { must: 2, more: true },
  verifyWorkerd: { must: 3, moon: 5, more: true },
  verifyNode: { must: 8, moon: 10, more: true },
  nativeSoft: { must: 3, moon: 2 },
  issuerHttp: { must: 2, more: true },
  coldWorkerdMs: { must: 5, moon: 2 },
};
const TARGETS = {
  verify: BUDGETS.verifyNode.must,
  client: BUDGETS.clientNode.must,
  issuer: BUDGETS.issuerHttp.must,
  nativeOverhead: BUDGETS.nativeSoft.must,
  coldWorkerdMs: BUDGETS.coldWorkerdMs.must,
};

const fmtOps = (ops) => (ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M/s` : ops >= 1e3 ? `${(ops / 1e3).toFixed(1)} k/s` : `${ops.toFixed(0)}/s`);
const fmtUs = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : us >= 10 ? `${us.toFixed(1)} µs` : `${us.toFixed(2)} µs`);
const fmtX = (x) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
const fmtB = (b) => (b >= 10 * KB ? `${(b / KB).toFixed(1)} KB` : `${(b / KB).toFixed(2)} KB`);
const fmtMs = (ms) => `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const side = (s) => (s ? `${fmtOps(s.ops)} (${fmtUs(s.us)})` : "—");
const verdict = (ok) => (ok ? "**PASS**" : "**MISS**");

function caseRow(label, r, target, errKey) {
  if (!r) return [label, "—", "—", "—", target ? `≥ ${target}×` : "—", `not run${errKey ? `: ${errKey}` : ""}`];
  if (r.error) return [label, "—", "—", "—", target ? `≥ ${target}×` : "—", `ERROR: ${r.error.split("\n")[0].slice(0, 90)}`];
  if (!r.rotor) return [label, `n/a: ${r.rotorError}`, side(r.peer), "—", target ? `≥ ${target}×` : "—", target ? "MISS (rotor side missing)" : "—"];
  return [label, side(r.rotor), side(r.peer), fmtX(r.ratio), target ? `≥ ${target}×` : "(info)", target ? verdict(r.ratio >= target) : "—"];
}

function httpSummary(list) {
  const ok = (list ?? []).filter((x) => !x.error);
  if (!ok.length) return { error: (list ?? []).map((x) => x.error).join("; ") || "not run" };
  return {
    rps: median(ok.map((x) => x.rps)),
    p50: median(ok.map((x) => x.p50Ms)),
    p99: Math.max(...ok.map((x) => x.p99Ms)),
    errors: (list ?? []).reduce((n, x) => n + (x.errors ?? 0) + (x.error ? 1 : 0), 0),
    requests: ok.reduce((n, x) => n + x.requests, 0),
    lanes: ok[0].lanes,
    firstErrors: ok.flatMap((x) => x.firstErrors ?? []).slice(0, 2),
  };
}

function coldSummary(list) {
  const ok = (list ?? []).filter((x) => !x.error);
  if (!ok.length) return { error: (list ?? []).map((x) => x.error).find(Boolean) ?? "not run" };
  const s = { n: ok.length, totalMs: median(ok.map((x) => x.totalMs)), importMs: median(ok.map((x) => x.importMs)), firstVerifyMs: median(ok.map((x) => x.firstVerifyMs)) };
  if (ok[0].secondVerifyMs !== undefined) s.secondVerifyMs = median(ok.map((x) => x.secondVerifyMs));
  if (ok[0].firstResponseMs !== undefined) s.firstMinusWarmMs = median(ok.map((x) => x.firstResponseMs - x.warmResponseMs));
  return s;
}

/** One budget row: the value, the must and moonshot columns, and whether each holds. */
function budgetRow(label, value, b, fmt) {
  if (value === undefined || value === null || Number.isNaN(value)) return `| ${label} | not measured | ${b.more ? "≥" : "≤"} ${fmt(b.must)} | ${b.moon ? `${b.more ? "≥" : "≤"} ${fmt(b.moon)}` : "—"} | **MISS** |`;
  const ok = (x) => (b.more ? value >= x : value <= x);
  const moon = b.moon ? `${b.more ? "≥" : "≤"} ${fmt(b.moon)}${ok(b.moon) ? " ✓" : ""}` : "—";
  return `| ${label} | ${fmt(value)} | ${b.more ? "≥" : "≤"} ${fmt(b.must)} | ${moon} | ${verdict(ok(b.must))} |`;
}

/** The budgets of issue #13 as one table: this run's value against the must column. */
function budgetTable(R, { n, w, S, hr, hw, cw }) {
  const soft = R.nativeSoft?.verify_ns && n.verify?.rotor ? (n.verify.rotor.us * 1000) / R.nativeSoft.verify_ns : undefined;
  const out = [
    "| Budget (issue #13) | this run | must | moonshot | holds |",
    "|---|---|---|---|---|",
    budgetRow("Browser page: TokenManager + buildRefreshRequest + parseTokenResponse (JS bundle + wasm, gzip -9)", S?.rotor?.page?.total.gz, BUDGETS.page, fmtB),
    budgetRow("Edge module: rotor/issuer + rotor/worker (JS + wasm, gzip -9)", S?.rotor?.edge?.total.gz, BUDGETS.edge, fmtB),
    budgetRow("Client round trip vs oauth4webapi, Node", n.client?.ratio, BUDGETS.clientNode, fmtX),
    budgetRow("Client round trip vs oauth4webapi, workerd", w.client?.ratio, BUDGETS.clientWorkerd, fmtX),
    budgetRow("HS256 verify vs jose, workerd", w.verify?.ratio, BUDGETS.verifyWorkerd, fmtX),
    budgetRow("HS256 verify vs jose, Node (pinned)", n.verify?.ratio, BUDGETS.verifyNode, fmtX),
    budgetRow("wasm verify (Node, through the package) vs native with the same software SHA-256 (times slower)", soft, BUDGETS.nativeSoft, fmtX),
    budgetRow("Issuer refresh grants over HTTP vs workers-oauth-provider", hr.error || hw.error ? undefined : hr.rps / hw.rps, BUDGETS.issuerHttp, fmtX),
    budgetRow("Cold start in workerd, import → first verified token", cw.rotor.error ? undefined : cw.rotor.totalMs, BUDGETS.coldWorkerdMs, fmtMs),
    "",
  ];
  return out;
}

export function renderReport(R) {
  const rows = [];
  const n = R.node?.cases ?? {};
  const w = R.workerd ?? {};
  rows.push(caseRow("JWT verify, Node — rotor `verifyJwt` vs jose `jwtVerify` (CryptoKey)", n.verify, TARGETS.verify, R.errors.node));
  rows.push(caseRow("JWT verify, workerd", w.verify, BUDGETS.verifyWorkerd.must, R.errors.workerd));
  rows.push(caseRow("JWT sign, Node — `signJwt` vs jose `SignJWT`", n.sign, 0, R.errors.node));
  rows.push(caseRow("JWT sign, workerd", w.sign, 0, R.errors.workerd));
  rows.push(caseRow("Client round trip, Node — build + parse vs oauth4webapi", n.client, TARGETS.client, R.errors.node));
  rows.push(caseRow("Client round trip, workerd", w.client, 0, R.errors.workerd));
  rows.push(caseRow("Issuer refresh grants in-process, Node — `issuer.handle` vs workers-oauth-provider", n.issuer, TARGETS.issuer, R.errors.node));
  rows.push(caseRow("Issuer refresh grants in-process, workerd", w.issuer, 0, R.errors.workerd));

  // HTTP on loopback.
  const hr = httpSummary(w.http?.rotor);
  const hw = httpSummary(w.http?.wop);
  const httpSide = (h) => (h.error ? `ERROR: ${h.error.slice(0, 80)}` : `${fmtOps(h.rps)}, p50 ${fmtMs(h.p50)}, p99 ${fmtMs(h.p99)}, errors ${h.errors}`);
  if (hr.error || hw.error) rows.push([`Issuer over HTTP, workerd on 127.0.0.1 (${hr.lanes ?? 8} lanes)`, httpSide(hr), httpSide(hw), "—", `≥ ${TARGETS.issuer}×, 0 errors`, hr.error ? "MISS (rotor side failed)" : "ERROR"]);
  else {
    const ratio = hr.rps / hw.rps;
    rows.push([`Issuer over HTTP, workerd on 127.0.0.1 (${hr.lanes} lanes)`, httpSide(hr), httpSide(hw), fmtX(ratio), `≥ ${TARGETS.issuer}×, 0 errors`, verdict(ratio >= TARGETS.issuer && hr.errors === 0)]);
  }

  // Native reference.
  const nat = R.native;
  for (const [label, r] of [["Node", n.verify], ["workerd", w.verify]]) {
    if (!nat || !r?.rotor) {
      rows.push([`wasm verify (${label}) vs native Rust (bench-native)`, r?.rotor ? fmtUs(r.rotor.us) : "—", nat ? `native ${fmtUs(nat.verify_ns / 1000)}` : `ERROR: ${R.errors.native ?? "not run"}`.slice(0, 90), "—", `≤ ${TARGETS.nativeOverhead}× native`, "MISS (a side is missing)"]);
    } else {
      const overhead = (r.rotor.us * 1000) / nat.verify_ns;
      const soft = R.nativeSoft?.verify_ns
        ? `; with software SHA-256 as in wasm ${fmtUs(R.nativeSoft.verify_ns / 1000)}, wasm ${fmtX((r.rotor.us * 1000) / R.nativeSoft.verify_ns)} slower`
        : "";
      rows.push([`wasm verify (${label}) vs native Rust (bench-native)`, `wasm ${fmtUs(r.rotor.us)}`, `native ${fmtUs(nat.verify_ns / 1000)} (with key set-up ${fmtUs(nat.verify_with_key_ns / 1000)}${soft})`, `${fmtX(overhead)} slower`, `≤ ${TARGETS.nativeOverhead}×`, verdict(overhead <= TARGETS.nativeOverhead)]);
    }
  }

  if (nat?.client_ns && n.client?.rotor && n.client.bodyReadUs) {
    const wasmUs = Math.max(n.client.rotor.us - n.client.bodyReadUs, 0);
    rows.push(["Client round trip: rotor through wasm (Node, body read excluded) vs the same core natively", `wasm ${fmtUs(wasmUs)}`, `native ${fmtUs(nat.client_ns / 1000)}`, `${fmtX((wasmUs * 1000) / nat.client_ns)} slower`, "(info)", "—"]);
  }

  // Sizes.
  const S = R.size;
  if (S?.rotor?.page) {
    const o4w = S.peers.find((p) => p.name === "oauth4webapi");
    const { page, edge } = S.rotor;
    rows.push(["Size: a browser page with TokenManager + buildRefreshRequest + parseTokenResponse (esbuild bundle + the wasm it fetches, gzip -9)", `${fmtB(page.total.gz)} (JS ${fmtB(page.js.gz)} + wasm ${fmtB(page.wasm.gz)})`, o4w ? `oauth4webapi ${fmtB(o4w.gz)}` : "—", "—", `≤ ${fmtB(BUDGETS.page.must)}`, verdict(page.total.gz <= BUDGETS.page.must)]);
    const wop = S.peers.find((p) => p.name === "@cloudflare/workers-oauth-provider");
    rows.push(["Size: edge module, rotor/issuer + rotor/worker (JS + wasm, gzip -9)", `${fmtB(edge.total.gz)} (JS ${fmtB(edge.js.gz)} + wasm ${fmtB(edge.wasm.gz)})`, wop ? `workers-oauth-provider ${fmtB(wop.gz)}` : "—", "—", `≤ ${fmtB(BUDGETS.edge.must)}`, verdict(edge.total.gz <= BUDGETS.edge.must)]);
  } else rows.push(["Size", `ERROR: ${R.errors.size ?? "not run"}`.slice(0, 90), "—", "—", "—", "ERROR"]);

  // Cold start.
  const cw = { rotor: coldSummary(R.coldWorkerd?.rotor), jose: coldSummary(R.coldWorkerd?.jose) };
  const cn = { rotor: coldSummary(R.coldNode?.rotor), jose: coldSummary(R.coldNode?.jose) };
  const coldSide = (c) =>
    c.error
      ? `ERROR: ${c.error.split("\n")[0].slice(0, 80)}`
      : `${fmtMs(c.totalMs)} (import ${fmtMs(c.importMs)} + first verify ${fmtMs(c.firstVerifyMs)}${c.secondVerifyMs !== undefined ? `; the second verify: ${fmtMs(c.secondVerifyMs)}` : ""})`;
  rows.push(["Cold start, workerd: dynamic import → first verified token (in-isolate)", coldSide(cw.rotor), coldSide(cw.jose), cw.rotor.error || cw.jose.error ? "—" : fmtX(cw.jose.totalMs / cw.rotor.totalMs), `≤ ${TARGETS.coldWorkerdMs} ms`, cw.rotor.error ? "MISS (rotor side failed)" : verdict(cw.rotor.totalMs <= TARGETS.coldWorkerdMs)]);
  if (!cw.rotor.error && !cw.jose.error)
    rows.push(["Cold start, workerd: first response − warm response (from outside)", fmtMs(cw.rotor.firstMinusWarmMs), fmtMs(cw.jose.firstMinusWarmMs), "—", "(info)", "—"]);
  rows.push(["Cold start, Node: import → first verified token (fresh process)", coldSide(cn.rotor), coldSide(cn.jose), cn.rotor.error || cn.jose.error ? "—" : fmtX(cn.jose.totalMs / cn.rotor.totalMs), "(info)", "—"]);

  const lines = [];
  lines.push(`## rotor benchmarks — ${R.startedAt}${R.quick ? " (quick mode)" : ""}`);
  lines.push("");
  lines.push(...budgetTable(R, { n, w, S, hr, hw, cw }));
  lines.push(`Same run, same machine; ratios are peer time / rotor time (> 1 means rotor is faster), the median of ${R.node?.cases?.verify?.rounds ?? "?"} alternating rounds after warm-up${R.taskset ? "; micro benchmarks pinned to CPU 0 (`taskset -c 0`), the HTTP load generator to CPU 1" : ""}. Node ${R.node?.node ?? process.version}.`);
  lines.push("");
  lines.push("| Measure | rotor | peer | ratio | target | result |");
  lines.push("|---|---|---|---|---|---|");
  for (const r of rows) lines.push(`| ${r.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`);
  lines.push("");
  if (S?.rotor?.page) {
    lines.push("| Size (minified, gzip -9) | version | raw | gzipped |");
    lines.push("|---|---|---|---|");
    const { page, edge } = S.rotor;
    lines.push(`| rotor browser page: JS bundle | 0.1.0 | ${fmtB(page.js.raw)} | ${fmtB(page.js.gz)} |`);
    lines.push(`| rotor browser page: wasm module (rotor_bg.wasm) | 0.1.0 | ${fmtB(page.wasm.raw)} | ${fmtB(page.wasm.gz)} |`);
    if (S.rotor.dpop) {
      lines.push(`| rotor DPoP module (dpop_bg.wasm; fetched on first use in browsers) | 0.1.0 | ${fmtB(S.rotor.dpop.wasm.raw)} | ${fmtB(S.rotor.dpop.wasm.gz)} |`);
    }
    if (S.rotor.jwt) {
      lines.push(`| rotor JWT module (jwt_bg.wasm; Node, workerd, Deno, Bun) | 0.1.0 | ${fmtB(S.rotor.jwt.wasm.raw)} | ${fmtB(S.rotor.jwt.wasm.gz)} |`);
      lines.push(`| rotor browser page with verifyJwt + signJwt only: JS bundle, the module inlined as base64 (+ rotor_bg.wasm) | 0.1.0 | ${fmtB(S.rotor.jwt.pageJs.raw)} | ${fmtB(S.rotor.jwt.pageJs.gz)} |`);
    }
    lines.push(`| rotor edge: JS bundle (rotor/worker + rotor/issuer) | 0.1.0 | ${fmtB(edge.js.raw)} | ${fmtB(edge.js.gz)} |`);
    lines.push(`| rotor edge: wasm module (issuer_bg.wasm) | 0.1.0 | ${fmtB(edge.wasm.raw)} | ${fmtB(edge.wasm.gz)} |`);
    if (S.rotor.package) lines.push(`| rotor npm package (unpacked / tarball) | 0.1.0 | ${fmtB(S.rotor.package.raw)} | ${fmtB(S.rotor.package.gz)} |`);
    for (const p of S.peers) lines.push(`| ${p.name} (esbuild bundle) | ${p.version} | ${fmtB(p.raw)} | ${fmtB(p.gz)} |`);
    lines.push("");
    for (const [name, top] of Object.entries(S.rotor.twiggy ?? {})) {
      if (!Array.isArray(top)) {
        lines.push(`twiggy (${name}): ${top?.error ?? "not run"}`);
        lines.push("");
        continue;
      }
      lines.push(`| twiggy top, ${name}_bg.wasm (code before gzip) | bytes | % |`);
      lines.push("|---|---|---|");
      for (const t of top) lines.push(`| \`${t.name.replace(/\|/g, "\\|")}\` | ${t.bytes} | ${t.percent.toFixed(1)} |`);
      lines.push("");
    }
  }
  const notes = [];
  const hn = httpSummary(w.http?.noop);
  if (!hn.error && !hw.error) {
    notes.push(`Issuer over HTTP: a route of the same worker that only reads the body and answers a fixed token response serves ${fmtOps(hn.rps)} (p50 ${fmtMs(hn.p50)}) under the same load: that is workerd's and the load generator's own cost, so over HTTP no issuer can beat workers-oauth-provider by more than ${fmtX(hn.rps / hw.rps)} here.`);
  }
  for (const [rt, c] of [["Node", n.client], ["workerd", w.client]]) {
    if (c?.bodyReadUs && c.peer) {
      notes.push(`Client round trip, ${rt}: both sides start from an existing \`Response\` and read its body; that read alone costs ${fmtUs(c.bodyReadUs)} here, so no client can beat oauth4webapi by more than ${fmtX(c.ceiling ?? c.peer.us / c.bodyReadUs)} in this runtime (measured alternately with oauth4webapi).`);
    }
  }
  if (notes.length) {
    lines.push("Notes:");
    for (const x of notes) lines.push(`- ${x}`);
    lines.push("");
  }
  const errs = Object.entries(R.errors ?? {});
  if (errs.length) {
    lines.push("Steps that failed:");
    for (const [k, v] of errs) lines.push(`- ${k}: ${v.split("\n")[0].slice(0, 300)}`);
    lines.push("");
  }
  lines.push(`Total ${R.seconds?.toFixed(0)} s. Raw numbers: bench/results/latest.json.`);
  return lines.join("\n") + "\n";
}
