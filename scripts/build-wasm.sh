#!/usr/bin/env bash
# Builds the npm package's wasm modules and their wasm-bindgen glue into pkg/gen/:
#   rotor.js  + rotor_bg.wasm   the browser module (`rotor`): client, scheduling;
#                               cargo features: `compact-sha` only
#   jwt.js    + jwt_bg.wasm     the JWT module (`signJwt`/`verifyJwt` of `rotor`): feature `jwt`,
#                               opt-level 3; jwt_inline.js holds it as base64 for browsers
#   dpop.js   + dpop_bg.wasm    the DPoP module (DPoP proofs, private_key_jwt assertions,
#                               thumbprints): features `dpop`, `compact-sha`; loaded by
#                               pkg/lib/dpop.js
#   issuer.js + issuer_bg.wasm  the edge module (`rotor/issuer`): the issuer and the server's
#                               DPoP proof check; features `issuer`, `compact-sha`, opt-level z
#   scripts/build-wasm.sh [--only rotor|jwt|dpop|issuer] [--out DIR]
# Prefers rustup's wasm32 standard library when installed; otherwise uses Debian's
# rustc-web + rust-web-src and builds std from source (see shared TOOLCHAIN.md).
source "$(dirname "$0")/lib.sh"
OUT="$ROOT/pkg/gen"
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2;;
    --only) ONLY="$2"; shift 2;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done

TOOLCHAIN="$(ensure_wasm_toolchain)"
ensure_wasm_bindgen
ensure_node_modules
export CARGO_TARGET_DIR="$ROOT/target/wasm-$TOOLCHAIN"
RAW="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/rotor.wasm"
mkdir -p "$OUT"

# build_module NAME CARGO_FEATURE_ARGS...
build_module() {
  local name="$1"; shift
  if [ "$TOOLCHAIN" = rustup ]; then
    cargo build --quiet --lib --release --target wasm32-unknown-unknown "$@"
  else
    local wasm_ld features=""
    wasm_ld="$(command -v wasm-ld-19 || echo /usr/lib/llvm-19/bin/wasm-ld)"
    # The browser module without reference types: wasm-bindgen then keeps JS values in a JS
    # array instead of an externref table (measured: rotor_bg.wasm -0.8 KB, page JS +0.15 KB
    # gzipped, build+parse 0.94-0.99x the time, A/B alternating; README, "The page's module").
    [ "$name" = rotor ] && features=",-reference-types"
    # std's `optimize_for_size` picks its smaller implementations: measured -2.9 % gzipped
    # wasm with no measurable change in speed (README, Benchmarks).
    # +bulk-memory,+nontrapping-fptoint: `memory.copy`/`memory.fill` instead of compiler_builtins'
    # loops and one instruction per float-to-int `as` instead of a range check (both in every
    # engine of "Supported runtimes": Chrome 75, Firefox 79, Safari 15); measured on the browser
    # module in README, "The page's module".
    # Debian's cargo and rustc, explicitly: rustup's shims come first on PATH.
    # -Zlocation-detail=none: no file/line strings for panics that abort anyway (measured
    # -12 KB of the browser module before gzip); -Zfmt-debug=none: `Debug` writes nothing (no
    # Debug text reaches a user from wasm; it kept core's Unicode tables in the module).
    PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$wasm_ld" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='--cfg getrandom_backend="wasm_js" -Zlocation-detail=none -Zfmt-debug=none -Ctarget-feature=+bulk-memory,+nontrapping-fptoint'"$features" \
      /usr/bin/cargo build --quiet --lib --release --target wasm32-unknown-unknown \
        -Zbuild-std=std,panic_abort -Zbuild-std-features=panic_immediate_abort,optimize_for_size "$@"
  fi
  "$TOOLS/bin/wasm-bindgen" --target web --keep-debug --out-dir "$OUT" --out-name "$name" "$RAW"
  # Lets bundlers drop the classes a page does not use, and deletes what rotor's loaders never
  # reach (scripts/glue-dispose.mjs; measured -0.2 KB gzipped page JS each, README).
  node "$ROOT/scripts/glue-dispose.mjs" "$OUT/$name.js"
  # Optimised once with its names kept (target/wasm-names/, for twiggy in `make bench`), then
  # stripped for the package: the same code in both. Stripped: names, producers and the
  # `target_features` section (read by linkers only; measured -0.1 KB gzipped of each module).
  # --low-memory-unused: rustc puts the stack first (addresses 0 to 1 MiB, growing down), so the lowest 1 KiB is touched only by a stack
  # 1 MiB deep; wasm-opt may then fold constant offsets into loads and stores (measured
  # -0.9 KB gzipped of the browser module).
  # The browser and edge modules get a second round: --flatten --rereloop, then -Oz twice (measured
  # -0.8 KB gzipped and build+parse 2-4 % faster, A/B alternating; README, "The page's module").
  local again=()
  [ "$name" = rotor ] || [ "$name" = issuer ] && again=(--flatten --rereloop -Oz -Oz)
  mkdir -p "$ROOT/target/wasm-names"
  "$ROOT/node_modules/.bin/wasm-opt" -Oz --low-memory-unused "${again[@]}" -g --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$OUT/${name}_bg.wasm" -o "$ROOT/target/wasm-names/${name}_bg.wasm"
  "$ROOT/node_modules/.bin/wasm-opt" --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers --strip-target-features "$ROOT/target/wasm-names/${name}_bg.wasm" -o "$OUT/${name}_bg.wasm"
  # The browser and edge modules' import and export names minified in the module and its glue
  # (a page downloads both; measured -0.8 KB page JS and -1.1 KB wasm gzipped, README).
  if [ "$name" = rotor ] || [ "$name" = issuer ]; then node "$ROOT/scripts/glue-names.mjs" "$OUT/${name}_bg.wasm" "$OUT/$name.js"; fi
  local size gz
  size=$(wc -c < "$OUT/${name}_bg.wasm")
  gz=$(gzip -9 -c "$OUT/${name}_bg.wasm" | wc -c)
  log "wasm module $name: $OUT/${name}_bg.wasm — $size bytes ($gz gzipped)"
}

