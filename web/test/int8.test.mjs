// Models that compute in int8 (han quantize --compute int8, made here by the native CLI): every
// WebAssembly build passes the golden cases the native writer stored (its integer network's
// outputs), says so in model.info, predicts what the native CLI predicts, and a damaged int8
// scale gets the native loader's one-line message naming the tensor.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { loadModel } from 'han-wasm';

import { assertNear, nativeCli, nativeLoadError, unicodeText } from './helpers/fixtures.mjs';
import { crc32 } from './helpers/hanfile.mjs';

const TOLERANCE = 1e-5;
const work = mkdtempSync(join(tmpdir(), 'han-wasm-int8-'));
const int8Path = join(work, 'int8.han');
const texts = [
  'What a wonderful surprise. The cast is superb, the script sharp!',
  'A dull, lazy mess... I walked out after an hour. Avoid it.',
  unicodeText,
];

before(() => {
  if (nativeCli) {
    const bundled = fileURLToPath(new URL('../../models/imdb-sentiment.han', import.meta.url));
    execFileSync(nativeCli, ['quantize', bundled, int8Path, '--compute', 'int8']);
  }
});
after(() => rmSync(work, { recursive: true }));

const nativePredict = (text) =>
  JSON.parse(execFileSync(nativeCli, ['predict', '--format', 'json', int8Path], { input: text }));

for (const [variant, options] of [
  ['simd', { simd: true, threads: 1 }],
  ['baseline', { simd: false }],
  ['threads', { simd: true, threads: 2 }],
]) {
  describe(`int8 compute, ${variant} build`, { skip: !nativeCli && 'needs the native CLI' }, () => {
    let model;
    let float;
    before(async () => {
      model = await loadModel(readFileSync(int8Path), options); // runs the golden cases
      float = await loadModel(undefined, options);
    });
    after(() => {
      model?.dispose();
      float?.dispose();
    });

    test('model.info says what each model computes in', () => {
      assert.equal(model.info.compute, 'int8');
      assert.equal(float.info.compute, 'float32');
      assert.equal(model.info.variant, variant);
    });

    test('predicts what the native CLI predicts', () => {
      for (const text of texts) {
        const native = nativePredict(text);
        const wasm = model.predict(text);
        assert.equal(wasm.label, native.label);
        for (const label of model.info.labels) {
          assertNear(wasm.probabilities[label], native.probabilities[label], TOLERANCE, label);
        }
        wasm.sentences.forEach((sentence, s) => {
          assertNear(sentence.weight, native.sentences[s].weight, TOLERANCE, `sentence ${s}`);
          sentence.words.forEach((word, w) =>
            assertNear(word.weight, native.sentences[s].words[w].weight, TOLERANCE, `word ${w}`),
          );
        });
      }
    });

    // A different model from the float one (its matrices rounded), but not a different verdict.
    test('stays close to the float model it was made from', () => {
      for (const text of texts) {
        const a = model.predict(text);
        const b = float.predict(text);
        assert.equal(a.label, b.label);
        for (const label of model.info.labels) {
          assertNear(a.probabilities[label], b.probabilities[label], 0.02, label);
        }
      }
    });
  });
}

test(
  'a damaged int8 scale rejects with the native message naming the tensor',
  { skip: !nativeCli },
  async () => {
    const bytes = new Uint8Array(readFileSync(int8Path));
    const name = 'word_attention.kernel';
    const needle = new TextEncoder().encode(name);
    let at = 0;
    while (!needle.every((b, i) => bytes[at + i] === b)) at++;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(bytes[at + needle.length], 4, 'stored as int8 per column');
    const scales = at + needle.length + 2 + 4 * bytes[at + needle.length + 1];
    view.setFloat32(scales + 4 * 7, -1, true);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    const error = await loadModel(bytes).then(
      () => assert.fail('loaded'),
      (e) => e,
    );
    const expected = `tensor ${name}: the scale of column 7 is -1.0 (a scale is finite, not negative, and 0 only over values that are all 0)`;
    assert.equal(error.message, expected);
    const damaged = join(work, 'damaged.han');
    writeFileSync(damaged, bytes);
    assert.equal(nativeLoadError(damaged), expected);
    const model = await loadModel(readFileSync(int8Path)); // the module still works
    assert.equal(model.info.compute, 'int8');
    model.dispose();
  },
);
