// A live SVG timeline of token renewal, no framework: access-token lifetimes as bars, token
// endpoint calls, renewals, rotations, retries with their backoff, API calls, clock skew and
// the state of the renewal machine, over a sliding window that ends at "now".
const STATE_COLORS = {
  idle: "#cbd5e1",
  scheduled: "#60a5fa",
  refreshing: "#a855f7",
  "retry-wait": "#f59e0b",
  "needs-reauthentication": "#ef4444",
  "signed-out": "#e2e8f0",
};

const LANES = [
  { key: "tokens", label: "access tokens", y: 40, h: 62 },
  { key: "endpoint", label: "token endpoint", y: 116, h: 50 },
  { key: "api", label: "API calls", y: 180, h: 22 },
  { key: "skew", label: "clock skew", y: 216, h: 30 },
  { key: "state", label: "renewal machine", y: 260, h: 22 },
];
const AXIS_Y = 290;
const HEIGHT = 312;
const LEFT = 128;
const RIGHT = 16;

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function fmtSeconds(ms) {
  const s = ms / 1000;
  return `${s >= 10 || Math.abs(s - Math.round(s)) < 0.05 ? Math.round(s) : s.toFixed(1)} s`;
}

export class Timeline {
  /**
   * @param {SVGSVGElement} svg
   * @param {{ windowSeconds: number }} options
   */
  constructor(svg, { windowSeconds }) {
    this.svg = svg;
    this.windowMs = windowSeconds * 1000;
    this.bars = []; // { key, start, end, n, replacedAt, rotated, dpop (bound to the page's DPoP key) }
    this.requests = []; // { sentAt, receivedAt, status }
    this.marks = []; // { at, kind: renewed|rotated|adopted|retry|reauth|error|signin, label, until }
    this.api = []; // { at, ok, status }
    this.skew = []; // { at, ms }
    this.states = []; // { from, state }
    this.outages = []; // { from, to }
    this.width = 1000;
  }

  /** A new access token, alive from `start` to `end` (ms); returns its number. */
  addToken(start, end, { rotated = false, dpop = false } = {}) {
    const key = `${end}`;
    if (this.bars.some((b) => b.key === key)) return null;
    const previous = this.bars[this.bars.length - 1];
    if (previous && previous.replacedAt === null) previous.replacedAt = start;
    const bar = { key, start, end, n: this.bars.length + 1, replacedAt: null, rotated, dpop };
    this.bars.push(bar);
    return bar.n;
  }

  markRotated() {
    const bar = this.bars[this.bars.length - 1];
    if (bar) bar.rotated = true;
  }

  request(sentAt, receivedAt, status) {
    this.requests.push({ sentAt, receivedAt, status });
  }

  mark(at, kind, label = "", until = null) {
    this.marks.push({ at, kind, label, until });
  }

  apiCall(at, ok, status) {
    this.api.push({ at, ok, status });
  }

  skewSample(at, ms) {
    this.skew.push({ at, ms });
  }

  state(at, state) {
    const last = this.states[this.states.length - 1];
    if (!last || last.state !== state) this.states.push({ from: at, state });
  }

  outage(from, to) {
    this.outages.push({ from, to });
  }

