// Where han-wasm spends its time on a benchmark workload: V8's sampling profiler around the timed
// loop only (after the model is loaded and the cache warmed), self time summed by function.
//   node bench/profile-wasm.mjs BUILD_DIR DATA_DIR [A|B]
// BUILD_DIR holds han-simd.{js,wasm} built with --profiling-funcs (scripts/profile-wasm.sh), so
// the profile names the C++ functions; DATA_DIR is what han_reference_model wrote.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';

import { loadModelFromBuild } from './wasm-build.mjs';

const [buildDir, dataDir, workload = 'A', modelFile = 'reference.han'] = process.argv.slice(2);
// Without the sentence cache, which would serve B's sentences from memory after its first pass.
const model = await loadModelFromBuild(buildDir, resolve(dataDir, modelFile), {
  sentenceCache: false,
});
const { A, B } = JSON.parse(readFileSync(resolve(dataDir, 'workloads.json'), 'utf8'));
const docs = workload === 'B' ? Array(200).fill(B[0]) : [...A, ...A];
for (const doc of A) model.predictIds(doc); // fills the projection cache, tiers the code up

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const start = performance.now();
for (const doc of docs) model.predictIds(doc);
const milliseconds = performance.now() - start;
const { profile } = await session.post('Profiler.stop');

const selfSamples = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
for (const id of profile.samples) {
  const frame = byId.get(id).callFrame;
  const name = (frame.functionName || frame.url || '(anonymous)')
    .replaceAll('(anonymous namespace)::', '')
    .replace(/\(.*$/s, ''); // the C++ parameter list
  selfSamples.set(name, (selfSamples.get(name) ?? 0) + 1);
}
const total = profile.samples.length;
console.log(`workload ${workload}: ${docs.length} documents, ${(milliseconds / docs.length).toFixed(3)} ms each (wall)`);
console.log('| self time | function |\n|---|---|');
for (const [name, samples] of [...selfSamples].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`| ${((100 * samples) / total).toFixed(1)}% | \`${name}\` |`);
}
