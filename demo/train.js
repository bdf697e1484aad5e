// The training page: reads the visitor's file, shows its labels and first rows, trains in the
// worker (train-worker.js) with a live chart, then runs the new model with the package's
// highlighting and offers it for download. Text from the file reaches the page only through
// textContent and the package's renderer, never as HTML.
import { MAX_TRAIN_BYTES } from '../web/src/index.js';
import { adoptHighlightStyles, renderHighlight } from '../web/src/render.js';

import { percent, probabilityRow } from './verdict.js';

// The page holds the file, its text and the worker's copy at once (and the trainer another, with
// its tokens): 64 MiB keeps that within a phone's memory. IMDB's 25,000 reviews are 33 MB.
const PAGE_LIMIT = Math.min(MAX_TRAIN_BYTES, 64 * 2 ** 20);
const PREVIEW_ROWS = 5;
const PREVIEW_CHARS = 300;
const TYPING_PAUSE_MS = 250;
const DOWNLOAD_NAME = 'my-model.han';

const element = (id) => document.getElementById(id);
const fileInput = element('file');
const dropZone = element('drop-zone');
const trainButton = element('train');
const cancelButton = element('cancel');
const tryBox = element('try');

const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
let ready = false; // the worker has what training needs
let data = null; // { name, payload (TSV bytes or rows), rows } of the file shown, when trainable
let training = null; // { started, points, history, batches, epochs } of the run in progress
let finished = null; // { bytes } of the last finished run, the one offered
let pendingCheck = null; // { name, payload, id } of the file the worker checks
let checks = 0;
let reads = 0; // files chosen, the last one the one shown
let typingTimer;

adoptHighlightStyles(document);

// --- The file ---

async function readFile(file) {
  const read = (reads += 1);
  data = null;
  pendingCheck = null;
  element('data-summary').hidden = true;
  updateButtons();
  if (file.size > PAGE_LIMIT) {
    setStatus(
      'data-status',
      `${file.name} is ${megabytes(file.size)}, more than the ${megabytes(PAGE_LIMIT)} this page ` +
        'reads: nothing of it was read. Train on a part of it, or use the han train command.',
      'error',
    );
    return;
  }
  setStatus('data-status', `Reading ${file.name}…`);
  let bytes;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    if (read === reads) {
      setStatus('data-status', `${file.name} could not be read: ${error.message}`, 'error');
    }
    return;
  }
  if (read !== reads) return; // another file was chosen meanwhile
  const name = file.name;
  // Text never has NUL bytes, and an empty file has no rows: what train() says of them.
  if (bytes.length === 0 || bytes.subarray(0, 65536).includes(0)) {
    return refuse(name, bytes);
  }
  const csv = /\.csv$/i.test(name) || file.type === 'text/csv';
  // A byte order mark (spreadsheets write one) is not part of the first label.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const text = new TextDecoder().decode(bytes);
  let rows;
  if (csv) {
    const parsed = parseCsv(text);
    if (parsed.error) {
      setStatus('data-status', `This file cannot be trained on: ${name}:${parsed.error}`, 'error');
      return;
    }
    rows = parsed.rows;
  } else {
    rows = tsvRows(text);
  }
  const counts = labelCounts(rows);
  showSummary(rows, counts);
  // Send CSV as rows, TSV as its bytes (han train's format).
  const payload = csv ? rows.map(({ label, text }) => [label, text]) : bytes;
  if (rows.length === 0 || rows.some((row) => row.problem) || counts.size < 2) {
    return refuse(name, payload);
  }
  data = { name, payload, rows: rows.length };
  setStatus(
    'data-status',
    `${name}: ${plural(rows.length, 'example')}, ${plural(counts.size, 'label')}. Ready to train.`,
  );
  updateButtons();
}

// The lines of han train's format; each one without a tab, an empty label or an empty text is
// marked (train() refuses the file with the first such line's number).
function tsvRows(text) {
  const rows = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; ++i) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab <= 0 || tab === line.length - 1) {
      rows.push({
        line: i + 1,
        label: tab < 0 ? '' : line.slice(0, tab),
        text: line,
        problem: true,
      });
    } else {
      rows.push({ line: i + 1, label: line.slice(0, tab), text: line.slice(tab + 1) });
    }
  }
  return rows;
}

