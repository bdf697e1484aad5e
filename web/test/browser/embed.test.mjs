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

// The shades and tooltips of an element, and the same text explained in the page by the package.
async function methodShown(page, selector, method) {
  return page.evaluate(
    async ([target, name]) => {
      const element = document.querySelector(target);
      const { loadModel } = await import('../web/src/index.js');
      const gradients = ['gradient-input', 'integrated-gradients'].includes(name);
      const model = await loadModel(undefined, { gradients });
      const e = model.explain(element.text, { method: name, topWords: 0 });
      model.dispose();
      const root = element.shadowRoot;
      return {
        method: root.querySelector('.han-highlight').dataset.method,
        predictionMethod: element.prediction.method,
        words: [...root.querySelectorAll('.han-word')].map((word) => ({
          text: word.textContent,
          shade: Number(word.style.getPropertyValue('--han-shade-combined')),
          against: word.classList.contains('han-against'),
        })),
        weights: e.sentences.flatMap((s) => s.words.map((w) => [w.text, w.weight])),
      };
    },
    [selector, method],
  );
}

test('<han-highlight method="occlusion"> shades by model.explain’s occlusion weights', async () => {
  const page = await openEmbedPage(session);
  const shown = await methodShown(page, '#embed-occlusion', 'occlusion');
  assert.equal(shown.method, 'occlusion');
  assert.equal(shown.predictionMethod, 'occlusion');
  assert.match(
    await page.$eval(
      '#embed-occlusion',
      (e) => e.shadowRoot.querySelector('[part="label"]').textContent,
    ),
    /^negative, \d+\.\d% · weights by occlusion$/,
  );
  const largest = Math.max(...shown.weights.map(([, w]) => Math.abs(w)));
  assert.deepEqual(
    shown.words.map((w) => w.text),
    shown.weights.map(([text]) => text),
  );
  shown.words.forEach((word, i) => {
    const weight = shown.weights[i][1];
    assert.ok(Math.abs(word.shade - Math.abs(weight) / largest) <= 2e-4, `${word.text}`);
    assert.equal(word.against, weight < 0, word.text);
  });
  assert.ok(
    shown.words.some((w) => w.against),
    'some words speak against the verdict',
  );
  // Not attention: the same text with method="attention" shades otherwise.
  const attention = session.model.predict(await page.$eval('#embed-occlusion', (e) => e.text));
  const attentionWords = attention.sentences.flatMap((s) =>
    s.words.map((w) => w.weight * s.weight),
  );
  const top = Math.max(...attentionWords);
  assert.notDeepEqual(
    shown.words.map((w) => w.shade.toFixed(2)),
    attentionWords.map((w) => (w / top).toFixed(2)),
  );
});

test('changing the method attribute re-renders; an unknown method shows a message', async () => {
  const page = await openEmbedPage(session);
  let changed = nextPrediction(page, '#embed-positive');
  await page.$eval('#embed-positive', (element) => (element.method = 'integrated-gradients'));
  await changed;
  const ig = await methodShown(page, '#embed-positive', 'integrated-gradients');
  assert.equal(ig.method, 'integrated-gradients');
  const largest = Math.max(...ig.weights.map(([, w]) => Math.abs(w)));
  ig.words.forEach((word, i) =>
    assert.ok(Math.abs(word.shade - Math.abs(ig.weights[i][1]) / largest) <= 2e-4, word.text),
  );

  const failure = page.evaluate(
    () =>
      new Promise((resolve) =>
        document
          .querySelector('#embed-positive')
          .addEventListener('error', (e) => resolve(e.message), { once: true }),
      ),
  );
  await page.$eval('#embed-positive', (element) => element.setAttribute('method', 'tea-leaves'));
  const message = await failure;
  assert.match(message, /^explain: unknown method "tea-leaves" \(one of attention, .*occlusion/);
  const shownError = await page.$eval('#embed-positive', (element) => ({
    error: element.shadowRoot.querySelector('[part="error"]')?.textContent,
    words: element.shadowRoot.querySelectorAll('.han-word').length,
    prediction: element.prediction,
    slotted: element.shadowRoot.querySelector('slot') !== null,
  }));
  assert.deepEqual(shownError, {
    error: `Cannot highlight this text: ${message}`,
    words: 0,
    prediction: null,
    slotted: true,
  });
  const reported = session.problems.splice(0);
  assert.equal(reported.length, 1, reported.join('\n'));
  assert.match(reported[0], /^console: han-highlight: RangeError: explain: unknown method/);

  // Back to a known method: the message goes, the shading comes back.
  changed = nextPrediction(page, '#embed-positive');
  await page.$eval('#embed-positive', (element) => element.removeAttribute('method'));
  await changed;
  const back = await shown(page, 'embed-positive');
  assert.deepEqual(back.words, wordsOf(session.model.predict(back.text)));
  assert.equal(
    await page.$eval('#embed-positive', (e) => e.shadowRoot.querySelector('[part="error"]')),
    null,
  );
  await screenshot(page, 'embed-methods');
});
