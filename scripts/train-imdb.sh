#!/usr/bin/env bash
# Reproduces the bundled IMDB sentiment model, models/imdb-sentiment.han:
#   scripts/train-imdb.sh [IMDB_DIR] [OUT]
# IMDB_DIR holds train.tsv.gz, test.tsv.gz and unsup.txt.gz (default: ../shared/data/imdb beside
# the checkout). Learns word vectors from the training and unlabelled reviews (no labels), trains
# on the training file with 10% held out for validation, stores the embedding as int8 (float16
# for comparison), and evaluates the model once on the test file in each storage type.
# About 20 minutes on 2 cores (docs/models/imdb-sentiment.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
data=${1:-../shared/data/imdb}
out=${2:-models/imdb-sentiment.han}
for f in train.tsv.gz test.tsv.gz unsup.txt.gz; do
  [ -f "$data/$f" ] || { echo "train-imdb: $data/$f not found (pass the IMDB folder)" >&2; exit 1; }
done
ensure_packages "${NATIVE_PACKAGES[@]}"
build_native build -DHAN_BUILD_TESTS=OFF >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
build/han pretrain "$work/vectors.txt" "$data/train.tsv.gz" "$data/unsup.txt.gz" \
  --dim 100 --window 5 --negatives 5 --epochs 3 --min-count 5 --seed 1
build/han train "$data/train.tsv.gz" --pretrained "$work/vectors.txt" \
  --labels negative,positive --validation-split 0.1 --seed 1 --threads 2 \
  --min-count 2 --max-vocab 30000 \
  --cell gru --embedding-dim 100 --word-units 50 --sentence-units 50 --attention-units 100 \
  --epochs 8 --patience 2 --batch-size 32 --optimizer adam --lr 0.001 --clip 5 --dropout 0.3 \
  -o "$work/float32.han"
echo "pretraining and training took $(($(date +%s) - start)) s"
build/han quantize "$work/float32.han" "$out" --dtype int8
build/han quantize "$work/float32.han" "$work/float16.han" --dtype float16
build/han inspect "$out"
# The accuracy cost of the storage types, on the test file (used for this report only).
for model in "$work/float32.han" "$work/float16.han" "$out"; do
  echo "== han test $(basename "$model") (test file)"
  build/han test "$model" "$data/test.tsv.gz"
done
