// A worker thread that loads several models at once, predicts the texts with each in turn, fails
// one load and uses one model after dispose(), then posts what happened.
import { parentPort, workerData } from 'node:worker_threads';

import { loadModel } from 'han-wasm';

const { jobs, texts, damaged } = workerData;
const models = await Promise.all(jobs.map(({ model, simd }) => loadModel(model, { simd })));
const message = (error) => `${error.constructor.name}: ${error.message}`;

const loadError = await loadModel(damaged).then(() => 'loaded', message);
const predictions = models.map(() => []);
for (const text of texts) models.forEach((model, m) => predictions[m].push(model.predict(text)));

models[0].dispose();
let disposedError = 'predicted';
try {
  models[0].predict(texts[0]);
} catch (error) {
  disposedError = message(error);
}
const afterDispose = models.slice(1).map((model) => model.predictBatch(texts));
models.slice(1).forEach((model) => model.dispose());
parentPort.postMessage({ predictions, loadError, disposedError, afterDispose });
