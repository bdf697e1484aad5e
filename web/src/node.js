// han-wasm for Node.js: the CommonJS glue, the .wasm read from disk, and file paths as sources.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

import { loadModelWith } from './core.js';

export { simdSupported } from './core.js';
export { toHTML, toNeatVision, toSVG } from './export.js';

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
