// Models in worker threads, each thread with its own WebAssembly instance, at the same time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { loadModel } from 'han-wasm';

import { fixtureBytes, fixturePath, unicodeText } from './helpers/fixtures.mjs';

const texts = ['Alpha bravo charlie. Delta echo!', unicodeText, 'golf hotel india? juliett.'];

function runWorker(script, workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(`./helpers/${script}`, import.meta.url), { workerData });
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
    jobs.map(({ name, simd }) =>
      runWorker('predict-worker.mjs', { model: fixturePath(name), texts, simd }),
    ),
  );
  for (const [i, { name, simd }] of jobs.entries()) {
    const model = await loadModel(fixturePath(name), { simd });
    assert.deepEqual(results[i], model.predictBatch(texts), name);
    model.dispose();
  }
  assert.notDeepEqual(results[0][0].probabilities, results[1][0].probabilities);
});

test('three workers with two models each, a failed load and a disposed model, at once', async () => {
  const workers = [
    [
      { name: 'lstm', simd: true },
      { name: 'mixed', simd: true },
    ],
    [
      { name: 'gru_reset_before', simd: false },
      { name: 'lstm', simd: false },
    ],
    [
      { name: 'unidirectional', simd: true },
      { name: 'gru_reset_after', simd: false },
    ],
  ];
  const damaged = fixtureBytes('mixed').subarray(0, 500);
  const running = workers.map((jobs) =>
    runWorker('models-worker.mjs', {
      jobs: jobs.map(({ name, simd }) => ({ model: fixturePath(name), simd })),
      texts,
      damaged,
    }),
  );
  // The main thread predicts meanwhile, and gives what every worker must match.
  const expected = new Map();
  for (const { name, simd } of workers.flat()) {
    const model = await loadModel(fixturePath(name), { simd });
    expected.set(`${name} ${simd}`, model.predictBatch(texts));
    model.dispose();
  }
  const results = await Promise.all(running);
  for (const [w, jobs] of workers.entries()) {
    const { predictions, loadError, disposedError, afterDispose } = results[w];
    jobs.forEach(({ name, simd }, m) =>
      assert.deepEqual(predictions[m], expected.get(`${name} ${simd}`), `worker ${w}: ${name}`),
    );
    assert.match(loadError, /^Error: file is truncated: /);
    assert.match(
      disposedError,
      /^Error: this model was disposed; load it again with loadModel\(\)$/,
    );
    assert.deepEqual(afterDispose, [expected.get(`${jobs[1].name} ${jobs[1].simd}`)]);
  }
});
