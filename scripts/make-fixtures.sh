#!/usr/bin/env bash
# Regenerates the reference fixtures in tests/fixtures/ (PyTorch parity models and the PyTorch /
# Keras models of `han convert`) and converts the latter with `han convert --check`, the round
# trip against the frameworks' own outputs. The generators are deterministic: an unchanged
# checkout stays unchanged. Installs PyTorch and h5py (Debian packages) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${NATIVE_PACKAGES[@]}" "${REFERENCE_PACKAGES[@]}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target han
/usr/bin/python3 tests/reference/make_fixtures.py
/usr/bin/python3 tests/reference/make_explain_fixtures.py
/usr/bin/python3 tests/reference/make_convert_fixtures.py --han build/han
git status --short tests/fixtures
