// The demo page in headless Chromium, served by scripts/serve.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadModel } from 'han-wasm';

import { assertNear } from '../helpers/fixtures.mjs';
import {
  accessibilityViolations,
  browserSession,
  screenshot,
  wordsOf,
} from './browser.mjs';

const session = browserSession();
const repo = fileURLToPath(new URL('../../../', import.meta.url));

const POSITIVE =
  'This is one of the best films I have ever seen. The acting is brilliant, the story is ' +
  'beautiful and moving, and the music is wonderful. A true masterpiece that I will happily ' +
  'watch again and again. Highly recommended!';
const NEGATIVE =
  'This is one of the worst films I have ever seen. The acting is terrible, the story is ' +
  'boring and stupid, and the dialogue is awful. A complete waste of time and money that I ' +
  'would not watch again for anything. Avoid it!';
const MARKUP =
  'Nice try. <img src=x onerror=alert(1)> and <img src=y onerror="window.ran = true"> and ' +
  '<script>window.ran = true; alert(2)</script> and <b>bold</b> stay text & so does &amp;.';

async function openDemo(viewport) {
  const page = await session.newPage('/demo/', viewport);
  await page.waitForSelector('#result[data-state="done"] .han-word');
  return page;
}

// Types the text as a visitor would (input events, then the typing pause) and waits for the
// page to show its analysis.
async function analyse(page, text) {
  await page.fill('#review', text);
  await page.waitForFunction(
    (expected) =>
      document.querySelector('#result').dataset.state === 'done' &&
      document.querySelector('#highlight .han-review')?.textContent === expected,
    text,
  );
}

test('the demo loads the model and analyses the first example', async () => {
  const page = await openDemo();
  assert.match(await page.textContent('#model-status'), /^Model ready: negative \/ positive, /);
  assert.match(await page.textContent('#verdict'), /^(negative|positive) · \d+\.\d%$/);
  assert.match(
    await page.textContent('#timing'),
    /^\d+ words in \d+ sentences?, analysed in \d+\.\d ms$/,
  );
  await screenshot(page, 'demo-desktop');
});

test('typing: the page analyses once the visitor pauses, and shows the newest text', async () => {
  const page = await openDemo();
  await page.fill('#review', '');
  await page.waitForSelector('#highlight .note');
  await page.evaluate(() => {
    window.renders = 0;
    const highlight = document.querySelector('#highlight');
    new MutationObserver(() => window.renders++).observe(highlight, { childList: true });
  });
  const typed = 'Alpha bravo charlie. Delta echo foxtrot!';
  await page.focus('#review');
  await page.keyboard.type(typed, { delay: 15 });
  await page.waitForFunction(
    (expected) => document.querySelector('#highlight .han-review')?.textContent === expected,
    typed,
  );
  await page.waitForTimeout(400); // time for any late analysis to show up
  // One per keystroke without the pause; one more if the machine stalled mid-typing.
  assert.ok((await page.evaluate(() => window.renders)) <= 2);
});

test(
  'a clearly positive and a clearly negative review get their labels',
  async () => {
    const page = await openDemo();
    for (const [text, label] of [
      [POSITIVE, 'positive'],
      [NEGATIVE, 'negative'],
    ]) {
      await analyse(page, text);
      assert.equal(await page.getAttribute('#verdict', 'data-label'), label, text);
    }
    for (const [example, label] of [
      ['Glowing', 'positive'],
      ['Scathing', 'negative'],
    ]) {
      await page.click(`#examples button:text-is("${example}")`);
      await page.waitForFunction(
        () =>
          document.querySelector('#highlight .han-review')?.textContent ===
          document.querySelector('#review').value,
      );
      assert.equal(await page.getAttribute('#verdict', 'data-label'), label, example);
    }
  },
);

