// han-wasm in Node on the benchmark's workloads:
//   node han-wasm.mjs DATA_DIR simd|baseline REPEATS cold|nocache|warm [MODEL]
// MODEL: reference.han (the default), or reference-int8.han, the rows "han-wasm int8".
// Documents go in as word ids (model.predictIds), as they do for the other runtimes.
import { loadModel } from '../../web/src/node.js';

import { fileSize, measure, readData, report } from './measure.mjs';

const [dir, variant, repeats, mode = 'warm', modelFile = 'reference.han'] = process.argv.slice(2);
const modelPath = `${dir}/${modelFile}`;
if (!['cold', 'nocache', 'warm'].includes(mode)) {
  console.error(`han-wasm.mjs: unknown mode ${mode} (known: ${['cold', 'nocache', 'warm'].join(', ')})`);
  process.exit(2);
}
let compute = 'float32'; // the model's, from its info
// Without the sentence cache: B would otherwise come from it after its first pass, and the peers
// cache nothing (bench/incremental.mjs measures the cache on edits).
const load = async () => {
  const model = await loadModel(modelPath, {
    simd: variant === 'simd',
    cacheProjections: mode !== 'nocache',
    sentenceCache: false,
    threads: 1,
  });
  const labels = model.info.labels;
  compute = model.info.compute;
  return {
    predictBatch: (docs) =>
      docs.map((doc) => {
        const { probabilities } = model.predictIds(doc);
        return labels.map((label) => probabilities[label]);
      }),
    dispose: () => model.dispose(),
  };
};
const dist = new URL('../../web/dist/', import.meta.url);
const measured = await measure(load, readData(dir), Number(repeats), mode);
report({
  system: compute === 'int8' ? 'han-wasm int8' : 'han-wasm',
  backend: variant === 'simd' ? 'wasm SIMD' : 'wasm',
  threads: 1,
  runtime_bytes: ['wasm', 'mjs'].reduce((n, e) => n + fileSize(new URL(`han-${variant}.${e}`, dist)), 0) +
    ['core.js', 'index.js'].reduce((n, f) => n + fileSize(new URL(`../src/${f}`, dist)), 0),
  model_bytes: fileSize(modelPath),
  ...measured,
});
