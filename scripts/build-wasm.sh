#!/usr/bin/env bash
# Builds the four WebAssembly variants (SIMD, baseline, SIMD with threads, and the trainer: SIMD with
# the backward pass, from the SIMD tree) with Emscripten and assembles the npm package in web/:
# dist/han-{simd,baseline,threads,train}.{wasm,cjs,mjs}, the threads
# variant's worker scripts dist/han-threads.worker.{cjs,js} (Node, browsers), LICENSE, and the
# bundled model models/imdb-sentiment.han. Needs Debian's emscripten package (scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's emcc runs acorn from here (../shared/TOOLCHAIN.md, trap 1).
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

dist=web/dist
mkdir -p "$dist"
# Arguments name the trees to build (default: all three; simd gives the trainer too).
trees=("$@")
[ ${#trees[@]} -eq 0 ] && trees=(simd baseline threads)
for tree in "${trees[@]}"; do
  dir=build-wasm/$tree
  simd=ON threads=OFF targets=(han_wasm_node han_wasm_web) modules=("$tree")
  [ "$tree" = baseline ] && simd=OFF
  [ "$tree" = threads ] && threads=ON
  if [ "$tree" = simd ]; then
    targets+=(han_wasm_train_node han_wasm_train_web)
    modules+=(train)
  fi
  # Eigen and nlohmann_json are header-only, so the host's packages serve the WebAssembly build.
  emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DHAN_WASM_SIMD=$simd -DHAN_WASM_THREADS=$threads \
    -DHAN_BUILD_CLI=OFF -DHAN_BUILD_TESTS=OFF -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH >/dev/null
  cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
  out=$dir/bindings
  for variant in "${modules[@]}"; do
    cmp "$out/node/han-$variant.wasm" "$out/web/han-$variant.wasm" # one .wasm serves both glues
    cp "$out/node/han-$variant.wasm" "$dist/"
    cp "$out/node/han-$variant.js" "$dist/han-$variant.cjs"
    cp "$out/web/han-$variant.mjs" "$dist/"
    if [ "$variant" = threads ]; then
      # The Node worker is CommonJS, which .cjs says inside the package's "type": "module".
      cp "$out/node/han-$variant.worker.js" "$dist/han-$variant.worker.cjs"
      cp "$out/web/han-$variant.worker.js" "$dist/"
    fi
    echo "$dist/han-$variant.wasm: $(stat -c %s "$dist/han-$variant.wasm") bytes," \
      "$(gzip -9c "$dist/han-$variant.wasm" | wc -c) gzipped"
  done
done

cp LICENSE web/LICENSE
# The package ships the bundled IMDB sentiment model (scripts/train-imdb.sh reproduces it).
rm -rf web/models
mkdir -p web/models
cp models/imdb-sentiment.han web/models/
