#!/usr/bin/env bash
# `make bench`: installs the peers (bench/package-lock.json) and twiggy, builds the native
# reference, then runs every benchmark in one process tree and prints one markdown table
# (also written to bench/results/latest.md). BENCH_QUICK=1 for a short smoke run.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
export ROTOR_TOOLS="${ROTOR_TOOLS:-$TOOLS}"
OUT="$ROOT/bench/results"
mkdir -p "$OUT"

# 1. The peers, from bench's own lock file (npm install, not npm ci: see bench/README-section.md).
stamp="$ROOT/bench/node_modules/.rotor-bench-lock-stamp"
if ! { [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/bench/package-lock.json"; }; then
  log "installing the benchmark peers (bench/package-lock.json)"
  (cd "$ROOT/bench" && npm install --no-audit --no-fund --loglevel=error)
  cp "$ROOT/bench/package-lock.json" "$stamp"
fi

# 2. twiggy, for the size section's "what each wasm module holds" (once, into .tools/).
if [ ! -x "$TOOLS/bin/twiggy" ]; then
  log "installing twiggy into $TOOLS (once; a few minutes)"
  cargo install twiggy --root "$TOOLS" --quiet || log "twiggy could not be installed; the size section will say so"
fi

# 3. The native reference: benches/verify.rs with the bench-native profile (opt-level 3).
log "building the native reference (cargo bench --profile bench-native --no-run)"
NATIVE=$(cargo bench --quiet --profile bench-native --bench verify --no-run --message-format=json 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.target?.name==="verify"&&m.executable)console.log(m.executable)}catch{}}})' \
  | tail -n 1 || true)
NATIVE_ARGS=()
if [ -n "$NATIVE" ] && [ -x "$NATIVE" ]; then NATIVE_ARGS=(--native "$NATIVE"); else log "native build failed; its rows will say so"; fi
# The same reference with sha2's software SHA-256 (what wasm32 runs: the JWT module has the
# unrolled one, `force-soft`): this CPU's SHA instructions make the native reference faster
# than any wasm build could be.
log "building the native reference with software SHA-256 (sha2/force-soft)"
NATIVE_SOFT=$(cargo bench --quiet --profile bench-native --bench verify --no-run --features sha2/force-soft --message-format=json 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.target?.name==="verify"&&m.executable)console.log(m.executable)}catch{}}})' \
  | tail -n 1 || true)
if [ -n "$NATIVE_SOFT" ] && [ -x "$NATIVE_SOFT" ]; then NATIVE_ARGS+=(--native-soft "$NATIVE_SOFT"); fi

# 4. Everything else, in one driver.
QUICK=(); [ -n "${BENCH_QUICK:-}" ] && QUICK=(--quick)
node "$ROOT/bench/main.mjs" "${NATIVE_ARGS[@]}" "${QUICK[@]}"
