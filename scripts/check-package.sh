#!/usr/bin/env bash
# Checks the npm package as it would be published: `npm pack`s pkg/ into a temporary folder,
# checks the tarball holds the README, both licences, the entries and both wasm modules, then
# runs publint --strict and attw --profile esm-only (Are The Types Wrong) on it. Needs `make pkg`.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
cd "$ROOT"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
tarball="$TMP/$(cd pkg && npm pack --silent --pack-destination "$TMP" | tail -n 1)"
tar xzf "$tarball" -C "$TMP"
missing=()
for f in README.md LICENSE-MIT LICENSE-APACHE package.json index.d.ts sw.js worker.js token-handler.js \
  gen/rotor.js gen/rotor_bg.wasm gen/jwt.js gen/jwt_bg.wasm gen/jwt_inline.js gen/dpop.js gen/dpop_bg.wasm gen/issuer.js gen/issuer_bg.wasm $(cd pkg && ls entry/*.js lib/*.js types/*.d.ts); do
  [ -f "$TMP/package/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "rotor: the npm tarball lacks: ${missing[*]}" >&2
  exit 1
fi
grep -q "MIT" "$TMP/package/LICENSE-MIT" && grep -q "Apache License" "$TMP/package/LICENSE-APACHE"
node_modules/.bin/publint --strict --pack false "$TMP/package"
node_modules/.bin/attw "$tarball" --profile esm-only --format table-flipped
log "package: $(basename "$tarball") has README and licences; publint --strict and attw --profile esm-only are clean"
