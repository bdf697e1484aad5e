// Runs the model off the page's thread, so typing never waits for a prediction.
// Messages in: { text }. Out: progress, ready, prediction, error.
import { loadModel } from '../web/src/index.js';

const model = loadModel(undefined, {
  onProgress: ({ loaded, total }) => postMessage({ type: 'progress', loaded, total }),
});
model.then(
  ({ info }) => postMessage({ type: 'ready', info }),
  (error) => postMessage({ type: 'error', message: error.message }),
);

onmessage = async ({ data: { text } }) => {
  try {
    const loaded = await model;
    const start = performance.now();
    const prediction = loaded.predict(text);
    postMessage({ type: 'prediction', prediction, milliseconds: performance.now() - start });
  } catch (error) {
    postMessage({ type: 'error', message: error.message });
  }
};
