#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs them one after another, each for SECONDS (default 60):
#   scripts/fuzz.sh load_model|tokenize|predict|edit|safetensors|all [SECONDS]
# Each target starts from its committed seeds (fuzz/corpus/TARGET) and keeps what it finds in
# build-fuzz/corpus/TARGET. A crash, hang, leak or over-allocation is saved as
# build-fuzz/crash-TARGET-* and fails the script; turn it into a regression test in tests/
# and fix it. docs/reliability.md records the long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
targets=(load_model tokenize predict edit safetensors)
which=${1:-}
seconds=${2:-60}
case "$which" in
  all) ;;
  load_model | tokenize | predict | edit | safetensors) targets=("$which") ;;
  *) echo "usage: scripts/fuzz.sh load_model|tokenize|predict|edit|safetensors|all [SECONDS]" >&2; exit 2 ;;
esac
ensure_packages "${FUZZ_PACKAGES[@]}"

build=build-fuzz
# Debug keeps Eigen's and the standard library's assertions; -O2 keeps the fuzzing fast.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O2 -g" -DHAN_BUILD_FUZZ=ON -DHAN_BUILD_TESTS=OFF -DHAN_BUILD_CLI=OFF \
  >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

for target in "${targets[@]}"; do
  echo "== fuzz_$target for $seconds s"
  mkdir -p "$build/corpus/$target"
  dict=fuzz/$target.dict
  # predict and edit read text, as tokenize does
  [ "$target" = predict ] || [ "$target" = edit ] && dict=fuzz/tokenize.dict
  # -rss_limit_mb and -malloc_limit_mb: a file or text that makes the core allocate more than
  # 1 GiB at once is a finding, as the limits must stop it first.
  "$build/fuzz/fuzz_$target" "$build/corpus/$target" "fuzz/corpus/$target" -dict="$dict" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=16384 -print_final_stats=1 -artifact_prefix="$build/crash-$target-" 2>&1 |
    grep -v -E '^#[0-9]+\s+(NEW|REDUCE)' || { echo "fuzz_$target found a problem" >&2; exit 1; }
done
