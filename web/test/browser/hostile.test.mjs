// A hostile model in the demo and in <han-highlight>: its labels, vocabulary and metadata hold
// markup and script (test/helpers/hostile-model.mjs), and so does the review. Nothing of it may
// become HTML or run: no element appears that the page did not make, no handler runs, no dialog
// opens (browser.mjs fails the test on one). Also the pages' Content-Security-Policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  hostileLabels,
  hostileModel,
  hostileReview,
  hostileVocabulary,
} from '../helpers/hostile-model.mjs';
import { repo } from '../helpers/fixtures.mjs';
import { CONTENT_SECURITY_POLICY } from '../../../scripts/serve.mjs';

import { browserSession, nextPrediction, openEmbedPage, wordsOf } from './browser.mjs';

const session = browserSession({ model: hostileModel() });

// Elements that markup from the text or the model would make; the pages make none of them.
const INJECTED = 'img, svg, iframe, object, embed, b, i, script:not([src])';
const percent = (p) => `${(p * 100).toFixed(1)}%`;

async function assertNothingInjected(page) {
  const found = await page.evaluate((selector) => {
    const roots = [
      document,
      ...[...document.querySelectorAll('han-highlight')].map((e) => e.shadowRoot),
    ];
    return {
      elements: roots.flatMap((root) =>
        [...root.querySelectorAll(selector)].map((e) => e.outerHTML),
      ),
      scripts: document.scripts.length,
      ran: window.ran,
    };
  }, INJECTED);
  assert.deepEqual(found.elements, []);
  assert.equal(found.scripts, 1, "the page's own module script only");
  assert.equal(found.ran, undefined);
}

test('the hostile model knows the review’s markup words', () => {
  const prediction = session.model.predict(hostileReview);
  assert.deepEqual(session.model.info.labels, hostileLabels);
  assert.equal(prediction.label, hostileLabels[0]);
  const ids = new Map(prediction.sentences.flatMap((s) => s.words.map((w) => [w.text, w.id])));
  for (const word of ['script', 'alert', 'img', 'onerror', 'window', 'constructor', 'proto']) {
    assert.equal(ids.get(word), hostileVocabulary.indexOf(word), word);
  }
});

test('the demo shows the labels and the review as text and runs nothing', async () => {
  const page = await session.newPage('/demo/');
  await page.waitForSelector('#result[data-state="done"] .han-word');
  await page.fill('#review', hostileReview);
  await page.waitForFunction(
    (expected) =>
      document.querySelector('#result').dataset.state === 'done' &&
      document.querySelector('#highlight .han-review')?.textContent === expected,
    hostileReview,
  );
  const prediction = session.model.predict(hostileReview);
  const status = await page.textContent('#model-status');
  assert.ok(
    status.startsWith(`Model ready: ${hostileLabels.join(' / ')}, a vocabulary of 16 words`),
    status,
  );
  assert.equal(
    await page.textContent('#verdict'),
    `${prediction.label} · ${percent(prediction.probabilities[prediction.label])}`,
  );
  assert.deepEqual(
    await page.$$eval('#probabilities li > span:first-child', (spans) =>
      spans.map((s) => s.textContent),
    ),
    hostileLabels,
  );
  assert.deepEqual(
    await page.$$eval('#highlight .han-word', (words) => words.map((w) => w.textContent)),
    wordsOf(prediction),
  );
  for (const word of await page.locator('#highlight .han-word').all()) await word.hover();
  await assertNothingInjected(page);
});

test('the demo’s downloads keep the labels and the review as text', async () => {
  const page = await session.newPage('/demo/');
  await page.waitForSelector('#result[data-state="done"] .han-word');
  await page.fill('#review', hostileReview);
  await page.waitForFunction(
    (expected) => document.querySelector('#highlight .han-review')?.textContent === expected,
    hostileReview,
  );
  const download = async (button) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return readFileSync(await file.path(), 'utf8');
  };
  const prediction = session.model.predict(hostileReview);
  const describe = `${prediction.label}, ${percent(prediction.probabilities[prediction.label])}`;
  // Every element of the files is one the exporter writes; their titles hold the label as text.
  // They are parsed in a blank page: the demo's policy would refuse the HTML's inline styles.
  const blank = await session.context.newPage();
  for (const [button, type, allowed] of [
    ['#export-html', 'text/html', ['html', 'head', 'meta', 'title', 'body', 'div', 'p', 'span']],
    ['#export-svg', 'image/svg+xml', ['svg', 'title', 'g', 'rect', 'text', 'tspan']],
  ]) {
    const parsed = await blank.evaluate(
      ([source, mime]) => {
        const doc = new DOMParser().parseFromString(source, mime);
        return {
          error: doc.querySelector('parsererror')?.textContent ?? null,
          title: doc.querySelector('title').textContent,
          elements: [...new Set([...doc.querySelectorAll('*')].map((e) => e.localName))],
        };
      },
      [await download(button), type],
    );
    assert.equal(parsed.error, null, button);
    assert.equal(parsed.title, describe, button);
    assert.deepEqual(
      parsed.elements.filter((name) => !allowed.includes(name)),
      [],
      button,
    );
  }
  await blank.close();
  const [sample] = JSON.parse(await download('#export-json'));
  assert.equal(sample.prediction, 0);
  await assertNothingInjected(page);
});

