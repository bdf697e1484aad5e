#!/usr/bin/env bash
# The main job. Without arguments: builds the WebAssembly package and serves the demo page at
# http://localhost:8000/ (PORT=… for another port). With arguments: builds the han CLI and runs
# it with them (e.g. scripts/run.sh predict MODEL review.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
if [ $# -gt 0 ]; then
  ensure_packages "${NATIVE_PACKAGES[@]}"
  build_native build -DHAN_BUILD_TESTS=OFF >/dev/null
  exec build/han "$@"
fi
ensure_packages "${WASM_PACKAGES[@]}"
echo "building the WebAssembly package (the first time takes a few minutes)…"
log=$(mktemp)
scripts/build-wasm.sh >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm "$log"
exec node scripts/serve.mjs "${PORT:-8000}"
