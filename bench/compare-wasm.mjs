// Two or more han-wasm SIMD builds (or one build with and without the projection cache) on the
// benchmark's workloads, interleaved round by round so that a machine whose speed drifts slows
// them alike; prints the medians and their ratios to the first.
//   node bench/compare-wasm.mjs ROUNDS NAME=DIR[:nocache] ...
// DIR holds han-simd.wasm and its Node glue: a package's dist/ (another checkout's web/dist, whose
// own src/core.js then loads it, so older bindings work), or a build's bindings/node. ":nocache"
// loads the model with cacheProjections: false. The model and workloads are build-bench/data's
// (scripts/bench.sh writes them). Each round: workload A one document at a time, then B 5 times.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const [rounds, ...specs] = process.argv.slice(2);
if (!(Number(rounds) >= 1) || specs.length === 0) {
  console.error('usage: node bench/compare-wasm.mjs ROUNDS NAME=DIR[:nocache] ...');
  process.exit(2);
}
const data = new URL('../build-bench/data/', import.meta.url);
const { A, B } = JSON.parse(readFileSync(new URL('workloads.json', data), 'utf8'));
const modelPath = new URL('reference.han', data);

const median = (values) => {
  const v = [...values].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

const systems = [];
for (const spec of specs) {
  const [name, location] = spec.split('=');
  const [dir, flag] = location.split(':');
  const glue = ['han-simd.cjs', 'han-simd.js'].map((f) => resolve(dir, f)).find(existsSync);
  const packageCore = resolve(dir, '../src/core.js');
  const { loadModelWith } = await import(
    existsSync(packageCore) ? pathToFileURL(packageCore) : '../web/src/core.js'
  );
  const platform = {
    instantiate: async () =>
      require(glue)({ wasmBinary: readFileSync(resolve(dir, 'han-simd.wasm')) }),
    readLocalFile: async (path) => readFileSync(path),
  };
  const model = await loadModelWith(platform, modelPath, {
    simd: true,
    cacheProjections: flag !== 'nocache',
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
