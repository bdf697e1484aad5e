// Limits (loadModel's `limits` option): past an input limit the rest of the text is not read and
// the prediction says truncated; past a model limit loading fails with an error naming it; wrong
// limits are refused before anything is loaded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadModel } from 'han-wasm';

import { fixtureBytes, nativeCli, nativePredict } from './helpers/fixtures.mjs';

const bytes = fixtureBytes('gru_reset_after');
let model;
let expected;

before(async () => {
  model = await loadModel(bytes);
  expected = model.predict('Alpha bravo.');
});
after(() => model.dispose());

const wordsOf = (prediction) => prediction.sentences.flatMap((s) => s.words.map((w) => w.text));

test('the default input limits', () => {
  assert.deepEqual(model.info.limits, {
    maxTextBytes: 16 * 2 ** 20,
    maxSentences: 100_000,
    maxWords: 1_000_000,
    maxWordsPerSentence: 10_000,
  });
  const long = 'alpha '.repeat(10_001);
  const prediction = model.predict(long);
  assert.equal(prediction.truncated, true);
  assert.equal(prediction.sentences[0].words.length, 10_000);
});

test('input limits cut the text as the native CLI does, and say so', async () => {
  const limited = await loadModel(bytes, {
    limits: { maxWords: 4, maxSentences: 2, maxWordsPerSentence: 3 },
  });
  const text = 'Alpha bravo charlie delta. Echo foxtrot. Golf hotel.';
  const prediction = limited.predict(text);
  assert.equal(prediction.truncated, true);
  assert.deepEqual(wordsOf(prediction), ['Alpha', 'bravo', 'charlie', 'Echo']);
  assert.equal(limited.predict('Alpha bravo. Charlie!').truncated, false);
  if (nativeCli) {
    const native = nativePredict('gru_reset_after', text, [
      '--max-words=4',
      '--max-sentences=2',
      '--max-words-per-sentence=3',
    ]);
    assert.deepEqual(wordsOf(native), wordsOf(prediction));
    assert.equal(native.truncated, true);
  }
  limited.dispose();
});

test('maxTextBytes counts UTF-8 bytes; offsets still index the whole string', async () => {
  const limited = await loadModel(bytes, { limits: { maxTextBytes: 13 } });
  const text = 'Zoë’s café is fine.'; // "Zoë’s café" is 14 bytes: the é is cut in two
  const prediction = limited.predict(text);
  assert.equal(prediction.truncated, true);
  assert.deepEqual(wordsOf(prediction), ['Zoë’s', 'caf']);
  for (const word of prediction.sentences[0].words) {
    assert.equal(text.slice(word.start, word.end), word.text);
  }
  limited.dispose();
});

test('Infinity lifts an input limit', async () => {
  const unlimited = await loadModel(bytes, { limits: { maxWordsPerSentence: Infinity } });
  assert.equal(unlimited.info.limits.maxWordsPerSentence, Infinity);
  const prediction = unlimited.predict('alpha '.repeat(10_001));
  assert.equal(prediction.truncated, false);
  assert.equal(prediction.sentences[0].words.length, 10_001);
  unlimited.dispose();
});

const modelLimits = {
  maxFileBytes: [1000, `^the model file has ${bytes.length} bytes, more than the limit of 1000$`],
  maxParameters: [1000, '^configuration: 1146 weights, more than the limit of 1000$'],
  maxVocabulary: [39, '^vocab_size: expected an integer from 2 to 39, found 40$'],
  maxDimension: [5, '^embedding_dim: expected an integer from 1 to 5, found 6$'],
  maxLabels: [1, '^labels: expected an array of 1 to 1 strings$'],
};

for (const [name, [value, message]] of Object.entries(modelLimits)) {
  test(`a model past limits.${name} is refused, naming the limit`, async () => {
    await assert.rejects(loadModel(bytes, { limits: { [name]: value } }), {
      name: 'Error',
      message: new RegExp(message),
    });
    assert.deepEqual(model.predict('Alpha bravo.'), expected);
  });
}

const wrongLimits = {
  'limits: 5': [{ limits: 5 }, TypeError, /^loadModel: limits must be an object, got number$/],
  'an unknown limit': [
    { limits: { maxWord: 3 } },
    TypeError,
    /^loadModel: unknown limit "maxWord" \(known: maxFileBytes, .*, maxWordsPerSentence\)$/,
  ],
  'maxWords: 0': [
    { limits: { maxWords: 0 } },
    RangeError,
    /^loadModel: limits.maxWords must be a positive integer or Infinity, got 0$/,
  ],
  'maxSentences: 1.5': [{ limits: { maxSentences: 1.5 } }, RangeError, /got 1.5$/],
  'maxDimension past the format': [
    { limits: { maxDimension: 5000 } },
    RangeError,
    /^loadModel: limits.maxDimension must be an integer from 1 to 4096, got 5000$/,
  ],
  'maxFileBytes: Infinity': [
    { limits: { maxFileBytes: Infinity } },
    RangeError,
    /^loadModel: limits.maxFileBytes must be an integer from 1 to 2147483648, got Infinity$/,
  ],
};

for (const [kind, [options, type, message]] of Object.entries(wrongLimits)) {
  test(`${kind} is refused`, async () => {
    await assert.rejects(loadModel(bytes, options), { name: type.name, message });
  });
}
