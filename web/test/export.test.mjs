// The exports of a highlighted review: HTML and SVG text (escaping above all) and neat-vision JSON.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadModel, toHTML, toNeatVision, toSVG } from 'han-wasm';

import { assertNear, fixturePath, unicodeText } from './helpers/fixtures.mjs';

const hostile =
  'Alpha <img src=x onerror=alert(1)> bravo & "charlie" \'delta\'. ' +
  '<script>alert(2)</script> Echo foxtrot! </div><b>golf</b> &lt;hotel&gt;';

let model;
before(async () => {
  // The trainer build: the explanations below include integrated gradients.
  model = await loadModel(fixturePath('gru_reset_after'), { gradients: true });
});
after(() => model.dispose());

const tagsOf = (markup) => new Set([...markup.matchAll(/<\/?([a-zA-Z!][\w-]*)/g)].map((m) => m[1]));
// The names of the attributes in the markup's tags (quoted values cannot hide one: " is escaped).
const attributesOf = (markup) =>
  new Set(
    [...markup.matchAll(/<[a-zA-Z][^>]*>/g)].flatMap(([tag]) =>
      [...tag.replace(/"[^"]*"/g, '').matchAll(/\s([\w:-]+)=/g)].map((m) => m[1]),
    ),
  );
const unescape = (text) =>
  text.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_, name) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name],
  );

// A prediction made by hand, for labels and words a real model would not give.
const handMade = (label, word) => ({
  label,
  probabilities: { [label]: 0.75, other: 0.25 },
  truncated: false,
  sentences: [
    {
      text: word,
      start: 0,
      end: word.length,
      weight: 1,
      words: [{ text: word, start: 0, end: word.length, weight: 1, id: 1 }],
    },
  ],
});

test('toHTML shows markup in the text as text, character for character', () => {
  const prediction = model.predict(hostile);
  const html = toHTML(hostile, prediction);
  assert.deepEqual(tagsOf(html), new Set(['div', 'p', 'span']));
  assert.deepEqual(attributesOf(html), new Set(['style', 'title']));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  // The visible text is the caption and then the review exactly as written.
  const visible = unescape(html.replace(/<[^>]*>/g, ''));
  const caption = `${prediction.label}, ${(prediction.probabilities[prediction.label] * 100).toFixed(1)}%`;
  assert.equal(visible, caption + hostile);
});

test('toHTML escapes labels and words in attributes too', () => {
  const html = toHTML(
    'x" onmouseover="alert(1)',
    handMade('<b>bold</b>', 'x" onmouseover="alert(1)'),
  );
  assert.deepEqual(tagsOf(html), new Set(['div', 'p', 'span']));
  assert.deepEqual(attributesOf(html), new Set(['style', 'title']));
  assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;, 75.0%'));
  assert.ok(html.includes('title="“x&quot; onmouseover=&quot;alert(1)”: word weight 1.0000'));
});

