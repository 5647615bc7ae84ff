#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time: scripts/fuzz.sh SECONDS_PER_TARGET
# (FUZZ_TARGETS="a b" limits it to those targets).
# Seeds come from fuzz/seeds/<target> (committed); the working corpus is fuzz/corpus (ignored).
# Crashes land in fuzz/artifacts/<target>; each one found becomes a regression test.
source "$(dirname "$0")/lib.sh"
SECONDS_PER_TARGET="${1:-60}"
if [ ! -x "$TOOLS/bin/cargo-fuzz" ]; then
  log "installing cargo-fuzz into $TOOLS (once)"
  cargo install cargo-fuzz --root "$TOOLS" --quiet
fi
# cargo-fuzz needs nightly flags: rustup's nightly when present, else stable with RUSTC_BOOTSTRAP.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then TC=(+nightly); else TC=(); export RUSTC_BOOTSTRAP=1; fi
export PATH="$TOOLS/bin:$PATH"
cd "$ROOT/fuzz"
targets=${FUZZ_TARGETS:-$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^rotor-fuzz$')}
for t in $targets; do
  mkdir -p "corpus/$t"
  [ -d "seeds/$t" ] && cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
  log "fuzzing $t for ${SECONDS_PER_TARGET}s"
  logf="$ROOT/target/fuzz-$t.log"; mkdir -p "$ROOT/target"
  if ! cargo "${TC[@]}" fuzz run --sanitizer none "$t" "corpus/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    log "fuzz target $t FAILED (crash input in fuzz/artifacts/$t)"; exit 1
  fi
  grep -E '^stat::number_of_executed_units' "$logf" | sed "s/^/[$t] /" || true
done
log "fuzzing done: every target ran ${SECONDS_PER_TARGET}s without a crash"
