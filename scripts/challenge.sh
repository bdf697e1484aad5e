#!/usr/bin/env bash
# The challenge set (tests/challenge/): `han test` on all of it and on each category, as a
# markdown table. usage: scripts/challenge.sh [MODEL]   (default models/imdb-sentiment.han)
# Builds the CLI into build/ like scripts/run.sh; HAN=path/to/han uses that binary instead
# (tests/cli_test.sh does, so the test does not build a second tree).
set -euo pipefail
# MODEL and HAN are paths from where the script was called, not from the repository root.
model=$(realpath -- "${1:-$(dirname "$0")/../models/imdb-sentiment.han}")
han=${HAN:+$(realpath -- "$HAN")}
cd "$(dirname "$0")/.."
set_dir=tests/challenge
if [ -z "$han" ]; then
  source scripts/lib.sh
  ensure_packages "${NATIVE_PACKAGES[@]}"
  build_native build -DHAN_BUILD_TESTS=OFF >/dev/null
  han=build/han
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# row NAME FILE prints a table row from `han test` on FILE: how many of each label it got right
# (recall times support, from the per-label lines), then its last line, "accuracy: 0.XXXX".
# The split by label shows a category read as one label throughout, which the accuracy hides.
row() {
  "$han" test --threads 2 "$model" "$2" | awk -v name="$1" '
    NF == 5 && ($1 == "negative" || $1 == "positive") { right[$1] = sprintf("%d/%d", $3 * $5 + 0.5, $5) }
    /^accuracy: / { split(right["negative"], a, "/"); split(right["positive"], b, "/")
                    printf "| %s | %d | %s | %s | %s |\n", name, a[2] + b[2], right["negative"], right["positive"], $2 }'
}

# One file per category: line i of challenge.categories names the category of line i of the set.
paste "$set_dir/challenge.categories" "$set_dir/challenge.tsv" |
  awk -F'\t' -v dir="$work" '{ print $2 "\t" $3 > (dir "/" $1 ".tsv") }'

echo "| category | n | negative right | positive right | accuracy |"
echo "|---|---|---|---|---|"
for category in $(awk '!seen[$0]++' "$set_dir/challenge.categories"); do
  row "$category" "$work/$category.tsv"
done
row "**all**" "$set_dir/challenge.tsv"
