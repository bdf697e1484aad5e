// Re-prediction as the reader types, in han-wasm (docs/benchmarks.md, "As you type"):
//   node bench/incremental.mjs DATA_DIR [ROUNDS] [simd|baseline] [RESULTS_JSON]
// on the reference HAN and workload B (one review of 60 sentences x 30 words), each timing the
// median of 15 calls, rounds interleaved so the machine's drift slows all rows alike:
//   B from scratch      predictIds(B) without the sentence cache (the row the peers compare to)
//   edit one sentence   B with one word of sentence 30 changed (a new word each call), the
//                       sentence cache holding B
//   append a sentence   B plus a new 30-word sentence (new each call)
//   A, cache cold/warm  workload A one document at a time, on a fresh model (nothing cached:
//                       the projection cache and the sentence cache start empty), and again on
//                       the same model (every sentence of A cached)
// With RESULTS_JSON (bench/run.mjs's results.json of the same scripts/bench.sh run), the edit's
// latency is also given as a ratio to onnxruntime-web's B from that run.
import { existsSync, readFileSync } from 'node:fs';

import { loadModel } from '../web/src/node.js';
import { median, readData } from './systems/measure.mjs';

const [dir, roundsArg = '5', variant = 'simd', resultsPath] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/incremental.mjs DATA_DIR [ROUNDS] [simd|baseline] [RESULTS_JSON]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const { a, b: [b] } = readData(dir); // B is a batch of one document
const model = `${dir}/reference.han`;
const options = { simd: variant === 'simd', threads: 1 };
const [scratch, incremental] = await Promise.all([
  loadModel(model, { ...options, sentenceCache: false }),
  loadModel(model, options),
]);
const vocabulary = scratch.info.vocabularySize;

const CALLS = 15;
const ms = (fn) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};
// A word id that B does not use at that place: a new sentence for the cache every call.
let fresh = 2;
const nextId = () => (fresh = (fresh * 7919 + 13) % (vocabulary - 2)) + 2;
const edited = () => b.map((sentence, s) => (s === 30 ? sentence.map((id, w) => (w === 12 ? nextId() : id)) : sentence));
const appended = () => [...b, Array.from({ length: 30 }, nextId)];

const rows = {
  'B from scratch': [],
  'edit one sentence of B': [],
  'append a sentence to B': [],
  'A one at a time, a fresh model: caches cold (per document)': [],
  'A one at a time, again: every sentence cached (per document)': [],
};
const perDocument = (m) => ms(() => a.forEach((doc) => m.predictIds(doc))) / a.length;
let reusedOnEdit = 0;
incremental.predictIds(b); // B in the cache, and every kernel warm
scratch.predictIds(b);
for (let r = 0; r < rounds; ++r) {
  const times = (fn) => median(Array.from({ length: CALLS }, () => ms(fn)));
  rows['B from scratch'].push(times(() => scratch.predictIds(b)));
  rows['edit one sentence of B'].push(
    times(() => {
      reusedOnEdit = incremental.predictIds(edited()).sentencesReused;
    }),
  );
  rows['append a sentence to B'].push(times(() => incremental.predictIds(appended())));
  // A fresh model per round: nothing of A cached, then all of it (A's 5,900 sentences fit in 64 MiB).
  const cold = await loadModel(model, { ...options, sentenceCache: 64 << 20 });
  rows['A one at a time, a fresh model: caches cold (per document)'].push(perDocument(cold));
  rows['A one at a time, again: every sentence cached (per document)'].push(perDocument(cold));
  cold.dispose();
}

const table = Object.entries(rows).map(([name, values]) => ({ name, ms: median(values), values }));
const full = table[0].ms;
console.log(`han-wasm ${variant}, one thread, ${rounds} rounds (median of ${CALLS} calls each, ms)`);
console.log('| what | ms | × B from scratch | rounds |');
console.log('|---|---|---|---|');
for (const { name, ms: value, values } of table) {
  const ratio = name.startsWith('A ') ? '' : (full / value).toFixed(1);
  console.log(`| ${name} | ${value.toFixed(3)} | ${ratio} | ${values.map((v) => v.toFixed(2)).join(', ')} |`);
}
console.log(`(the edit reused ${reusedOnEdit} of ${b.length} sentences)`);
if (resultsPath && existsSync(resultsPath)) {
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  // Its cold row (a fresh session per pass, as a page gets it), else its warm one.
  const ort = ['cold', 'warm']
    .map((mode) => results.results.find((row) => row.system.startsWith('onnxruntime-web') && row.mode === mode))
    .find(Boolean);
  const ortB = ort?.latency_b_ms;
  if (ortB) {
    console.log(
      `onnxruntime-web's B in the same run (${ort.mode}): ${ortB.toFixed(2)} ms, ` +
        `${(ortB / table[1].ms).toFixed(0)}× the edit of one sentence`,
    );
  }
}
scratch.dispose();
incremental.dispose();
