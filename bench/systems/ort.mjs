// onnxruntime-web (wasm backend, one thread) on the benchmark's workloads:
//   node ort.mjs DATA_DIR REPEATS cold|warm
// The graph is bench/make_onnx.py's han.onnx; a batch runs as one zero-padded call.
import { readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-web';

import { fileSize, measure, padBatch, readData, report } from './measure.mjs';

const [dir, repeats, mode = 'warm'] = process.argv.slice(2);
if (!['cold', 'warm'].includes(mode)) {
  console.error(`ort.mjs: unknown mode ${mode} (known: ${['cold', 'warm'].join(', ')})`);
  process.exit(2);
}
ort.env.wasm.numThreads = 1;
const load = async () => {
  const session = await ort.InferenceSession.create(`${dir}/han.onnx`, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const predictBatch = async (docs) => {
    const { d, s, w, ids, wordLengths, sentenceLengths } = padBatch(docs);
    const out = await session.run({
      ids: new ort.Tensor('int32', ids, [d, s, w]),
      word_lengths: new ort.Tensor('int32', wordLengths, [d * s]),
      sentence_lengths: new ort.Tensor('int32', sentenceLengths, [d]),
    });
    const p = out.probabilities.data;
    return docs.map((_, i) => [p[2 * i], p[2 * i + 1]]);
  };
  return { predictBatch, dispose: () => session.release() };
};
const packageDir = new URL('../node_modules/onnxruntime-web/', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8'));
report({
  system: `onnxruntime-web ${version}`,
  backend: 'wasm SIMD',
  threads: 1,
  // What a page loads: the wasm-only bundle and its module.
  runtime_bytes: ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']
    .reduce((n, f) => n + fileSize(new URL(`dist/${f}`, packageDir)), 0),
  model_bytes: fileSize(`${dir}/han.onnx`),
  ...(await measure(load, readData(dir), Number(repeats), mode)),
});
