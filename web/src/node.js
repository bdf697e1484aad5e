// han-wasm for Node.js: the CommonJS glue, the .wasm read from disk, and file paths as sources.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadModelWith } from './core.js';
import { trainWith } from './train.js';
import { highlightHTML } from './export.js';
import { STYLES } from './render.js';

export { BUNDLED_MODEL as bundledModelURL, simdSupported } from './core.js';
export { MAX_TRAIN_BYTES, TRAIN_PRESETS } from './train.js';
export { highlightHTML, toHTML, toNeatVision, toSVG } from './export.js';

const require = createRequire(import.meta.url);

const node = {
  // Given no bytes, Emscripten 3.1.6's glue would fetch() the .wasm by file path, which Node's
  // fetch rejects; so it always gets them.
  async instantiate(variant) {
    const createHanModule = require(`../dist/han-${variant}.cjs`);
    const wasmBinary = await readFile(new URL(`../dist/han-${variant}.wasm`, import.meta.url));
    // The threads build's workers run dist/han-threads.worker.cjs (CommonJS, as .cjs says).
    const worker = fileURLToPath(new URL(`../dist/han-${variant}.worker.cjs`, import.meta.url));
    return createHanModule({
      wasmBinary,
      locateFile: (name) => (name.endsWith('.worker.js') ? worker : name),
    });
  },
  threadsSupported: () => true,
  hardwareThreads: availableParallelism,
  watchWorker(worker, onFailure) {
    worker.unref(); // Emscripten 3.1.6 does not: its workers would keep the process running
    worker.on('error', (error) => onFailure(`worker thread error: ${error.message}`));
    worker.on('exit', (code) => onFailure(`worker thread exited with code ${code}`));
  },
  // Strings that are not http:, https:, data:, blob: or file: URLs are paths (so C:\model.han is
  // a path, not a URL).
  async readLocalFile(source) {
    let path = source;
    if (source instanceof URL || /^(https?|data|blob|file):/i.test(source)) {
      if (new URL(source).protocol !== 'file:') return null;
      path = fileURLToPath(source);
    }
    const bytes = await readFile(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  },
};

export function loadModel(source, options) {
  return loadModelWith(node, source, options);
}

export function train(data, options, hooks) {
  return trainWith(node, data, options, hooks);
}

// A file name a static site can use as is: no directory, nothing hidden.
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * Writes, for static sites, each document's highlighted fragment (highlightHTML) to
 * OUT/NAME.html, NAME its id or its number from 1, and the stylesheet to OUT/han-highlight.css.
 * documents: strings or { id, text }, in an iterable or async iterable. Returns the paths.
 */
export async function renderStatic(model, documents, options = {}) {
  const { out, view = 'combined' } = options;
  if (typeof out !== 'string' || out === '') {
    throw new TypeError('renderStatic: options.out must be the path of a directory');
  }
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'han-highlight.css'), STYLES);
  const paths = [];
  const seen = new Set();
  let number = 0;
  for await (const document of documents) {
    number += 1;
    const { id = String(number), text } = typeof document === 'string' ? { text: document } : document;
    const name = String(id);
    if (typeof text !== 'string') {
      throw new TypeError(`renderStatic: document ${number} has no text string`);
    }
    if (!SAFE_NAME.test(name) || seen.has(name)) {
      throw new TypeError(
        `renderStatic: document ${number}: id ${JSON.stringify(name)} is ${seen.has(name) ? 'used twice' : 'not a plain file name (letters, digits, _ . -)'}`,
      );
    }
    seen.add(name);
    const path = join(out, `${name}.html`);
    await writeFile(path, highlightHTML(text, model.predict(text), { view }));
    paths.push(path);
  }
  return paths;
}