test('every word the tokenizer finds is one shaded span, and the shades differ', async () => {
  const page = await openDemo();
  const text = `${POSITIVE}\n\nBut 7.5/10 for the 2nd half 👍🏽, don't ask… Zoë’s café? ${NEGATIVE}`;
  await analyse(page, text);
  const spans = await page.$$eval('#highlight .han-word', (words) =>
    words.map((word) => ({
      text: word.textContent,
      background: getComputedStyle(word).backgroundColor,
    })),
  );
  assert.deepEqual(
    spans.map((span) => span.text),
    wordsOf(session.model.predict(text)),
  );
  const shades = new Set(spans.map((span) => span.background));
  assert.ok(shades.size > spans.length / 3, `${shades.size} shades for ${spans.length} words`);
});

test('markup in a review is shown as text and runs nothing', async () => {
  const page = await openDemo();
  await analyse(page, MARKUP);
  assert.equal(await page.textContent('#highlight .han-review'), MARKUP);
  assert.equal(await page.locator('#highlight :is(img, script, b)').count(), 0);
  assert.equal(await page.evaluate(() => window.ran), undefined);
  // Hovering the words runs nothing either; a dialog would fail the test.
  for (const word of await page.locator('#highlight .han-word').all()) await word.hover();
});

// Types the text at once and records the page's animation frames until the answer arrives,
// before the page renders it: the longest gap between frames, their count, and the timing line.
function framesUntilAnswered(page, text) {
  return page.evaluate(async (text) => {
    const frameTimes = [];
    let drawing = true;
    const tick = (time) => {
      frameTimes.push(time);
      if (drawing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const arrived = new Promise((resolve) => {
      const result = document.querySelector('#result');
      new MutationObserver((_, observer) => {
        if (result.dataset.state !== 'done') return;
        observer.disconnect();
        resolve();
      }).observe(result, { attributes: true });
    });
    const start = performance.now();
    const review = document.querySelector('#review');
    review.value = text;
    review.dispatchEvent(new Event('input'));
    await arrived;
    drawing = false;
    const during = frameTimes.filter((time) => time >= start);
    const gaps = during.slice(1).map((time, i) => time - during[i]);
    return {
      longestFrame: Math.max(...gaps),
      frames: during.length,
      timing: document.querySelector('#timing').textContent,
    };
  }, text);
}

test('the page keeps drawing frames while the worker predicts a long review', async () => {
  const page = await openDemo();
  const paragraph = await page.evaluate(
    () =>
      [...document.querySelectorAll('#examples button')].map((b) => b.textContent).join(' ') + '.',
  );
  const long = `${POSITIVE} ${NEGATIVE} ${paragraph}\n`.repeat(150);
  const { longestFrame, frames, timing } = await framesUntilAnswered(page, long);
  const predictionMs = Number(timing.match(/analysed in ([\d.]+) ms/)[1]);
  const t = `prediction ${predictionMs} ms, ${frames} frames, longest ${longestFrame.toFixed(1)} ms`;
  console.log(`# ${t}`);
  // On the page's thread, the prediction would hold up one frame for all its time. Relative, not
  // absolute: a loaded machine delays frames now and then, the worker or not.
  assert.ok(longestFrame < predictionMs / 2, t);
  await screenshot(page, 'demo-long-review', { fullPage: false });
});

test('the page keeps drawing frames while the worker computes integrated gradients', async () => {
  const page = await openDemo();
  await chooseMethod(page, 'integrated-gradients');
  const long = `${POSITIVE} ${NEGATIVE}\n`.repeat(4);
  const { longestFrame, frames, timing } = await framesUntilAnswered(page, long);
  const explainMs = Number(timing.match(/explained by integrated gradients in ([\d.]+) ms$/)[1]);
  const t =
    `integrated gradients ${explainMs} ms, ${frames} frames, ` +
    `longest ${longestFrame.toFixed(1)} ms`;
  console.log(`# ${t}`);
  assert.ok(longestFrame < explainMs / 2, t);
});

test('the view switch shades words by word, sentence, or both', async () => {
  const page = await openDemo();
  const text = 'Alpha bravo charlie. Delta echo foxtrot golf! Hotel india.';
  await analyse(page, text);
  const shadesBySentence = () =>
    page.$$eval('#highlight .han-sentence', (sentences) =>
      sentences.map((s) =>
        [...s.querySelectorAll('.han-word')].map((w) => getComputedStyle(w).backgroundColor),
      ),
    );
  const combined = await shadesBySentence();
  await page.getByLabel('sentence weight').check();
  assert.equal(await page.getAttribute('#highlight .han-highlight', 'data-view'), 'sentence');
  const bySentence = await shadesBySentence();
  assert.ok(
    bySentence.every((shades) => new Set(shades).size === 1),
    'one shade per sentence',
  );
  assert.notDeepEqual(bySentence, combined);
  await page.getByLabel('word weight').check();
  const byWord = await shadesBySentence();
  assert.notDeepEqual(byWord, combined);
  assert.notDeepEqual(byWord, bySentence);
  // The legend explains the view shown, and the next analysis keeps the view.
  assert.equal(
    await page.textContent('.han-legend [data-legend]:visible'),
    'the word’s weight within its sentence',
  );
  await analyse(page, `${text} Juliett.`);
  assert.equal(await page.getAttribute('#highlight .han-highlight', 'data-view'), 'word');
});

// The line under the shading says what removing its 3 most highlighted words does; the numbers
// are those of model.explain on the same text here in Node, for the view shown.
test('the faithfulness line follows the view and says when the verdict flips', async () => {
  const model = await loadModel(readFileSync(join(repo, 'web/models/imdb-sentiment.han')));
  const expected = (text, method) => {
    const e = model.explain(text, { method, topWords: 3 });
    const { change, label } = e.comprehensiveness;
    return (
      `Removing the 3 most highlighted words ${change >= 0 ? 'lowers' : 'raises'} ` +
      `p(${e.label}) by ${Math.abs(change * 100).toFixed(1)} points` +
      (label === e.label ? `; the verdict stays ${e.label}.` : ` and flips the verdict to ${label}.`)
    );
  };
  const page = await openDemo();
  for (const text of [POSITIVE, 'A great cast wasted on a boring, awful script.']) {
    await analyse(page, text);
    assert.equal(await page.textContent('#faithfulness'), expected(text, 'attention'));
    await page.getByLabel('sentence weight').check();
    assert.equal(await page.textContent('#faithfulness'), expected(text, 'sentence-attention'));
    await page.getByLabel('word × sentence').check();
  }
  assert.match(await page.textContent('#faithfulness'), /flips the verdict to positive\.$/);
  await page.fill('#review', '');
  await page.waitForSelector('#highlight .note');
  assert.equal(await page.textContent('#faithfulness'), '');
  model.dispose();
});

// The method switch: the shading, the tooltips, the legend and the faithfulness line come from
// model.explain with the chosen method, here computed in Node for the same text.
const METHODS = ['attention', 'occlusion', 'integrated-gradients'];
const METHOD_LABELS = {
  attention: 'attention',
  occlusion: 'occlusion',
  'integrated-gradients': 'integrated gradients',
};
const MIXED =
  'The cast is superb and the photography is lovely. But the story is dull, the ending is ' +
  'awful, and I was bored for most of it.';

// Waits until the page shows the method's shading of what is in the review box.
async function shownWith(page, method) {
  await page.waitForFunction(
    (expected) => {
      const highlight = document.querySelector('#highlight .han-highlight');
      return (
        document.querySelector('#result').dataset.state === 'done' &&
        highlight?.querySelector('.han-review').textContent ===
          document.querySelector('#review').value &&
        (highlight.dataset.method ?? 'attention') === expected
      );
    },
    method,
  );
}

async function chooseMethod(page, method) {
  await page.getByLabel(METHOD_LABELS[method], { exact: true }).check();
  await shownWith(page, method);
}

// Each word's text, shade (the CSS variable the renderer sets), colour and tooltip.
const shadedWords = (page) =>
  page.$$eval('#highlight .han-word', (words) =>
    words.map((word) => ({
      text: word.textContent,
      shade: Number(word.style.getPropertyValue('--han-shade-combined')),
      against: word.classList.contains('han-against'),
      background: getComputedStyle(word).backgroundColor,
    })),
  );

const removalLine = (e) => {
  const { change, label } = e.comprehensiveness;
  const removed =
    e.method === 'attention' ? '3 most highlighted words' : `3 words that speak most for ${e.label}`;
  return (
    `Removing the ${removed} ${change >= 0 ? 'lowers' : 'raises'} ` +
    `p(${e.label}) by ${Math.abs(change * 100).toFixed(1)} points` +
    (label === e.label ? `; the verdict stays ${e.label}.` : ` and flips the verdict to ${label}.`)
  );
};

test('the method switch shades by occlusion or integrated gradients, and measures them', async () => {
  const page = await openDemo();
  await analyse(page, MIXED);
  const attention = await shadedWords(page);
  assert.equal(await page.$eval('#views', (views) => views.disabled), false);
  const byMethod = { attention };
  for (const method of ['occlusion', 'integrated-gradients']) {
    // The status line says what the worker is computing while it computes.
    const statuses = page.evaluate(
      () =>
        new Promise((resolve) => {
          const seen = [];
          const status = document.querySelector('#method-status');
          new MutationObserver(() => {
            seen.push(status.textContent);
            if (document.querySelector('#result').dataset.state === 'done') resolve(seen);
          }).observe(status, { childList: true, characterData: true, subtree: true });
        }),
    );
    await chooseMethod(page, method);
    assert.ok((await statuses).some((text) => text.startsWith('computing ')), method);
    assert.equal(await page.textContent('#method-status'), '', 'cleared once shown');

    const e = session.model.explain(MIXED, { method, topWords: 3 });
    const weights = e.sentences.flatMap((s) => s.words.map((w) => w.weight));
    const largest = Math.max(...weights.map(Math.abs));
    const words = await shadedWords(page);
    byMethod[method] = words;
    assert.deepEqual(words.map((w) => w.text), wordsOf(e));
    words.forEach((word, i) => {
      assertNear(word.shade, Math.abs(weights[i]) / largest, 2e-4, `${method} ${word.text}`);
      assert.equal(word.against, weights[i] < 0, `${method} ${word.text}`);
    });
    assert.ok(words.some((w) => w.against), `${method}: some words speak against the verdict`);
    assert.notDeepEqual(
      words.map((w) => w.background),
      attention.map((w) => w.background),
      `${method} shades unlike attention`,
    );
    assert.equal(await page.textContent('#faithfulness'), removalLine(e));
    const viewsDisabled = await page.$eval('#views', (views) => views.disabled);
    assert.equal(viewsDisabled, true, 'the views are attention’s');
    assert.match(
      await page.textContent('#timing'),
      new RegExp(`, explained by ${METHOD_LABELS[method]} in \\d+\\.\\d ms$`),
    );
    assert.match(await page.textContent('.han-legend'), new RegExp(`^${METHOD_LABELS[method]}: `));
    await page.hover('#highlight .han-word >> nth=0');
    assert.equal(
      await page.textContent('#highlight [role="tooltip"]'),
      `“${words[0].text}”: ${weights[0] < 0 ? '−' : '+'}` +
        `${Math.abs(weights[0]).toFixed(4)} for ${e.label} by ${METHOD_LABELS[method]}`,
    );
  }
  await page.mouse.move(0, 0); // no tooltip over the review in the picture
  await screenshot(page, 'demo-integrated-gradients');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe, with words against the verdict');
  // The downloads carry the method's weights and name it.
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const [sample] = JSON.parse(await readFile(await file.path(), 'utf8'));
  assert.equal(sample.method, 'integrated-gradients');
  const igWeights = session.model
    .explain(MIXED, { method: 'integrated-gradients' })
    .sentences.flatMap((s) => s.words.map((w) => w.weight));
  sample.attention.forEach((a, i) => assertNear(a, igWeights[i], 1e-4, `download word ${i}`));
  const [html] = await Promise.all([page.waitForEvent('download'), page.click('#export-html')]);
  assert.match(
    await readFile(await html.path(), 'utf8'),
    /<title>negative, \d+\.\d% · weights by integrated gradients<\/title>/,
  );
  assert.notDeepEqual(
    byMethod.occlusion.map((w) => w.shade),
    byMethod['integrated-gradients'].map((w) => w.shade),
  );
  // Typing keeps the method; back to attention gives attention's shading and line again.
  await analyse(page, `${MIXED} Still, I smiled.`);
  assert.equal(
    await page.getAttribute('#highlight .han-highlight', 'data-method'),
    'integrated-gradients',
  );
  await page.fill('#review', MIXED);
  await shownWith(page, 'integrated-gradients');
  await chooseMethod(page, 'attention');
  assert.deepEqual(await shadedWords(page), attention);
  assert.equal(
    await page.textContent('#faithfulness'),
    removalLine(session.model.explain(MIXED, { method: 'attention', topWords: 3 })),
  );
});

test('keyboard only: Tab reaches the method switch, arrow keys change the method', async () => {
  const page = await openDemo();
  await analyse(page, MIXED);
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement;
      const style = getComputedStyle(element);
      return {
        name: element.name,
        value: element.value,
        checked: element.checked,
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
      };
    });
  await page.focus('#examples button:last-child');
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused(), {
    name: 'method',
    value: 'attention',
    checked: true,
    outline: 'solid 3px',
  });
  await page.keyboard.press('ArrowRight');
  await shownWith(page, 'occlusion');
  assert.deepEqual(await focused(), {
    name: 'method',
    value: 'occlusion',
    checked: true,
    outline: 'solid 3px',
  });
  await page.keyboard.press('ArrowRight');
  await shownWith(page, 'integrated-gradients');
  await page.keyboard.press('ArrowLeft');
  await shownWith(page, 'occlusion');
  // The views are attention's: with occlusion, Tab passes them by on its way to the words.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'han-word');
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focused()).value, 'occlusion');
  await page.keyboard.press('ArrowLeft');
  await shownWith(page, 'attention');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'view', 'with attention the views come next');
  // Back into the switch, arrows go on from where they are.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('ArrowRight');
  await shownWith(page, 'occlusion');
  await page.keyboard.press('ArrowRight');
  await shownWith(page, 'integrated-gradients');
  assert.equal(await page.isChecked('input[value="integrated-gradients"]'), true);
});

