// Errors: damaged model files give the native loader's message, wrong arguments a TypeError, and
// after each one the module keeps working.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { loadModel } from 'han-wasm';

import {
  assertSameMessage,
  fixtureBytes,
  nativeCli,
  nativeLoadError,
} from './helpers/fixtures.mjs';
import { crc32 } from './helpers/hanfile.mjs';

const bytes = fixtureBytes('gru_reset_after');
const text = 'Alpha bravo charlie. Delta echo!';
const work = mkdtempSync(join(tmpdir(), 'han-wasm-test-'));
let model;
let expected;

before(async () => {
  model = await loadModel(bytes);
  expected = model.predict(text);
});
after(() => {
  model.dispose();
  rmSync(work, { recursive: true });
});

// The module still loads and runs models, and the model loaded before still predicts the same.
async function assertStillWorks() {
  assert.deepEqual(model.predict(text), expected);
  const again = await loadModel(bytes);
  assert.deepEqual(again.predict(text), expected);
  again.dispose();
}

// A copy of the model whose output bias is off by one and whose checksum is right again
// (docs/model-format.md): it loads only when its golden cases are not run.
function withWrongWeights() {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const ascii = (at, length) => String.fromCharCode(...copy.subarray(at, at + length));
  let at = 24;
  while (ascii(at, 4) !== 'TENS') at += 12 + Number(view.getBigUint64(at + 4, true));
  const tensorCount = view.getUint32(at + 12, true);
  at += 16;
  for (let i = 0; i < tensorCount; i++) {
    const nameLength = view.getUint16(at, true);
    const name = ascii(at + 2, nameLength);
    at += 2 + nameLength + 1; // name length, name, dtype
    const rank = copy[at++];
    let size = 1;
    for (let d = 0; d < rank; d++, at += 4) size *= view.getUint32(at, true);
    if (name === 'output.bias') view.setFloat32(at, view.getFloat32(at, true) + 1, true);
    at += 4 * size;
  }
  view.setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

// A copy of the model whose configuration holds metadata nested `levels` deep: a million levels
// overflowed the stack before the loader bounded the nesting.
function withDeepMetadata(levels) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const sections = [];
  for (let at = 24; at < bytes.length - 4;) {
    const length = Number(view.getBigUint64(at + 4, true));
    sections.push([bytes.subarray(at, at + 4), bytes.subarray(at + 12, at + 12 + length)]);
    at += 12 + length;
  }
  const conf = sections.find(([tag]) => String.fromCharCode(...tag) === 'CONF');
  const json = new TextDecoder().decode(conf[1]);
  const deep = `"metadata":{"deep":${'['.repeat(levels - 2)}${']'.repeat(levels - 2)}},`;
  conf[1] = new TextEncoder().encode(`{${deep}${json.slice(1)}`);
  const length = 24 + sections.reduce((sum, [, payload]) => sum + 12 + payload.length, 0) + 4;
  const out = new Uint8Array(length);
  const outView = new DataView(out.buffer);
  out.set(bytes.subarray(0, 16));
  outView.setBigUint64(16, BigInt(length), true);
  let at = 24;
  for (const [tag, payload] of sections) {
    out.set(tag, at);
    outView.setBigUint64(at + 4, BigInt(payload.length), true);
    out.set(payload, at + 12);
    at += 12 + payload.length;
  }
  outView.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

const damaged = {
  'a truncated model file': {
    bytes: () => bytes.subarray(0, bytes.length - 10),
    message: /^file is truncated: /,
  },
  'a corrupted model file': {
    bytes: () => bytes.map((b, i) => (i === 300 ? b ^ 0x10 : b)),
    message:
      /^checksum mismatch: the file is corrupted \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\)$/,
  },
  'an empty file': {
    bytes: () => new Uint8Array(0),
    message: /^not a han model file: only 0 bytes$/,
  },
  'an HTML page': {
    bytes: () => new TextEncoder().encode('<html>not found</html>'.repeat(3)),
    message: /magic/,
  },
  'a model with JSON nested a million levels deep': {
    bytes: () => withDeepMetadata(1_000_000),
    message: /^configuration: JSON nested deeper than 64 levels$/,
  },
  'a model with wrong weights': {
    bytes: withWrongWeights,
    message:
      /^golden case 1: probability of 'negative' is .*: the model does not compute what its writer computed$/,
  },
};

for (const [kind, { bytes: damagedBytes, message }] of Object.entries(damaged)) {
  test(`${kind} rejects with the native loader's message`, async () => {
    const data = damagedBytes();
    const error = await loadModel(data).then(
      () => assert.fail('loaded'),
      (e) => e,
    );
    assert.equal(error.constructor, Error);
    assert.match(error.message, message);
    if (nativeCli) {
      const path = join(work, 'damaged.han');
      writeFileSync(path, data);
      assertSameMessage(error.message, nativeLoadError(path));
    }
    await assertStillWorks();
  });
}

test('verify: false skips the golden cases', async () => {
  const unchecked = await loadModel(withWrongWeights(), { verify: false });
  assert.notDeepEqual(unchecked.predict(text).probabilities, expected.probabilities);
  unchecked.dispose();
});

const wrongCalls = {
  'loadModel(42)': [() => loadModel(42), /^loadModel: source must be a URL, .* got number$/],
  'loadModel(null)': [() => loadModel(null), /got null$/],
  'loadModel({})': [() => loadModel({}), /got an object$/],
  'loadModel(bytes, null)': [
    () => loadModel(bytes, null),
    /^loadModel: options must be an object, got null$/,
  ],
  'onProgress: "yes"': [
    () => loadModel(bytes, { onProgress: 'yes' }),
    /^loadModel: onProgress must be a function, got string$/,
  ],
  'predict(42)': [() => model.predict(42), /^predict: expected a string, got number$/],
  'predict()': [() => model.predict(), /^predict: expected a string, got undefined$/],
  'predict(["a"])': [() => model.predict(['a']), /^predict: expected a string, got an array$/],
  'predict(new String("a"))': [() => model.predict(new String('a')), /got a String$/],
  'predictBatch("abc")': [
    () => model.predictBatch('abc'),
    /^predictBatch: expected an array of strings, got string$/,
  ],
  'predictBatch(42)': [() => model.predictBatch(42), /got number$/],
  'predictBatch(["a", 1])': [
    () => model.predictBatch(['a', 1]),
    /^predictBatch: texts\[1\] must be a string, got number$/,
  ],
};

for (const [call, [run, message]] of Object.entries(wrongCalls)) {
  test(`${call} throws a TypeError`, async () => {
    // Synchronous for predict, a rejected promise for loadModel.
    await assert.rejects(async () => run(), { name: 'TypeError', message });
    await assertStillWorks();
  });
}