  render(now = Date.now()) {
    const width = Math.max(640, this.svg.clientWidth || this.width);
    const plot = width - LEFT - RIGHT;
    const t0 = now - this.windowMs;
    const x = (t) => LEFT + ((Math.min(Math.max(t, t0 - 1000), now + 60_000) - t0) / this.windowMs) * plot;
    const visible = (a, b = a) => b >= t0 && a <= now;
    // A note beside x, flipped to the left near the right edge so that it stays readable.
    const note = (nx, ny, text, color, gap) => {
      const flip = nx + gap + text.length * 6.4 > LEFT + plot;
      return `<text class="tl-note" x="${flip ? nx - gap : nx + gap}" y="${ny}" text-anchor="${flip ? "end" : "start"}" fill="${color}">${esc(text)}</text>`;
    };
    const out = [];

    out.push(`<defs>
      <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#fee2e2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fca5a5" stroke-width="3"/></pattern>
      <clipPath id="plot"><rect x="${LEFT}" y="0" width="${plot}" height="${HEIGHT}"/></clipPath>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
        <path d="M 0 0 L 10 5 L 0 10 z" fill="#d97706"/></marker>
    </defs>`);

    // Lanes and their labels.
    for (const lane of LANES) {
      out.push(`<rect class="tl-lane" x="${LEFT}" y="${lane.y}" width="${plot}" height="${lane.h}" rx="4" fill="#f8fafc" stroke="#e2e8f0"/>`);
      out.push(`<text class="tl-label" x="${LEFT - 10}" y="${lane.y + lane.h / 2 + 4}" text-anchor="end">${lane.label}</text>`);
    }
    const lane = Object.fromEntries(LANES.map((l) => [l.key, l]));

    // Time axis: a grid line every 5 or 10 s, labelled relative to now.
    const step = this.windowMs > 60_000 ? 10_000 : 5_000;
    const axisY = AXIS_Y;
    for (let t = Math.ceil(t0 / step) * step; t <= now; t += step) {
      const gx = x(t);
      out.push(`<line x1="${gx}" y1="${LANES[0].y - 6}" x2="${gx}" y2="${axisY}" stroke="#e2e8f0" stroke-dasharray="2 3"/>`);
      if (gx < LEFT + plot - 30) {
        out.push(`<text class="tl-axis" x="${gx}" y="${axisY + 14}" text-anchor="middle">${new Date(t).toTimeString().slice(0, 8)}</text>`);
      }
    }

    out.push(`<g clip-path="url(#plot)">`);

    // Outages of the token endpoint: hatched across every lane.
    for (const o of this.outages) {
      if (!visible(o.from, o.to)) continue;
      const ox = x(o.from);
      const ow = Math.max(2, x(Math.min(o.to, now)) - ox);
      out.push(`<rect class="tl-outage" x="${ox}" y="${LANES[0].y - 8}" width="${ow}" height="${axisY - LANES[0].y + 8}" fill="url(#hatch)" opacity="0.55"/>`);
      out.push(`<text class="tl-outage-label" x="${ox + 4}" y="${LANES[0].y - 12}" text-anchor="start">token endpoint down${o.to > now ? ` · ${Math.ceil((o.to - now) / 1000)} s left` : ""}</text>`);
    }

    // Access tokens: bars from issue to expiry, in three rows so overlaps stay readable.
    const tl = lane.tokens;
    const rowH = (tl.h - 12) / 3;
    for (const b of this.bars) {
      if (!visible(b.start, b.end)) continue;
      const row = (b.n - 1) % 3;
      const by = tl.y + 4 + row * (rowH + 2);
      const bx = x(b.start);
      const bw = Math.max(2, x(b.end) - bx);
      const live = b.replacedAt === null && b.end > now;
      const fill = live ? "#2563eb" : b.end > now ? "#93c5fd" : "#bfdbfe";
      out.push(`<rect class="tl-bar${live ? " tl-bar-live" : ""}" data-n="${b.n}" x="${bx}" y="${by}" width="${bw}" height="${rowH}" rx="3" fill="${fill}"/>`);
      if (b.replacedAt !== null && b.replacedAt < b.end) {
        // The part after its successor arrived: still valid, no longer used.
        const rx = x(b.replacedAt);
        out.push(`<rect x="${rx}" y="${by}" width="${Math.max(0, x(b.end) - rx)}" height="${rowH}" rx="3" fill="#ffffff" opacity="0.45"/>`);
      }
      if (b.end <= now) out.push(`<line x1="${x(b.end)}" y1="${by}" x2="${x(b.end)}" y2="${by + rowH}" stroke="#1e3a8a" stroke-width="1.5"/>`);
      if (bw > 46) {
        out.push(`<text class="tl-bar-text" x="${bx + 5}" y="${by + rowH / 2 + 4}" fill="${live ? "#fff" : "#1e3a8a"}">#${b.n} · ${fmtSeconds(b.end - b.start)}${b.rotated ? " · ↻" : ""}</text>`);
      }
      if (b.dpop) {
        // The badge of a DPoP-bound token (RFC 9449): at the bar's end, in front of it.
        const dx = Math.max(bx, x(b.end) - 34);
        out.push(`<g class="tl-dpop" data-n="${b.n}"><rect x="${dx}" y="${by + 2}" width="32" height="${rowH - 4}" rx="3" fill="#047857"/><text x="${dx + 16}" y="${by + rowH / 2 + 3}" text-anchor="middle" fill="#fff" font-size="9">DPoP</text><title>bound to this page's non-extractable DPoP key</title></g>`);
      }
    }

    // Token endpoint: each call from sent to answer, coloured by status.
    const el = lane.endpoint;
    const reqY = el.y + el.h - 13;
    for (const r of this.requests) {
      if (!visible(r.sentAt, r.receivedAt)) continue;
      const color = r.status === 200 ? "#16a34a" : r.status >= 500 || r.status === 0 || r.status === 429 ? "#f59e0b" : "#dc2626";
      const rx = x(r.sentAt);
      out.push(`<rect class="tl-request" data-status="${r.status}" x="${rx - 1}" y="${reqY}" width="${Math.max(3, x(r.receivedAt) - rx + 2)}" height="10" rx="2" fill="${color}"/>`);
    }
    const markY = el.y + 24; // renewals, retries; rotations in a row above
    const rotY = el.y + 9;
    for (const m of this.marks) {
      if (m.kind === "retry" && m.until !== null && visible(m.at, m.until)) {
        // The backoff wait, as an arrow to the next attempt.
        out.push(`<line class="tl-backoff" x1="${x(m.at)}" y1="${markY}" x2="${x(m.until) - 2}" y2="${markY}" stroke="#d97706" stroke-width="1.5" stroke-dasharray="4 3" marker-end="url(#arrow)"/>`);
      }
    }
    for (const m of this.marks) {
      if (!visible(m.at)) continue;
      const mx = x(m.at);
      switch (m.kind) {
        case "renewed":
          out.push(`<circle class="tl-renewed" cx="${mx}" cy="${markY}" r="5" fill="#16a34a" stroke="#fff" stroke-width="1.5"><title>${esc(m.label)}</title></circle>`);
          break;
        case "rotated":
          out.push(`<path class="tl-rotated" d="M ${mx} ${rotY - 6} l 6 6 l -6 6 l -6 -6 z" fill="#7c3aed" stroke="#fff" stroke-width="1.2"><title>refresh token rotated</title></path>`);
          break;
        case "adopted":
          out.push(`<circle class="tl-adopted" cx="${mx}" cy="${markY}" r="5" fill="#fff" stroke="#16a34a" stroke-width="2"><title>${esc(m.label)}</title></circle>`);
          break;
        case "signin":
          out.push(`<path class="tl-signin" d="M ${mx - 6} ${markY - 6} h 12 v 12 h -12 z" fill="#0f172a"><title>signed in</title></path>`);
          break;
        case "retry":
          out.push(`<path class="tl-retry" d="M ${mx} ${markY - 7} l 7 12 h -14 z" fill="#f59e0b" stroke="#fff" stroke-width="1"><title>${esc(m.label)}</title></path>`);
          break;
        case "reauth":
          out.push(`<g class="tl-reauth"><line x1="${mx - 6}" y1="${markY - 6}" x2="${mx + 6}" y2="${markY + 6}" stroke="#dc2626" stroke-width="3"/><line x1="${mx + 6}" y1="${markY - 6}" x2="${mx - 6}" y2="${markY + 6}" stroke="#dc2626" stroke-width="3"/></g>`);
          break;
        case "revoke":
          out.push(`<line class="tl-revoke" x1="${mx}" y1="${LANES[0].y - 24}" x2="${mx}" y2="${axisY}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="6 3"/>`);
          out.push(note(mx, LANES[0].y - 26, "session revoked", "#dc2626", 4));
          break;
        case "error":
          out.push(`<circle class="tl-error" cx="${mx}" cy="${markY}" r="5" fill="#dc2626"><title>${esc(m.label)}</title></circle>`);
          break;
      }
    }
    // Retry labels in the rotation row, latest first, where they hit neither a rotation mark
    // nor another label (left of the mark, else right of it, else not at all).
    const taken = this.marks.filter((m) => m.kind === "rotated" && visible(m.at)).map((m) => [x(m.at) - 7, x(m.at) + 7]);
    const free = (a, b) => a >= LEFT && b <= LEFT + plot && !taken.some(([c, d]) => a < d && c < b);
    for (const m of this.marks.filter((r) => r.kind === "retry" && r.label && visible(r.at)).reverse()) {
      const mx = x(m.at);
      const width = m.label.length * 6.2 + 4;
      for (const [a, b, anchor, tx] of [[mx - 6 - width, mx - 6, "end", mx - 6], [mx + 6, mx + 6 + width, "start", mx + 6]]) {
        if (!free(a, b)) continue;
        out.push(`<text class="tl-note" x="${tx}" y="${rotY + 4}" text-anchor="${anchor}" fill="#b45309">${esc(m.label)}</text>`);
        taken.push([a, b]);
        break;
      }
    }

    // API calls: a tick each, green when answered 200.
    const al = lane.api;
    for (const a of this.api) {
      if (!visible(a.at)) continue;
      const ax = x(a.at);
      out.push(`<line class="${a.ok ? "tl-api-ok" : "tl-api-fail"}" x1="${ax}" y1="${al.y + 4}" x2="${ax}" y2="${al.y + al.h - 4}" stroke="${a.ok ? "#16a34a" : "#dc2626"}" stroke-width="${a.ok ? 2 : 3}"/>`);
    }

    // Clock skew (server minus this browser, from the API's answers): a line around zero.
    const sl = lane.skew;
    const samples = this.skew.filter((s) => visible(s.at));
    const range = Math.max(50, ...samples.map((s) => Math.abs(s.ms)));
    const sy = (ms) => sl.y + sl.h / 2 - (ms / range) * (sl.h / 2 - 4);
    out.push(`<line x1="${LEFT}" y1="${sy(0)}" x2="${LEFT + plot}" y2="${sy(0)}" stroke="#cbd5e1"/>`);
    if (samples.length) {
      out.push(`<polyline class="tl-skew" points="${samples.map((s) => `${x(s.at).toFixed(1)},${sy(s.ms).toFixed(1)}`).join(" ")}" fill="none" stroke="#0891b2" stroke-width="1.5"/>`);
      const last = samples[samples.length - 1];
      out.push(`<text class="tl-note" x="${LEFT + plot - 4}" y="${sl.y + 11}" text-anchor="end" fill="#0e7490">${last.ms >= 0 ? "+" : ""}${Math.round(last.ms)} ms (±${Math.round(range)} ms scale)</text>`);
    }

    // The renewal machine's states.
    const stl = lane.state;
    this.states.forEach((s, i) => {
      const to = this.states[i + 1]?.from ?? now;
      if (!visible(s.from, to)) return;
      const sx = x(s.from);
      const sw = Math.max(1, x(to) - sx);
      out.push(`<rect class="tl-state" data-state="${esc(s.state)}" x="${sx}" y="${stl.y + 3}" width="${sw}" height="${stl.h - 6}" fill="${STATE_COLORS[s.state] ?? "#94a3b8"}"/>`);
      if (sw > 70) out.push(`<text class="tl-state-text" x="${Math.max(sx, LEFT) + 4}" y="${stl.y + stl.h / 2 + 4}">${esc(s.state)}</text>`);
    });

    out.push(`</g>`);
    // Now.
    out.push(`<line x1="${LEFT + plot}" y1="${LANES[0].y - 8}" x2="${LEFT + plot}" y2="${axisY}" stroke="#0f172a" stroke-width="1.5"/>`);

    this.svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    this.svg.setAttribute("height", String(HEIGHT));
    this.svg.innerHTML = out.join("");
  }
}

