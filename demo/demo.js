// The demo page: sends the review to the worker as the visitor types and shows the prediction
// with the package's highlighting, shaded by attention or by the attribution method chosen.
// Text reaches the page only through textContent and the package's renderer, never as HTML.
import { toHTML, toNeatVision, toSVG } from '../web/src/index.js';
import { adoptHighlightStyles, renderHighlight } from '../web/src/render.js';

import { examples } from './examples.js';
import { percent, probabilityRow } from './verdict.js';

const TYPING_PAUSE_MS = 250;

const element = (id) => document.getElementById(id);
const review = element('review');
const result = element('result');
const verdict = element('verdict');

const METHOD_NAMES = {
  attention: 'attention',
  occlusion: 'occlusion',
  'integrated-gradients': 'integrated gradients',
};
// What each method's weights mean, under the switch.
const METHOD_NOTES = {
  attention: 'Where the network looked: its word and sentence attention.',
  occlusion:
    'How much p(verdict) drops when each word alone is removed. Blue words speak against the verdict.',
  'integrated-gradients':
    'Each word’s share of p(verdict), from the gradients along the way from an empty review. ' +
    'Blue words speak against the verdict.',
};

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let view = 'combined';
let method = 'attention';
// On the page: { text, prediction, removal, highlight }, and for a method other than attention
// its explanation, which the shading, the faithfulness line and the downloads then use.
let shown = null;
let wanted = { text: '', method }; // what the page should show: the newest text and method
let inFlight = null; // { text, method } the worker is computing; one at a time
let typingTimer;

adoptHighlightStyles(document);

function analyse(text) {
  clearTimeout(typingTimer);
  wanted = { text, method };
  if (!text.trim()) {
    showEmpty();
    return;
  }
  result.dataset.state = 'analysing';
  if (inFlight === null) predict(wanted);
}

function predict(request) {
  element('method-status').textContent = ''; // the worker says again if this one is slow
  inFlight = request;
  worker.postMessage(request);
}

worker.onmessage = ({ data }) => {
  if (data.type === 'progress') showProgress(data);
  else if (data.type === 'ready') showModel(data.info);
  else if (data.type === 'status') element('method-status').textContent = data.message;
  else if (data.type === 'prediction') received(data);
  else showError(data.message);
};
worker.onerror = (event) => showError(event.message || 'the worker could not start');

function received(answer) {
  const request = inFlight;
  inFlight = null;
  if (request.text === wanted.text && request.method === wanted.method) show(answer);
  else if (wanted.text.trim()) predict(wanted); // the visitor typed on or switched: stale
}

function show({ text, prediction, explanation, removal, milliseconds, explainMilliseconds }) {
  const highlight = renderHighlight(text, explanation ?? prediction, { view, legend: true });
  shown = { text, prediction, explanation, removal, highlight };
  element('highlight').replaceChildren(highlight);
  element('method-status').textContent = '';
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
    `analysed in ${milliseconds.toFixed(1)} ms` +
    (explanation
      ? `, explained by ${METHOD_NAMES[explanation.method]} in ${explainMilliseconds.toFixed(1)} ms`
      : '');
  element('truncated').hidden = !prediction.truncated;
  setExportsEnabled(true);
  result.dataset.state = 'done';
}

// How faithful the shading is: what removing the words it highlights most does to the verdict.
// The signed methods also shade words against the verdict; their top words are those most for it.
function showRemoval() {
  const { words, change, label } = shown.explanation?.comprehensiveness ?? shown.removal[view];
  const verdict = shown.prediction.label;
  const points = `${Math.abs(change * 100).toFixed(1)} points`;
  const removed = shown.explanation
    ? `${plural(words, 'word')} that speak most for ${verdict}`
    : plural(words, 'most highlighted word');
  element('faithfulness').textContent =
    `Removing the ${removed} ` +
    `${change >= 0 ? 'lowers' : 'raises'} p(${verdict}) by ${points}` +
    (label === verdict ? `; the verdict stays ${verdict}.` : ` and flips the verdict to ${label}.`);
}

function showEmpty() {
  shown = null;
  element('method-status').textContent = '';
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
  element('method-status').textContent = '';
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

const plural = (n, noun) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;

review.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => analyse(review.value), TYPING_PAUSE_MS);
});

// Another method: the same review again, explained by it. The view applies to attention only.
function chooseMethod(chosen) {
  method = chosen;
  element('views').disabled = method !== 'attention';
  element('method-note').textContent = METHOD_NOTES[method];
  if (shown || wanted.text.trim()) analyse(review.value);
}

for (const input of document.querySelectorAll('input[name="method"]')) {
  input.addEventListener('change', () => chooseMethod(input.value));
}

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
  download('review.html', 'text/html', toHTML(shown.text, explained(), { view, document: true })),
);
element('export-svg').addEventListener('click', () =>
  download('review.svg', 'image/svg+xml', toSVG(shown.text, explained(), { view })),
);
element('export-json').addEventListener('click', () =>
  download(
    'review.json',
    'application/json',
    `${JSON.stringify([toNeatVision(explained(), { id: 'review' })], null, 2)}\n`,
  ),
);

// What the shading shows: the explanation, or for attention the prediction.
const explained = () => shown.explanation ?? shown.prediction;

review.value = examples[0].text;
// A reload keeps the form's choice: start with it.
chooseMethod(document.querySelector('input[name="method"]:checked').value);
view = document.querySelector('input[name="view"]:checked').value;
analyse(review.value);
