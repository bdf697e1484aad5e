// The API of han-wasm, the same everywhere; index.js (browsers) and node.js give it the platform's
// ways to instantiate the Emscripten module (dist/, built by scripts/build-wasm.sh) and to read
// local files. Embind handles stay in here: users get plain objects.

export const BUNDLED_MODEL = new URL('../models/imdb-sentiment.han', import.meta.url);

// The smallest module using SIMD (i8x16.splat, i8x16.popcnt): valid only where wasm SIMD works.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

// variant ('simd' | 'baseline' | 'threads' | 'train') -> Promise of its Emscripten module, shared by every
// model loaded in this thread.
const wasmModules = new Map();

// The most threads one model may ask for; the default is at most DEFAULT_MAX_THREADS.
const MAX_THREADS = 16;
const DEFAULT_MAX_THREADS = 4;
// How long the workers of the threads build may take to start before loadModel gives up on them.
const WORKER_START_MS = 10_000;
// Why the threads build cannot run in this thread, once it failed; later loads do not try again.
let threadsUnusable = null;

// Frees the C++ model of a Model that was never disposed (unless its workers died: see Model).
const leakedModels = new FinalizationRegistry(({ handle, wasm }) => {
  if (!wasm.hanBroken) handle.delete();
});

export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

// platform: { instantiate(variant) -> Promise of the Emscripten module,
//             readLocalFile(source) -> Promise of the bytes, or of null for a URL to fetch,
//             threadsSupported() -> whether shared memory (the threads build) works here,
//             hardwareThreads() -> the number of logical cores,
//             watchWorker(worker, onFailure(reason)) -> calls onFailure if the worker fails or
//               ends (Node also unreferences it, so that it does not keep the process running) }
export async function loadModelWith(platform, source, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`loadModel: options must be an object, got ${describe(options)}`);
  }
  const {
    onProgress,
    verify = true,
    simd = simdSupported(),
    limits = {},
    cacheProjections = true,
    sentenceCache = true,
    threads,
    cache = true,
    gradients = false,
  } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`loadModel: onProgress must be a function, got ${describe(onProgress)}`);
  }
  if (limits === null || typeof limits !== 'object') {
    throw new TypeError(`loadModel: limits must be an object, got ${describe(limits)}`);
  }
  const sentenceCacheBytes = sentenceCacheBound(sentenceCache);
  if (threads !== undefined) {
    if (typeof threads !== 'number') {
      throw new TypeError(`loadModel: threads must be a number, got ${describe(threads)}`);
    }
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
      throw new RangeError(
        `loadModel: threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`,
      );
    }
  }
  if (typeof cache !== 'boolean') {
    throw new TypeError(`loadModel: cache must be true or false, got ${describe(cache)}`);
  }
  if (typeof gradients !== 'boolean') {
    throw new TypeError(`loadModel: gradients must be true or false, got ${describe(gradients)}`);
  }
  if (gradients && threads !== undefined && threads !== 1) {
    throw new RangeError('loadModel: the build with gradients runs on one thread (threads: 1)');
  }
  const read = () =>
    source === undefined
      ? readBundledModel(platform, onProgress)
      : readSource(platform, source, onProgress);
  const modelCache = cache ? await openModelCache(source ?? BUNDLED_MODEL) : null;
  const [build, first] = await Promise.all([
    gradients
      ? trainerBuild(platform, Boolean(simd))
      : chooseBuild(platform, Boolean(simd), threads),
    readThroughCache(modelCache, read, onProgress),
  ]);
  const loadOptions = {
    verify: Boolean(verify),
    limits,
    cacheProjections: Boolean(cacheProjections),
    sentenceCacheBytes,
  };
  const loadOn = (bytes) => loadBytes(platform, build, bytes, loadOptions);
  let loaded;
  try {
    loaded = await loadOn(first.bytes);
  } catch (error) {
    if (!first.cached) throw error;
    // The file's checksum and golden cases catch a damaged copy: fetch it again.
    console.warn(
      `han-wasm: the cached copy of ${modelCache.url} does not load (${error.message}); ` +
        'fetching it again',
    );
    await modelCache.cache.delete(modelCache.url).catch(() => {});
    const bytes = await read();
    loaded = await loadOn(bytes);
    await storeInCache(modelCache, bytes);
  }
  if (modelCache && !first.cached) await storeInCache(modelCache, first.bytes);
  return new Model(loaded.handle, build, inputLimits(loaded.values));
}

