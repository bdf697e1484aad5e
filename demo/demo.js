// The demo page: sends the review to the worker as the visitor types and shows the prediction
// with the package's highlighting. Text reaches the page only through textContent and the
// package's renderer, never as HTML.
import { toHTML, toNeatVision, toSVG } from '../web/src/index.js';
import { adoptHighlightStyles, renderHighlight } from '../web/src/render.js';

import { examples } from './examples.js';

const TYPING_PAUSE_MS = 250;

const element = (id) => document.getElementById(id);
const review = element('review');
const result = element('result');
const verdict = element('verdict');

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let view = 'combined';
let shown = null; // { text, prediction, removal, highlight } on the page
let wanted = ''; // the text the page should show, the newest typed
let inFlight = null; // the text the worker is predicting; one at a time
let typingTimer;

adoptHighlightStyles(document);

function analyse(text) {
  clearTimeout(typingTimer);
  wanted = text;
  if (!text.trim()) {
    showEmpty();
    return;
  }
  result.dataset.state = 'analysing';
  if (inFlight === null) predict(text);
}

function predict(text) {
  inFlight = text;
  worker.postMessage({ text });
}

worker.onmessage = ({ data }) => {
  if (data.type === 'progress') showProgress(data);
  else if (data.type === 'ready') showModel(data.info);
  else if (data.type === 'prediction') received(data);
  else showError(data.message);
};
worker.onerror = (event) => showError(event.message || 'the worker could not start');

function received({ prediction, removal, milliseconds }) {
  const text = inFlight;
  inFlight = null;
  if (text === wanted) show(text, prediction, removal, milliseconds);
  else if (wanted.trim()) predict(wanted); // the visitor typed on: this one is stale
}

function show(text, prediction, removal, milliseconds) {
  const highlight = renderHighlight(text, prediction, { view, legend: true });
  shown = { text, prediction, removal, highlight };
  element('highlight').replaceChildren(highlight);
  showRemoval();

  const { label } = prediction;
  verdict.textContent = `${label} · ${percent(prediction.probabilities[label])}`;
  verdict.dataset.label = label;
  element('probabilities').replaceChildren(
    ...Object.entries(prediction.probabilities).map(([name, p]) => probabilityRow(name, p)),
  );
  const words = prediction.sentences.reduce((count, s) => count + s.words.length, 0);
  element('timing').textContent =
    `${plural(words, 'word')} in ${plural(prediction.sentences.length, 'sentence')}, ` +
    `analysed in ${milliseconds.toFixed(1)} ms`;
  element('truncated').hidden = !prediction.truncated;
  setExportsEnabled(true);
  result.dataset.state = 'done';
}

// How faithful the shading is: what removing the words it highlights most does to the verdict.
function showRemoval() {
  const { words, change, label } = shown.removal[view];
  const verdict = shown.prediction.label;
  const points = `${Math.abs(change * 100).toFixed(1)} points`;
  element('faithfulness').textContent =
    `Removing the ${plural(words, 'most highlighted word')} ` +
    `${change >= 0 ? 'lowers' : 'raises'} p(${verdict}) by ${points}` +
    (label === verdict ? `; the verdict stays ${verdict}.` : ` and flips the verdict to ${label}.`);
}

function probabilityRow(name, probability) {
  const row = document.createElement('li');
  const label = document.createElement('span');
  label.textContent = name;
  const bar = document.createElement('span');
  bar.className = 'bar';
  bar.style.setProperty('--p', probability);
  const value = document.createElement('span');
  value.textContent = percent(probability);
  row.append(label, bar, value);
  return row;
}

function showEmpty() {
  shown = null;
  const hint = document.createElement('p');
  hint.className = 'note';
  hint.textContent = 'Type or paste a review to see what the model pays attention to.';
  element('highlight').replaceChildren(hint);
  verdict.textContent = '…';
  delete verdict.dataset.label;
  element('probabilities').replaceChildren();
  element('timing').textContent = '';
  element('faithfulness').textContent = '';
  element('truncated').hidden = true;
  setExportsEnabled(false);
  result.dataset.state = 'done';
}

function showProgress({ loaded, total }) {
  const progress = element('model-progress'); // gone once the model is ready
  if (progress && total) {
    progress.max = total;
    progress.value = loaded;
  }
}

function showModel({ labels, vocabularySize, parameters, variant, threads }) {
  element('model-status').textContent =
    `Model ready: ${labels.join(' / ')}, a vocabulary of ${vocabularySize.toLocaleString('en')} words, ` +
    `${parameters.toLocaleString('en')} parameters, WebAssembly${variant === 'baseline' ? '' : ' SIMD'}, ` +
    `threads: ${threads}.`;
}

function showError(message) {
  inFlight = null;
  result.dataset.state = 'error';
  element('model-status').textContent = `Something went wrong: ${message}`;
}

function setExportsEnabled(enabled) {
  for (const id of ['export-html', 'export-svg', 'export-json']) element(id).disabled = !enabled;
}

function download(name, type, content) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

const percent = (p) => `${(p * 100).toFixed(1)}%`;
const plural = (n, noun) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;

review.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => analyse(review.value), TYPING_PAUSE_MS);
});

for (const input of document.querySelectorAll('input[name="view"]')) {
  input.addEventListener('change', () => {
    view = input.value;
    if (!shown) return;
    shown.highlight.dataset.view = view;
    showRemoval();
  });
}

element('examples').append(
  ...examples.map(({ name, text }) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.addEventListener('click', () => {
      review.value = text;
      analyse(text);
    });
    return button;
  }),
);

element('export-html').addEventListener('click', () =>
  download(
    'review.html',
    'text/html',
    toHTML(shown.text, shown.prediction, { view, document: true }),
  ),
);
element('export-svg').addEventListener('click', () =>
  download('review.svg', 'image/svg+xml', toSVG(shown.text, shown.prediction, { view })),
);
element('export-json').addEventListener('click', () =>
  download(
    'review.json',
    'application/json',
    `${JSON.stringify([toNeatVision(shown.prediction, { id: 'review' })], null, 2)}\n`,
  ),
);

review.value = examples[0].text;
analyse(review.value);
