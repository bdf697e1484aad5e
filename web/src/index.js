// han-wasm for browsers, Web Workers and bundlers (Node.js gets node.js; see package.json).
// Imports only relative paths, so a page can also load it without a bundler.
import { loadModelWith } from './core.js';
import { trainWith } from './train.js';

export { BUNDLED_MODEL as bundledModelURL, simdSupported } from './core.js';
export { MAX_TRAIN_BYTES, TRAIN_PRESETS } from './train.js';
export { highlightHTML, toHTML, toNeatVision, toSVG } from './export.js';

// Literal paths, so that bundlers find and copy the files of each variant.
const variants = {
  simd: {
    glue: () => import('../dist/han-simd.mjs'),
    wasm: new URL('../dist/han-simd.wasm', import.meta.url),
  },
  baseline: {
    glue: () => import('../dist/han-baseline.mjs'),
    wasm: new URL('../dist/han-baseline.wasm', import.meta.url),
  },
  threads: {
    glue: () => import('../dist/han-threads.mjs'),
    wasm: new URL('../dist/han-threads.wasm', import.meta.url),
    // Each worker runs this script, which imports the glue (mainScriptUrlOrBlob) by its URL.
    // ?no-inline: Vite would make the small script a data: URL, whose worker has no origin and
    // so cannot share the page's memory; servers ignore the query.
    worker: new URL('../dist/han-threads.worker.js?no-inline', import.meta.url),
    mainScript: new URL('../dist/han-threads.mjs', import.meta.url),
  },
  // Training, fine-tuning and the gradient attributions (loadModel's { gradients: true }).
  train: {
    glue: () => import('../dist/han-train.mjs'),
    wasm: new URL('../dist/han-train.wasm', import.meta.url),
  },
};

const browser = {
  // The ES module glue fetches and compiles the .wasm as it streams in.
  async instantiate(variant) {
    const { glue, wasm, worker, mainScript } = variants[variant];
    const { default: createHanModule } = await glue();
    return createHanModule({
      locateFile: (name) => (name.endsWith('.worker.js') ? worker.href : wasm.href),
      mainScriptUrlOrBlob: mainScript?.href,
    });
  },
  // Shared memory exists only on cross-origin isolated pages and their workers.
  threadsSupported: () =>
    globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
  hardwareThreads: () => globalThis.navigator?.hardwareConcurrency || 1,
  watchWorker(worker, onFailure) {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      onFailure(event.message || 'its script did not load');
    });
  },
  // No local files: every string is a URL, relative to the page.
  async readLocalFile() {
    return null;
  },
};

export function loadModel(source, options) {
  return loadModelWith(browser, source, options);
}

export function train(data, options, hooks) {
  return trainWith(browser, data, options, hooks);
}
