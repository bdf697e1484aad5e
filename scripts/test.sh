#!/usr/bin/env bash
# Runs every test: builds the native tree once, under ASan + UBSan, and runs the suites (and the
# kernel tests again on the SSE2 path, in a small build for any x86-64), builds the Python
# package and runs its tests (pytest, Dask on a local cluster), fuzzes the loader, the tokenizer,
# predict, edit sequences (the sentence cache) and the safetensors reader for a minute each
# (scripts/fuzz.sh), then builds the WebAssembly variants and tests the han-wasm npm package
# (web/) with Node, then the demo page and <han-highlight> in headless Chromium. Installs what is
# missing with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${NATIVE_PACKAGES[@]}" "${PYTHON_PACKAGES[@]}"

# One native build serves every native test: optimised (-O1), under AddressSanitizer and
# UndefinedBehaviorSanitizer, for this machine's CPU (the AVX kernels). On a 2-core machine a
# second, unsanitised build of the same tests would double the time for little more coverage.
echo "== native build and tests under AddressSanitizer and UndefinedBehaviorSanitizer"
build_native build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DHAN_SANITIZE=ON -DHAN_BUILD_TESTS=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-test --output-on-failure -j "$(nproc)"

if [ "$(uname -m)" = x86_64 ]; then
  echo "== the SSE2 kernels (x86-64 without AVX), which the build above does not compile"
  cmake -S . -B build-sse2 -DCMAKE_BUILD_TYPE=Release -DHAN_NATIVE_ARCH=OFF -DHAN_BUILD_CLI=OFF \
    -DHAN_BUILD_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
  cmake --build build-sse2 -j "$(nproc)" --target han_kernel_tests
  build-sse2/han_kernel_tests
fi

echo "== the Python package (python/): pybind11 module, pytest, Dask on a 2-worker LocalCluster"
# Built in a Release tree without sanitizers (an ASan module would need libasan preloaded into
# Python): the SSE2 tree above, configured the same, whose core it reuses. The parity tests run
# the CLI of the ASan build. Any pytest failure, including exit code 5 (no tests collected),
# stops here.
cmake -S . -B build-sse2 -DCMAKE_BUILD_TYPE=Release -DHAN_NATIVE_ARCH=OFF -DHAN_BUILD_CLI=OFF \
  -DHAN_BUILD_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build-sse2 -j "$(nproc)" --target han_python
PYTHONPATH=build-sse2/python HAN_CLI=build-test/han \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests

echo "== fuzzing: each libFuzzer target for a minute from its seeds, under ASan + UBSan"
scripts/fuzz.sh all 60

echo "== WebAssembly build (SIMD and baseline) and tests of the han-wasm package"
ensure_packages "${WASM_PACKAGES[@]}"
scripts/build-wasm.sh
# The package's parity tests compare with the native CLI built above.
(cd web && npm ci --no-audit --no-fund --loglevel=error && HAN_CLI="$PWD/../build-test/han" npm test)

echo "== the demo pages and <han-highlight> in headless Chromium (screenshots in test-artifacts/)"
ensure_packages chromium
# train.test.mjs has the native CLI inspect the model the training page downloads.
(cd web && HAN_CLI="$PWD/../build-test/han" npm run --silent test:browser)
