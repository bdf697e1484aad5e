// The input projection cache (InputProjectionCache, src/model/han.h) is on in the package unless
// loadModel's cacheProjections is false: the model the bindings hold keeps the cache that loading
// made, and predictions fill it, one row per distinct word. Drives the bindings directly, as
// src/core.js does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { instantiate } from './helpers/bindings.mjs';
import { fixtureBytes } from './helpers/fixtures.mjs';

for (const variant of ['simd', 'baseline']) {
  test(`${variant}: predictions fill the cache of a model on the ragged path`, async () => {
    const wasm = await instantiate(variant);

    const model = wasm.loadModel(fixtureBytes('gru_reset_after'), true, wasm.defaultLimits(), true, 0, 1).value;
    assert.equal(model.cachedWords(), 0); // the golden cases ran before the cache was made
    const first = model.predict('alpha bravo charlie. delta alpha!').value;
    assert.equal(model.cachedWords(), 4);
    const again = model.predict('alpha bravo charlie. delta alpha!').value;
    assert.equal(model.cachedWords(), 4);
    assert.deepEqual(again.probabilities, first.probabilities);
    model.predictIds(Int32Array.from([5, 6, 2]), Int32Array.from([3])); // delta echo alpha
    assert.equal(model.cachedWords(), 5); // echo (6) is new
    model.delete();

    // Without the cache (loadModel's cacheProjections: false), the same predictions.
    const uncached = wasm.loadModel(fixtureBytes('gru_reset_after'), true, wasm.defaultLimits(), false, 0, 1).value;
    const computed = uncached.predict('alpha bravo charlie. delta alpha!').value;
    assert.equal(uncached.cachedWords(), 0);
    computed.probabilities.forEach((p, k) => assert.ok(Math.abs(p - first.probabilities[k]) < 1e-6));
    uncached.delete();

    // LSTM layers run layer by layer, without the cache.
    const lstm = wasm.loadModel(fixtureBytes('lstm'), true, wasm.defaultLimits(), true, 0, 1).value;
    lstm.predict('Alpha bravo charlie.');
    assert.equal(lstm.cachedWords(), 0);
    lstm.delete();
  });
}
