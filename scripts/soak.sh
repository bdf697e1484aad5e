#!/usr/bin/env bash
# The long soak of the WebAssembly build: 100,500 predictions over varied and hostile text, each
# checked for validity and against the first prediction of its text, with the heap measured after
# every 1,500 (web/test/soak.test.mjs; docs/reliability.md records a run). CI runs 3,000 of them
# in `npm test`. Builds the package first when web/dist is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
if [ ! -f web/dist/han-simd.wasm ]; then
  ensure_packages "${WASM_PACKAGES[@]}"
  scripts/build-wasm.sh
fi
node web/test/soak.test.mjs --long
