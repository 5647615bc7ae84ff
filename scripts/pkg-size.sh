#!/usr/bin/env bash
# Prints the size of the wasm module and of the gzipped npm package (npm pack).
source "$(dirname "$0")/lib.sh"
cd "$ROOT/pkg"
wasm=$(wc -c < gen/rotor_bg.wasm); wasmgz=$(gzip -9 -c gen/rotor_bg.wasm | wc -c); iss=$(gzip -9 -c gen/issuer_bg.wasm | wc -c)
tarball=$(npm pack --silent --pack-destination /tmp 2>/dev/null | tail -n 1)
tgz=$(wc -c < "/tmp/$tarball"); rm -f "/tmp/$tarball"
log "package: browser wasm $wasm bytes ($wasmgz gzipped), issuer wasm $iss gzipped; npm tarball $tgz bytes gzipped"
