// The WebAssembly heap grows up to its 1 GiB cap (bindings/CMakeLists.txt). Past it, a prediction
// or a load fails with an Error, and the next call works: the model loaded before predicts the
// same, and other models still load. The default limits keep a prediction far below the cap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadModel } from 'han-wasm';

import { fixtureBytes } from './helpers/fixtures.mjs';
import { writeModel } from './helpers/hanfile.mjs';

const bytes = fixtureBytes('gru_reset_after');
const text = 'Alpha bravo charlie. Delta echo!';
// 20 million one-letter words in one sentence: tens of bytes each in the tokenizer alone.
const huge = 'a '.repeat(20_000_000);
let model;
let expected;

before(async () => {
  model = await loadModel(bytes);
  expected = model.predict(text);
});
after(() => model.dispose());

async function assertStillWorks() {
  assert.deepEqual(model.predict(text), expected);
  const again = await loadModel(bytes);
  assert.deepEqual(again.predict(text), expected);
  again.dispose();
}

test('a text past the heap with the limits lifted fails with an Error; then all works', async () => {
  const unlimited = await loadModel(bytes, {
    limits: {
      maxTextBytes: Infinity,
      maxSentences: Infinity,
      maxWords: Infinity,
      maxWordsPerSentence: Infinity,
    },
  });
  assert.throws(() => unlimited.predict(huge), {
    name: 'Error',
    message: 'out of memory (the WebAssembly heap is limited to 1 GiB)',
  });
  assert.deepEqual(unlimited.predict(text), expected);
  unlimited.dispose();
  await assertStillWorks();
});

test('with the default limits the same text gives a truncated prediction', () => {
  const prediction = model.predict(huge);
  assert.equal(prediction.truncated, true);
  assert.equal(prediction.sentences.length, 1);
  assert.equal(prediction.sentences[0].words.length, 10_000);
});

test('a model that passes every check but not the heap fails with an Error; then all works', async () => {
  // 60,000 words x 4096 dimensions, stored as int8: 246 MB of file, 983 MB of float32 weights,
  // within the default limits (2 GiB of file, 2^28 weights).
  const vocabulary = ['<pad>', '<unk>', ...Array.from({ length: 59_998 }, (_, i) => `w${i}`)];
  const encoder = { cell: 'gru', units: 1 };
  const attention = { units: 1 };
  const big = writeModel({
    config: {
      vocab_size: vocabulary.length,
      embedding_dim: 4096,
      word_encoder: encoder,
      word_attention: attention,
      sentence_encoder: encoder,
      sentence_attention: attention,
      output: { activation: 'softmax' },
    },
    labels: ['no', 'yes'],
    vocabulary,
    int8: ['embedding'],
  });
  await assert.rejects(loadModel(big), {
    name: 'Error',
    message: 'not enough memory to load this model',
  });
  await assertStillWorks();
});
