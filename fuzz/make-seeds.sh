#!/usr/bin/env bash
# Writes the committed seed corpora in fuzz/corpus/ (run from the repository root with build/han
# built): the fixture models as stored (float32), as float16 and as int8, one computing in int8,
# and short texts that touch each rule of the tokenizer (docs/tokenizer.md). The first byte of a tokenize or predict
# seed chooses the options (see fuzz/tokenize.cpp and fuzz/predict.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
han=build/han
out=fuzz/corpus
rm -rf "$out"
mkdir -p "$out/load_model" "$out/tokenize" "$out/predict" "$out/edit" "$out/safetensors"

for name in gru_reset_after lstm mixed unidirectional; do
  cp "tests/fixtures/$name.han" "$out/load_model/$name.han"
done
"$han" quantize tests/fixtures/gru_reset_before.han "$out/load_model/float16.han" --dtype float16 --all-matrices >/dev/null
"$han" quantize tests/fixtures/lstm.han "$out/load_model/int8.han" --dtype int8 >/dev/null
"$han" quantize tests/fixtures/gru_reset_after.han "$out/load_model/int8-compute.han" --compute int8 >/dev/null
# The converter fixtures' weights: F32 and F64, PyTorch's and Keras's names.
cp tests/fixtures/convert/*.safetensors "$out/safetensors/"

texts=(
  'A wonderful film. I loved every minute of it!'
  "Mr. Smith didn't like it... well, maybe. 7.5/10 from me; 1,000 stars? No!!"
  'He said "wow!" Then left. e.g. this, i.e. that, U.S. Army, a.k.a. Bob.'
  'Bad<br /><br />worse <i>much</i> &quot;worst&quot; &#39;ever&#39; &#x1F600; </p>end'
  'Café crème, naïve façade. ÉNORME ΚΑΛΗ Русский ФИЛЬМ ёЁ İĸŸ.'
  'Emoji 👍🏽 and 👨‍👩‍👧 and 🇫🇷! Nice ❤️. 東京は素晴らしい。 שלום עולם. مرحبا بالعالم.'
  $'Combining e\xcc\x81 a\xcc\x8a\xcc\x81 and zero\xe2\x80\x8bwidth\r\nold mac\rlines\n\n'
  $'bad \x80 bytes \xc0\x80 here \xed\xa0\x80 and \xf5 end \xe2\x82 \xf0\x9f\x98 \xf4\x90\x80\x80'
  $'don\xc2\x92t \xc2\x85 \xc2\x93quoted\xc2\x94 \xc2\xa1Hola! \xc2\xbfQu\xc3\xa9?'
)
i=0
for text in "${texts[@]}"; do
  # Options: 0x01 lowercase, small limits in the other bits (tokenize); the model, and limits
  # when 0x80 is set (predict).
  for option in '\x01' '\x00' '\xff'; do
    printf "$option%s" "$text" >"$out/tokenize/text$i-$(printf '%s' "$option" | tr -d '\\')"
  done
  printf '\x00%s' "$text" >"$out/predict/text$i-model0"
  printf "\\x0$((i % 5))%s" "$text" >"$out/predict/text$i-model$((i % 5))"
  printf '\x93%s' "$text" >"$out/predict/text$i-limits"
  i=$((i + 1))
done

# Edit sequences (fuzz/edit.cpp): the model byte, then (operation, position, length[, text])
# edits: insert a review, change a word in its middle, append a sentence, paste it, delete.
review='The cast is superb. The plot makes no sense. I loved it anyway!'
length=$(printf '%02x' "${#review}")
for model in 0 1; do
  printf "\\x0$model\\x00\\x00\\x$length%s\\x00\\x80\\x04 not\\x00\\xff\\x0d Avoid it now.%b" "$review" \
    '\x02\x40\x00\x01\x20\x10\x03\x60\x00' >"$out/edit/review-model$model"
done
du -sh "$out"