test('hostile text stays text under every method', async () => {
  const page = await openDemo();
  const hostile =
    `${MARKUP} \u202Eevil\u202C \u200Fright-to-left\u200E lone \uD800 and \uDC00 surrogates, ` +
    '<svg onload="window.ran = true"></svg> <iframe src="javascript:window.ran=true"></iframe>.';
  for (const method of METHODS) {
    await page.getByLabel(METHOD_LABELS[method], { exact: true }).check();
    await page.fill('#review', hostile);
    await shownWith(page, method);
    // The textarea makes lone surrogates well-formed, the page shows what the model read.
    const value = await page.inputValue('#review');
    assert.equal(await page.textContent('#highlight .han-review'), value, method);
    assert.equal(await page.locator('#highlight :is(img, script, b, svg, iframe)').count(), 0);
    assert.deepEqual(
      (await shadedWords(page)).map((w) => w.text),
      wordsOf(session.model.explain(value, { method })),
      method,
    );
    for (const word of await page.locator('#highlight .han-word').all()) await word.hover();
    assert.equal(await page.evaluate(() => window.ran), undefined, method);
    await page.fill('#review', '');
    await page.waitForSelector('#highlight .note');
  }
});

test('keyboard: one tab stop into the words, arrows move, the tooltip gives the weights', async () => {
  const page = await openDemo();
  await analyse(page, 'Alpha bravo charlie. Delta echo!');
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement;
      return {
        word: element.textContent,
        index: element.dataset.index,
        tabIndex: element.tabIndex,
      };
    });
  const tip = page.locator('#highlight [role="tooltip"]');

  await page.focus('input[name="view"]:checked');
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused(), { word: 'Alpha', index: '0', tabIndex: 0 });
  await tip.waitFor({ state: 'visible' });
  assert.match(
    await tip.textContent(),
    /^“Alpha”: word weight 0\.\d{4} × sentence weight 0\.\d{4} = 0\.\d{4} of the attention$/,
  );
  const described = await page.evaluate(() =>
    document.activeElement.getAttribute('aria-describedby'),
  );
  assert.equal(await tip.getAttribute('id'), described);

  await page.keyboard.press('ArrowRight');
  assert.equal((await focused()).word, 'bravo');
  assert.match(await tip.textContent(), /^“bravo”/);
  await page.keyboard.press('ArrowDown');
  assert.equal((await focused()).word, 'Delta');
  await page.keyboard.press('End');
  assert.equal((await focused()).word, 'echo');
  await page.keyboard.press('Home');
  assert.equal((await focused()).word, 'Alpha');
  await page.keyboard.press('ArrowRight');
  await screenshot(page, 'demo-keyboard-tooltip');
  await page.keyboard.press('Escape');
  assert.equal(await tip.isVisible(), false);

  // Tab leaves the words for the downloads; Shift+Tab comes back to the word last focused.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'export-html');
  await page.keyboard.press('Shift+Tab');
  assert.deepEqual(await focused(), { word: 'bravo', index: '1', tabIndex: 0 });

  await page.hover('#highlight .han-word >> nth=3');
  assert.match(await tip.textContent(), /^“Delta”/);
});

