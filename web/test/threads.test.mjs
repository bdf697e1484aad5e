// The threads build (SIMD and pthreads, bindings/CMakeLists.txt): chosen by loadModel's `threads`,
// the same results as the single-thread SIMD build, errors that leave it usable, and a fallback to
// one thread, with a warning, when its workers cannot start.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadModel } from 'han-wasm';

import { fixtureBytes, fixtureNames, unicodeText } from './helpers/fixtures.mjs';

const web = fileURLToPath(new URL('..', import.meta.url));
const texts = [
  'Alpha bravo charlie. Delta echo!',
  unicodeText,
  '',
  Array.from({ length: 60 }, (_, s) => `alpha bravo ${s} charlie delta echo foxtrot.`).join(' '),
];

// Calls fn with console.warn recorded; gives the warnings.
async function warnings(fn) {
  const seen = [];
  const warn = console.warn;
  console.warn = (message) => seen.push(String(message));
  try {
    await fn();
  } finally {
    console.warn = warn;
  }
  return seen;
}

test('threads: a number from 1 to 16, else a TypeError or a RangeError', async () => {
  for (const threads of ['2', null, true, {}, 2n]) {
    await assert.rejects(loadModel(fixtureBytes('lstm'), { threads }), {
      name: 'TypeError',
      message: /^loadModel: threads must be a number, got /,
    });
  }
  for (const threads of [0, -1, 1.5, 17, NaN, Infinity]) {
    await assert.rejects(loadModel(fixtureBytes('lstm'), { threads }), {
      name: 'RangeError',
      message: `loadModel: threads must be an integer from 1 to 16, got ${threads}`,
    });
  }
});

test('threads picks the build, and info says which and how many threads', async () => {
  for (const [options, variant, threads] of [
    [{ threads: 1 }, 'simd', 1],
    [{ threads: 2 }, 'threads', 2],
    [{ threads: 4 }, 'threads', 4],
    [{ threads: 1, simd: false }, 'baseline', 1],
  ]) {
    const model = await loadModel(fixtureBytes('lstm'), options);
    assert.equal(model.info.variant, variant, JSON.stringify(options));
    assert.equal(model.info.threads, threads, JSON.stringify(options));
    model.dispose();
  }
  // The threads build needs SIMD: asked for without it, a warning and one thread.
  let model;
  const seen = await warnings(async () => {
    model = await loadModel(fixtureBytes('lstm'), { threads: 2, simd: false });
  });
  assert.deepEqual([model.info.variant, model.info.threads], ['baseline', 1]);
  assert.deepEqual(seen, [
    'han-wasm: the threads build needs WebAssembly SIMD; ' +
      'running on one thread (the baseline build)',
  ]);
  model.dispose();
});

// Without the sentence cache, so that every sentence's word level runs on the threads.
test('on 2 and 4 threads, the fixtures and the bundled model predict exactly as on 1', async () => {
  const sources = [...fixtureNames.map((name) => fixtureBytes(name)), undefined];
  for (const source of sources) {
    const one = await loadModel(source, { threads: 1, sentenceCache: false });
    const ids = Array.from({ length: 30 }, (_, s) =>
      Array.from({ length: 1 + (s % 7) }, (_, w) => (s * 7 + w) % one.info.vocabularySize),
    );
    const expected = texts.map((text) => one.predict(text));
    const expectedIds = one.predictIds(ids);
    for (const threads of [2, 4]) {
      const model = await loadModel(source, { threads, sentenceCache: false });
      assert.equal(model.info.variant, 'threads');
      texts.forEach((text, i) => assert.deepEqual(model.predict(text), expected[i]));
      assert.deepEqual(model.predictIds(ids), expectedIds);
      assert.deepEqual(model.predictBatch(texts), expected);
      model.dispose();
    }
    one.dispose();
  }
});

test('models loaded at once each get their workers, and they come back on dispose', async () => {
  const bytes = fixtureBytes('gru_reset_after');
  for (let round = 0; round < 3; round++) {
    const models = await Promise.all(
      [2, 3, 4].map((threads) => loadModel(bytes, { threads, sentenceCache: false })),
    );
    const expected = models[0].predict(texts[0]);
    for (const model of models) assert.deepEqual(model.predict(texts[0]), expected);
    models.forEach((model) => model.dispose());
  }
});

test('out of memory on threads: an Error, then the model and new loads work', async () => {
  const bytes = fixtureBytes('gru_reset_after');
  const model = await loadModel(bytes, {
    threads: 2,
    sentenceCache: false,
    limits: { maxTextBytes: Infinity, maxSentences: Infinity, maxWords: Infinity },
  });
  const expected = model.predict(texts[3]);
  // 20 million one-letter words in 10,000-word sentences: tens of bytes each in the tokenizer.
  const huge = `${'a '.repeat(9_999)}a. `.repeat(2_000);
  assert.throws(() => model.predict(huge), {
    name: 'Error',
    message: 'out of memory (the WebAssembly heap is limited to 1 GiB)',
  });
  assert.deepEqual(model.predict(texts[3]), expected);
  const again = await loadModel(bytes, { threads: 2, sentenceCache: false });
  assert.deepEqual(again.predict(texts[3]), expected);
  again.dispose();
  model.dispose();
});

