// The WebAssembly builds compute what the PyTorch reference and the native CLI compute.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { loadModel } from 'han-wasm';

import {
  assertNear,
  expectedOutputs,
  fixtureNames,
  fixturePath,
  nativeCli,
  nativePredict,
  unicodeText,
  utf16Offset,
} from './helpers/fixtures.mjs';

const TOLERANCE = 1e-5;

for (const [variant, options] of [
  ['simd', { simd: true, threads: 1 }],
  ['baseline', { simd: false }],
  ['threads', { simd: true, threads: 2 }],
]) {
  describe(`${variant} build`, () => {
    const models = {};
    before(async () => {
      for (const name of fixtureNames) models[name] = await loadModel(fixturePath(name), options);
    });
    after(() => Object.values(models).forEach((model) => model.dispose()));

    test('runs the requested variant', () => {
      assert.equal(models.lstm.info.variant, variant);
    });

    for (const name of fixtureNames) {
      test(`${name}: matches the PyTorch reference within 1e-5`, () => {
        const model = models[name];
        for (const [c, expected] of expectedOutputs(name).cases.entries()) {
          const where = `${name} case ${c + 1}`;
          const p = model.predict(expected.text);
          assert.deepEqual(Object.keys(p.probabilities), model.info.labels);
          Object.values(p.probabilities).forEach((value, k) =>
            assertNear(value, expected.probabilities[k], TOLERANCE, `${where} label ${k}`),
          );
          assert.deepEqual(
            p.sentences.map((s) => s.words.map((w) => w.id)),
            expected.ids,
            `${where}: word ids`,
          );
          p.sentences.forEach((sentence, s) => {
            assertNear(sentence.weight, expected.sentence_weights[s], TOLERANCE, `${where} s${s}`);
            sentence.words.forEach((word, w) =>
              assertNear(
                word.weight,
                expected.word_weights[s][w],
                TOLERANCE,
                `${where} s${s}w${w}`,
              ),
            );
          });
        }
      });

      test(
        `${name}: matches the native CLI (tokens, offsets, weights)`,
        { skip: !nativeCli },
        () => {
          const texts = [...expectedOutputs(name).cases.map((c) => c.text), unicodeText];
          for (const text of texts) {
            const native = nativePredict(name, text);
            const wasm = models[name].predict(text);
            assert.equal(wasm.label, native.label);
            assert.equal(wasm.truncated, native.truncated);
            for (const label of Object.keys(native.probabilities)) {
              assertNear(wasm.probabilities[label], native.probabilities[label], TOLERANCE, label);
            }
            // Same spans once the CLI's UTF-8 byte offsets are turned into UTF-16 offsets.
            const span = (x) => [x.text, utf16Offset(text, x.start), utf16Offset(text, x.end)];
            assert.deepEqual(
              wasm.sentences.map((s) => [
                s.text,
                s.start,
                s.end,
                s.words.map((w) => [w.text, w.start, w.end]),
              ]),
              native.sentences.map((s) => [...span(s), s.words.map(span)]),
            );
            wasm.sentences.forEach((sentence, s) => {
              assertNear(sentence.weight, native.sentences[s].weight, TOLERANCE, `sentence ${s}`);
              sentence.words.forEach((word, w) =>
                assertNear(
                  word.weight,
                  native.sentences[s].words[w].weight,
                  TOLERANCE,
                  `word ${w}`,
                ),
              );
            });
          }
        },
      );
    }
  });
}

// The SIMD kernels against the scalar reference kernels of the baseline build, on the bundled
// model, whose sizes (100 inputs, 50 units, 100 attention units) leave vector tails to handle.
test('the SIMD and baseline builds agree within 1e-5 on the bundled model', async () => {
  const [simd, baseline] = await Promise.all([loadModel(undefined, { simd: true, threads: 1 }),
    loadModel(undefined, { simd: false })]);
  try {
    const texts = [
      'What a wonderful surprise. The cast is superb, the script sharp!',
      'A dull, lazy mess... I walked out after an hour. Avoid it.',
      unicodeText,
      Array.from({ length: 40 }, (_, i) => `Sentence ${i} is long enough to matter, maybe.`).join(' '),
    ];
    let compared = 0;
    for (const text of texts) {
      const a = simd.predict(text);
      const b = baseline.predict(text);
      for (const label of simd.info.labels) {
        assertNear(a.probabilities[label], b.probabilities[label], TOLERANCE, label);
      }
      assert.equal(a.sentences.length, b.sentences.length);
      a.sentences.forEach((sentence, s) => {
        assertNear(sentence.weight, b.sentences[s].weight, TOLERANCE, `sentence ${s}`);
        sentence.words.forEach((word, w) => {
          assertNear(word.weight, b.sentences[s].words[w].weight, TOLERANCE, `word ${w}`);
          compared++;
        });
      });
    }
    assert.ok(compared > 300, `${compared} word weights compared`);
  } finally {
    simd.dispose();
    baseline.dispose();
  }
});
