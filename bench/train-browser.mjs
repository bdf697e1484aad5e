// Training in the browser: the package's train() in a Web Worker of headless Chromium (Debian's,
// through playwright-core), against the native `han train` with the same options, on IMDB.
//   node bench/train-browser.mjs [IMDB_DIR] [HAN]
// 1. The fast preset on the 25,000 training reviews (10% held out for validation), in Chromium
//    and natively on one thread and on every core; each model's accuracy on the 25,000 test
//    reviews by `han test`.
// 2. A fine-tune of the bundled model on 2,000 training reviews, one epoch, every weight and the
//    output layer only, in Chromium.
// The reviews are read at run time from IMDB_DIR (default ../shared/data/imdb) and handed to the
// page by request interception; nothing of them is stored. HAN defaults to build/han. Needs
// scripts/build-wasm.sh and `cd web && npm ci` (playwright-core).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { serve } from '../scripts/serve.mjs';
import { TRAIN_PRESETS } from '../web/src/node.js';

// playwright-core is the package's test dependency (cd web && npm ci).
const { chromium } = createRequire(new URL('../web/package.json', import.meta.url))(
  'playwright-core',
);
const repo = fileURLToPath(new URL('../', import.meta.url));
const [imdb = join(repo, '../shared/data/imdb'), han = join(repo, 'build/han')] =
  process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'han-train-bench-'));

const trainTsv = gunzipSync(readFileSync(join(imdb, 'train.tsv.gz')));
// 2,000 reviews for the fine-tune, taken evenly through the file (it is sorted by label).
const lines = trainTsv.toString('utf8').split('\n').filter(Boolean);
const sample = Buffer.from(lines.filter((_, i) => i % Math.floor(lines.length / 2000) === 0)
  .slice(0, 2000).join('\n'));

// han train's flags for the fast preset.
const FLAGS = {
  embeddingDim: '--embedding-dim', wordUnits: '--word-units', sentenceUnits: '--sentence-units',
  attentionUnits: '--attention-units', maxVocabulary: '--max-vocab', maxSentences: '--max-sentences',
  maxWords: '--max-words', epochs: '--epochs', patience: '--patience', batchSize: '--batch-size',
  learningRate: '--lr',
};
const fast = TRAIN_PRESETS.fast;
const fastFlags = Object.entries(fast).flatMap(([key, value]) => [FLAGS[key], String(value)]);

function testAccuracy(model) {
  const out = execFileSync(han, ['test', model, join(imdb, 'test.tsv.gz')], { encoding: 'utf8' });
  return Number(out.trim().split('\n').at(-1).split(' ').at(-1));
}

function nativeTrain(threads) {
  const model = join(work, `native-${threads}.han`);
  const start = performance.now();
  execFileSync(han, ['train', join(imdb, 'train.tsv.gz'), '-o', model, ...fastFlags,
    '--threads', String(threads), '--seed', '1'], { stdio: 'pipe' });
  return { seconds: (performance.now() - start) / 1000, accuracy: testAccuracy(model) };
}

// The page: a module worker that runs train() and posts its progress and the model back.
const WORKER = `
import { bundledModelURL, train } from '/web/src/index.js';
onmessage = async ({ data: { url, options } }) => {
  try {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    if (options.startFrom === 'bundled') options.startFrom = bundledModelURL;
    const start = performance.now();
    const result = await train(bytes, options, { onProgress: (p) => p.done && postMessage({ p }) });
    postMessage({ seconds: (performance.now() - start) / 1000, bytes: Array.from(result.bytes),
      epochs: result.epochs });
  } catch (error) {
    postMessage({ error: error.message });
  }
};`;

const server = await serve({ port: 0 });
const origin = `http://localhost:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.route('**/bench/train.html', (route) =>
    route.fulfill({ body: '<!doctype html><title>train</title>', contentType: 'text/html' }));
  await page.route('**/bench/worker.js', (route) =>
    route.fulfill({ body: WORKER, contentType: 'text/javascript' }));
  await page.route('**/bench/train.tsv', (route) => route.fulfill({ body: trainTsv }));
  await page.route('**/bench/sample.tsv', (route) => route.fulfill({ body: sample }));
  await page.goto(`${origin}/bench/train.html`);
  const inBrowser = (url, options) =>
    page.evaluate(
      ([url, options]) =>
        new Promise((resolve, reject) => {
          const worker = new Worker('/bench/worker.js', { type: 'module' });
          worker.onmessage = ({ data }) => {
            if (data.p) return;
            worker.terminate();
            if (data.error) reject(new Error(data.error));
            else resolve(data);
          };
          worker.postMessage({ url, options });
        }),
      [url, options],
    );

  console.log(`fast preset: ${JSON.stringify(fast)}`);
  const browserRun = await inBrowser('/bench/train.tsv', { preset: 'fast', seed: 1 });
  const browserModel = join(work, 'browser.han');
  writeFileSync(browserModel, Buffer.from(browserRun.bytes));
  const rows = [
    ['Chromium, train() (one thread)', browserRun.seconds, testAccuracy(browserModel)],
  ];
  for (const threads of [1, cpus().length]) {
    const run = nativeTrain(threads);
    rows.push([`native han train --threads ${threads}`, run.seconds, run.accuracy]);
  }
  console.log('\n| IMDB, 25,000 reviews, fast preset | seconds | test accuracy |\n|---|---|---|');
  for (const [name, seconds, accuracy] of rows) {
    console.log(`| ${name} | ${seconds.toFixed(0)} | ${accuracy.toFixed(4)} |`);
  }

  console.log('\n| fine-tune of the bundled model, 2,000 reviews, 1 epoch, Chromium | seconds |');
  console.log('|---|---|');
  for (const outputLayerOnly of [false, true]) {
    const run = await inBrowser('/bench/sample.tsv',
      { startFrom: 'bundled', epochs: 1, outputLayerOnly, seed: 1 });
    console.log(`| ${outputLayerOnly ? 'the output layer only' : 'every weight'} | ` +
      `${run.seconds.toFixed(1)} |`);
  }
} finally {
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