// CSV as spreadsheets write it: fields separated by commas, quoted with "…" when they hold
// commas, quotes ("") or line breaks. Each record is a label and a text; the text is the rest of
// the record, so an unquoted text with commas stays whole. A first record `label,text` is a
// header. Returns { rows } or { error } (`line: problem`).
function parseCsv(text) {
  const records = [];
  let fields = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
    recordLine = line;
  };
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') ++line;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      ++line;
      endRecord();
    } else {
      field += c;
    }
  }
  if (quoted) return { error: `${quoteLine}: a quoted field has no closing quote` };
  endRecord();
  const first = records[0]?.fields;
  if (first?.length === 2 && /^label$/i.test(first[0].trim()) && /^text$/i.test(first[1].trim())) {
    records.shift();
  }
  const rows = [];
  for (const { line, fields } of records) {
    if (fields.length < 2) return { error: `${line}: expected label,text, found no comma` };
    const label = fields[0].trim();
    const text = fields.slice(1).join(',');
    if (label === '') return { error: `${line}: the label is empty` };
    if (/[\t\r\n]/.test(label)) return { error: `${line}: the label has a tab or a line break` };
    if (text.trim() === '') return { error: `${line}: the text is empty` };
    rows.push({ line, label, text });
  }
  return { rows };
}

