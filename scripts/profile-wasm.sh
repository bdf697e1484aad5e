#!/usr/bin/env bash
# Where han-wasm (SIMD) spends its time on a benchmark workload (docs/benchmarks.md): builds the
# Node module with function names kept (--profiling-funcs) in build-wasm/prof, writes the
# reference model and workloads if they are missing, and prints the self time of the top
# functions under V8's sampling profiler (bench/profile-wasm.mjs).
#   scripts/profile-wasm.sh [A|B]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${NATIVE_PACKAGES[@]}" "${WASM_PACKAGES[@]}"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHAN_BUILD_BENCH=ON -DHAN_BUILD_TESTS=OFF \
  -DHAN_BUILD_CLI=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target han_reference_model
data=build-bench/data
[ -f "$data/workloads.json" ] || { mkdir -p "$data" && build-bench/han_reference_model "$data"; }

export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH} # ../shared/TOOLCHAIN.md, trap 1
emcmake cmake -S . -B build-wasm/prof -DCMAKE_BUILD_TYPE=Release -DHAN_WASM_SIMD=ON \
  -DHAN_BUILD_CLI=OFF -DHAN_BUILD_TESTS=OFF -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH \
  -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs >/dev/null
cmake --build build-wasm/prof -j "$(nproc)" --target han_wasm_node
node bench/profile-wasm.mjs build-wasm/prof/bindings/node "$data" "${1:-A}"
