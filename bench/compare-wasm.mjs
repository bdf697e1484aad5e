// Two or more han-wasm SIMD builds (or one build with and without the projection cache) on the
// benchmark's workloads, interleaved round by round so that a machine whose speed drifts slows
// them alike; prints the medians and their ratios to the first.
//   node bench/compare-wasm.mjs ROUNDS NAME=DIR[:nocache][:int8] ...
// DIR is a build as wasm-build.mjs takes it (another checkout's web/dist, or a build tree's
// bindings/node); ":nocache" loads the model with cacheProjections: false, ":int8" loads the
// reference model that computes in int8 (reference-int8.han) instead. The model and workloads
// are build-bench/data's (scripts/bench.sh writes them). Each round: workload A one
// document at a time, then B 5 times.
import { readFileSync } from 'node:fs';

import { median } from './systems/measure.mjs';
import { loadModelFromBuild } from './wasm-build.mjs';

const [rounds, ...specs] = process.argv.slice(2);
if (!(Number(rounds) >= 1) || specs.length === 0) {
  console.error('usage: node bench/compare-wasm.mjs ROUNDS NAME=DIR[:nocache][:int8] ...');
  process.exit(2);
}
const data = new URL('../build-bench/data/', import.meta.url);
const { A, B } = JSON.parse(readFileSync(new URL('workloads.json', data), 'utf8'));

const systems = [];
for (const spec of specs) {
  const [name, location] = spec.split('=');
  const [dir, ...flags] = location.split(':');
  const modelPath = new URL(flags.includes('int8') ? 'reference-int8.han' : 'reference.han', data);
  // Without the sentence cache, which would serve the repeated documents from memory and hide
  // what the builds compute.
  const model = await loadModelFromBuild(dir, modelPath, {
    cacheProjections: !flags.includes('nocache'),
    sentenceCache: false,
  });
  for (const doc of A) model.predictIds(doc); // warm-up: the cache, V8's optimised code
  model.predictIds(B[0]);
  systems.push({ name, model, rates: [], latencies: [] });
}
for (let r = 0; r < Number(rounds); ++r) {
  for (const s of systems) {
    let start = performance.now();
    for (const doc of A) s.model.predictIds(doc);
    s.rates.push(A.length / ((performance.now() - start) / 1e3));
    for (let k = 0; k < 5; ++k) {
      start = performance.now();
      s.model.predictIds(B[0]);
      s.latencies.push(performance.now() - start);
    }
  }
}
const [first] = systems;
console.log('| build | docs/s, one at a time | × first | latency on B (ms) | × first |\n|---|---|---|---|---|');
for (const s of systems) {
  const rate = median(s.rates), latency = median(s.latencies);
  console.log(`| ${s.name} | ${rate.toFixed(0)} | ${(rate / median(first.rates)).toFixed(2)} | ` +
    `${latency.toFixed(2)} | ${(median(first.latencies) / latency).toFixed(2)} |`);
}