// Loads the model file's bytes on the build (which becomes a single-thread one if the threads
// build's workers cannot start).
async function loadBytes(platform, build, bytes, options) {
  const { verify, limits, cacheProjections, sentenceCacheBytes } = options;
  const load = ({ wasm, threads: count }) => {
    const values = limitValues(limits, wasm.defaultLimits());
    const handle = unwrap(
      wasm.loadModel(bytes, verify, values, cacheProjections, sentenceCacheBytes, count),
    );
    return { handle, values };
  };
  if (build.variant !== 'threads') return load(build);
  try {
    return await withWorkers(platform, build.wasm, build.threads - 1, () => load(build));
  } catch (error) {
    if (!(error instanceof ThreadsError)) throw error;
    Object.assign(build, await singleThreadBuild(platform, true, error.message));
    return load(build);
  }
}

// The Cache API's store of models fetched by URL (browsers, secure contexts), one copy per URL.
const MODEL_CACHE = 'han-wasm-models';

// { cache, url } for a source fetched over HTTP(S) where the Cache API works, else null.
async function openModelCache(source) {
  if (typeof caches === 'undefined' || !(typeof source === 'string' || source instanceof URL)) {
    return null;
  }
  let url;
  try {
    url = new URL(source, globalThis.location?.href);
  } catch {
    return null; // not a URL: readSource says why
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  try {
    return { cache: await caches.open(MODEL_CACHE), url: url.href };
  } catch {
    return null; // e.g. storage disabled: load from the network
  }
}

// { bytes, cached }: the cached copy if there is one, else what read() gives.
async function readThroughCache(modelCache, read, onProgress) {
  const hit = await modelCache?.cache.match(modelCache.url).catch(() => undefined);
  if (!hit) return { bytes: await read(), cached: false };
  const bytes = new Uint8Array(await hit.arrayBuffer());
  onProgress?.({ loaded: bytes.length, total: bytes.length });
  return { bytes, cached: true };
}

// Keeps a model that loaded; a full or unavailable store only costs the next visit a download.
async function storeInCache(modelCache, bytes) {
  const response = new Response(bytes, {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': `${bytes.length}` },
  });
  await modelCache.cache.put(modelCache.url, response).catch((error) => {
    console.warn(`han-wasm: could not keep the model in the Cache API (${error.message})`);
  });
}

// The threads build failed to start its workers (not the model's fault).
class ThreadsError extends Error {}

// The build a model runs on and its thread count: the threads build for more than one thread
// where shared memory works (crossOriginIsolated pages, workers of such pages, Node), else the
// SIMD build, else the baseline.
async function chooseBuild(platform, simd, threads) {
  const wanted = threads ?? Math.min(platform.hardwareThreads(), DEFAULT_MAX_THREADS);
  if (wanted === 1) return singleThreadBuild(platform, simd);
  let reason;
  if (!simd) reason = 'the threads build needs WebAssembly SIMD';
  else if (!platform.threadsSupported()) {
    reason =
      'threads need SharedArrayBuffer, which a page has only when cross-origin isolated ' +
      '(Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  } else if (threadsUnusable) reason = threadsUnusable;
  else {
    try {
      return { wasm: await wasmModule(platform, 'threads'), variant: 'threads', threads: wanted };
    } catch (error) {
      reason = threadsUnusable = `the threads build could not start: ${error.message}`;
    }
  }
  // A page that cannot have threads is the usual case: a warning only when they were asked for,
  // or when they failed.
  const warn = threads !== undefined || reason === threadsUnusable;
  return singleThreadBuild(platform, simd, warn ? reason : undefined);
}

// The single-thread build; `reason`, if any, is why threads were not had, worth a warning.
async function singleThreadBuild(platform, simd, reason) {
  const variant = simd ? 'simd' : 'baseline';
  if (reason) console.warn(`han-wasm: ${reason}; running on one thread (the ${variant} build)`);
  return { wasm: await wasmModule(platform, variant), variant, threads: 1 };
}

// The trainer build, which also has the backward pass that the gradient attributions need.
export async function trainerBuild(platform, simd) {
  if (!simd) {
    throw new Error(
      'the build with gradients (training, gradient-input, integrated-gradients) needs ' +
        'WebAssembly SIMD, which this engine lacks',
    );
  }
  return { wasm: await wasmModule(platform, 'train'), variant: 'train', threads: 1 };
}

// Runs create() once `count` workers of the threads build are free and running the module, so
// that the model's threads start at once: a thread waiting for a worker that has yet to load
// would wait forever, since the worker needs this thread's event loop to start. The loads of one
// module take turns, so that no other load takes these workers first. Rejects with a ThreadsError
// if a worker fails or does not start in time, and ends the workers.
function withWorkers(platform, wasm, count, create) {
  const turn = (wasm.hanTurn ?? Promise.resolve()).then(async () => {
    await startWorkers(platform, wasm, count);
    return create();
  });
  wasm.hanTurn = turn.catch(() => {});
  return turn;
}

async function startWorkers(platform, wasm, count) {
  const { PThread } = wasm;
  if (wasm.hanBroken) throw new ThreadsError(wasm.hanBroken);
  const added = [];
  while (PThread.unusedWorkers.length < count) {
    PThread.allocateUnusedWorker();
    added.push(PThread.unusedWorkers.at(-1));
  }
  const starting = added.map((worker) => startWorker(platform, wasm, worker));
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`its workers did not start within ${WORKER_START_MS / 1000} s`)),
      WORKER_START_MS,
    );
  });
  try {
    await Promise.race([Promise.all(starting), timeout]);
  } catch (error) {
    // Only the workers added here end: the models already on this module keep theirs.
    for (const worker of added) {
      worker.hanEnded = true;
      worker.terminate();
    }
    PThread.unusedWorkers = PThread.unusedWorkers.filter((worker) => !added.includes(worker));
    threadsUnusable = `the threads build could not start: ${error.message}`;
    throw new ThreadsError(threadsUnusable);
  } finally {
    clearTimeout(timer);
  }
}

