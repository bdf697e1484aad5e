#!/usr/bin/env bash
# The main job: builds the han CLI and runs it. With arguments they go to han
# (e.g. scripts/run.sh predict MODEL review.txt); without, it classifies an example review with a
# reference model and shows its attention.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${NATIVE_PACKAGES[@]}"
build_native build -DHAN_BUILD_TESTS=OFF >/dev/null
if [ $# -gt 0 ]; then
  exec build/han "$@"
fi
model=tests/fixtures/gru_reset_after.han
echo "\$ build/han inspect $model"
build/han inspect "$model"
echo
echo "\$ build/han predict --format text $model <<< \"...\""
build/han predict --format text "$model" <<< "Alpha bravo charlie delta. Echo foxtrot golf! Hotel india."
