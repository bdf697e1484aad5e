// TensorFlow.js with its wasm backend (one thread) on the benchmark's workloads:
//   node tfjs.mjs DATA_DIR REPEATS cold|warm
// tf.layers.gru rejects reset_after=true, so the GRU here is written with tf ops, the same
// equations as src/layers/gru.h; a batch runs zero-padded, with the state held on padding.
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { fileSize, measure, padBatch, readData, report } from './measure.mjs';

const [dir, repeats, mode = 'warm'] = process.argv.slice(2);
if (!['cold', 'warm'].includes(mode)) {
  console.error(`tfjs.mjs: unknown mode ${mode} (known: ${['cold', 'warm'].join(', ')})`);
  process.exit(2);
}
const packages = new URL('../node_modules/@tensorflow/', import.meta.url);
const wasmDir = new URL('tfjs-backend-wasm/dist/', packages);
// One thread: the SIMD module without threads.
setThreadsCount(1);
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths(wasmDir.pathname);
await tf.setBackend('wasm');
if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT') || getThreadsCount() !== 1) {
  throw new Error('tfjs-backend-wasm did not start its one-thread SIMD module');
}

const data = readData(dir);
// The model's tensors; load() makes them anew from the weights read at the start.
let w = null;
const load = async () => {
  w = Object.fromEntries(
    Object.entries(data.weights).map(([name, { shape, values }]) => [name, tf.tensor(values, shape)]),
  );
  return { predictBatch, dispose: () => Object.values(w).forEach((t) => t.dispose()) };
};
const vector = (name) => w[name].reshape([-1]);

// One direction over x [N, T, in] with mask [N, T] (1 = real step):
//   (hz, hr, hh) = h U + b_rec,  z = σ(xz + hz),  r = σ(xr + hr),  h~ = tanh(xh + r ⊙ hh)
//   h' = z ⊙ h + (1 - z) ⊙ h~, and h' = h on padding. Returns the states [N, T, u].
function gru(x, mask, prefix, reverse) {
  const [n, t, input] = x.shape;
  const units = w[`${prefix}.recurrent_kernel`].shape[0];
  const projected = tf
    .add(tf.matMul(x.reshape([n * t, input]), w[`${prefix}.kernel`]), w[`${prefix}.bias`].slice([0, 0], [1, -1]))
    .reshape([n, t, 3 * units]);
  const steps = tf.unstack(projected, 1);
  const masks = tf.unstack(mask, 1).map((m) => m.reshape([n, 1]));
  const recurrentBias = w[`${prefix}.bias`].slice([1, 0], [1, -1]);
  let h = tf.zeros([n, units]);
  const out = new Array(t);
  for (let k = 0; k < t; ++k) {
    const step = reverse ? t - 1 - k : k;
    const [xz, xr, xh] = tf.split(steps[step], 3, 1);
    const [hz, hr, hh] = tf.split(tf.add(tf.matMul(h, w[`${prefix}.recurrent_kernel`]), recurrentBias), 3, 1);
    const z = tf.sigmoid(tf.add(xz, hz));
    const r = tf.sigmoid(tf.add(xr, hr));
    const candidate = tf.tanh(tf.add(xh, tf.mul(r, hh)));
    const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
    h = tf.add(h, tf.mul(masks[step], tf.sub(next, h)));
    out[step] = h;
  }
  return tf.stack(out, 1);
}

const encode = (x, mask, prefix) =>
  tf.concat([gru(x, mask, `${prefix}.fw`, false), gru(x, mask, `${prefix}.bw`, true)], 2);

// u = tanh(h W + b), s = u · c, alpha = softmax over the real steps, p = sum alpha h.
function attention(h, mask, prefix) {
  const [n, t, width] = h.shape;
  const hidden = tf.tanh(tf.add(tf.matMul(h.reshape([n * t, width]), w[`${prefix}.kernel`]), vector(`${prefix}.bias`)));
  const scores = tf.matMul(hidden, w[`${prefix}.context`], false, true).reshape([n, t]);
  const alpha = tf.softmax(tf.where(tf.greater(mask, 0), scores, tf.fill([n, t], -1e9)));
  return tf.matMul(alpha.reshape([n, 1, t]), h).reshape([n, width]);
}

async function predictBatch(docs) {
  const { d, s, w: words, ids, wordLengths } = padBatch(docs);
  const probabilities = tf.tidy(() => {
    const idTensor = tf.tensor(ids, [d * s, words], 'int32');
    const vectors = tf.gather(w.embedding, idTensor.reshape([-1])).reshape([d * s, words, -1]);
    const wordMask = tf.cast(tf.notEqual(idTensor, 0), 'float32');
    const sentences = attention(encode(vectors, wordMask, 'word_encoder'), wordMask, 'word_attention');
    const sentenceMask = tf.cast(tf.greater(tf.tensor(wordLengths, [d, s], 'int32'), 0), 'float32');
    const states = encode(sentences.reshape([d, s, -1]), sentenceMask, 'sentence_encoder');
    const document = attention(states, sentenceMask, 'sentence_attention');
    return tf.softmax(tf.add(tf.matMul(document, w['output.kernel']), vector('output.bias')));
  });
  const p = await probabilities.data();
  probabilities.dispose();
  return docs.map((_, i) => [p[2 * i], p[2 * i + 1]]);
}

const { version } = JSON.parse(readFileSync(new URL('tfjs-core/package.json', packages), 'utf8'));
report({
  system: `TensorFlow.js ${version}`,
  backend: 'wasm SIMD',
  threads: 1,
  // What a page loads: tfjs-core, the wasm backend and its SIMD module.
  runtime_bytes: [
    'tfjs-core/dist/tf-core.min.js',
    'tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
    'tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  ].reduce((n, f) => n + fileSize(new URL(f, packages)), 0),
  model_bytes: fileSize(`${dir}/weights.bin`),
  ...(await measure(load, data, Number(repeats), mode)),
});
