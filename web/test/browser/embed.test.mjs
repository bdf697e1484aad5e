// <han-highlight> on demo/embed.html, a plain page with one module script, in headless Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  accessibilityViolations,
  browserSession,
  nextPrediction,
  openEmbedPage,
  screenshot,
  wordsOf,
} from './browser.mjs';

const session = browserSession();

// What an element shows: its label line, its words, its view.
const shown = (page, id) =>
  page.$eval(`#${id}`, (element) => ({
    text: element.text,
    label: element.shadowRoot.querySelector('[part="label"]').textContent,
    words: [...element.shadowRoot.querySelectorAll('.han-word')].map((word) => word.textContent),
    review: element.shadowRoot.querySelector('.han-review').textContent,
    view: element.shadowRoot.querySelector('.han-highlight').dataset.view,
  }));

test('the embed page renders each element with its text, label and words', async () => {
  const page = await openEmbedPage(session);
  for (const [id, view] of [
    ['embed-positive', 'combined'],
    ['embed-negative', 'sentence'],
  ]) {
    const element = await shown(page, id);
    const prediction = session.model.predict(element.text);
    assert.match(element.text, /^[A-Z][^\n]+[.!]$/, 'whitespace collapsed as the page shows it');
    assert.equal(element.review, element.text);
    assert.deepEqual(element.words, wordsOf(prediction));
    assert.equal(
      element.label,
      `${prediction.label}, ${(prediction.probabilities[prediction.label] * 100).toFixed(1)}%`,
    );
    assert.equal(element.view, view);
  }
  assert.deepEqual(await accessibilityViolations(page), [], 'axe: WCAG 2.1 A and AA');
  await screenshot(page, 'embed-desktop');
  await page.setViewportSize({ width: 375, height: 812 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
  await screenshot(page, 'embed-phone');
});

test('the embedded reviews get the labels they deserve', async () => {
  const page = await openEmbedPage(session);
  assert.match((await shown(page, 'embed-positive')).label, /^positive, /);
  assert.match((await shown(page, 'embed-negative')).label, /^negative, /);
});

test('the element follows changes to its text and its view, and shows markup as text', async () => {
  const page = await openEmbedPage(session);
  const markup =
    'Alpha <img src=x onerror="window.ran = true"> bravo. <script>window.ran = true</script>';
  const changed = nextPrediction(page, '#embed-positive');
  await page.$eval(
    '#embed-positive',
    (element, text) => {
      element.textContent = text;
      element.view = 'word';
    },
    markup,
  );
  await changed;
  const element = await shown(page, 'embed-positive');
  assert.equal(element.review, markup);
  assert.equal(element.view, 'word');
  assert.deepEqual(element.words, wordsOf(session.model.predict(markup)));
  assert.equal(await page.locator('#embed-positive :is(img, script)').count(), 0);
  assert.equal(await page.evaluate(() => window.ran), undefined);
});

test('an element whose model cannot load keeps its text and fires error', async () => {
  const page = await openEmbedPage(session);
  const message = await page.evaluate(async () => {
    const element = document.createElement('han-highlight');
    element.setAttribute('model', 'missing.han');
    element.textContent = 'Still readable.';
    const failed = new Promise((resolve) =>
      element.addEventListener('error', (e) => resolve(e.message)),
    );
    document.body.append(element);
    return failed;
  });
  assert.match(
    message,
    /^cannot load the model from http:\/\/localhost:\d+\/demo\/missing\.han: HTTP 404$/,
  );
  assert.equal(await page.textContent('body > han-highlight'), 'Still readable.');
  // The failure is reported on the console too, as it should be; nothing else is.
  const reported = session.problems.splice(0);
  assert.equal(reported.length, 2, reported.join('\n'));
  assert.match(reported[0], /404/);
  assert.match(reported[1], /^console: han-highlight: Error: cannot load the model/);
});