// Resolves once the worker runs the module; rejects if it fails first. A worker that fails once
// running breaks its module, whose threads can then never be joined: a warning says so, its
// models throw, and later loads run on one thread.
function startWorker(platform, wasm, worker) {
  return new Promise((resolve, reject) => {
    wasm.PThread.loadWasmModuleToWorker(worker, resolve);
    worker.onerror = () => {}; // Emscripten's rethrows, which would reach the page as uncaught
    platform.watchWorker(worker, (reason) => {
      reject(new Error(reason));
      if (worker.hanEnded || !worker.loaded || wasm.hanBroken) return;
      wasm.hanBroken = threadsUnusable = `a worker of the threads build stopped (${reason})`;
      wasmModules.delete('threads');
      console.warn(
        `han-wasm: ${wasm.hanBroken}; its models no longer predict, and the next loadModel ` +
          'runs on one thread',
      );
    });
  });
}

// The bound of the word level's sentence cache (bindings: Model::cache_sentences), in bytes.
const DEFAULT_SENTENCE_CACHE_BYTES = 4 * 2 ** 20;
const MAX_SENTENCE_CACHE_BYTES = 2 ** 30; // the heap's cap

function sentenceCacheBound(sentenceCache) {
  if (sentenceCache === true) return DEFAULT_SENTENCE_CACHE_BYTES;
  if (sentenceCache === false) return 0;
  if (typeof sentenceCache !== 'number') {
    throw new TypeError(
      `loadModel: sentenceCache must be a boolean or a number of bytes, got ${describe(sentenceCache)}`,
    );
  }
  if (!(Number.isSafeInteger(sentenceCache) && sentenceCache >= 0 && sentenceCache <= MAX_SENTENCE_CACHE_BYTES)) {
    throw new RangeError(
      `loadModel: sentenceCache must be an integer from 0 to ${MAX_SENTENCE_CACHE_BYTES} bytes, got ${sentenceCache}`,
    );
  }
  return sentenceCache;
}