[ "$ONLY" = "" ] || [ "$ONLY" = rotor ] && build_module rotor --no-default-features --features compact-sha
if [ "$ONLY" = "" ] || [ "$ONLY" = jwt ]; then
  # Built for speed, opt-level 3 and sha2's unrolled SHA-256: verify 1.17x and sign 1.3x faster
  # in Node than "s", the unrolled SHA-256 1.09x more, for a module of ~31 KB gzipped that
  # only a page using JWTs loads (README, Benchmarks).
  CARGO_PROFILE_RELEASE_OPT_LEVEL=3 build_module jwt --no-default-features --features jwt
  # Browsers get the module inside the JS that uses it (no second URL for bundlers to ship):
  # only a bundle that imports signJwt/verifyJwt contains it.
  node -e 'const b=require("fs").readFileSync(process.argv[1]).toString("base64");process.stdout.write("// Generated by scripts/build-wasm.sh: gen/jwt_bg.wasm as base64 (browsers).\nexport default \""+b+"\";\n")' "$OUT/jwt_bg.wasm" > "$OUT/jwt_inline.js"
fi
[ "$ONLY" = "" ] || [ "$ONLY" = dpop ] && build_module dpop --no-default-features --features dpop,compact-sha
# The edge module at opt-level "z": measured -5.4 KB gzipped (70,496 -> 65,098 B), which issue
# 13's 80 KB edge budget needed once the issuer checked DPoP proofs itself, for refresh grants
# 1.16x slower in Node (80 -> 93 us, in-process; README, "The edge module").
[ "$ONLY" = "" ] || [ "$ONLY" = issuer ] && CARGO_PROFILE_RELEASE_OPT_LEVEL=z build_module issuer --features issuer,compact-sha
true
