// train(): the trainer build learns made-up reviews as well as the native `han train --threads 1`
// with the same options, is deterministic, fine-tunes a
// model keeping its vocabulary (or all but its output layer), cancels, and refuses bad data with
// a clear message, the module staying usable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { loadModel, MAX_TRAIN_BYTES, train, TRAIN_PRESETS } from 'han-wasm';

import { nativeCli } from './helpers/fixtures.mjs';
import { makeReviews, toTsv } from './helpers/reviews.mjs';

const small = {
  embeddingDim: 12,
  wordUnits: 6,
  sentenceUnits: 6,
  attentionUnits: 8,
  minCount: 1,
  epochs: 3,
  patience: 3,
  batchSize: 16,
  learningRate: 0.01,
  seed: 7,
};
const rows = makeReviews(240, 1);
const heldOut = makeReviews(60, 2);

function accuracy(model, examples) {
  const right = examples.filter(([label, text]) => model.predict(text).label === label).length;
  return right / examples.length;
}

test('a model trained on labelled rows predicts held-out rows and reports its progress', async () => {
  const progress = [];
  const result = await train(rows, small, { onProgress: (p) => progress.push(p) });
  assert.ok(result.bytes instanceof Uint8Array && result.bytes.length > 0);
  assert.equal(result.epochs.length, 3);
  assert.ok(result.bestEpoch >= 1 && result.bestEpoch <= 3);
  assert.equal(result.metadata.trained_with, 'han-wasm train()');
  // Every mini-batch is reported once, in order; the last report says done.
  const last = progress.at(-1);
  assert.equal(last.done, true);
  assert.equal(last.trainSize + last.validationSize, rows.length);
  assert.equal(last.batches, Math.ceil(last.trainSize / small.batchSize));
  for (let i = 1; i < progress.length; ++i) {
    const [a, b] = [progress[i - 1], progress[i]];
    assert.ok((b.epoch - a.epoch) * b.batches + b.batch - a.batch > 0, 'progress moves on');
    assert.ok(b.elapsedMs >= a.elapsedMs);
  }
  assert.ok(progress.every((p) => Number.isFinite(p.loss) && p.accuracy >= 0 && p.accuracy <= 1));
  assert.ok(last.history.at(-1).validationAccuracy >= 0.9, JSON.stringify(last.history));

  // The result loads (its golden cases pass at load) and reads reviews it never saw.
  const model = await loadModel(result.bytes);
  try {
    assert.deepEqual(model.info.labels, ['negative', 'positive']);
    assert.ok(accuracy(model, heldOut) >= 0.9);
  } finally {
    model.dispose();
  }
});

test('the same data, options and seed give the same file; TSV bytes and rows are the same data', async () => {
  const a = await train(rows, { ...small, epochs: 1 });
  const b = await train(new TextEncoder().encode(toTsv(rows)), { ...small, epochs: 1 });
  assert.deepEqual(b.bytes, a.bytes);
  const c = await train(rows, { ...small, epochs: 1, seed: 8 });
  assert.notDeepEqual(c.bytes, a.bytes);
});