function labelCounts(rows) {
  const counts = new Map();
  for (const { label, problem } of rows) {
    if (!problem) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return new Map([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

function showSummary(rows, counts) {
  element('label-counts').replaceChildren(
    ...[...counts].map(([label, count]) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'label-name';
      name.textContent = label;
      const value = document.createElement('span');
      value.textContent = count.toLocaleString('en');
      item.append(name, value);
      return item;
    }),
  );
  const body = element('preview').tBodies[0];
  body.replaceChildren(
    ...rows.slice(0, PREVIEW_ROWS).map(({ line, label, text }) => {
      const row = document.createElement('tr');
      const shown = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
      for (const value of [String(line), label, shown]) {
        const cell = document.createElement('td');
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }),
  );
  element('preview-caption').textContent =
    rows.length > PREVIEW_ROWS
      ? `The first ${PREVIEW_ROWS} of ${plural(rows.length, 'row')}`
      : 'Every row';
  element('data-summary').hidden = rows.length === 0;
}

// The page found a problem in the file: the status says what train() says of it.
function refuse(name, payload) {
  setStatus('data-status', `Checking ${name}…`);
  pendingCheck = { name, payload, id: (checks += 1) };
  worker.postMessage({ type: 'check', data: payload, name, id: checks });
}

function checked({ id, message }) {
  if (pendingCheck?.id !== id) return; // another file was chosen since
  const { name, payload } = pendingCheck;
  pendingCheck = null;
  if (message === null) {
    // train() accepts it after all.
    data = { name, payload };
    setStatus('data-status', `${name}: Ready to train.`);
    updateButtons();
    return;
  }
  setStatus('data-status', `This file cannot be trained on: ${message}`, 'error');
}

// --- Training ---

function startTraining() {
  if (!data || training) return;
  const preset = document.querySelector('input[name="preset"]:checked').value;
  const start = document.querySelector('input[name="start"]:checked').value;
  const what = `${data.name} (${preset} preset, ${startText(start)})`;
  training = { what, started: performance.now(), points: [], history: [], batches: 0, epochs: 0 };
  worker.postMessage({ type: 'train', data: data.payload, preset, start, name: data.name });
  element('chart-figure').hidden = false;
  element('epochs').replaceChildren();
  element('trainer-messages').replaceChildren();
  element('train-progress').hidden = false;
  element('train-progress').value = 0;
  element('train-detail').textContent = '';
  setStatus('train-status', `Training on ${what}…`);
  drawChart();
  updateButtons();
}

function startText(start) {
  if (start === 'all') return 'fine-tuning the bundled model';
  if (start === 'output') return 'fine-tuning the bundled model’s output layer';
  return 'from scratch';
}

function progressed(p) {
  if (!training) return;
  const done = (p.epoch - 1) * p.batches + p.batch;
  Object.assign(training, { batches: p.batches, epochs: p.epochs });
  if (done > (training.points.at(-1)?.x ?? 0)) {
    training.points.push({ x: done, loss: p.loss, accuracy: p.accuracy });
  }
  for (const report of p.history.slice(training.history.length)) addEpoch(report);
  for (const message of p.messages) {
    const item = document.createElement('li');
    item.textContent = message;
    element('trainer-messages').append(item);
  }
  training.history = p.history;
  const total = p.epochs * p.batches;
  const progress = element('train-progress');
  progress.max = total;
  progress.value = done;
  element('train-detail').textContent =
    `Epoch ${Math.min(p.epoch, p.epochs)} of ${p.epochs}, mini-batch ${p.batch} of ${p.batches}: ` +
    `loss ${p.loss.toFixed(3)}, accuracy ${percent(p.accuracy)}` +
    (p.done ? '.' : ` · ${duration(p.etaMs)} left (at most).`);
  scheduleChart();
}

// A finished epoch: one line of the list (the chart's numbers as text), announced.
function addEpoch(report) {
  const item = document.createElement('li');
  item.textContent =
    `Epoch ${report.epoch}: loss ${report.loss.toFixed(3)}, ` +
    `accuracy ${percent(report.accuracy)}, ` +
    `validation accuracy ${percent(report.validationAccuracy)} (${report.seconds.toFixed(1)} s)`;
  element('epochs').append(item);
  setStatus('train-status', `Training on ${data.name}: epoch ${report.epoch} done.`);
}

function trained({ bytes, bestEpoch, epochs, info }) {
  const seconds = (performance.now() - training.started) / 1000;
  const { what } = training;
  training = null;
  finished = { bytes };
  const best = epochs.find((e) => e.epoch === bestEpoch) ?? epochs.at(-1);
  setStatus(
    'train-status',
    `Done in ${seconds.toFixed(1)} s: the model of epoch ${bestEpoch}, validation accuracy ` +
      `${percent(best.validationAccuracy)}. Try it and download it below.`,
  );
  element('model-summary').textContent =
    `${DOWNLOAD_NAME}, trained on ${what}: ${info.labels.join(' / ')}, a vocabulary of ` +
    `${info.vocabularySize.toLocaleString('en')} words, ${megabytes(bytes.length)}.`;
  element('result').hidden = false;
  if (!tryBox.value.trim()) tryBox.value = firstText();
  predict();
  drawChart();
  updateButtons();
}

function firstText() {
  const first = element('preview').tBodies[0].rows[0];
  return first ? first.cells[2].textContent.replace(/…$/, '') : '';
}

function stopped(message) {
  training = null;
  const kept = finished ? ' The model below is still the last finished one.' : '';
  if (message === null) {
    setStatus('train-status', `Training cancelled: nothing of this run was kept.${kept}`);
  } else {
    setStatus('train-status', `Training failed: ${message}${kept}`, 'error');
  }
  element('train-progress').hidden = true;
  updateButtons();
}

function updateButtons() {
  // A button that is disabled loses the keyboard focus: it moves to the other one.
  const focused = document.activeElement;
  trainButton.disabled = !ready || !data || training !== null;
  cancelButton.disabled = training === null;
  if (focused === trainButton && trainButton.disabled && !cancelButton.disabled) {
    cancelButton.focus();
  } else if (focused === cancelButton && cancelButton.disabled && !trainButton.disabled) {
    trainButton.focus();
  }
  for (const input of document.querySelectorAll('input[name="preset"], input[name="start"]')) {
    input.disabled = training !== null || input.dataset.unavailable === 'true';
  }
  fileInput.disabled = training !== null;
}

// --- The chart: loss and accuracy after each report, validation accuracy after each epoch ---

const SVG = 'http://www.w3.org/2000/svg';
const CHART = { left: 40, right: 14, top: 12, bottom: 34 };
let chartFrame = 0;

function scheduleChart() {
  if (!chartFrame) {
    chartFrame = requestAnimationFrame(() => {
      chartFrame = 0;
      drawChart();
    });
  }
}

function svg(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

let chartData = { points: [], history: [], batches: 0, epochs: 0 };

function drawChart() {
  if (training) chartData = training;
  const { points, history, batches, epochs } = chartData;
  const { left, right, top, bottom } = CHART;
  // Drawn at the size shown, so that its text is as large on a phone as on a desktop.
  const chart = element('chart');
  const width = Math.max(280, Math.round(chart.clientWidth || 640));
  const height = width < 480 ? 200 : 260;
  chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const total = Math.max(1, epochs * batches);
  const maxLoss = Math.max(1, ...points.map((p) => p.loss));
  const yMax = Math.ceil(maxLoss * 2) / 2;
  const x = (v) => left + (v / total) * (width - left - right);
  const y = (v) => top + (1 - v / yMax) * (height - top - bottom);
  const nodes = [];
  for (let v = 0; v <= yMax + 1e-9; v += yMax > 2 ? 1 : 0.25) {
    nodes.push(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    nodes.push(
      svg('text', { class: 'axis', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, label(v)),
    );
  }
  for (let e = 1; e <= epochs; ++e) {
    const at = x(e * batches);
    nodes.push(svg('line', { class: 'epoch', x1: at, x2: at, y1: top, y2: height - bottom }));
    const middle = x((e - 0.5) * batches);
    const name = x(batches) - x(0) >= 64 ? `epoch ${e}` : String(e);
    const at2 = { class: 'axis', x: middle, y: height - bottom + 18, 'text-anchor': 'middle' };
    nodes.push(svg('text', at2, name));
  }
  const line = (key) =>
    svg('polyline', {
      class: key,
      points: points.map((p) => `${x(p.x).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' '),
    });
  nodes.push(line('loss'), line('accuracy'));
  const validation = history.map((h) => ({ x: x(h.epoch * batches), y: y(h.validationAccuracy) }));
  nodes.push(
    svg('polyline', {
      class: 'validation',
      points: validation.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
    }),
  );
  for (const p of validation)
    nodes.push(svg('circle', { class: 'validation-point', cx: p.x, cy: p.y, r: 5 }));
  chart.replaceChildren(...nodes);
}

const label = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0$/, ''));

// --- Trying the model ---

function predict() {
  clearTimeout(typingTimer);
  const text = tryBox.value;
  if (!text.trim()) {
    const hint = document.createElement('p');
    hint.className = 'note';
    hint.textContent = 'Type a text to see what your model pays attention to.';
    element('highlight').replaceChildren(hint);
    element('verdict').textContent = '…';
    element('probabilities').replaceChildren();
    return;
  }
  worker.postMessage({ type: 'predict', text });
}

function showPrediction({ text, prediction }) {
  if (text !== tryBox.value) return; // the visitor typed on: a newer one is coming
  element('highlight').replaceChildren(renderHighlight(text, prediction, { legend: true }));
  const { label } = prediction;
  element('verdict').textContent = `${label} · ${percent(prediction.probabilities[label])}`;
  element('probabilities').replaceChildren(
    ...Object.entries(prediction.probabilities).map(([name, p]) => probabilityRow(name, p)),
  );
}

function download() {
  if (!finished) return;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([finished.bytes], { type: 'application/octet-stream' }));
  link.download = DOWNLOAD_NAME;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// --- Wiring ---

function setStatus(id, text, kind) {
  const status = element(id);
  status.textContent = text;
  if (kind) status.dataset.kind = kind;
  else delete status.dataset.kind;
}

const plural = (n, noun) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
const megabytes = (bytes) =>
  bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function duration(ms) {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s`;
  return `about ${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

worker.onmessage = ({ data: message }) => {
  if (message.type === 'ready') {
    ready = true;
    if (message.labels) {
      element('bundled-labels').textContent = message.labels.join(' / ');
      setStatus('train-status', 'The trainer is ready; it works offline from now on.');
    } else {
      for (const input of document.querySelectorAll('input[name="start"]:not([value="scratch"])')) {
        input.dataset.unavailable = 'true';
      }
      setStatus(
        'train-status',
        `The trainer is ready, but fine-tuning is not: ${message.problem}`,
        'error',
      );
    }
    updateButtons();
  } else if (message.type === 'progress') progressed(message.progress);
  else if (message.type === 'done') trained(message);
  else if (message.type === 'cancelled') stopped(null);
  else if (message.type === 'error') stopped(message.message);
  else if (message.type === 'checked') checked(message);
  else if (message.type === 'prediction') showPrediction(message);
  else if (message.type === 'prediction-error') {
    element('verdict').textContent = `Something went wrong: ${message.message}`;
  }
};
worker.onerror = (event) => {
  event.preventDefault();
  setStatus(
    'train-status',
    `The trainer stopped: ${event.message || 'its script did not load'}`,
    'error',
  );
  ready = false;
  training = null;
  updateButtons();
};

fileInput.addEventListener('change', () => {
  if (fileInput.files.length) readFile(fileInput.files[0]);
});
for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    if (!fileInput.disabled) dropZone.dataset.state = 'over';
  });
}
dropZone.addEventListener('dragleave', () => (dropZone.dataset.state = 'empty'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.dataset.state = 'empty';
  const [file] = event.dataTransfer.files;
  if (file && !fileInput.disabled) readFile(file);
});
trainButton.addEventListener('click', startTraining);
cancelButton.addEventListener('click', () => worker.postMessage({ type: 'cancel' }));
element('download').addEventListener('click', download);
tryBox.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(predict, TYPING_PAUSE_MS);
});
new ResizeObserver(scheduleChart).observe(element('chart-figure'));
drawChart();
updateButtons();
