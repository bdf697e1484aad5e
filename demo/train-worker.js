// Trains off the page's thread, with the package's train(), and runs the model it made.
// Messages in: { type: 'train', data, preset, start, name } (data: the bytes of a TSV file, or
// rows), { type: 'check', data, name }, { type: 'cancel' }, { type: 'predict', text }.
// Out: ready, progress, done, cancelled, error, checked, prediction.
import { bundledModelURL, loadModel, train } from '../web/src/index.js';

let controller = null; // of the run in progress
let model = null; // the last finished run's, for predict
let bundled = null; // Promise of the bundled model's bytes, read once: fine-tuning works offline

// Fetches what training needs now, so that the page works offline once it is ready: the bundled
// model's bytes, and the trainer build (loading a model with gradients instantiates it).
async function prepare() {
  const response = await fetch(bundledModelURL);
  if (!response.ok) throw new Error(`the bundled model did not load (HTTP ${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const warm = await loadModel(bytes, { gradients: true, threads: 1 });
  const { labels } = warm.info;
  warm.dispose();
  return { bytes, labels };
}
bundled = prepare();
bundled.then(
  ({ labels }) => postMessage({ type: 'ready', labels }),
  // Training from scratch still works; fine-tuning does not.
  (error) => postMessage({ type: 'ready', labels: null, problem: error.message }),
);

function trainOptions({ preset, start, name }) {
  const options = { preset, name };
  if (start === 'all' || start === 'output') options.outputLayerOnly = start === 'output';
  return options;
}

async function run({ data, preset, start, name }) {
  controller?.abort();
  const own = new AbortController();
  controller = own;
  try {
    const options = trainOptions({ preset, start, name });
    if (start !== 'scratch') options.startFrom = (await bundled).bytes;
    const result = await train(data, options, {
      onProgress: (progress) => postMessage({ type: 'progress', progress }),
      signal: own.signal,
    });
    // The page offers only what loads: the file's golden cases pass at load. On the trainer
    // build, which is here already (offline too); it predicts as the inference builds do.
    const next = await loadModel(result.bytes, { gradients: true, threads: 1 });
    model?.dispose();
    model = next;
    postMessage({
      type: 'done',
      bytes: result.bytes,
      bestEpoch: result.bestEpoch,
      epochs: result.epochs,
      info: { labels: next.info.labels, vocabularySize: next.info.vocabularySize },
    });
  } catch (error) {
    if (own.signal.aborted) postMessage({ type: 'cancelled' });
    else postMessage({ type: 'error', message: error.message });
  } finally {
    if (controller === own) controller = null;
  }
}

// What train() says of data the page found a problem in: its message, or null when it starts
// training after all (stopped at its first report).
async function check({ data, name, id }) {
  const own = new AbortController();
  try {
    await train(
      data,
      { preset: 'fast', name, epochs: 1 },
      {
        onProgress: () => own.abort(),
        signal: own.signal,
      },
    );
    postMessage({ type: 'checked', id, message: null });
  } catch (error) {
    postMessage({ type: 'checked', id, message: own.signal.aborted ? null : error.message });
  }
}

onmessage = ({ data: message }) => {
  if (message.type === 'train') run(message);
  else if (message.type === 'check') check(message);
  else if (message.type === 'cancel') controller?.abort();
  else if (message.type === 'predict') {
    try {
      const start = performance.now();
      const prediction = model.predict(message.text);
      const milliseconds = performance.now() - start;
      postMessage({ type: 'prediction', text: message.text, prediction, milliseconds });
    } catch (error) {
      postMessage({ type: 'prediction-error', message: error.message });
    }
  }
};
