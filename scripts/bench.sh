#!/usr/bin/env bash
# The benchmarks of docs/benchmarks.md, from a fresh clone: installs what is missing (Debian
# packages, and the peers from npm into bench/node_modules), builds the native runner and the
# WebAssembly package, writes the reference model, its workloads and its ONNX graph, then runs
# every system and prints the table (bench/run.mjs). `cd bench && npm run bench` does the same.
#   scripts/bench.sh [--rounds N] [--repeats N] [--only NAME[:MODE],...]
# NAME: han-native, han-wasm-simd, han-wasm-baseline (modes cold, nocache, warm), ort, tfjs,
# pytorch, han-native-int8, han-wasm-simd-int8 (cold, warm); a NAME alone runs all its modes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${NATIVE_PACKAGES[@]}" "${WASM_PACKAGES[@]}" libbenchmark-dev python3-onnx python3-torch
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHAN_BUILD_BENCH=ON -DHAN_BUILD_TESTS=OFF \
  -DHAN_BUILD_CLI=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target han_reference_model han_native_bench kernels_bench \
  han_incremental_bench
scripts/build-wasm.sh
(cd bench && npm ci --no-audit --no-fund --loglevel=error)

data=build-bench/data
mkdir -p "$data"
build-bench/han_reference_model "$data"
/usr/bin/python3 bench/make_onnx.py "$data"
node bench/run.mjs "$data" build-bench/han_native_bench "$@"
# Re-prediction as the reader types: an edit of B and an appended sentence against B from
# scratch, and A with the sentence cache cold and warm (han-wasm SIMD, one thread; natively also
# B on 1, 2 and 4 threads).
node bench/incremental.mjs "$data" 5 simd "$data/results.json"
build-bench/han_incremental_bench "$data" 5
# Threads in the package: B on 1 (the SIMD build), 2 and 4 threads (the threads build).
node bench/threads-wasm.mjs 9
