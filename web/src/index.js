// han-wasm for browsers, Web Workers and bundlers (Node.js gets node.js; see package.json).
// Imports only relative paths, so a page can also load it without a bundler.
import { loadModelWith } from './core.js';

export { simdSupported } from './core.js';
export { highlightHTML, toHTML, toNeatVision, toSVG } from './export.js';

// Literal paths, so that bundlers find and copy both files of each variant.
const variants = {
  simd: {
    glue: () => import('../dist/han-simd.mjs'),
    wasm: new URL('../dist/han-simd.wasm', import.meta.url),
  },
  baseline: {
    glue: () => import('../dist/han-baseline.mjs'),
    wasm: new URL('../dist/han-baseline.wasm', import.meta.url),
  },
};

const browser = {
  // The ES module glue fetches and compiles the .wasm as it streams in.
  async instantiate(variant) {
    const { glue, wasm } = variants[variant];
    const { default: createHanModule } = await glue();
    return createHanModule({ locateFile: () => wasm.href });
  },
  // No local files: every string is a URL, relative to the page.
  async readLocalFile() {
    return null;
  },
};

export function loadModel(source, options) {
  return loadModelWith(browser, source, options);
}
