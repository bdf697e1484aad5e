// Runs the model off the page's thread, so typing never waits for a prediction.
// Messages in: { text, method }. Out: progress, ready, status, prediction, error. With each
// prediction, for each view of the attention shading, what removing its 3 most highlighted words
// does (model.explain's comprehensiveness with the attention method that view shows); for a
// method other than attention, also its explanation (with the same measure for its weights).
import { loadModel } from '../web/src/index.js';

const VIEW_METHODS = {
  combined: 'attention',
  word: 'word-attention',
  sentence: 'sentence-attention',
};

// The methods that take many forward or backward passes: the page says what is running.
const SLOW_METHODS = {
  occlusion: 'computing occlusion: removing each word in turn…',
  'integrated-gradients': 'computing integrated gradients…',
};

const model = loadModel(undefined, {
  onProgress: ({ loaded, total }) => postMessage({ type: 'progress', loaded, total }),
});
model.then(
  ({ info }) => postMessage({ type: 'ready', info }),
  (error) => postMessage({ type: 'error', message: error.message }),
);

// The gradient methods need the backward pass, which only the package's trainer build has: the
// model is loaded there too the first time one is asked for (from the browser's cache by then).
const GRADIENT_METHODS = ['gradient-input', 'integrated-gradients'];
let gradientModel;
function modelFor(method) {
  if (!GRADIENT_METHODS.includes(method)) return model;
  gradientModel ??= loadModel(undefined, { gradients: true });
  gradientModel.catch(() => (gradientModel = undefined)); // let the next request try again
  return gradientModel;
}

onmessage = async ({ data: { text, method = 'attention' } }) => {
  try {
    const loaded = await model;
    const start = performance.now();
    const prediction = loaded.predict(text);
    const milliseconds = performance.now() - start;
    const removal = Object.fromEntries(
      Object.entries(VIEW_METHODS).map(([view, viewMethod]) => [
        view,
        loaded.explain(text, { method: viewMethod, topWords: 3 }).comprehensiveness,
      ]),
    );
    const answer = { type: 'prediction', text, method, prediction, removal, milliseconds };
    if (method !== 'attention') {
      if (SLOW_METHODS[method]) postMessage({ type: 'status', message: SLOW_METHODS[method] });
      const explainStart = performance.now();
      answer.explanation = (await modelFor(method)).explain(text, { method, topWords: 3 });
      answer.explainMilliseconds = performance.now() - explainStart;
    }
    postMessage(answer);
  } catch (error) {
    postMessage({ type: 'error', message: error.message });
  }
};
