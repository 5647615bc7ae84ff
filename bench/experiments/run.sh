#!/usr/bin/env bash
# Reproduces the two boundary experiments quoted in bench/README-section.md (not part of
# `make bench`): builds, in a scratch copy of the repository, the wasm with
# bench/experiments/boundary.patch applied, once at opt-level "z" and once at opt-level 3,
# then compares the current exports with the experimental ones in one Node process.
source "$(dirname "$0")/../../scripts/lib.sh"
SCRATCH="${SCRATCH:-$(mktemp -d /tmp/rotor-exp-XXXXXX)}"
log "scratch copy in $SCRATCH"
cp -r "$ROOT/Cargo.toml" "$ROOT/Cargo.lock" "$ROOT/.cargo" "$ROOT/src" "$ROOT/benches" "$ROOT/scripts" \
  "$ROOT/package.json" "$ROOT/package-lock.json" "$SCRATCH/"
ln -s "$ROOT/node_modules" "$SCRATCH/node_modules"
cp "$ROOT/node_modules/.rotor-lock-stamp" "$SCRATCH/" 2>/dev/null || true
(cd "$SCRATCH" && patch -p1 -s < "$ROOT/bench/experiments/boundary.patch")
# Reuse the repository's wasm target folder so only the rotor crate is rebuilt.
sed -i "s|export CARGO_TARGET_DIR=\"\$ROOT/target/wasm-\$TOOLCHAIN\"|export CARGO_TARGET_DIR=\"$ROOT/target/wasm-\$TOOLCHAIN\"|" "$SCRATCH/scripts/build-wasm.sh"
(cd "$SCRATCH" && scripts/build-wasm.sh --out "$SCRATCH/gen-z")
(cd "$SCRATCH" && CARGO_PROFILE_RELEASE_OPT_LEVEL=3 scripts/build-wasm.sh --out "$SCRATCH/gen-o3")
taskset -c 0 node "$ROOT/bench/experiments/compare.mjs" "$SCRATCH"
