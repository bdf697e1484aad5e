// Nothing leaks: predictions, failed loads and deleted models leave the WebAssembly heap's size,
// its allocator's next free block and the number of JavaScript values held by C++ as they were.
// This drives the bindings directly (the package keeps its module private), as src/core.js does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { heapState, instantiate } from './helpers/bindings.mjs';

import { fixtureBytes, unicodeText } from './helpers/fixtures.mjs';


test('10,000 predictions, failed loads and deleted models leave the memory unchanged', async () => {
  const wasm = await instantiate('simd');
  const bytes = fixtureBytes('lstm');
  const model = wasm.loadModel(bytes, true, wasm.defaultLimits(), true, 0, 1).value;
  const texts = ['Alpha bravo charlie. Delta echo!', unicodeText, '', 'alpha\uD800bravo'];
  texts.forEach((text) => model.predict(text)); // first-use allocations
  const before = heapState(wasm);

  for (let i = 0; i < 10_000; i++) model.predict(texts[i % texts.length]);
  for (let i = 0; i < 50; i++) {
    assert.ok('error' in wasm.loadModel(bytes.subarray(0, 1000), true, wasm.defaultLimits(), true, 0, 1));
    const other = wasm.loadModel(bytes, true, wasm.defaultLimits(), true, 0, 1).value;
    other.info();
    other.delete();
  }

  assert.deepEqual(heapState(wasm), before);
  model.delete();
});

test('a prediction that runs out of memory frees all it allocated', async () => {
  const wasm = await instantiate('simd');
  const limits = wasm.defaultLimits();
  limits.fill(0, 5); // no input limits (the core's 0)
  const model = wasm.loadModel(fixtureBytes('lstm'), true, limits, true, 0, 1).value;
  const text = 'Alpha bravo charlie. Delta echo!';
  const expected = model.predict(text);
  const before = heapState(wasm);

  const outcome = model.predict('a '.repeat(20_000_000));
  assert.equal(outcome.error, 'out of memory (the WebAssembly heap is limited to 1 GiB)');
  assert.ok(wasm.HEAP8.length > before.heapBytes, 'the heap grew to its cap');
  const after = heapState(wasm);
  assert.equal(after.probe, before.probe);
  assert.equal(after.jsValues, before.jsValues);
  assert.deepEqual(model.predict(text), expected);
  model.delete();
});
