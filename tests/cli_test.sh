#!/usr/bin/env bash
# End-to-end tests of the han CLI: usage, predict output, and damaged model files.
# usage: tests/cli_test.sh PATH/TO/han FIXTURE_DIR
set -uo pipefail
han=$1
fixtures=$2
model=$fixtures/gru_reset_after.han
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

# expect_error NAME EXIT_CODE PATTERN han-args...: fails with that code and one stderr line
expect_error() {
  local name=$1 code=$2 pattern=$3
  shift 3
  "$han" "$@" >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q -- "$pattern" "$work/err" &&
    [ ! -s "$work/out" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name (exit $rc, stderr: $(cat "$work/err"))" >&2
  fi
}

# --- help and usage
check "han --help" "$han" --help >/dev/null
check "predict --help" bash -c "'$han' predict --help | grep -q 'usage: han predict MODEL'"
check "inspect --help" bash -c "'$han' inspect --help | grep -q 'usage: han inspect MODEL'"
expect_error "unknown command" 2 "^han: unknown command 'fly'" fly
expect_error "unknown option" 2 "^han predict: unknown option '--colour'" predict "$model" --colour
expect_error "bad format" 2 "^han predict: --format must be json or text" predict "$model" --format xml
expect_error "bad number" 2 "^han experiment: --lr expects a number from" experiment select --lr fast

# --- predict: JSON whose weights sum to 1 and whose byte offsets slice the input exactly
text='Alpha bravo charlie delta. Echo « foxtrot » golf! Hotel ünknown india 🎬.'
printf '%s' "$text" >"$work/review.txt"
check "predict json" bash -c "'$han' predict '$model' '$work/review.txt' > '$work/p.json'"
check "predict json is right" node -e '
  const fs = require("fs");
  const input = fs.readFileSync(process.argv[1]);
  const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const near = (a, b) => Math.abs(a - b) < 1e-5;
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const slice = (x) => input.subarray(x.start, x.end).toString("utf8");
  const ok = ["negative", "positive"].includes(p.label) &&
    near(sum(Object.values(p.probabilities)), 1) && p.truncated === false &&
    p.sentences.length === 3 && near(sum(p.sentences.map((s) => s.weight)), 1) &&
    p.sentences.every((s) => slice(s) === s.text && near(sum(s.words.map((w) => w.weight)), 1) &&
                             s.words.every((w) => slice(w) === w.text)) &&
    p.sentences[2].words.map((w) => w.text).join(" ") === "Hotel ünknown india 🎬";
  process.exit(ok ? 0 : 1);' "$work/review.txt" "$work/p.json"
check "predict from stdin equals predict from file" \
  bash -c "'$han' predict '$model' - < '$work/review.txt' | cmp -s - '$work/p.json'"
check "predict --lines gives one object per line" \
  bash -c "printf 'alpha bravo.\necho\n' | '$han' predict --lines '$model' | wc -l | grep -qx 2"
check "predict --format text" \
  bash -c "'$han' predict --format text '$model' '$work/review.txt' | grep -q 'Echo « foxtrot » golf!'"
check "empty input gives the prior, no sentences" \
  bash -c "printf '' | '$han' predict '$model' | grep -q '\"sentences\":\[\]'"
check "invalid UTF-8 input is replaced, not fatal" \
  bash -c "printf 'alpha \xff\xfe bravo.' | '$han' predict '$model' | grep -q 'bravo'"

# --- predict limits: past one, the rest is not read and the output says so
# Prints "TRUNCATED WORD WORD ..." for each JSON line on stdin.
cat >"$work/words.js" <<'EOF'
for (const line of require("fs").readFileSync(0, "utf8").trim().split("\n")) {
  const p = JSON.parse(line);
  console.log(p.truncated, p.sentences.flatMap((s) => s.words.map((w) => w.text)).join(" "));
}
EOF
words_of="node $work/words.js"
check "--max-words keeps the first words of the document" bash -c \
  "printf 'alpha bravo. charlie delta.' | '$han' predict --max-words 3 '$model' |
   $words_of | grep -qx 'true alpha bravo charlie'"
check "--max-text-bytes reads only the first bytes" bash -c \
  "printf 'alpha bravo charlie' | '$han' predict --max-text-bytes 8 '$model' |
   $words_of | grep -qx 'true alpha br'"
check "--max-text-bytes applies to each line with --lines" bash -c \
  "printf 'alpha bravo\ncharlie\n' | '$han' predict --lines --max-text-bytes 7 '$model' |
   $words_of | tr '\n' '|' | grep -qx 'true alpha b|false charlie|'"
check "--max-sentences and --max-words-per-sentence" bash -c \
  "printf 'a b c. d e. f.' | '$han' predict --max-sentences 2 --max-words-per-sentence 1 '$model' |
   $words_of | grep -qx 'true a d'"
check "0 means no limit" bash -c \
  "printf 'a b c d' | '$han' predict --max-words-per-sentence 0 --max-text-bytes 0 '$model' |
   $words_of | grep -qx 'false a b c d'"
expect_error "a limit must be a number" 2 "--max-words expects a non-negative integer" \
  predict "$model" --max-words many

# --- inspect
check "inspect" bash -c "'$han' inspect '$model' | grep -q 'golden tests  6/6 passed'"
check "inspect --json" bash -c "'$han' inspect --json '$model' | grep -q '\"passed\": true'"

# --- test: the accuracy agrees with predict, the last line is exactly "accuracy: 0.XXXX"
printf 'alpha bravo. charlie\ndelta echo foxtrot\ngolf! hotel india juliett.\nkilo\n' >"$work/docs.txt"
"$han" predict --lines "$model" "$work/docs.txt" |
  node -e 'const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
    const labels = lines.map((l) => JSON.parse(l).label);
    const gold = ["negative", "positive", "positive", "1"];
    process.stdout.write(labels.map((l, i) => gold[i] + "\t" + ["alpha bravo. charlie",
      "delta echo foxtrot", "golf! hotel india juliett.", "kilo"][i]).join("\n") + "\n");
    const truth = gold.map((g) => g === "1" ? "positive" : g);
    const correct = labels.filter((l, i) => l === truth[i]).length;
    require("fs").writeFileSync(process.argv[1], "accuracy: " + (correct / 4).toFixed(4) + "\n");
  ' "$work/expected_accuracy" | gzip >"$work/data.tsv.gz"
check "test ends with the accuracy predict implies" \
  bash -c "'$han' test --threads 2 '$model' '$work/data.tsv.gz' | tail -n 1 | cmp -s - '$work/expected_accuracy'"
check "test reports a confusion matrix" \
  bash -c "'$han' test '$model' '$work/data.tsv.gz' | grep -q 'confusion matrix'"
printf '1\tfine\nbroken line\n' >"$work/bad.tsv"
expect_error "malformed data line" 1 "bad.tsv:2: expected label<TAB>text" test "$model" "$work/bad.tsv"
expect_error "bad threads" 2 "--threads expects a positive integer" test "$model" "$work/bad.tsv" --threads 0

# --- quantize: a smaller file that verifies at load and reports its storage
check "quantize int8" "$han" quantize "$model" "$work/q.han" --dtype int8 --all-matrices
check "quantized model is smaller" test "$(stat -c %s "$work/q.han")" -lt "$(stat -c %s "$model")"
check "quantized model verifies" bash -c "'$han' inspect '$work/q.han' | grep -q 'passed'"
check "quantized storage is shown" bash -c "'$han' inspect '$work/q.han' | grep -q 'embedding .*int8'"
expect_error "unknown dtype" 1 "unknown storage type 'int4'" quantize "$model" "$work/x.han" --dtype int4

# --- quantize --compute int8: a model whose products run in integers, recorded in the file
check "quantize --compute int8" "$han" quantize "$model" "$work/c.han" --compute int8
check "inspect says it computes in int8" bash -c "'$han' inspect '$work/c.han' | grep -q '^compute     int8'"
check "inspect --json says it too" bash -c "'$han' inspect --json '$work/c.han' | grep -q '\"compute\": \"int8\"'"
check "a float model says float32" bash -c "'$han' inspect '$model' | grep -q '^compute     float32'"
check "the int8 model predicts" bash -c "echo 'Alpha bravo. Charlie!' | '$han' predict '$work/c.han' | grep -q probabilities"
expect_error "int8 compute needs the ragged path" 1 "int8 compute needs GRU encoders" \
  quantize "$fixtures/lstm.han" "$work/x.han" --compute int8
expect_error "unknown compute" 1 "unknown compute type 'int4'" quantize "$model" "$work/x.han" --compute int4
expect_error "quantize needs --dtype or --compute" 2 "--dtype or --compute is required" \
  quantize "$model" "$work/x.han"

# --- train and fine-tune: a tiny HAN on made-up reviews, then its output layer alone on more.
for i in $(seq 1 30); do
  printf 'positive\tthe film was superb and moving.\nnegative\tthe plot was dull and awful.\n'
done >"$work/reviews.tsv"
small=(--embedding-dim 6 --word-units 3 --sentence-units 3 --attention-units 4 --epochs 2 --threads 1)
check "train" bash -c "'$han' train '$work/reviews.tsv' -o '$work/small.han' ${small[*]} >/dev/null 2>&1"
check "fine-tune the output layer" bash -c "'$han' train '$work/reviews.tsv' -o '$work/tuned.han' \
  --fine-tune '$work/small.han' --output-layer-only --epochs 1 --threads 1 >/dev/null 2>&1"
check "the fine-tuned model says so" bash -c \
  "'$han' inspect '$work/tuned.han' | grep -q '\"fine_tuned\":\"output layer\"'"
expect_error "output layer without a model" 1 "needs a model to start from" \
  train "$work/reviews.tsv" -o "$work/x.han" --output-layer-only

# --- convert: PyTorch and Keras HANs (tests/reference/make_convert_fixtures.py) match their
# frameworks' outputs, probabilities and attention, within 1e-5
convert=$fixtures/convert
for name in torch_gru torch_lstm_renamed keras_docla keras_tf2; do
  check "convert $name matches its framework" bash -c "'$han' convert '$convert/$name.safetensors' \
    '$convert/$name.json' -o '$work/$name.han' --check '$convert/$name.expected.json' |
    grep -q 'matches .* on 6 cases'"
  check "converted $name verifies" bash -c "'$han' inspect '$work/$name.han' | grep -q 'passed'"
done
check "convert --help" bash -c "'$han' convert --help | grep -q 'usage: han convert WEIGHTS'"
expect_error "convert without -o" 2 "-o MODEL is required" convert "$convert/torch_gru.safetensors" \
  "$convert/torch_gru.json"
node -e 'const fs = require("fs"), [src, dst] = process.argv.slice(1);
  const r = JSON.parse(fs.readFileSync(src, "utf8")); r.cases[3].probabilities[0] += 2e-5;
  fs.writeFileSync(dst, JSON.stringify(r));' "$convert/torch_gru.expected.json" "$work/off.json"
expect_error "convert --check catches a mismatch" 1 "case 4: probability of 'negative' is .*(nothing written)" \
  convert "$convert/torch_gru.safetensors" "$convert/torch_gru.json" -o "$work/off.han" --check "$work/off.json"
check "a failed check writes nothing" test ! -e "$work/off.han"
node -e 'const fs = require("fs"), [src, dst] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(src, "utf8")); c.names = {"word_encoder": "word_rnn"};
  fs.writeFileSync(dst, JSON.stringify(c));' "$convert/torch_gru.json" "$work/renamed.json"
expect_error "convert names missing and unused tensors" 1 \
  "16 problems: tensor word_rnn.weight_ih_l0: missing (expected 15x6 .*word_encoder.weight_ih_l0 (15x6): not used" \
  convert "$convert/torch_gru.safetensors" "$work/renamed.json" -o "$work/x.han"
head -c 300 "$convert/torch_gru.safetensors" >"$work/truncated.safetensors"
expect_error "truncated safetensors" 1 "truncated.safetensors: safetensors header: its length .* (truncated or not a safetensors file)" \
  convert "$work/truncated.safetensors" "$convert/torch_gru.json" -o "$work/x.han"
printf '\x05\x00\x00\x00\x00\x00\x00\x00{"a":' >"$work/bad.safetensors"
expect_error "bad safetensors header" 1 "safetensors header: invalid JSON" \
  convert "$work/bad.safetensors" "$convert/torch_gru.json" -o "$work/x.han"
printf '\xff\xff\xff\xff\xff\xff\xff\x7f{}' >"$work/absurd.safetensors"
expect_error "absurd safetensors header length" 1 "its length 9223372036854775807 is more than the 2 bytes" \
  convert "$work/absurd.safetensors" "$convert/torch_gru.json" -o "$work/x.han"
expect_error "convert a missing config" 1 "cannot open configuration" \
  convert "$convert/torch_gru.safetensors" "$work/none.json" -o "$work/x.han"
# --- experiment: a short run prints every epoch and a summary; bad usage is one line
check "experiment --help" bash -c "'$han' experiment --help | grep -q 'usage: han experiment select|masking|sum'"
check "experiment masking" bash -c "'$han' experiment masking --train 100 --test 20 --epochs 2 > '$work/e.txt'"
check "experiment prints epochs" test "$(grep -c '^epoch [12]  train MSE' "$work/e.txt")" -eq 2
check "experiment masked weights" grep -q 'largest weight on any of them 0 (exactly zero)' "$work/e.txt"
check "experiment plain" bash -c "'$han' experiment sum --no-attention --train 50 --test 10 --epochs 1 |
  grep -q '^held-out MSE .* x the target variance'"
expect_error "unknown experiment" 2 "unknown experiment 'add'" experiment add
expect_error "experiment without task" 2 "expected select, masking or sum" experiment
expect_error "experiment bad epochs" 2 "--epochs expects a positive integer" experiment sum --epochs 0
expect_error "experiment too many samples" 1 "at most 100000 training" experiment sum --train 999999999

# --- explain: predict's JSON with the method's attributions; faithfulness: a table and JSON
check "explain --help" bash -c "'$han' explain --help | grep -q 'usage: han explain MODEL'"
check "explain has predict's offsets" bash -c "'$han' explain --method occlusion '$model' '$work/review.txt' > '$work/e.json'"
check "explain json is right" node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const e = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const spans = (x) => x.sentences.map((s) => [s.start, s.end, s.words.map((w) => [w.start, w.end])]);
  const ok = e.method === "occlusion" && e.label === p.label &&
    JSON.stringify(spans(e)) === JSON.stringify(spans(p)) &&
    e.sentences.some((s) => s.words.some((w) => w.weight < 0 || w.weight > 0));
  process.exit(ok ? 0 : 1);' "$work/p.json" "$work/e.json"
check "explain integrated gradients reports its completeness" bash -c \
  "'$han' explain --method integrated-gradients --steps 8 '$model' '$work/review.txt' | grep -q '\"steps\":8,\"baseline_probability\"'"
check "explain --format text" bash -c \
  "'$han' explain --format text --method gradient-input '$model' '$work/review.txt' | grep -q 'by gradient-input'"
expect_error "explain bad method" 2 "^han explain: --method: unknown attribution method 'shap'" explain "$model" --method shap
expect_error "explain bad steps" 2 "^han explain: --steps expects a positive integer" explain "$model" --steps 0
printf '0\talpha bravo charlie. delta echo!\n1\tfoxtrot golf hotel india juliett kilo.\n1\t...\n' >"$work/data.tsv"
check "faithfulness table" bash -c \
  "'$han' faithfulness '$model' '$work/data.tsv' --methods occlusion,attention | grep -q '^random '"
check "faithfulness json" bash -c "'$han' faithfulness '$model' '$work/data.tsv' --json --steps 4 > '$work/f.json'"
check "faithfulness json is right" node -e '
  const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = f.methods.map((m) => m.method);
  const ok = f.reviews === 2 && names.length === 7 && names.at(-1) === "random" &&
    f.methods.every((m) => m.comprehensiveness.length === 5 && m.sufficiency.length === 5 &&
      Math.abs(m.aopc_comprehensiveness - m.comprehensiveness.reduce((a, b) => a + b) / 5) < 1e-12);
  process.exit(ok ? 0 : 1);' "$work/f.json"
expect_error "faithfulness bad method" 2 "^han faithfulness: --methods: unknown" faithfulness "$model" "$work/data.tsv" --methods lime

# --- the challenge set (tests/challenge/) with the bundled model: well formed, read by han test and
# scripts/challenge.sh. No accuracy is asserted: the set measures the model, it does not gate it.
repo=$(cd "$(dirname "$0")/.." && pwd)
challenge=$repo/tests/challenge
bundled=$repo/models/imdb-sentiment.han
# Reads the model's `han inspect --json` on stdin; prints each problem of the set, exits 1 if any.
cat >"$work/challenge_check.js" <<'EOF'
const fs = require("fs"), [tsv, cats] = process.argv.slice(2);
const labels = JSON.parse(fs.readFileSync(0, "utf8")).labels;
const lines = fs.readFileSync(tsv, "utf8").split("\n"), categories = fs.readFileSync(cats, "utf8").split("\n");
const problems = [];
if (lines.pop() !== "" || categories.pop() !== "") problems.push("a file does not end in a newline");
if (lines.length < 50) problems.push(`${lines.length} reviews, fewer than 50`);
if (categories.length !== lines.length) problems.push(`${categories.length} categories for ${lines.length} reviews`);
const counts = {};  // counts[category][label]
lines.forEach((line, i) => {
  const fields = line.split("\t"), category = categories[i] ?? "";
  if (fields.length !== 2 || !labels.includes(fields[0]) || fields[1].trim() === "" || !/^[a-z]+$/.test(category))
    return problems.push(`line ${i + 1}: ${JSON.stringify([line, category])}`);
  counts[category] ??= Object.fromEntries(labels.map((label) => [label, 0]));
  counts[category][fields[0]]++;
});
for (const [category, byLabel] of Object.entries(counts))
  if (new Set(Object.values(byLabel)).size !== 1) problems.push(`${category} is not balanced: ${JSON.stringify(byLabel)}`);
if (Object.keys(counts).length < 5) problems.push("fewer than 5 categories");
for (const problem of problems) console.error(`challenge set: ${problem}`);
process.exit(problems.length ? 1 : 0);
EOF
check "challenge set is well formed" bash -c "'$han' inspect --json '$bundled' |
  node '$work/challenge_check.js' '$challenge/challenge.tsv' '$challenge/challenge.categories'"
check "han test reads the challenge set" bash -c \
  "'$han' test '$bundled' '$challenge/challenge.tsv' | tail -n 1 | grep -Eqx 'accuracy: [01]\.[0-9]{4}'"
categories=$(sort -u "$challenge/challenge.categories" | wc -l)
reviews=$(wc -l <"$challenge/challenge.tsv")
check "scripts/challenge.sh prints a row per category and one for all" bash -c \
  "HAN='$han' '$repo/scripts/challenge.sh' '$bundled' > '$work/challenge.md' &&
   test \$(grep -Ecx '\| [a-z*]+ \| [0-9]+ \| [0-9]+/[0-9]+ \| [0-9]+/[0-9]+ \| [01]\.[0-9]{4} \|' '$work/challenge.md') \
     -eq $((categories + 1)) && grep -q '^| \*\*all\*\* | $reviews |' '$work/challenge.md'"

# --- damaged model files: one line on stderr, exit code 1
size=$(stat -c %s "$model")
head -c $((size / 2)) "$model" >"$work/truncated.han"
expect_error "truncated model" 1 "file is truncated" predict "$work/truncated.han"
cp "$model" "$work/flipped.han"
node -e 'const fs = require("fs"), f = process.argv[1], b = fs.readFileSync(f);
  b[Math.floor(b.length / 3)] ^= 0x10; fs.writeFileSync(f, b);' "$work/flipped.han"
expect_error "flipped byte" 1 "checksum mismatch" predict "$work/flipped.han"
head -c 5000 /dev/urandom >"$work/random.han"
expect_error "random file" 1 "not a han model file" predict "$work/random.han"
expect_error "missing model" 1 "cannot open model file" inspect "$work/none.han"
expect_error "missing input" 1 "cannot open input file" predict "$model" "$work/none.txt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
