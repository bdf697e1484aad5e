// The public API on a fixture model: the shape of a prediction, offsets, batches, info, dispose.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, test } from 'node:test';

import { loadModel, simdSupported } from 'han-wasm';

import { assertNear, fixturePath, unicodeText } from './helpers/fixtures.mjs';

let model;
before(async () => {
  model = await loadModel(fixturePath('gru_reset_after'));
});
after(() => model.dispose());

const sum = (values) => values.reduce((a, b) => a + b, 0);

// Every span slices its own text out of the input, and the weights sum to 1.
function assertConsistent(text, prediction) {
  assert.equal(
    prediction.label,
    Object.entries(prediction.probabilities).sort((a, b) => b[1] - a[1])[0][0],
  );
  assertNear(sum(prediction.sentences.map((s) => s.weight)), 1, 1e-5, 'sentence weights');
  for (const sentence of prediction.sentences) {
    assert.equal(text.slice(sentence.start, sentence.end), sentence.text);
    assertNear(sum(sentence.words.map((w) => w.weight)), 1, 1e-5, 'word weights');
    for (const word of sentence.words) assert.equal(text.slice(word.start, word.end), word.text);
  }
}

test('predict returns a plain object with label names and UTF-16 offsets', () => {
  const text = 'Alpha bravo charlie. Delta echo!';
  const p = model.predict(text);
  assert.deepEqual(Object.keys(p), ['label', 'probabilities', 'truncated', 'sentences']);
  assert.deepEqual(Object.keys(p.probabilities), ['negative', 'positive']);
  assertNear(sum(Object.values(p.probabilities)), 1, 1e-6, 'softmax probabilities');
  assert.equal(p.truncated, false);
  assert.deepEqual(
    p.sentences.map((s) => [
      s.text,
      s.start,
      s.end,
      s.words.map((w) => [w.text, w.start, w.end, w.id]),
    ]),
    [
      [
        'Alpha bravo charlie.',
        0,
        20,
        [
          ['Alpha', 0, 5, 2],
          ['bravo', 6, 11, 3],
          ['charlie', 12, 19, 4],
        ],
      ],
      [
        'Delta echo!',
        21,
        32,
        [
          ['Delta', 21, 26, 5],
          ['echo', 27, 31, 6],
        ],
      ],
    ],
  );
  assertConsistent(text, p);
  // Plain data all the way down: it survives structured cloning and JSON unchanged.
  assert.deepEqual(structuredClone(p), p);
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
});

test('offsets slice emoji, accents and CJK out of the text', () => {
  const p = model.predict(unicodeText);
  assertConsistent(unicodeText, p);
  const words = p.sentences.flatMap((s) => s.words.map((w) => w.text));
  for (const word of [
    'Café',
    'brûlée',
    'naïve',
    'façade',
    '🎬',
    '🍿',
    '👍🏽',
    '👩‍👩‍👧',
    '東京は素晴らしい',
    'Zoë’s',
    '𝒳',
  ]) {
    assert.ok(words.includes(word), `${word} is one word in ${JSON.stringify(words)}`);
  }
});

test('lone surrogates read as U+FFFD, a separator, and offsets stay right', () => {
  const text = 'alpha\uD800bravo \uDC00charlie. delta\uDBFF';
  const p = model.predict(text);
  const words = p.sentences.flatMap((s) => s.words);
  assert.deepEqual(
    words.map((w) => w.text),
    ['alpha', 'bravo', 'charlie', 'delta'],
  );
  for (const word of words) assert.equal(text.slice(word.start, word.end), word.text);
  assert.equal(p.sentences[0].text, 'alpha\uFFFDbravo \uFFFDcharlie.');
  assert.equal(p.sentences[0].end, 'alpha\uD800bravo \uDC00charlie.'.length);
  // The same as the text with U+FFFD written out.
  assert.deepEqual(p, model.predict(text.replace(/[\uD800-\uDFFF]/gu, '\uFFFD')));
});

test('empty and word-less texts give no sentences', () => {
  for (const text of ['', '   ', '?!. …']) {
    const p = model.predict(text);
    assert.deepEqual(p.sentences, [], JSON.stringify(text));
    assertNear(sum(Object.values(p.probabilities)), 1, 1e-6, 'probabilities');
  }
});

test('predictBatch predicts each text in order', () => {
  const texts = ['Alpha bravo.', 'Delta echo echo!', unicodeText];
  assert.deepEqual(
    model.predictBatch(texts),
    texts.map((t) => model.predict(t)),
  );
  assert.deepEqual(model.predictBatch(new Set(texts)), model.predictBatch(texts));
  assert.deepEqual(model.predictBatch([]), []);
});

