// Soak: predictions over hostile and varied text -- empty, whitespace only, 1 MB of prose, binary
// junk, invalid UTF-8 (decoded as a browser decodes bytes) and lone surrogates, every Unicode
// plane, right-to-left scripts, combining marks -- checking that every prediction is valid, that
// the same text always gives the same prediction, and that the WebAssembly heap stays flat.
//
//   node --test test/soak.test.mjs       3,000 predictions, a few seconds (npm test, CI)
//   node test/soak.test.mjs --long       100,000 predictions (scripts/soak.sh, docs/reliability.md)
//
// Like memory.test.mjs it drives the bindings directly, which show the heap; src/core.js only
// wraps them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { heapState, instantiate } from './helpers/bindings.mjs';
import { fixtureBytes } from './helpers/fixtures.mjs';
import { random } from './helpers/random.mjs';

// A period: 1,500 predictions, one in 500 reading one of the large texts. The heap is measured
// after each; the first one warms up.
const PERIOD = 1500;
const HEAVY_EVERY = 500;
const periods = process.argv.includes('--long') ? 67 : 2;
const iterations = periods * PERIOD;

const next = random(20240601);
const pick = (list) => list[Math.floor(next() * list.length)];

const WORDS = (
  'alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike ' +
  'film plot actor scene music ending wonderful boring brilliant awful slow moving'
).split(' ');

function prose(bytes) {
  const sentences = [];
  let length = 0;
  while (length < bytes) {
    const words = Array.from({ length: 3 + Math.floor(next() * 15) }, () => pick(WORDS));
    const sentence = `${words.join(' ')}${pick(['.', '!', '?', '...', '.'])} `;
    sentences.push(sentence[0].toUpperCase() + sentence.slice(1));
    length += sentence.length;
  }
  return sentences.join('').slice(0, bytes);
}

const randomBytes = (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
const codeUnits = (n) => String.fromCharCode(...Array.from({ length: n }, () => next() * 0x10000));
// A few code points of each of the 17 planes (assigned or not, private use included), as words.
const planes = Array.from({ length: 17 }, (_, plane) =>
  [0x41, 0x4e2d, 0x8000, 0xfffd]
    .map((offset) => String.fromCodePoint(plane * 0x10000 + offset).repeat(3))
    .join(' '),
).join('. ');

const light = {
  empty: '',
  whitespace: ' \t\n\r\v\f\u00a0\u2003\u2028\u3000 '.repeat(20),
  'binary junk (random UTF-16 code units, lone surrogates and NUL included)': codeUnits(1000),
  'invalid UTF-8, decoded as a browser decodes bytes': new TextDecoder().decode(randomBytes(1000)),
  'random bytes as Latin-1': Buffer.from(randomBytes(1000)).toString('latin1'),
  'lone surrogates': 'alpha \uD800 bravo\uDFFF\uD800charlie \uDBFF. \uDC00delta\uD83D',
  'every Unicode plane': planes,
  'right-to-left':
    'שלום עולם, הסרט היה נפלא! \u200Fمرحبا بالعالم، الفيلم رائع؟ \u202Eabc\u202C ok.',
  'combining marks': `Z${'\u0301\u0336\u0489'.repeat(200)}algo e\u0301 a\u030a\u0301 \u0300start.`,
  'emoji sequences': '👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇩🇪 👍🏽 ❤️ #️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿! 🎬🍿.',
  'markup and entities': '<br /><p>alpha</p>&amp;&#x1F600;&#99999999;<'.repeat(10),
  'controls and NUL': '\0\u0001alpha\0bravo\u007f\u0085charlie\u009c\u200b\ufeff.'.repeat(10),
  prose: prose(1000),
};
const heavy = {
  '1 MB of prose': prose(1 << 20),
  '50,000 one-word sentences': 'a. '.repeat(50_000),
  'one 100,000-letter word': 'x'.repeat(100_000),
};


// The bindings' prediction (typed arrays, see bindings/han_bindings.cpp): probabilities, and
// every sentence with words, inside the text, each word inside its sentence.
function checkValid(text, prediction) {
  assert.ok(prediction.probabilities.every((p) => p >= 0 && p <= 1));
  assert.ok(prediction.label < prediction.probabilities.length);
  const { sentenceSpans, wordCounts, wordSpans, wordWeights } = prediction;
  for (let s = 0, w = 0; s < wordCounts.length; ++s) {
    const [start, end] = [sentenceSpans[2 * s], sentenceSpans[2 * s + 1]];
    assert.ok(0 <= start && start < end && end <= text.length);
    assert.ok(wordCounts[s] > 0);
    for (const last = w + wordCounts[s]; w < last; ++w) {
      assert.ok(start <= wordSpans[2 * w] && wordSpans[2 * w] < wordSpans[2 * w + 1]);
      assert.ok(wordSpans[2 * w + 1] <= end && wordWeights[w] >= 0 && wordWeights[w] <= 1);
    }
  }
}

const digest = (prediction) =>
  createHash('sha256').update(JSON.stringify(prediction)).digest('hex');

test(`${iterations.toLocaleString('en')} predictions over varied text: valid, deterministic, flat heap`, async () => {
  const wasm = await instantiate('simd');
  const model = wasm.loadModel(fixtureBytes('lstm'), true, wasm.defaultLimits(), true, 0, 1).value;
  const expected = new Map();
  const predict = (name, text) => {
    const outcome = model.predict(text);
    assert.ok(!('error' in outcome), `${name}: ${outcome.error}`);
    return outcome.value;
  };
  // First use: each text once, checked in full; its digest is what every later run must give.
  const start = performance.now();
  for (const [name, text] of [...Object.entries(light), ...Object.entries(heavy)]) {
    const prediction = predict(name, text);
    checkValid(text, prediction);
    expected.set(name, digest(prediction));
  }

  const lightNames = Object.keys(light);
  const heavyNames = Object.keys(heavy);
  let before;
  for (let period = 0; period < periods; period++) {
    for (let i = 0; i < PERIOD; i++) {
      const isHeavy = i % HEAVY_EVERY === HEAVY_EVERY - 1;
      const name = isHeavy
        ? heavyNames[Math.floor(i / HEAVY_EVERY)]
        : lightNames[i % lightNames.length];
      const text = isHeavy ? heavy[name] : light[name];
      const where = `prediction ${period * PERIOD + i}: ${name}`;
      assert.equal(digest(predict(name, text)), expected.get(name), where);
    }
    // Every period makes the same calls: without a leak the allocator ends each in one state.
    const state = heapState(wasm);
    if (before) assert.deepEqual(state, before, `after period ${period + 1}`);
    else before = state;
  }

  const seconds = (performance.now() - start) / 1000;
  console.log(
    `# ${iterations} predictions of ${expected.size} texts in ${seconds.toFixed(1)} s; after ` +
      `every period: heap ${before.heapBytes} bytes, probe ${before.probe}, ` +
      `JS values held ${before.jsValues}`,
  );
  model.delete();
});
