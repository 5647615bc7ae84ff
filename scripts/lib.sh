# Shared helpers for rotor's build scripts. Sourced, never executed.
# Every step here is idempotent: it checks first and only installs what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${ROTOR_TOOLS:-$ROOT/.tools}"
WASM_BINDGEN_VERSION="0.2.130"
log() { printf '\033[1m[rotor]\033[0m %s\n' "$*" >&2; }

# apt-get install the given Debian packages when any is missing (runs apt-get update only then).
apt_ensure() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $SUDO apt-get update >/dev/null
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# True when rustup already provides the wasm32 standard library (most developer machines).
have_rustup_wasm() {
  command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

# Make sure some wasm32 toolchain exists; prints "rustup" or "debian".
ensure_wasm_toolchain() {
  if [ "${ROTOR_WASM_TOOLCHAIN:-}" != "debian" ] && have_rustup_wasm; then echo rustup; return; fi
  apt_ensure rustc-web cargo-web rust-web-src lld-19
  echo debian
}

# wasm-bindgen-cli, pinned to the crate's exact version, in a project-local root.
ensure_wasm_bindgen() {
  local bin="$TOOLS/bin/wasm-bindgen"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return; fi
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $TOOLS (once; a few minutes)"
  # Not --locked: the registry here lacks one locked dependency version (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS" --quiet
}

# npm dependencies of the dev tooling (binaryen, workerd, playwright-core, peers), from the lock file.
ensure_node_modules() {
  local stamp="$ROOT/node_modules/.rotor-lock-stamp"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/package-lock.json"; then return; fi
  log "installing npm dev dependencies (npm install from the lock file)"
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error --no-save)
  cp "$ROOT/package-lock.json" "$stamp"
}

# Debian's Chromium for the browser tests.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  apt_ensure chromium
}

# Debian's Firefox ESR for the Firefox browser test (tests/browser/firefox.test.mjs).
# Returns non-zero (without failing the caller under `set -e` when used in `||`) if it cannot be installed.
ensure_firefox() {
  [ -x /usr/bin/firefox-esr ] && return 0
  apt_ensure firefox-esr
}

# Deno and Bun for tests/runtimes, from their npm packages (the binaries ship inside them),
# pinned by tests/runtimes/package-lock.json into tests/runtimes/node_modules (git-ignored).
ensure_runtimes() {
  local dir="$ROOT/tests/runtimes"
  local stamp="$dir/node_modules/.rotor-lock-stamp"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json" \
    && [ -x "$dir/node_modules/.bin/deno" ] && [ -x "$dir/node_modules/.bin/bun" ]; then return; fi
  log "installing Deno and Bun (npm packages deno, bun) into tests/runtimes/node_modules"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --no-save)
  cp "$dir/package-lock.json" "$stamp"
}
