// What a page's first review costs on a freshly loaded model, and what filling the input
// projection cache for the most frequent words at load would change (docs/benchmarks.md, "A
// cheaper cold start"). The bundled IMDB model, han-wasm SIMD, real reviews:
//   node bench/cold-start.mjs REVIEWS.tsv.gz [COUNT]
// e.g. ../shared/data/imdb/test.tsv.gz. For each of COUNT reviews (default 100, spread over the
// file): on a fresh model, the review's first prediction (cold) and its second (warm); then
// fresh models that first predict other words through predictIds (the N most frequent: ids
// 2 .. N + 1, as the vocabulary is sorted by frequency), the time of that (the whole network on
// those words: more than filling their rows alone), and the review's first prediction after it,
// with the words it still had to fill. V8's code is warmed first, on other reviews, so that the
// rows compare the model's state alone. Drives the bindings directly, as src/core.js does, for
// their count of cached words.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

import { median } from './systems/measure.mjs';

const [file, count = '100'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cold-start.mjs REVIEWS.tsv.gz [COUNT]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const dist = new URL('../web/dist/', import.meta.url);
const wasm = await require(new URL('han-simd.cjs', dist).pathname)({
  wasmBinary: readFileSync(new URL('han-simd.wasm', dist)),
});
const bytes = readFileSync(new URL('../models/imdb-sentiment.han', import.meta.url));
// Without the sentence cache, which would serve the review's second prediction whole; one thread.
const load = () => wasm.loadModel(bytes, true, wasm.defaultLimits(), true, 0, 1).value;
const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const check = (outcome) => {
  if (outcome.error) throw new Error(outcome.error);
  return outcome.value;
};

const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
const texts = lines.map((line) => line.slice(line.indexOf('\t') + 1));
const step = Math.floor(texts.length / Number(count));
const reviews = Array.from({ length: Number(count) }, (_, k) => texts[k * step]);

// Warms V8's code on reviews that are not measured.
const warmup = load();
for (let k = 1; k <= 50; ++k) check(warmup.predict(texts[texts.length - k]));
warmup.delete();

// What the cache gets before the review: ids as a document of sentences of 50 words. The first,
// the rarest word alone, touches the network's weights without filling the cache for the review.
const sentences = (ids) => [
  Int32Array.from(ids),
  Int32Array.from({ length: Math.ceil(ids.length / 50) }, (_, s) => Math.min(50, ids.length - 50 * s)),
];
const top = (n) => Array.from({ length: n }, (_, k) => k + 2);
const PREFILLS = [
  ['the rarest word (id 29999) alone', [29999]],
  ['the 1,000 most frequent words', top(1000)],
  ['the 5,000 most frequent words', top(5000)],
  ['all 29,998 words', top(29998)],
].map(([name, ids]) => ({ name, ids: sentences(ids), count: ids.length, fill: [], first: [], missing: [] }));
const cold = [], warm = [], words = [];
for (const review of reviews) {
  const model = load();
  cold.push(time(() => check(model.predict(review))));
  words.push(model.cachedWords());
  warm.push(time(() => check(model.predict(review))));
  model.delete();
  for (const r of PREFILLS) {
    const prefilled = load();
    r.fill.push(time(() => check(prefilled.predictIds(...r.ids))));
    const before = prefilled.cachedWords();
    r.first.push(time(() => check(prefilled.predict(review))));
    r.missing.push(prefilled.cachedWords() - before);
    prefilled.delete();
  }
}
const ms = (values) => median(values).toFixed(2);
const loadMs = median(Array.from({ length: 9 }, () => {
  let model;
  const t = time(() => (model = load()));
  model.delete();
  return t;
}));
console.log(`${reviews.length} reviews of ${file}, han-wasm SIMD, the bundled model (load ${loadMs.toFixed(1)} ms), medians:`);
console.log(`- distinct vocabulary words per review: ${median(words)}`);
console.log('\n| before the review, the fresh model predicts | cache memory it fills | time (ms) | the review (ms) | words the review still fills |');
console.log('|---|---|---|---|---|');
const rowBytes = 6 * 50 * 4;
console.log(`| nothing | 0 | 0 | ${ms(cold)} | ${median(words)} |`);
for (const r of PREFILLS) {
  console.log(`| ${r.name} | ${((r.count * rowBytes) / 1e6).toFixed(1)} MB | ${ms(r.fill)} | ${ms(r.first)} | ${median(r.missing)} |`);
}
console.log(`| the same review (warm) | – | – | ${ms(warm)} | 0 |`);
