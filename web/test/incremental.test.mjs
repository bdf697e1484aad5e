// Incremental re-prediction (the sentence cache, on by default) and batches: the same numbers as
// a model without the cache, bit for bit, through any sequence of edits; the cache's bound holds.
// (sentencesReused is not enumerable, so deepEqual compares the numbers alone.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadModel } from 'han-wasm';

import { instantiate } from './helpers/bindings.mjs';
import { fixtureBytes } from './helpers/fixtures.mjs';
import { random } from './helpers/random.mjs';

let cached, plain, bundled, bundledPlain;
before(async () => {
  [cached, plain, bundled, bundledPlain] = await Promise.all([
    loadModel(fixtureBytes('gru_reset_after')),
    loadModel(fixtureBytes('gru_reset_after'), { sentenceCache: false }),
    loadModel(),
    loadModel(undefined, { sentenceCache: 0 }),
  ]);
});
after(() => [cached, plain, bundled, bundledPlain].forEach((m) => m.dispose()));

test('an edit of one sentence re-encodes that sentence only, with the same numbers', () => {
  const review =
    'The opening is slow. The cast is superb and the score is lovely. ' +
    'The plot makes no sense at all. I would watch it again.';
  const first = bundled.predict(review);
  assert.equal(first.sentencesReused, 0);
  assert.deepEqual(first, bundledPlain.predict(review));
  assert.equal(bundled.predict(review).sentencesReused, 4);

  const edited = review.replace('no sense', 'perfect sense');
  const again = bundled.predict(edited);
  assert.equal(again.sentencesReused, 3);
  assert.deepEqual(again, bundledPlain.predict(edited));

  const appended = `${edited} Avoid the sequel.`;
  assert.equal(bundled.predict(appended).sentencesReused, 4);
  assert.deepEqual(bundled.predict(appended), bundledPlain.predict(appended));
  assert.equal(bundledPlain.predict(appended).sentencesReused, 0);
});

test('random edits, pastes and invalid text always give the from-scratch numbers', () => {
  const next = random(7);
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'zulu', '🎬'];
  const sentence = () =>
    `${Array.from({ length: 1 + Math.floor(next() * 8) }, () => words[Math.floor(next() * words.length)]).join(' ')}. `;
  let text = sentence() + sentence() + sentence();
  for (let step = 0; step < 400; ++step) {
    const at = Math.floor(next() * (text.length + 1));
    const kind = Math.floor(next() * 5);
    if (kind === 0) text = text.slice(0, at) + sentence() + text.slice(at);
    else if (kind === 1) text = text.slice(0, at) + text.slice(at + Math.floor(next() * 30));
    else if (kind === 2 && text.length < 20_000) text = text.slice(0, at) + text + text.slice(at);
    else if (kind === 3) text = `${text.slice(0, at)}\uD800${text.slice(at)}`; // a lone surrogate
    else text = text.slice(0, at) + words[Math.floor(next() * words.length)] + text.slice(at);
    assert.deepEqual(cached.predict(text), plain.predict(text), `step ${step}`);
  }
});

test('predictBatch runs documents together with the numbers of predict', () => {
  const texts = [
    'A wonderful film. I loved it!',
    '',
    'Not bad at all. Not bad at all.',
    'x'.repeat(5000),
    'A wonderful film. I loved it!',
  ];
  const batch = bundledPlain.predictBatch(texts);
  assert.equal(batch.length, texts.length);
  texts.forEach((text, i) => assert.deepEqual(batch[i], bundledPlain.predict(text), `text ${i}`));
  // More texts than one call of the bindings takes (64), in order.
  const many = Array.from({ length: 150 }, (_, i) => `Review number ${i}. It was ${i % 2 ? 'good' : 'bad'}.`);
  const predictions = bundledPlain.predictBatch(many);
  assert.equal(predictions.length, 150);
  predictions.forEach((p, i) => assert.deepEqual(p, bundledPlain.predict(many[i])));
});

test('sentenceCache takes a boolean or a number of bytes, and says what is wrong', async () => {
  const bytes = fixtureBytes('gru_reset_after');
  for (const [value, error] of [
    ['big', /sentenceCache must be a boolean or a number of bytes, got string/],
    [-1, /sentenceCache must be an integer from 0 to 1073741824 bytes, got -1/],
    [1.5, /got 1\.5/],
    [2 ** 31, /got 2147483648/],
  ]) {
    await assert.rejects(loadModel(bytes, { sentenceCache: value }), error);
  }
  const small = await loadModel(bytes, { sentenceCache: 1000 });
  assert.equal(small.predict('alpha bravo. charlie.').sentencesReused, 0);
  assert.equal(small.predict('alpha bravo. charlie.').sentencesReused, 2);
  small.dispose();
});

test('the cache stays within its bound however many sentences arrive', async () => {
  const wasm = await instantiate('simd');
  const bound = 20_000;
  const model = wasm.loadModel(fixtureBytes('gru_reset_after'), true, wasm.defaultLimits(), true, bound, 1).value;
  const next = random(11);
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
  let reused = 0;
  for (let d = 0; d < 300; ++d) {
    const text = Array.from({ length: 6 }, () =>
      Array.from({ length: 2 + Math.floor(next() * 6) }, () => words[Math.floor(next() * 6)]).join(' '),
    ).join('. ');
    reused += model.predict(text).value.sentencesReused;
    assert.ok(model.cachedSentenceBytes() <= bound, `document ${d}: ${model.cachedSentenceBytes()} bytes`);
  }
  assert.ok(model.cachedSentenceBytes() > bound / 2, 'the cache was filled');
  assert.ok(reused > 0, 'and used');
  model.delete();
});