test('toHTML can give a complete document, and rejects unknown views', () => {
  const text = 'Alpha bravo. Charlie!';
  const page = toHTML(text, model.predict(text), { document: true });
  assert.match(page, /^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
  assert.match(page, /<title>(negative|positive), \d+\.\d%<\/title>/);
  assert.throws(() => toHTML(text, model.predict(text), { view: 'letters' }), {
    name: 'TypeError',
    message: 'toHTML: view must be one of word, sentence, combined, got letters',
  });
});

test('each view shades words by its own weight', () => {
  const text = 'Alpha bravo charlie delta. Echo foxtrot!';
  const prediction = model.predict(text);
  const opacities = (view) =>
    [...toHTML(text, prediction, { view }).matchAll(/rgba\(255, 153, 0, ([\d.]+)\)/g)].map((m) =>
      Number(m[1]),
    );
  const [first, second] = prediction.sentences;
  const sentenceShade = (s) => (0.85 * s.weight) / Math.max(first.weight, second.weight);
  assert.deepEqual(
    opacities('sentence'),
    [
      ...first.words.map(() => sentenceShade(first)),
      ...second.words.map(() => sentenceShade(second)),
    ].map((o) => Number(o.toFixed(3))),
  );
  const combined = opacities('combined');
  assert.equal(Math.max(...combined), 0.85, 'the strongest word is fully shaded');
  assert.notDeepEqual(combined, opacities('word'));
  assert.ok(new Set(combined).size > 1, 'shades differ across words');
});

test('text the model did not read is struck through', () => {
  const text = 'Alpha bravo. Charlie delta echo.';
  const prediction = { ...model.predict('Alpha bravo.'), truncated: true };
  const html = toHTML(text, prediction);
  assert.match(
    html,
    /<span style="color:#5c5c5c;text-decoration:line-through"[^>]*> Charlie delta echo\.<\/span>/,
  );
});

test('toSVG escapes the text and replaces what XML cannot hold', () => {
  const text = `${hostile} \u0001 lone \uD800 surrogate.`;
  const svg = toSVG(text, model.predict(text));
  assert.deepEqual(tagsOf(svg), new Set(['svg', 'title', 'rect', 'g', 'text', 'tspan']));
  assert.ok(svg.includes('>&lt;img</tspan>'));
  assert.ok(svg.includes('>onerror=alert(1)&gt;</tspan>'));
  assert.ok(svg.includes('>&lt;script&gt;</tspan>'));
  assert.ok(!svg.includes('\u0001'));
  assert.equal(svg, svg.toWellFormed());
  const labelled = toSVG('x', handMade('<script>', 'x'));
  assert.ok(labelled.includes('<title>&lt;script&gt;, 75.0%</title>'));
});

test('toSVG wraps lines at the given width, keeping every word', () => {
  const text = unicodeText.repeat(3);
  const prediction = model.predict(text);
  const svg = toSVG(text, prediction, { columns: 30, fontSize: 10 });
  const [, width] = svg.match(/<svg [^>]*width="([\d.]+)"/);
  // 30 columns of 6 px and 10 px of padding on each side; 東京は素晴らしい (16 columns) fits.
  assert.ok(Number(width) <= 30 * 6 + 20, `width ${width}`);
  assert.ok(svg.match(/<text /g).length > 10);
  const wordCount = prediction.sentences.reduce((n, s) => n + s.words.length, 0);
  assert.equal(
    svg.match(/<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" rx="3"/g).length,
    wordCount,
  );
});

test('toNeatVision gives neat-vision’s sample format', () => {
  const text = 'Alpha bravo charlie. Delta <b>echo</b>!';
  const prediction = model.predict(text);
  const sample = toNeatVision(prediction, { id: 'review-7', label: 'positive' });
  assert.deepEqual(Object.keys(sample), [
    'text',
    'label',
    'prediction',
    'posterior',
    'attention',
    'id',
  ]);
  assert.deepEqual(sample.text, ['Alpha', 'bravo', 'charlie', 'Delta', 'echo']);
  assert.equal(sample.label, 1);
  assert.equal(sample.prediction, ['negative', 'positive'].indexOf(prediction.label));
  assert.deepEqual(sample.posterior, [
    prediction.probabilities.negative,
    prediction.probabilities.positive,
  ]);
  assert.equal(sample.attention.length, sample.text.length);
  assertNear(
    sample.attention.reduce((a, b) => a + b, 0),
    1,
    1e-5,
    'attention',
  );
  const [s0] = prediction.sentences;
  assertNear(sample.attention[0], s0.words[0].weight * s0.weight, 1e-12, 'first word');
  assert.equal(sample.id, 'review-7');
  assert.deepEqual(JSON.parse(JSON.stringify(sample)), sample);
  assert.equal(
    toNeatVision(prediction).label,
    sample.prediction,
    'the true label defaults to the predicted one',
  );
  assert.throws(() => toNeatVision(prediction, { label: 'neutral' }), {
    name: 'TypeError',
    message: 'toNeatVision: label must be one of negative, positive, got neutral',
  });
});

// An explanation in place of a prediction: the exports shade by its method's weights (signed:
// those against the label in the second colour) and name the method.
const AGAINST_SHADE = /rgba\(91, 155, 255, ([\d.]+)\)/;
const shadesOf = (html) =>
  [...html.matchAll(/rgba\((255, 153, 0|91, 155, 255), ([\d.]+)\)/g)].map(([, color, opacity]) =>
    color.startsWith('91') ? -Number(opacity) : Number(opacity),
  );

test('toHTML of an occlusion explanation shades by its signed weights and names the method', () => {
  const text = 'Alpha bravo charlie delta. Echo foxtrot! Golf hotel india.';
  const explanation = model.explain(text, { method: 'occlusion' });
  const weights = explanation.sentences.flatMap((s) => s.words.map((w) => w.weight));
  const largest = Math.max(...weights.map(Math.abs));
  assert.ok(weights.some((w) => w < 0) && weights.some((w) => w > 0), `mixed signs: ${weights}`);
  const html = toHTML(text, explanation);
  assert.deepEqual(
    shadesOf(html),
    weights.map((w) => Number(((0.85 * w) / largest).toFixed(3))),
  );
  // Not attention's shading: the prediction's export differs.
  assert.notDeepEqual(shadesOf(toHTML(text, model.predict(text))), shadesOf(html));
  const caption = `${describe(explanation)} · weights by occlusion`;
  assert.equal(unescape(html.replace(/<[^>]*>/g, '')), caption + text);
  const [first] = explanation.sentences[0].words;
  assert.ok(
    html.includes(
      `title="“Alpha”: ${first.weight < 0 ? '−' : '+'}${Math.abs(first.weight).toFixed(4)} for ` +
        `${explanation.label} by occlusion"`,
    ),
  );
  // The view does not change an explanation's shading: its weights are the method's.
  assert.deepEqual(shadesOf(toHTML(text, explanation, { view: 'sentence' })), shadesOf(html));
  assert.match(
    toHTML(text, explanation, { document: true }),
    /<title>[^<]+ · weights by occlusion<\/title>/,
  );
});

test('an explanation’s exports escape hostile text just as a prediction’s', () => {
  const explanation = model.explain(hostile, { method: 'occlusion' });
  const html = toHTML(hostile, explanation);
  assert.deepEqual(tagsOf(html), new Set(['div', 'p', 'span']));
  assert.deepEqual(attributesOf(html), new Set(['style', 'title']));
  const svg = toSVG(hostile, explanation);
  assert.deepEqual(tagsOf(svg), new Set(['svg', 'title', 'rect', 'g', 'text', 'tspan']));
  assert.ok(svg.includes('>&lt;script&gt;</tspan>'));
  // A method name is the core's, but an explanation made by hand is escaped all the same.
  const handExplained = { ...handMade('<i>x</i>', 'word'), method: '<img src=x onerror=alert(1)>' };
  for (const markup of [toHTML('word', handExplained), toSVG('word', handExplained)]) {
    assert.ok(!markup.includes('<img') && !markup.includes('<i>'), markup);
    assert.ok(markup.includes('weights by &lt;img src=x onerror=alert(1)&gt;'), markup);
  }
});

test('toSVG of an occlusion explanation names the method and fills words against the label blue', () => {
  const text = 'Alpha bravo charlie delta. Echo foxtrot! Golf hotel india.';
  const explanation = model.explain(text, { method: 'occlusion' });
  const svg = toSVG(text, explanation);
  const caption = `${describe(explanation)} · weights by occlusion`;
  assert.ok(svg.includes(`<title>${caption}</title>`));
  const fills = [...svg.matchAll(/rx="3" fill="(#[0-9a-f]+)" fill-opacity="([\d.]+)"/g)];
  const weights = explanation.sentences.flatMap((s) => s.words.map((w) => w.weight));
  assert.deepEqual(
    fills.map(([, fill]) => fill),
    weights.map((w) => (w < 0 ? '#5b9bff' : '#ff9900')),
  );
  assert.ok(!AGAINST_SHADE.test(toHTML(text, model.predict(text))), 'attention is never against');
});

test('toNeatVision of an explanation carries its weights and names its method', () => {
  const text = 'Alpha bravo charlie. Delta <b>echo</b>!';
  for (const method of ['occlusion', 'integrated-gradients', 'attention']) {
    const explanation = model.explain(text, { method });
    const sample = toNeatVision(explanation, { id: 'r' });
    assert.deepEqual(Object.keys(sample), [
      'text',
      'label',
      'prediction',
      'posterior',
      'attention',
      'id',
      'method',
    ]);
    assert.equal(sample.method, method);
    assert.deepEqual(
      sample.attention,
      explanation.sentences.flatMap((s) => s.words.map((w) => w.weight)),
      method,
    );
  }
  // attention's explanation weights are word × sentence: the prediction's sample, plus the name.
  const { method, ...attention } = toNeatVision(model.explain(text), { id: 'r' });
  const predicted = toNeatVision(model.predict(text), { id: 'r' });
  assert.equal(method, 'attention');
  attention.attention.forEach((a, i) => assertNear(a, predicted.attention[i], 1e-6, `word ${i}`));
  assert.equal(predicted.method, undefined);
});

function describe(prediction) {
  return `${prediction.label}, ${(prediction.probabilities[prediction.label] * 100).toFixed(1)}%`;
}
