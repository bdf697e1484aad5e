// Two models in two worker threads, each with its own WebAssembly instance, at the same time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { loadModel } from 'han-wasm';

import { fixturePath, unicodeText } from './helpers/fixtures.mjs';

const texts = ['Alpha bravo charlie. Delta echo!', unicodeText, 'golf hotel india? juliett.'];

function predictInWorker(model, simd) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./helpers/predict-worker.mjs', import.meta.url), {
      workerData: { model, texts, simd },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
  });
}

test('two workers run two models at once and match the main thread', async () => {
  const jobs = [
    { name: 'gru_reset_after', simd: true },
    { name: 'lstm', simd: false },
  ];
  const results = await Promise.all(
    jobs.map(({ name, simd }) => predictInWorker(fixturePath(name), simd)),
  );
  for (const [i, { name, simd }] of jobs.entries()) {
    const model = await loadModel(fixturePath(name), { simd });
    assert.deepEqual(results[i], model.predictBatch(texts), name);
    model.dispose();
  }
  assert.notDeepEqual(results[0][0].probabilities, results[1][0].probabilities);
});