// The limits in the order of the bindings (bindings/han_bindings.cpp, visit_limits): first those
// of the model, integers from 1 to their default (the format's bound); then those of the input,
// positive integers or Infinity, which the core spells 0.
const LIMIT_NAMES = [
  'maxFileBytes',
  'maxParameters',
  'maxVocabulary',
  'maxDimension',
  'maxLabels',
  'maxTextBytes',
  'maxSentences',
  'maxWords',
  'maxWordsPerSentence',
];
const FIRST_INPUT_LIMIT = 5;

// Every limit as the bindings take them, the defaults filled in.
function limitValues(limits, defaults) {
  for (const name of Object.keys(limits)) {
    if (!LIMIT_NAMES.includes(name)) {
      throw new TypeError(`loadModel: unknown limit "${name}" (known: ${LIMIT_NAMES.join(', ')})`);
    }
  }
  const values = LIMIT_NAMES.map((name, i) => {
    const value = limits[name];
    if (value === undefined) return defaults[i];
    if (i >= FIRST_INPUT_LIMIT) {
      if (value !== Infinity && !(Number.isSafeInteger(value) && value >= 1)) {
        throw new RangeError(
          `loadModel: limits.${name} must be a positive integer or Infinity, got ${value}`,
        );
      }
      // Past 2^32 - 1 (the largest size_t in wasm32) a limit cannot be reached anyway.
      return value === Infinity ? 0 : Math.min(value, 2 ** 32 - 1);
    }
    if (!(Number.isSafeInteger(value) && value >= 1 && value <= defaults[i])) {
      throw new RangeError(
        `loadModel: limits.${name} must be an integer from 1 to ${defaults[i]}, got ${value}`,
      );
    }
    return value;
  });
  return new Uint32Array(values);
}

// The input limits a model applies, by name; Infinity for none.
function inputLimits(values) {
  return Object.fromEntries(
    LIMIT_NAMES.slice(FIRST_INPUT_LIMIT).map((name, k) => [
      name,
      values[FIRST_INPUT_LIMIT + k] || Infinity,
    ]),
  );
}

// Documents per call of the bindings in predictBatch.
const BATCH_SIZE = 64;

// The attribution methods of explain() (src/explain/attribution.h); the last two need the backward
// pass, which only the trainer build has.
const GRADIENT_METHODS = ['gradient-input', 'integrated-gradients'];
const EXPLAIN_METHODS = [
  'attention',
  'word-attention',
  'sentence-attention',
  'occlusion',
  'gradient-input',
  'integrated-gradients',
];

class Model {
  #handle;
  #labels;
  #wasm;
  #variant;
  #stallWarned = false;

  constructor(handle, { wasm, variant, threads }, limits) {
    this.#handle = handle;
    this.#wasm = wasm;
    this.#variant = variant;
    leakedModels.register(this, { handle, wasm }, this);
    const info = unwrap(handle.info());
    this.#labels = info.labels;
    this.info = {
      labels: [...info.labels],
      vocabularySize: info.vocabularySize,
      parameters: info.parameters,
      architecture: JSON.parse(info.config),
      tokenizer: JSON.parse(info.tokenizer),
      metadata: JSON.parse(info.metadata),
      compute: info.compute,
      limits,
      variant,
      threads,
    };
  }

  predict(text) {
    const handle = this.#live();
    if (typeof text !== 'string') {
      throw new TypeError(`predict: expected a string, got ${describe(text)}`);
    }
    return this.#prediction(this.#result(handle.predict(text)), text);
  }