test('axe finds no WCAG 2.1 A or AA violation, with a word’s tooltip open', async () => {
  const page = await openDemo();
  await page.focus('#highlight .han-word >> nth=2');
  assert.deepEqual(await accessibilityViolations(page), []);
});

test('the downloads give the review as HTML, well-formed SVG and neat-vision JSON', async () => {
  const page = await openDemo();
  await analyse(page, MARKUP);
  const download = async (button) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return readFile(await file.path(), 'utf8');
  };
  const html = await download('#export-html');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('&lt;img src=y onerror=&quot;window.ran = true&quot;&gt;'));
  const svg = await download('#export-svg');
  const parsed = await page.evaluate((source) => {
    const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: doc.documentElement.localName,
    };
  }, svg);
  assert.deepEqual(parsed, { error: null, root: 'svg' });
  const [sample] = JSON.parse(await download('#export-json'));
  assert.deepEqual(sample.text, wordsOf(session.model.predict(MARKUP)));
});

test('at phone width the page fits without sideways scrolling', async () => {
  const page = await openDemo({ width: 375, height: 812 });
  await page.click('#examples button:text-is("Long")');
  await page.waitForFunction(
    () =>
      document.querySelector('#highlight .han-review')?.textContent ===
      document.querySelector('#review').value,
  );
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
  await screenshot(page, 'demo-phone');
});

test('the Content-Security-Policy is in force: inline script is refused', async () => {
  const page = await openDemo();
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.ran = true';
    document.body.append(script);
  });
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.ran), undefined);
  const refused = session.problems.splice(0);
  assert.equal(
    refused.length > 0 && refused.every((p) => /script-src/.test(p)),
    true,
    refused.join('\n'),
  );
});
