// model.explain: every attribution method agrees with the native `han explain` on the fixtures,
// the comprehensiveness it reports is what removing those words does, and bad input is an error.
// The gradient methods run on the trainer build (loadModel's { gradients: true }); the inference
// builds refuse them with a message that says so.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { loadModel } from 'han-wasm';

import {
  assertNear,
  fixtureBytes,
  fixtureNames,
  fixturePath,
  nativeCli,
  unicodeText,
  utf16Offset,
} from './helpers/fixtures.mjs';

const methods = [
  'attention',
  'word-attention',
  'sentence-attention',
  'occlusion',
  'gradient-input',
  'integrated-gradients',
];
const text = 'Alpha bravo charlie delta. Echo foxtrot golf! Hotel ünknown india kilo lima.';

function nativeExplain(name, method, input) {
  const args = ['explain', '--method', method, '--steps', '12', fixturePath(name)];
  return JSON.parse(execFileSync(nativeCli, args, { input }));
}

test('every method agrees with han explain on every fixture', { skip: !nativeCli }, async () => {
  for (const name of fixtureNames) {
    const model = await loadModel(fixtureBytes(name), { gradients: true });
    try {
      assert.equal(model.info.variant, 'train');
      for (const method of methods) {
        const native = nativeExplain(name, method, text);
        const e = model.explain(text, { method, steps: 12 });
        const what = `${name} ${method}`;
        assert.equal(e.method, method, what);
        assert.equal(e.label, native.label, what);
        assert.equal(e.sentences.length, native.sentences.length, what);
        e.sentences.forEach((s, i) => {
          const n = native.sentences[i];
          assert.equal(s.start, utf16Offset(text, n.start), what);
          assertNear(s.weight, n.weight, 1e-5, `${what} sentence ${i}`);
          s.words.forEach((w, j) => {
            assert.equal(w.text, n.words[j].text, what);
            assertNear(w.weight, n.words[j].weight, 1e-5, `${what} word ${w.text}`);
          });
        });
        if (method === 'integrated-gradients') {
          const ig = e.integratedGradients;
          assert.equal(ig.steps, 12);
          assertNear(ig.baselineProbability, native.integrated_gradients.baseline_probability,
            1e-5, what);
          assertNear(ig.completenessError, native.integrated_gradients.completeness_error, 1e-5,
            what);
        } else {
          assert.equal(e.integratedGradients, undefined, what);
        }
      }
    } finally {
      model.dispose();
    }
  }
});

test('comprehensiveness is what removing the top words does', async () => {
  const model = await loadModel(fixtureBytes('gru_reset_after'), { gradients: true });
  try {
    for (const method of methods) {
      const e = model.explain(text, { method, topWords: 3 });
      const words = e.sentences.flatMap((s, i) => s.words.map((w, j) => ({ ...w, i, j })));
      // Highest weight first, ties in reading order: the core's ranking.
      const top = [...words].sort((a, b) => b.weight - a.weight).slice(0, 3);
      const ids = e.sentences.map((s) => s.words.map((w) => w.id));
      for (const w of top) ids[w.i][w.j] = 0; // padding: the network skips it
      const without = model.predictIds(ids);
      assert.equal(e.comprehensiveness.words, 3);
      assertNear(e.comprehensiveness.change,
        e.probabilities[e.label] - without.probabilities[e.label], 1e-6, method);
      assert.equal(e.comprehensiveness.label, without.label, method);
    }
    assert.equal(model.explain(text, { topWords: 0 }).comprehensiveness, undefined);
  } finally {
    model.dispose();
  }
});

test('attention is the prediction, offsets are those of predict, hostile text stays text',
  async () => {
    const model = await loadModel(fixtureBytes('lstm'), { gradients: true });
    try {
      const p = model.predict(unicodeText);
      const e = model.explain(unicodeText);
      assert.deepEqual(
        e.sentences.map((s) => s.words.map((w) => w.weight)),
        p.sentences.map((s) => s.words.map((w) => Math.fround(w.weight * s.weight))),
      );
      const hostile = '<img src=x onerror=alert(1)> alpha "bravo" & </script> \u0000 \ud800 echo.';
      for (const method of methods) {
        const h = model.explain(hostile, { method, steps: 3 });
        const q = model.predict(hostile);
        assert.deepEqual(
          h.sentences.map((s) => s.words.map((w) => [w.text, w.start, w.end])),
          q.sentences.map((s) => s.words.map((w) => [w.text, w.start, w.end])),
          method,
        );
        for (const s of h.sentences) {
          for (const w of s.words) assert.equal(hostile.slice(w.start, w.end).length, w.text.length);
        }
        const empty = model.explain('  ...  ', { method });
        assert.deepEqual(empty.sentences, []);
        assert.equal(empty.comprehensiveness.change, 0);
      }
    } finally {
      model.dispose();
    }
  });

test('the inference builds leave the gradient methods out, the others agree with the trainer build',
  async () => {
    const inference = await loadModel(fixtureBytes('mixed'));
    const trainer = await loadModel(fixtureBytes('mixed'), { gradients: true });
    try {
      assert.notEqual(inference.info.variant, 'train');
      for (const method of ['gradient-input', 'integrated-gradients']) {
        assert.throws(() => inference.explain(text, { method }),
          new RegExp(`explain: ${method} needs the backward pass.*\\{ gradients: true \\}`));
      }
      for (const method of methods.slice(0, 4)) {
        const a = inference.explain(text, { method });
        const b = trainer.explain(text, { method });
        a.sentences.forEach((s, i) => s.words.forEach((w, j) =>
          assertNear(w.weight, b.sentences[i].words[j].weight, 1e-6, `${method} ${w.text}`)));
      }
      assert.equal(inference.predict(text).label, trainer.predict(text).label);
    } finally {
      inference.dispose();
      trainer.dispose();
    }
  });

test('bad options are one clear error and leave the model usable', async () => {
  const model = await loadModel(fixtureBytes('mixed'), { gradients: true });
  assert.throws(() => model.explain(42), /explain: expected a string, got number/);
  assert.throws(() => model.explain(text, null), /explain: options must be an object/);
  assert.throws(() => model.explain(text, { method: 'shap' }), /unknown method "shap" \(one of/);
  assert.throws(() => model.explain(text, { method: 'integrated-gradients', steps: 0 }),
    /steps must be an integer from 1 to 10000, got 0/);
  assert.throws(() => model.explain(text, { topWords: 1.5 }), /topWords must be an integer/);
  assert.equal(model.explain(text, { method: 'occlusion' }).method, 'occlusion');
  model.dispose();
  assert.throws(() => model.explain(text), /this model was disposed/);
});
