#!/usr/bin/env bash
# Builds the wasm module and the npm package's generated files into pkg/gen/.
#   scripts/build-wasm.sh [--features LIST] [--no-default-features] [--out DIR]
# Prefers rustup's wasm32 standard library when installed; otherwise uses Debian's
# rustc-web + rust-web-src and builds std from source (see shared TOOLCHAIN.md).
source "$(dirname "$0")/lib.sh"
OUT="$ROOT/pkg/gen"
CARGO_FLAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2;;
    --no-default-features) CARGO_FLAGS+=(--no-default-features); shift;;
    --features) CARGO_FLAGS+=(--features "$2"); shift 2;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done

TOOLCHAIN="$(ensure_wasm_toolchain)"
ensure_wasm_bindgen
ensure_node_modules

export CARGO_TARGET_DIR="$ROOT/target/wasm-$TOOLCHAIN"
if [ "$TOOLCHAIN" = rustup ]; then
  cargo build --quiet --lib --release --target wasm32-unknown-unknown "${CARGO_FLAGS[@]}"
else
  WASM_LD="$(command -v wasm-ld-19 || echo /usr/lib/llvm-19/bin/wasm-ld)"
  # std's `optimize_for_size` picks its smaller implementations: measured -2.9 % gzipped
  # wasm with no measurable change in speed (README, Benchmarks).
  # Debian's cargo and rustc, explicitly: rustup's shims come first on PATH.
  PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$WASM_LD" \
    /usr/bin/cargo build --quiet --lib --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort -Zbuild-std-features=panic_immediate_abort,optimize_for_size "${CARGO_FLAGS[@]}"
fi
RAW="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/rotor.wasm"

mkdir -p "$OUT"
"$TOOLS/bin/wasm-bindgen" --target web --out-dir "$OUT" --out-name rotor "$RAW"
"$ROOT/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --strip-debug --strip-producers "$OUT/rotor_bg.wasm" -o "$OUT/rotor_bg.wasm"

size=$(wc -c < "$OUT/rotor_bg.wasm")
gz=$(gzip -9 -c "$OUT/rotor_bg.wasm" | wc -c)
log "wasm module: $OUT/rotor_bg.wasm — $size bytes ($gz gzipped)"
