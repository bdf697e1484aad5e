// train(): a HAN trained (or fine-tuned) on the caller's labelled text by the trainer build
// (bindings/han_train_bindings.cpp), a few mini-batches per call so that progress is reported and
// a cancel is honoured between them. It runs on the calling thread: pages call it in a worker.
import { describe, readSource, trainerBuild, unwrap } from './core.js';

// The most bytes of labelled text one call reads; the heap (1 GiB) also holds their tokens.
export const MAX_TRAIN_BYTES = 256 * 2 ** 20;
// How long each call into the module trains before control returns to the event loop.
const SLICE_MS = 50;

// Starting points; the caller's options override them. fast: small layers, a few epochs, texts
// cut to their first sentences (what a page can train on thousands of reviews in minutes);
// balanced: han train's defaults.
export const TRAIN_PRESETS = Object.freeze({
  fast: Object.freeze({
    embeddingDim: 32,
    wordUnits: 16,
    sentenceUnits: 16,
    attentionUnits: 32,
    maxVocabulary: 20000,
    maxSentences: 12,
    maxWords: 40,
    epochs: 3,
    patience: 1,
    batchSize: 32,
    learningRate: 0.003,
  }),
  balanced: Object.freeze({}),
});

// Every option: its default (han train's) and the values it takes.
const integer = (lo, hi) => [
  (v) => Number.isSafeInteger(v) && v >= lo && v <= hi,
  `an integer from ${lo} to ${hi}`,
];
const number = (lo, hi) => [
  (v) => typeof v === 'number' && v >= lo && v <= hi,
  `a number from ${lo} to ${hi}`,
];
const oneOf = (...names) => [(v) => names.includes(v), `one of ${names.join(', ')}`];
const flag = [(v) => typeof v === 'boolean', 'true or false'];
const labelNames = [
  (v) => Array.isArray(v) && v.every((l) => typeof l === 'string' && l !== ''),
  'an array of label names',
];
const OPTIONS = {
  validationSplit: [0.1, number(1e-6, 0.999)],
  labels: [[], labelNames],
  limit: [0, integer(0, 2 ** 31 - 1)],
  skipMalformed: [false, flag],
  minCount: [2, integer(1, 2 ** 31 - 1)],
  maxVocabulary: [30000, integer(3, 2 ** 24)],
  maxSentences: [0, integer(0, 100000)],
  maxWords: [0, integer(0, 100000)],
  cell: ['gru', oneOf('gru', 'lstm')],
  embeddingDim: [100, integer(1, 4096)],
  wordUnits: [50, integer(1, 4096)],
  sentenceUnits: [50, integer(1, 4096)],
  attentionUnits: [100, integer(1, 4096)],
  epochs: [10, integer(1, 10000)],
  patience: [2, integer(1, 10000)],
  batchSize: [32, integer(1, 100000)],
  optimizer: ['adam', oneOf('adam', 'sgd')],
  learningRate: [undefined, number(1e-9, 10)], // 0.001 for adam, 0.01 for sgd
  momentum: [0.9, number(0, 0.999999)],
  clip: [5, number(0, 1e9)],
  l2: [0, number(0, 1)],
  dropout: [0.2, number(0, 0.95)],
  seed: [1, integer(0, 2 ** 32 - 1)],
  embeddingStorage: ['float32', oneOf('float32', 'float16', 'int8')],
  outputLayerOnly: [false, flag],
};

// The options with the preset's and the defaults filled in; a TypeError or RangeError names the
// first one that is wrong.
function trainOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`train: options must be an object, got ${describe(options)}`);
  }
  const { preset = 'balanced', startFrom, name = 'training data', ...rest } = options;
  if (!Object.hasOwn(TRAIN_PRESETS, preset)) {
    throw new RangeError(
      `train: unknown preset ${JSON.stringify(preset)} (one of ${Object.keys(TRAIN_PRESETS).join(', ')})`,
    );
  }
  if (typeof name !== 'string')
    throw new TypeError(`train: name must be a string, got ${describe(name)}`);
  for (const key of Object.keys(rest)) {
    if (!Object.hasOwn(OPTIONS, key))
      throw new RangeError(`train: unknown option ${JSON.stringify(key)}`);
  }
  const given = { ...TRAIN_PRESETS[preset], ...rest };
  const resolved = {};
  for (const [key, [fallback, [valid, expected]]] of Object.entries(OPTIONS)) {
    const value = given[key] ?? fallback;
    if (value === undefined) continue;
    if (!valid(value)) {
      const shown =
        typeof value === 'object' ? describe(value) : (JSON.stringify(value) ?? String(value));
      throw new RangeError(`train: ${key} must be ${expected}, got ${shown}`);
    }
    resolved[key] = value;
  }
  resolved.learningRate ??= resolved.optimizer === 'adam' ? 0.001 : 0.01;
  if (resolved.outputLayerOnly && startFrom === undefined) {
    throw new RangeError('train: outputLayerOnly needs startFrom, the model to fine-tune');
  }
  return { resolved, startFrom, name };
}