test('<han-highlight> shows the labels and its text as text and runs nothing', async () => {
  const page = await openEmbedPage(session);
  const changed = nextPrediction(page, '#embed-positive');
  await page.$eval(
    '#embed-positive',
    (element, text) => (element.textContent = text),
    hostileReview,
  );
  await changed;
  const shown = await page.$eval('#embed-positive', (element) => ({
    label: element.shadowRoot.querySelector('[part="label"]').textContent,
    review: element.shadowRoot.querySelector('.han-review').textContent,
  }));
  const prediction = session.model.predict(hostileReview);
  assert.deepEqual(shown, {
    label: `${prediction.label}, ${percent(prediction.probabilities[prediction.label])}`,
    review: hostileReview,
  });
  for (const word of await page.locator('#embed-positive .han-word').all()) await word.hover();
  await assertNothingInjected(page);
});

// The labels reach the legend, the tooltips and the faithfulness line of every method.
test('every method of the demo and of <han-highlight> keeps the labels and review as text', async () => {
  const page = await session.newPage('/demo/');
  await page.waitForSelector('#result[data-state="done"] .han-word');
  await page.fill('#review', hostileReview);
  for (const [method, name] of [
    ['occlusion', 'occlusion'],
    ['integrated-gradients', 'integrated gradients'],
    ['attention', 'attention'],
  ]) {
    await page.getByLabel(name, { exact: true }).check();
    await page.waitForFunction(
      ([expected, wanted]) => {
        const highlight = document.querySelector('#highlight .han-highlight');
        return (
          document.querySelector('#result').dataset.state === 'done' &&
          highlight?.querySelector('.han-review').textContent === expected &&
          (highlight.dataset.method ?? 'attention') === wanted
        );
      },
      [hostileReview, method],
    );
    const e = session.model.explain(hostileReview, { method, topWords: 3 });
    assert.deepEqual(
      await page.$$eval('#highlight .han-word', (words) => words.map((w) => w.textContent)),
      wordsOf(e),
      method,
    );
    if (method !== 'attention') {
      assert.equal(
        await page.textContent('.han-legend > span:first-child'),
        `${name}: for ${e.label}against`,
      );
    }
    assert.ok((await page.textContent('#faithfulness')).includes(`p(${e.label})`), method);
    for (const word of await page.locator('#highlight .han-word').all()) await word.hover();
    const tip = await page.textContent('#highlight [role="tooltip"]');
    assert.ok(method === 'attention' || tip.includes(` for ${e.label} by ${name}`), tip);
    await assertNothingInjected(page);
  }
  await page.close();

  const embed = await openEmbedPage(session);
  const changed = nextPrediction(embed, '#embed-positive');
  await embed.$eval(
    '#embed-positive',
    (element, text) => {
      element.textContent = text;
      element.method = 'integrated-gradients';
    },
    hostileReview,
  );
  await changed;
  const e = session.model.explain(hostileReview, { method: 'integrated-gradients' });
  assert.equal(
    await embed.$eval(
      '#embed-positive',
      (element) => element.shadowRoot.querySelector('[part="label"]').textContent,
    ),
    `${e.label}, ${percent(e.probabilities[e.label])} · weights by integrated gradients`,
  );
  for (const word of await embed.locator('#embed-positive .han-word').all()) await word.hover();
  await assertNothingInjected(embed);
});

// The policy of each page, as written.
for (const name of ['index.html', 'embed.html', 'train.html']) {
  test(`demo/${name}: a policy for WebAssembly without eval or inline script`, () => {
    const html = readFileSync(`${repo}demo/${name}`, 'utf8');
    const policy = html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)[1];
    const directives = Object.fromEntries(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([key, ...values]) => [key, values]),
    );
    assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
    assert.deepEqual(directives['default-src'], ["'self'"]);
    assert.deepEqual(directives['object-src'], ["'none'"]);
    assert.ok(!policy.includes("'unsafe-eval'") && !policy.includes("'unsafe-inline'"), policy);
    assert.equal(policy, CONTENT_SECURITY_POLICY, 'scripts/serve.mjs sends the same as a header');
    assert.deepEqual(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g), null, 'no inline script');
    assert.deepEqual(html.match(/<[^>]+\son[a-z]+\s*=/gi), null, 'no inline event handler');
  });
}

// The probe is a same-origin script, which the policy allows; the eval inside it is refused.
test('the embed page’s policy is in force: inline script and eval are refused', async () => {
  const page = await session.newPage('/demo/embed.html');
  await page.route('**/demo/eval-probe.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body:
        'try { window.evaluated = new Function("return 1")(); }' +
        ' catch (error) { window.evaluated = error.name; }',
    }),
  );
  await page.waitForFunction(() =>
    [...document.querySelectorAll('han-highlight')].every((element) => element.prediction),
  );
  await page.evaluate(async () => {
    const inline = document.createElement('script');
    inline.textContent = 'window.ran = true';
    document.body.append(inline);
    const probe = document.createElement('script');
    probe.src = 'eval-probe.js';
    const loaded = new Promise((resolve) => (probe.onload = resolve));
    document.body.append(probe);
    await loaded;
  });
  assert.equal(await page.evaluate(() => window.evaluated), 'EvalError');
  assert.equal(await page.evaluate(() => window.ran), undefined);
  const refused = session.problems.splice(0);
  assert.equal(
    refused.length >= 2 && refused.every((p) => /script-src/.test(p)),
    true,
    refused.join('\n'),
  );
});
