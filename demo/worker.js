// Runs the model off the page's thread, so typing never waits for a prediction.
// Messages in: { text }. Out: progress, ready, prediction, error. With each prediction, for each
// view of the shading, what removing its 3 most highlighted words does (model.explain's
// comprehensiveness with the attention method that view shows).
import { loadModel } from '../web/src/index.js';

const VIEW_METHODS = {
  combined: 'attention',
  word: 'word-attention',
  sentence: 'sentence-attention',
};

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
    const milliseconds = performance.now() - start;
    const removal = Object.fromEntries(
      Object.entries(VIEW_METHODS).map(([view, method]) => [
        view,
        loaded.explain(text, { method, topWords: 3 }).comprehensiveness,
      ]),
    );
    postMessage({ type: 'prediction', prediction, removal, milliseconds });
  } catch (error) {
    postMessage({ type: 'error', message: error.message });
  }
};