// The labelled text as the bytes of `label<TAB>text` lines.
function trainBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (Array.isArray(data)) {
    const lines = data.map((row, i) => {
      const [label, text] = Array.isArray(row) ? row : [row?.label, row?.text];
      if (typeof label !== 'string' || typeof text !== 'string') {
        throw new TypeError(
          `train: row ${i} must be [label, text] or { label, text } with two strings, got ${describe(row)}`,
        );
      }
      if (/[\t\r\n]/.test(label)) {
        throw new RangeError(`train: the label of row ${i} has a tab or a line break`);
      }
      // A text's own tabs and line breaks would start new fields and lines.
      return `${label}\t${text.replace(/[\t\r\n]+/g, ' ')}`;
    });
    return new TextEncoder().encode(lines.join('\n'));
  }
  throw new TypeError(
    'train: data must be the bytes or text of label<TAB>text lines, or an array of rows, ' +
      `got ${describe(data)}`,
  );
}

function abortError(signal) {
  return signal.reason ?? new DOMException('training was cancelled', 'AbortError');
}

// See index.d.ts.
export async function trainWith(platform, data, options = {}, { onProgress, signal } = {}) {
  const { resolved, startFrom, name } = trainOptions(options);
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`train: onProgress must be a function, got ${describe(onProgress)}`);
  }
  if (signal !== undefined && !(typeof signal?.aborted === 'boolean')) {
    throw new TypeError(`train: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  const bytes = trainBytes(data);
  if (bytes.length > MAX_TRAIN_BYTES) {
    throw new RangeError(
      `train: the data is ${bytes.length} bytes, more than the ${MAX_TRAIN_BYTES} one call reads`,
    );
  }
  if (bytes.length === 0) throw new RangeError('train: the data is empty');
  if (bytes.subarray(0, 65536).includes(0)) {
    throw new RangeError(
      'train: the data has NUL bytes, which text never has: is it a binary file?',
    );
  }
  const [{ wasm }, start] = await Promise.all([
    trainerBuild(platform, true),
    startFrom === undefined ? null : readSource(platform, startFrom, undefined, 'train: startFrom'),
  ]);
  if (signal?.aborted) throw abortError(signal);
  const run = unwrap(wasm.startTraining(bytes, JSON.stringify(resolved), start, name));
  try {
    const started = performance.now();
    const epochs = resolved.epochs;
    let p;
    // As many mini-batches per call as take about SLICE_MS, measured as training goes.
    for (let batches = 1; ;) {
      const sliceStart = performance.now();
      p = unwrap(run.step(batches));
      const sliceMs = performance.now() - sliceStart;
      batches = Math.max(
        1,
        Math.min(4 * batches, Math.round((batches * SLICE_MS) / Math.max(sliceMs, 1))),
      );
      const done = (p.epoch - 1) * p.batches + p.batch;
      const elapsedMs = performance.now() - started;
      const last = p.epochs.at(-1);
      // Right after an epoch, its batches are done and the next has none: report the epoch's.
      const fresh = p.batch === 0 && last;
      onProgress?.({
        epoch: p.epoch,
        epochs,
        batch: p.batch,
        batches: p.batches,
        loss: fresh ? last.loss : p.loss,
        accuracy: fresh ? last.accuracy : p.accuracy,
        elapsedMs,
        // Until the last epoch (early stopping may end sooner).
        etaMs: p.done ? 0 : (elapsedMs / Math.max(done, 1)) * (epochs * p.batches - done),
        trainSize: p.trainSize,
        validationSize: p.validationSize,
        history: p.epochs,
        messages: p.messages,
        done: p.done,
      });
      if (p.done) break;
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) throw abortError(signal);
    }
    const out = unwrap(run.finish());
    return {
      bytes: out.bytes,
      bestEpoch: out.bestEpoch,
      epochs: p.epochs,
      metadata: JSON.parse(out.metadata),
    };
  } finally {
    run.delete();
  }
}
