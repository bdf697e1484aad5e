#!/usr/bin/env bash
# The kernel micro-benchmarks of docs/benchmarks.md, next to the roofline measured the same way:
# natively with Google Benchmark (build-bench/kernels_bench), then in WebAssembly SIMD under Node
# (bench/kernels-wasm.mjs on build-wasm/bench). Installs what is missing.
#   scripts/bench-kernels.sh [native|wasm]      # both when omitted
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
which=${1:-all}

if [ "$which" != wasm ]; then
  ensure_packages "${NATIVE_PACKAGES[@]}" libbenchmark-dev
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHAN_BUILD_BENCH=ON -DHAN_BUILD_TESTS=OFF \
    -DHAN_BUILD_CLI=OFF >/dev/null
  cmake --build build-bench -j "$(nproc)" --target kernels_bench
  build-bench/kernels_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
fi

if [ "$which" != native ]; then
  ensure_packages "${WASM_PACKAGES[@]}"
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH} # ../shared/TOOLCHAIN.md, trap 1
  emcmake cmake -S . -B build-wasm/bench -DCMAKE_BUILD_TYPE=Release -DHAN_WASM_SIMD=ON \
    -DHAN_BUILD_BENCH=ON -DHAN_BUILD_CLI=OFF -DHAN_BUILD_TESTS=OFF \
    -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH >/dev/null
  cmake --build build-wasm/bench -j "$(nproc)" --target kernels_bench_wasm
  node bench/kernels-wasm.mjs build-wasm/bench
fi
