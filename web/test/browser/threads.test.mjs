// The demo in headless Chromium with and without the cross-origin isolation headers of
// scripts/serve.mjs: with them the package runs its threads build, without them the single-thread
// SIMD build, with no warning either way; both give the prediction Node gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { browserSession, wordsOf } from './browser.mjs';

const TEXT = 'A wonderful film. The cast is superb, and I loved every minute of it!';

async function openDemo(session) {
  const page = await session.newPage('/demo/');
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.waitForSelector('#result[data-state="done"] .han-word');
  await page.fill('#review', TEXT);
  await page.waitForFunction(
    (expected) =>
      document.querySelector('#result').dataset.state === 'done' &&
      document.querySelector('#highlight .han-review')?.textContent === expected,
    TEXT,
  );
  return { page, warnings };
}

// The verdict and the words the page shows, as Node's prediction gives them.
async function assertShowsPrediction(session, page) {
  const expected = session.model.predict(TEXT);
  const { label } = expected;
  assert.equal(
    await page.textContent('#verdict'),
    `${label} · ${(expected.probabilities[label] * 100).toFixed(1)}%`,
  );
  const words = await page.$$eval('#highlight .han-word', (nodes) =>
    nodes.map((node) => node.textContent),
  );
  assert.deepEqual(words, wordsOf(expected));
}

describe('served with COOP/COEP', () => {
  const session = browserSession();

  test('the demo runs on threads, and says how many in its status line', async () => {
    const { page, warnings } = await openDemo(session);
    const { isolated, cores } = await page.evaluate(() => ({
      isolated: globalThis.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    assert.equal(isolated, true);
    const threads = Math.min(cores, 4);
    assert.ok(threads > 1, 'this test needs a machine with 2 cores or more');
    assert.match(
      await page.textContent('#model-status'),
      new RegExp(`, WebAssembly SIMD, threads: ${threads}\\.$`),
    );
    await assertShowsPrediction(session, page);
    assert.deepEqual(warnings, []);
  });
});

describe('served without them, as by most static hosts', () => {
  const session = browserSession({ isolated: false });

  test('the demo falls back to one thread, without a warning', async () => {
    const { page, warnings } = await openDemo(session);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.match(await page.textContent('#model-status'), /, WebAssembly SIMD, threads: 1\.$/);
    await assertShowsPrediction(session, page);
    assert.deepEqual(warnings, []);
  });
});