// A copy of the package whose worker script is replaced (null: removed): each test gets a fresh
// module, so that the failure stays in it.
const copies = [];
after(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
async function packageWithWorker(script) {
  const dir = mkdtempSync(join(tmpdir(), 'han-wasm-threads-'));
  copies.push(dir);
  for (const part of ['src', 'dist', 'models', 'package.json']) {
    cpSync(join(web, part), join(dir, part), { recursive: true });
  }
  const worker = join(dir, 'dist/han-threads.worker.cjs');
  if (script === null) rmSync(worker);
  else {
    cpSync(worker, join(dir, 'dist/real.worker.cjs'));
    writeFileSync(worker, script);
  }
  return import(pathToFileURL(join(dir, 'src/node.js')).href);
}

async function assertFallsBack(pkg, pattern) {
  let model;
  const seen = await warnings(async () => {
    model = await pkg.loadModel(fixtureBytes('lstm'), { threads: 2 });
  });
  assert.deepEqual([model.info.variant, model.info.threads], ['simd', 1]);
  assert.equal(seen.length, 1, seen.join('\n'));
  assert.match(seen[0], pattern);
  assert.match(seen[0], /; running on one thread \(the simd build\)$/);
  assert.equal(model.predict(texts[0]).sentences.length, 2);
  model.dispose();
  // Later loads do not try again; they warn and run on one thread at once.
  const later = await warnings(async () => {
    model = await pkg.loadModel(fixtureBytes('lstm'), { threads: 2 });
  });
  assert.equal(model.info.variant, 'simd');
  assert.equal(later.length, 1);
  model.dispose();
}

test('a missing worker script: a warning, and the model runs on one thread', async () => {
  const pkg = await packageWithWorker(null);
  await assertFallsBack(pkg, /^han-wasm: the threads build could not start: worker thread /);
});

test('a worker that dies while starting: a warning, and one thread', async () => {
  const pkg = await packageWithWorker(`process.exit(3);\n`);
  await assertFallsBack(
    pkg,
    /^han-wasm: the threads build could not start: worker thread exited with code 3/,
  );
});

test('a worker that never starts: a warning after 10 s, and one thread', async () => {
  // It loads the real script but never sees the message that would start it.
  const pkg = await packageWithWorker(
    `require('worker_threads').parentPort.on = () => {};\nrequire('./real.worker.cjs');\n` +
      `setInterval(() => {}, 1000);\n`,
  );
  await assertFallsBack(pkg, /did not start within 10 s/);
});

test('workers that cannot start leave the models already on threads working', async () => {
  // Workers exit while starting once the flag file exists.
  const flag = join(mkdtempSync(join(tmpdir(), 'han-wasm-flag-')), 'fail');
  copies.push(dirname(flag));
  const pkg = await packageWithWorker(
    `if (require('fs').existsSync(${JSON.stringify(flag)})) process.exit(3);\n` +
      `require('./real.worker.cjs');\n`,
  );
  const first = await pkg.loadModel(fixtureBytes('lstm'), { threads: 2 });
  assert.equal(first.info.variant, 'threads');
  const expected = first.predict(texts[3]);
  writeFileSync(flag, '');
  let second;
  const seen = await warnings(async () => {
    second = await pkg.loadModel(fixtureBytes('lstm'), { threads: 3 }); // one more worker
  });
  assert.equal(second.info.variant, 'simd');
  assert.equal(seen.length, 1);
  assert.match(seen[0], /could not start: worker thread exited with code 3/);
  assert.deepEqual(first.predict(texts[3]), expected);
  assert.deepEqual(second.predict(texts[3]), expected);
  first.dispose();
  second.dispose();
});

test('a worker that dies once running: a warning, its model throws, then one thread', async () => {
  const alone = await loadModel(fixtureBytes('lstm'), { threads: 1 });
  const expected = alone.predict(texts[3]);
  alone.dispose();
  // The worker exits when asked to run its thread, before the real script sees the message.
  const pkg = await packageWithWorker(
    `require('worker_threads').parentPort.on('message', (data) => {\n` +
      `  if (data.cmd === 'run') process.exit(4);\n` +
      `});\nrequire('./real.worker.cjs');\n`,
  );
  const seen = [];
  const warn = console.warn;
  let model;
  try {
    const warned = new Promise((resolve) => {
      console.warn = (message) => resolve(seen.push(String(message)));
    });
    model = await pkg.loadModel(fixtureBytes('lstm'), { threads: 2 });
    assert.deepEqual([model.info.variant, model.info.threads], ['threads', 2]);
    // Before the page hears of it, a prediction in two parts: the part the dead worker would
    // have taken is done by the calling thread (WorkerPool), instead of waited for forever.
    assert.deepEqual(model.predict(texts[3]), expected);
    assert.equal(seen.length, 0);
    // The package's workers do not keep Node running: this timer does, until the warning.
    const keepAlive = setInterval(() => {}, 100);
    await warned.finally(() => clearInterval(keepAlive));
  } finally {
    console.warn = warn;
  }
  assert.match(
    seen[0],
    /^han-wasm: a worker of the threads build stopped \(worker thread exited with code 4\); its /,
  );
  assert.throws(() => model.predict(texts[0]), {
    name: 'Error',
    message: /^a worker of the threads build stopped .*: load the model again \(it then runs on /,
  });
  model.dispose(); // returns: it does not join the dead thread
  let again;
  const later = await warnings(async () => {
    again = await pkg.loadModel(fixtureBytes('lstm'), { threads: 2 });
  });
  assert.deepEqual([again.info.variant, again.info.threads], ['simd', 1]);
  assert.equal(later.length, 1);
  assert.equal(again.predict(texts[0]).sentences.length, 2);
  again.dispose();
});
