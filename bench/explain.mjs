// The cost of the attributions on a 300-word review, in han-wasm (a SIMD build, as
// wasm-build.mjs loads it, and the trainer build for integrated gradients) and natively (build/han explain): occlusion and integrated gradients
// (20 steps), beside attention (one prediction). Medians over ROUNDS rounds, the systems
// interleaved within each round.
//   node bench/explain.mjs ROUNDS DATA.tsv.gz [WASM_DIR] [HAN]
// The review is the first of DATA with at least 300 words, cut to its first 300 (it is read at
// run time, never stored). WASM_DIR defaults to web/dist, HAN to build/han; the model is the
// bundled one. Natively, each round times `han explain --lines` on 1 and on 1 + N copies of the
// review, so the model load cancels out.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { median } from './systems/measure.mjs';
import { loadModelFromBuild } from './wasm-build.mjs';

const repo = fileURLToPath(new URL('../', import.meta.url));
const [rounds, dataPath, wasmDir = `${repo}web/dist`, han = `${repo}build/han`] =
  process.argv.slice(2);
if (!(Number(rounds) >= 1) || !dataPath) {
  console.error('usage: node bench/explain.mjs ROUNDS DATA.tsv.gz [WASM_DIR] [HAN]');
  process.exit(2);
}
const modelPath = `${repo}models/imdb-sentiment.han`;

// Words as runs of letters, digits and apostrophes: enough to cut a review at 300 of them.
function firstReview(words) {
  let data = readFileSync(dataPath);
  if (dataPath.endsWith('.gz')) data = gunzipSync(data);
  for (const line of data.toString('utf8').split('\n')) {
    const text = line.slice(line.indexOf('\t') + 1).replace(/<br \/>/g, ' ');
    const matches = [...text.matchAll(/[\p{L}\p{N}']+/gu)];
    if (matches.length >= words) return text.slice(0, matches[words - 1].index + matches[words - 1][0].length) + '.';
  }
  throw new Error(`${dataPath}: no review of ${words} words`);
}

const review = firstReview(300);
const model = await loadModelFromBuild(wasmDir, modelPath);
// Integrated gradients needs the backward pass, which only the trainer build has.
const gradientModel = await loadModelFromBuild(wasmDir, modelPath, { gradients: true });
const modelFor = (method) => (method === 'integrated-gradients' ? gradientModel : model);
const counted = model.predict(review).sentences.reduce((n, s) => n + s.words.length, 0);
const methods = [
  ['attention', {}],
  ['occlusion', {}],
  ['integrated-gradients', { steps: 20 }],
];
const copies = { attention: 200, occlusion: 5, 'integrated-gradients': 10 };

function nativeSeconds(method, lines) {
  const start = process.hrtime.bigint();
  execFileSync(han, ['explain', '--lines', '--method', method, '--steps', '20', modelPath], {
    input: `${review.replace(/\n/g, ' ')}\n`.repeat(lines),
    maxBuffer: 1 << 30,
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const times = Object.fromEntries(methods.map(([m]) => [m, { wasm: [], native: [] }]));
for (const [method, options] of methods) {
  modelFor(method).explain(review, { method, ...options, topWords: 0 });
}
for (let round = 0; round < Number(rounds); ++round) {
  for (const [method, options] of methods) {
    const start = performance.now();
    modelFor(method).explain(review, { method, ...options, topWords: 0 });
    times[method].wasm.push(performance.now() - start);
    const n = copies[method];
    times[method].native.push(((nativeSeconds(method, 1 + n) - nativeSeconds(method, 1)) / n) * 1000);
  }
}
console.log(`a review of ${counted} words (${model.predict(review).sentences.length} sentences), ` +
  `${rounds} rounds, medians in ms`);
console.log('method                  han-wasm SIMD   native   wasm/native');
for (const [method] of methods) {
  const wasm = median(times[method].wasm);
  const native = median(times[method].native);
  console.log(`${method.padEnd(22)} ${wasm.toFixed(1).padStart(14)} ${native.toFixed(1).padStart(8)}` +
    `${(wasm / native).toFixed(2).padStart(13)}`);
}
model.dispose();
