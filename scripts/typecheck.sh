#!/usr/bin/env bash
# Type-checks the package's public types as a user sees them: tests/types/usage.ts imports
# "rotor", "rotor/sw" and "rotor/worker" (resolved through package.json `exports`) and
# `tsc --noEmit --strict` checks it together with pkg/index.d.ts and pkg/types/*.d.ts. Also
# refuses `any` in the public .d.ts files (shared API.md). Needs no wasm build.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
cd "$ROOT"
if grep -nwE 'any' pkg/index.d.ts pkg/types/*.d.ts | grep -vE '^[^:]+:[0-9]+:\s*(\*|//|/\*)'; then
  echo "rotor: \`any\` in a public type (above); use a precise type or \`unknown\`" >&2
  exit 1
fi
node_modules/.bin/tsc --noEmit --strict -p tests/types
log "types: tsc --noEmit --strict passed (tests/types/usage.ts)"
# Every js/ts block of README.md under tsc --strict (moduleResolution bundler and node16; DOM,
# service worker, and Cloudflare Workers with @cloudflare/workers-types and no DOM lib).
node scripts/readme-types.mjs
