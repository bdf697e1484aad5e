// A worker thread that loads a model, predicts the texts it is given and posts the predictions.
import { parentPort, workerData } from 'node:worker_threads';

import { loadModel } from 'han-wasm';

const model = await loadModel(workerData.model, { simd: workerData.simd });
parentPort.postMessage(model.predictBatch(workerData.texts));
model.dispose();