test('predictIds on the ids of a text gives exactly what predict gives on the text', () => {
  for (const text of ['Alpha bravo charlie. Delta echo!', unicodeText]) {
    const p = model.predict(text);
    const ids = p.sentences.map((s) => s.words.map((w) => w.id));
    const q = model.predictIds(ids);
    assert.equal(q.label, p.label);
    assert.deepEqual(q.probabilities, p.probabilities);
    assert.deepEqual(
      q.sentenceWeights,
      p.sentences.map((s) => s.weight),
    );
    assert.deepEqual(
      q.wordWeights,
      p.sentences.map((s) => s.words.map((w) => w.weight)),
    );
    assert.deepEqual(model.predictIds(ids.map((s) => Int32Array.from(s))), q);
  }
});

test('cacheProjections: false predicts the same, word weights included', async () => {
  const uncached = await loadModel(fixturePath('gru_reset_after'), { cacheProjections: false });
  try {
    for (const text of ['Alpha bravo charlie. Delta echo!', unicodeText]) {
      const p = model.predict(text), q = uncached.predict(text);
      assert.equal(q.label, p.label);
      for (const label of Object.keys(p.probabilities)) {
        assertNear(q.probabilities[label], p.probabilities[label], 1e-6, label);
      }
      q.sentences.forEach((sentence, s) =>
        sentence.words.forEach((word, w) =>
          assertNear(word.weight, p.sentences[s].words[w].weight, 1e-6, word.text),
        ),
      );
    }
  } finally {
    uncached.dispose();
  }
});

test('predictIds: padding gets weight 0 and is skipped', () => {
  const plain = model.predictIds([[2, 3, 4], [5, 6]]);
  const padded = model.predictIds([[0, 2, 3, 0, 4, 0], [0, 0], [5, 6, 0]]);
  for (const label of model.info.labels) {
    assertNear(padded.probabilities[label], plain.probabilities[label], 1e-6, label);
  }
  assert.deepEqual(padded.sentenceWeights[1], 0);
  assert.deepEqual(padded.wordWeights[0].map((w) => w === 0), [true, false, false, true, false, true]);
});

test('predictIds rejects what is not a document of ids in the vocabulary', () => {
  assert.throws(() => model.predictIds('w1 w2'), /predictIds: expected an array of sentences/);
  assert.throws(() => model.predictIds([[2, 3], 4]), /predictIds: sentence 1 must be an array/);
  assert.throws(() => model.predictIds([[2, 1.5]]), /word 1 of sentence 0 is not an integer/);
  assert.throws(() => model.predictIds([[2, 40]]), /word id 40 is outside the vocabulary of 40/);
  assert.throws(() => model.predictIds([[-3]]), /word id -3 is outside the vocabulary/);
});

test('info describes the model', () => {
  assert.deepEqual(model.info.labels, ['negative', 'positive']);
  assert.equal(model.info.vocabularySize, 40);
  assert.equal(model.info.parameters, 1146);
  assert.equal(model.info.architecture.architecture, 'han');
  assert.equal(model.info.architecture.word_encoder.cell, 'gru');
  assert.deepEqual(model.info.tokenizer, {
    lowercase: true,
    max_sentences: 0,
    max_words_per_sentence: 0,
    max_words: 0,
  });
  assert.equal(model.info.metadata.name, 'gru_reset_after');
  // Node always has shared memory: the threads build, unless this machine has one core.
  const threads = Math.min(availableParallelism(), 4);
  assert.equal(model.info.threads, simdSupported() ? threads : 1);
  assert.equal(
    model.info.variant,
    !simdSupported() ? 'baseline' : threads > 1 ? 'threads' : 'simd',
  );
});

test('no Embind object reaches the user', () => {
  assert.deepEqual(Object.keys(model), ['info']);
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(model)).sort();
  assert.deepEqual(names, [
    'constructor',
    'dispose',
    'explain',
    'predict',
    'predictBatch',
    'predictIds',
  ]);
});

test('dispose frees the model; using it then throws and other models keep working', async () => {
  const other = await loadModel(fixturePath('lstm'));
  const expected = model.predict('Alpha bravo.');
  other.dispose();
  other.dispose(); // harmless
  assert.throws(() => other.predict('Alpha bravo.'), {
    name: 'Error',
    message: /model was disposed/,
  });
  assert.throws(() => other.predictBatch(['Alpha']), /model was disposed/);
  assert.deepEqual(other.info.labels, ['sports', 'politics', 'science']);
  assert.deepEqual(model.predict('Alpha bravo.'), expected);
});

test('without a source, loadModel loads the bundled IMDB sentiment model', async () => {
  const bundled = await loadModel();
  assert.deepEqual(bundled.info.labels, ['negative', 'positive']);
  assert.equal(bundled.predict('A wonderful film. I loved every minute of it!').label, 'positive');
  assert.equal(bundled.predict('A dull, stupid mess. The worst film of the year.').label, 'negative');
  bundled.dispose();
});
