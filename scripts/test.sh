#!/usr/bin/env bash
# Runs every test: builds the native tree (release, then ASan + UBSan) and runs the suites, fuzzes
# the loader, the tokenizer and predict for a minute each (scripts/fuzz.sh), then builds the
# WebAssembly variants and tests the han-wasm npm package (web/) with Node, then the demo page and
# <han-highlight> in headless Chromium. Installs what is missing with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${NATIVE_PACKAGES[@]}"

echo "== native build and tests (release)"
build_native build -DHAN_BUILD_TESTS=ON
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== native build and tests under AddressSanitizer and UndefinedBehaviorSanitizer"
build_native build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHAN_SANITIZE=ON -DHAN_NATIVE_ARCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "== fuzzing: each libFuzzer target for a minute from its seeds, under ASan + UBSan"
scripts/fuzz.sh all 60

echo "== WebAssembly build (SIMD and baseline) and tests of the han-wasm package"
ensure_packages "${WASM_PACKAGES[@]}"
scripts/build-wasm.sh
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm test)

echo "== the demo page and <han-highlight> in headless Chromium (screenshots in test-artifacts/)"
ensure_packages chromium
(cd web && npm run --silent test:browser)
