// Nothing leaks: predictions, failed loads and deleted models leave the WebAssembly heap's size,
// its allocator's next free block and the number of JavaScript values held by C++ as they were.
// This drives the bindings directly (the package keeps its module private), as src/core.js does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { fixtureBytes, unicodeText } from './helpers/fixtures.mjs';

const require = createRequire(import.meta.url);

async function instantiate(variant) {
  const createHanModule = require(`../dist/han-${variant}.cjs`);
  const wasmBinary = readFileSync(new URL(`../dist/han-${variant}.wasm`, import.meta.url));
  return createHanModule({ wasmBinary });
}

// A leak grows the heap, moves where a small allocation lands, or keeps JavaScript values alive.
function heapState(wasm) {
  const probe = wasm._malloc(64);
  wasm._free(probe);
  return { heapBytes: wasm.HEAP8.length, probe, jsValues: wasm.count_emval_handles() };
}

test('10,000 predictions, failed loads and deleted models leave the memory unchanged', async () => {
  const wasm = await instantiate('simd');
  const bytes = fixtureBytes('lstm');
  const model = wasm.loadModel(bytes, true).value;
  const texts = ['Alpha bravo charlie. Delta echo!', unicodeText, '', 'alpha\uD800bravo'];
  texts.forEach((text) => model.predict(text)); // first-use allocations
  const before = heapState(wasm);

  for (let i = 0; i < 10_000; i++) model.predict(texts[i % texts.length]);
  for (let i = 0; i < 50; i++) {
    assert.ok('error' in wasm.loadModel(bytes.subarray(0, 1000), true));
    const other = wasm.loadModel(bytes, true).value;
    other.info();
    other.delete();
  }

  assert.deepEqual(heapState(wasm), before);
  model.delete();
});