  // sentences: the document as word ids (0 = padding), one array (or Int32Array) per sentence.
  predictIds(sentences) {
    const handle = this.#live();
    if (typeof sentences?.[Symbol.iterator] !== 'function' || typeof sentences === 'string') {
      throw new TypeError(`predictIds: expected an array of sentences, got ${describe(sentences)}`);
    }
    const list = Array.from(sentences);
    const lengths = new Int32Array(list.length);
    list.forEach((sentence, s) => {
      if (typeof sentence?.length !== 'number' || typeof sentence === 'string') {
        throw new TypeError(
          `predictIds: sentence ${s} must be an array of word ids, got ${describe(sentence)}`,
        );
      }
      lengths[s] = sentence.length;
    });
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let next = 0;
    list.forEach((sentence, s) => {
      for (let w = 0; w < sentence.length; ++w) {
        const id = sentence[w];
        if (!Number.isInteger(id)) {
          throw new TypeError(`predictIds: word ${w} of sentence ${s} is not an integer id`);
        }
        ids[next++] = id;
      }
    });
    const out = this.#result(handle.predictIds(ids, lengths));
    const probabilities = Array.from(out.probabilities);
    const best = probabilities.indexOf(Math.max(...probabilities));
    let first = 0;
    const prediction = {
      label: this.#labels[best],
      probabilities: Object.fromEntries(this.#labels.map((name, k) => [name, probabilities[k]])),
      sentenceWeights: Array.from(out.sentenceWeights),
      wordWeights: Array.from(lengths, (n) => Array.from(out.wordWeights.subarray(first, (first += n)))),
    };
    return Object.defineProperty(prediction, 'sentencesReused', { value: out.sentencesReused });
  }

  // The prediction with each word's and sentence's weight replaced by the method's attribution;
  // see index.d.ts.
  explain(text, options = {}) {
    const handle = this.#live();
    if (typeof text !== 'string') {
      throw new TypeError(`explain: expected a string, got ${describe(text)}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`explain: options must be an object, got ${describe(options)}`);
    }
    const { method = 'attention', steps = 20, topWords = 3 } = options;
    if (!EXPLAIN_METHODS.includes(method)) {
      throw new RangeError(
        `explain: unknown method ${JSON.stringify(method)} (one of ${EXPLAIN_METHODS.join(', ')})`,
      );
    }
    if (GRADIENT_METHODS.includes(method) && this.#variant !== 'train') {
      throw new Error(
        `explain: ${method} needs the backward pass, which the inference builds leave out: ` +
          'load the model with { gradients: true }',
      );
    }
    const integers = [
      ['steps', steps, 1, 10000],
      ['topWords', topWords, 0, 2 ** 31 - 1],
    ];
    for (const [name, value, lo, hi] of integers) {
      if (!(Number.isSafeInteger(value) && value >= lo && value <= hi)) {
        throw new RangeError(
          `explain: ${name} must be an integer from ${lo} to ${hi}, got ${value}`,
        );
      }
    }
    const out = this.#result(handle.explain(text, method, steps, topWords));
    const explanation = { ...this.#prediction(out, text), method: out.method };
    if (out.integratedGradients) explanation.integratedGradients = out.integratedGradients;
    if (out.comprehensiveness) {
      const { words, change, label } = out.comprehensiveness;
      explanation.comprehensiveness = { words, change, label: this.#labels[label] };
    }
    return explanation;
  }

  predictBatch(texts) {
    this.#live();
    if (typeof texts === 'string' || typeof texts?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`predictBatch: expected an array of strings, got ${describe(texts)}`);
    }
    const list = Array.from(texts);
    list.forEach((text, i) => {
      if (typeof text !== 'string') {
        throw new TypeError(`predictBatch: texts[${i}] must be a string, got ${describe(text)}`);
      }
    });
    // In batches, which the core runs together; a bounded number per call bounds the heap.
    const predictions = [];
    for (let first = 0; first < list.length; first += BATCH_SIZE) {
      const batch = this.#result(this.#handle.predictBatch(list.slice(first, first + BATCH_SIZE)));
      batch.forEach((raw, i) => predictions.push(this.#prediction(raw, list[first + i])));
    }
    return predictions;
  }

  // Frees the model's memory now; calling it again does nothing.
  dispose() {
    if (!this.#handle) return;
    leakedModels.unregister(this);
    // Deleting would join threads that died with their worker, and never return: let it go.
    if (!this.#wasm.hanBroken) this.#handle.delete();
    this.#handle = null;
  }

  // A prediction of the bindings (typed arrays: bindings/han_bindings.cpp, prediction_arrays) as
  // plain objects, with the label by name and the text of each span sliced out of `text`, lone
  // surrogates read as U+FFFD as the core read them. sentencesReused says how the prediction was
  // computed, not what it is: non-enumerable, so that predictions of the same text compare equal
  // (deepEqual, JSON.stringify, postMessage) whether or not the sentence cache served them.
  #prediction(raw, text) {
    const source = wellFormed(text);
    const probabilities = Array.from(raw.probabilities);
    const sentences = [];
    for (let s = 0, w = 0; s < raw.wordCounts.length; ++s) {
      const words = [];
      for (const last = w + raw.wordCounts[s]; w < last; ++w) {
        const start = raw.wordSpans[2 * w], end = raw.wordSpans[2 * w + 1];
        const weight = raw.wordWeights[w];
        words.push({ text: source.slice(start, end), start, end, weight, id: raw.wordIds[w] });
      }
      const start = raw.sentenceSpans[2 * s], end = raw.sentenceSpans[2 * s + 1];
      const weight = raw.sentenceWeights[s];
      sentences.push({ text: source.slice(start, end), start, end, weight, words });
    }
    const prediction = {
      label: this.#labels[raw.label],
      probabilities: Object.fromEntries(this.#labels.map((name, k) => [name, probabilities[k]])),
      truncated: raw.truncated,
      sentences,
    };
    return Object.defineProperty(prediction, 'sentencesReused', { value: raw.sentencesReused });
  }

  // The bindings' outcome of a prediction; before it, once, a warning if a worker of this model's
  // pool stalled in it (WorkerPool: the prediction was made again on one thread, as all after).
  #result(outcome) {
    if (this.info.threads > 1 && !this.#stallWarned && this.#handle.threadsStalled()) {
      this.#stallWarned = true;
      console.warn(
        'han-wasm: a worker of the threads build did not finish its part of a prediction in ' +
          'time (it has probably stopped); this model now predicts on one thread',
      );
    }
    return unwrap(outcome);
  }

  #live() {
    if (!this.#handle) throw new Error('this model was disposed; load it again with loadModel()');
    if (this.#wasm.hanBroken) {
      throw new Error(`${this.#wasm.hanBroken}: load the model again (it then runs on one thread)`);
    }
    return this.#handle;
  }
}

export function wasmModule(platform, variant) {
  let module = wasmModules.get(variant);
  if (!module) {
    module = platform.instantiate(variant);
    module.catch(() => wasmModules.delete(variant)); // let a later call try again
    wasmModules.set(variant, module);
  }
  return module;
}

// The bindings return {value} or {error: message}; see bindings/han_bindings.cpp.
export function unwrap(outcome) {
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.value;
}

// The text with each lone surrogate as U+FFFD (one code unit, so offsets stay), as TextEncoder
// gives it to the core.
function wellFormed(text) {
  if (typeof text.isWellFormed === 'function') return text.isWellFormed() ? text : text.toWellFormed();
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export function describe(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'an array';
  const name = value.constructor?.name;
  if (!name || name === 'Object') return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

export async function readSource(platform, source, onProgress, what = 'loadModel: source') {
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    onProgress?.({ loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return readResponse(source, onProgress);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const bytes = await platform.readLocalFile(source);
    if (bytes === null) return readResponse(await fetch(source), onProgress);
    onProgress?.({ loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  throw new TypeError(
    `${what} must be a URL, a file path (Node), a Response, an ArrayBuffer or a ` +
      `Uint8Array, got ${describe(source)}`,
  );
}

async function readResponse(response, onProgress) {
  if (!response.ok) {
    const from = response.url || 'the response';
    const error = new Error(`cannot load the model from ${from}: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  // With a Content-Encoding, Content-Length counts compressed bytes: the total is unknown.
  const length = Number(response.headers.get('content-length'));
  const total = length > 0 && !response.headers.has('content-encoding') ? length : undefined;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const chunks = [];
  let loaded = 0;
  for (const reader = response.body.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function readBundledModel(platform, onProgress) {
  try {
    return await readSource(platform, BUNDLED_MODEL, onProgress);
  } catch (error) {
    if (error.code !== 'ENOENT' && error.status !== 404) throw error;
    throw new Error(
      'this build of han-wasm has no bundled model (models/imdb-sentiment.han is missing): ' +
        'pass a model to loadModel(source)',
      { cause: error },
    );
  }
}
