// highlightHTML and renderStatic: <han-highlight>'s markup as static HTML files, for static sites.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { highlightHTML, loadModel, renderStatic } from 'han-wasm';
import { STYLES } from 'han-wasm/render';

import { fixturePath, unicodeText } from './helpers/fixtures.mjs';

const hostile =
  'Alpha <img src=x onerror=alert(1)> bravo & "charlie" \'delta\'. ' +
  '<script>alert(2)</script> Echo foxtrot! </div><b>golf</b> &lt;hotel&gt; <!-- x -->';

let model;
let out;
before(async () => {
  model = await loadModel(fixturePath('gru_reset_after'));
  out = mkdtempSync(join(tmpdir(), 'han-static-'));
});
after(() => {
  model.dispose();
  rmSync(out, { recursive: true, force: true });
});

const unescape = (text) =>
  text.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_, name) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name],
  );
const tagsOf = (markup) => new Set([...markup.matchAll(/<\/?([a-zA-Z!][\w-]*)/g)].map((m) => m[1]));
const classesOf = (markup) => new Set([...markup.matchAll(/class="([^"]*)"/g)].map((m) => m[1]));

test('highlightHTML shows markup in the text as text, inside the highlighting elements only', () => {
  for (const text of [hostile, unicodeText, '']) {
    const prediction = model.predict(text);
    const html = highlightHTML(text, prediction);
    assert.deepEqual(tagsOf(html), new Set(text ? ['div', 'span'] : ['div']));
    for (const name of classesOf(html)) {
      assert.ok(
        ['han-highlight', 'han-review', 'han-sentence', 'han-bar', 'han-word'].includes(name),
      );
    }
    assert.equal(unescape(html.replace(/<[^>]*>/g, '')), text);
    const words = prediction.sentences.flatMap((s) => s.words);
    assert.equal(html.split('class="han-word"').length - 1, words.length);
  }
});

test('highlightHTML shades each word by its share of the strongest, per view', () => {
  const text = 'Alpha bravo charlie. Delta echo!';
  const prediction = model.predict(text);
  const top = Math.max(...prediction.sentences.flatMap((s) => s.words.map((w) => w.weight)));
  const html = highlightHTML(text, prediction, { view: 'word' });
  assert.ok(html.startsWith('<div class="han-highlight" data-view="word">'));
  for (const s of prediction.sentences) {
    for (const w of s.words) assert.ok(html.includes(`--han-shade-word:${(w.weight / top).toFixed(4)};`));
  }
  assert.throws(() => highlightHTML(text, prediction, { view: 'bold' }), /view must be one of/);
});

test('renderStatic writes a fragment per document and the stylesheet beside them', async () => {
  const documents = [hostile, { id: 'review-b', text: unicodeText }, 'Alpha bravo.'];
  const paths = await renderStatic(model, documents, { out, view: 'sentence' });
  assert.deepEqual(paths, [join(out, '1.html'), join(out, 'review-b.html'), join(out, '3.html')]);
  assert.deepEqual(readdirSync(out).sort(), ['1.html', '3.html', 'han-highlight.css', 'review-b.html']);
  assert.equal(readFileSync(join(out, 'han-highlight.css'), 'utf8'), STYLES);
  const texts = [hostile, unicodeText, 'Alpha bravo.'];
  paths.forEach((path, i) => {
    const expected = highlightHTML(texts[i], model.predict(texts[i]), { view: 'sentence' });
    assert.equal(readFileSync(path, 'utf8'), expected);
  });
});

test('renderStatic takes async iterables and rejects unsafe or repeated names', async () => {
  async function* lines() {
    yield 'Alpha.';
    yield 'Bravo!';
  }
  const dir = join(out, 'async');
  assert.deepEqual(await renderStatic(model, lines(), { out: dir }), [
    join(dir, '1.html'),
    join(dir, '2.html'),
  ]);
  await assert.rejects(renderStatic(model, ['x'], {}), /options\.out must be the path/);
  for (const id of ['../escape', '.hidden', 'a/b', '']) {
    await assert.rejects(
      renderStatic(model, [{ id, text: 'x' }], { out: dir }),
      /is not a plain file name/,
    );
  }
  await assert.rejects(
    renderStatic(model, [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }], { out: dir }),
    /document 2: id "a" is used twice/,
  );
  await assert.rejects(renderStatic(model, [{ id: 'n' }], { out: dir }), /has no text string/);
});