// Not the same weights: the initialisation, the split and the order of the mini-batches use the
// C++ standard library's distributions (std::normal_distribution, std::shuffle, ...), whose
// algorithms differ between libstdc++ (native) and libc++ (Emscripten), so the two start from
// different draws of the same seed. So the test holds them to the same accuracy.
test(
  'the trainer build learns what the native han train --threads 1 learns',
  { skip: !nativeCli },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'han-train-'));
    try {
      writeFileSync(join(dir, 'train.tsv'), toTsv(rows));
      const flags = [
        '--embedding-dim',
        '12',
        '--word-units',
        '6',
        '--sentence-units',
        '6',
        '--attention-units',
        '8',
        '--min-count',
        '1',
        '--epochs',
        '3',
        '--patience',
        '3',
        '--batch-size',
        '16',
        '--lr',
        '0.01',
        '--seed',
        '7',
        '--threads',
        '1',
      ];
      execFileSync(
        nativeCli,
        ['train', join(dir, 'train.tsv'), '-o', join(dir, 'native.han'), ...flags],
        { stdio: 'pipe' },
      );
      const native = await loadModel(new Uint8Array(readFileSync(join(dir, 'native.han'))));
      const wasm = await loadModel((await train(rows, { ...small, name: 'train.tsv' })).bytes);
      try {
        const [a, b] = [wasm.info.metadata, native.info.metadata];
        for (const key of ['train_examples', 'validation_examples', 'epochs_run', 'train_file']) {
          assert.equal(a[key], b[key], key);
        }
        assert.equal(wasm.info.vocabularySize, native.info.vocabularySize);
        assert.equal(wasm.info.parameters, native.info.parameters);
        assert.ok(a.validation_accuracy >= 0.9 && b.validation_accuracy >= 0.9);
        assert.ok(Math.abs(accuracy(wasm, heldOut) - accuracy(native, heldOut)) <= 0.1);
      } finally {
        native.dispose();
        wasm.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('fine-tuning keeps the vocabulary; the output layer alone keeps every attention weight', async () => {
  const base = (await train(rows, { ...small, epochs: 1 })).bytes;
  const start = await loadModel(base);
  // New rows whose sentiment words the start model never saw as such: swapped meanings.
  const swapped = makeReviews(120, 3).map(([label, text]) => [
    label === 'positive' ? 'negative' : 'positive',
    text,
  ]);
  try {
    const tuned = await loadModel((await train(swapped, { ...small, startFrom: base })).bytes);
    assert.equal(tuned.info.vocabularySize, start.info.vocabularySize);
    assert.equal(tuned.info.metadata.fine_tuned, 'all weights');
    assert.ok(accuracy(tuned, swapped) > accuracy(start, swapped));
    tuned.dispose();

    const head = await loadModel(
      (await train(swapped, { ...small, startFrom: base, outputLayerOnly: true })).bytes,
    );
    assert.equal(head.info.metadata.fine_tuned, 'output layer');
    const text = heldOut[0][1];
    const [p, q] = [head.predict(text), start.predict(text)];
    assert.deepEqual(
      p.sentences.map((s) => [s.weight, s.words.map((w) => w.weight)]),
      q.sentences.map((s) => [s.weight, s.words.map((w) => w.weight)]),
    );
    assert.notDeepEqual(p.probabilities, q.probabilities);
    head.dispose();
  } finally {
    start.dispose();
  }
});

test('an abort ends training between mini-batches; the next call trains', async () => {
  const controller = new AbortController();
  let reports = 0;
  await assert.rejects(
    train(
      rows,
      { ...small, epochs: 50, patience: 50, batchSize: 1 },
      {
        signal: controller.signal,
        onProgress: () => ++reports === 2 && controller.abort(),
      },
    ),
    { name: 'AbortError' },
  );
  assert.equal(reports, 2);
  assert.equal((await train(rows, { ...small, epochs: 1 })).epochs.length, 1);
});

test('bad data and options are one clear error, and the module stays usable', async () => {
  const rejects = (data, options, pattern) => assert.rejects(train(data, options), pattern);
  await rejects('', small, /train: the data is empty/);
  await rejects([], small, /train: the data is empty/);
  await rejects(
    rows.map(([, text]) => ['positive', text]),
    small,
    /label/i,
  );
  await rejects(
    'positive\tgood\nno tab on this line\n',
    small,
    /training data:2: expected label<TAB>text, found no TAB \(use \{ skipMalformed: true \}/,
  );
  await rejects(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    small,
    /train: the data has NUL bytes, which text never has: is it a binary file\?/,
  );
  await rejects('positive\t\n\tno label\n', small, /training data:1: /);
  await rejects(
    new Uint8Array(MAX_TRAIN_BYTES + 1),
    small,
    new RegExp(`more than the ${MAX_TRAIN_BYTES}`),
  );
  await rejects(42, small, /train: data must be the bytes or text of label<TAB>text lines/);
  await rejects([['positive', 3]], small, /row 0 must be \[label, text\]/);
  await rejects(rows, { epochs: 0 }, /train: epochs must be an integer from 1 to 10000, got 0/);
  await rejects(rows, { cell: 'rnn' }, /train: cell must be one of gru, lstm, got "rnn"/);
  await rejects(rows, { tempo: 3 }, /train: unknown option "tempo"/);
  await rejects(rows, { preset: 'huge' }, /unknown preset "huge" \(one of fast, balanced\)/);
  await rejects(rows, { outputLayerOnly: true }, /outputLayerOnly needs startFrom/);
  await rejects(rows, { startFrom: 12 }, /train: startFrom must be a URL/);
  await rejects(rows, { startFrom: new Uint8Array([1, 2, 3]) }, /model|file|magic/i);
  assert.ok(Object.isFrozen(TRAIN_PRESETS.fast));
  // Invalid UTF-8 is read as U+FFFD, as predict reads it: the rows still train.
  const invalid = new Uint8Array([
    ...new TextEncoder().encode(toTsv(rows)),
    ...new TextEncoder().encode('positive\twonderful '),
    0xff,
    0xc3,
    0x28,
    0x0a,
  ]);
  const model = await loadModel((await train(invalid, { ...small, epochs: 1 })).bytes);
  assert.equal(model.predict('A wonderful film.').label, 'positive');
  model.dispose();
  assert.equal((await train(rows, { ...small, epochs: 1 })).epochs.length, 1);
});
