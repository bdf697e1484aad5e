// The training page (demo/train.html) in headless Chromium: a generated file of made-up reviews
// goes in through the file input, the page trains in its worker, tries the model and downloads a
// .han that loads in Node (and that `$HAN_CLI inspect` accepts). Also cancel, bad files, markup
// in the file, offline training, the phone layout and axe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { loadModel } from 'han-wasm';

import { makeReviews, toTsv } from '../helpers/reviews.mjs';
import { accessibilityViolations, browserSession, screenshot } from './browser.mjs';

const session = browserSession();
const downloads = mkdtempSync(join(tmpdir(), 'han-train-page-'));
after(() => rmSync(downloads, { recursive: true, force: true }));

const rows = makeReviews(300, 1);
const tsv = (name, content) => ({
  name,
  mimeType: 'text/tab-separated-values',
  buffer: Buffer.from(content),
});
const POSITIVE = 'The film was wonderful and the cast was superb. A charming, moving story.';

async function openTrainPage(viewport) {
  const page = await session.newPage('/demo/train.html', viewport);
  await page.waitForFunction(() =>
    /ready/.test(document.querySelector('#train-status').textContent),
  );
  return page;
}

// Chooses the file and waits until the page has read it (ready to train, or refused).
async function chooseFile(page, file) {
  await page.$eval('#data-status', (status) => (status.textContent = ''));
  await page.setInputFiles('#file', file);
  return waitForDataStatus(page);
}

async function waitForDataStatus(page) {
  await page.waitForFunction(() => {
    const status = document.querySelector('#data-status');
    return status.dataset.kind === 'error' || /Ready to train\.$/.test(status.textContent);
  });
  return page.textContent('#data-status');
}

async function trainToTheEnd(page) {
  await page.click('#train');
  await page.waitForFunction(
    () => /^(Done|Training failed)/.test(document.querySelector('#train-status').textContent),
    null,
    { timeout: 60_000 },
  );
  return page.textContent('#train-status');
}

// Types into the try box and waits for the highlighting of exactly that text.
async function tryText(page, text) {
  await page.fill('#try', text);
  await page.waitForFunction(
    (expected) => document.querySelector('#highlight .han-review')?.textContent === expected,
    text,
  );
}

test('a generated TSV: counts, preview, a run and its chart, trying, downloading', async () => {
  const page = await openTrainPage();
  const status = await chooseFile(page, tsv('reviews.tsv', toTsv(rows)));
  assert.equal(status, 'reviews.tsv: 300 examples, 2 labels. Ready to train.');
  const counts = await page.$$eval('#label-counts li', (items) =>
    items.map((item) => [...item.children].map((child) => child.textContent)),
  );
  assert.deepEqual(counts, [
    ['negative', '150'],
    ['positive', '150'],
  ]);
  const preview = await page.$$eval('#preview tbody tr', (trs) =>
    trs.map((tr) => [...tr.cells].map((cell) => cell.textContent)),
  );
  assert.deepEqual(
    preview,
    rows.slice(0, 5).map(([label, text], i) => [String(i + 1), label, text]),
  );

  const status2 = await trainToTheEnd(page);
  assert.match(status2, /^Done in \d+\.\d s: the model of epoch \d, validation accuracy \d+\.\d%/);
  // The chart drew a point per report and one per finished epoch; the list has the epochs.
  const chart = await page.evaluate(() => ({
    loss: document.querySelector('#chart .loss').getAttribute('points').split(' ').length,
    validation: document.querySelectorAll('#chart .validation-point').length,
    epochs: document.querySelectorAll('#epochs li').length,
  }));
  assert.ok(chart.loss >= 3, JSON.stringify(chart));
  assert.equal(chart.validation, chart.epochs);
  assert.ok(chart.epochs >= 1 && chart.epochs <= 3);
  // What the trainer said, as han train says it.
  assert.match(await page.textContent('#trainer-messages li >> nth=0'), /^vocabulary: \d+ words/);

  await tryText(page, POSITIVE);
  assert.match(await page.textContent('#verdict'), /^positive · \d+\.\d%$/);
  const shades = await page.$$eval('#highlight .han-word', (words) =>
    words.map((word) => getComputedStyle(word).backgroundColor),
  );
  assert.ok(shades.length >= 10);
  assert.ok(new Set(shades).size > 3, `${new Set(shades).size} shades`);
  await screenshot(page, 'train-desktop');
  assert.deepEqual(await accessibilityViolations(page), []);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'my-model.han');
  const path = join(downloads, 'my-model.han');
  await download.saveAs(path);
  if (process.env.HAN_CLI) {
    const inspected = execFileSync(process.env.HAN_CLI, ['inspect', path], { encoding: 'utf8' });
    assert.match(inspected, /labels\s+negative, positive/);
    assert.match(inspected, /golden tests\s+(\d+)\/\1 passed/);
  }
  const model = await loadModel(readFileSync(path));
  try {
    assert.deepEqual(model.info.labels, ['negative', 'positive']);
    assert.equal(model.predict(POSITIVE).label, 'positive');
    assert.equal(model.predict('A dull, tedious film. The plot was awful.').label, 'negative');
  } finally {
    model.dispose();
  }
});

test('cancel mid-training: nothing offered, the page usable, a fine-tune works after', async () => {
  const page = await openTrainPage();
  await chooseFile(page, tsv('many.tsv', toTsv(makeReviews(3000, 3))));
  // From the keyboard: the focus goes from Train to Cancel and back.
  const focused = () => page.evaluate(() => document.activeElement.id);
  await page.focus('#train');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'cancel');
  assert.equal(await page.isDisabled('#file'), true);
  await page.waitForFunction(() => document.querySelector('#train-detail').textContent !== '');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    /cancelled/.test(document.querySelector('#train-status').textContent),
  );
  assert.equal(
    await page.textContent('#train-status'),
    'Training cancelled: nothing of this run was kept.',
  );
  assert.equal(await page.isVisible('#result'), false);
  assert.equal(await page.isVisible('#download'), false);
  assert.equal(await page.isDisabled('#cancel'), true);
  assert.equal(await page.isDisabled('#file'), false);
  assert.equal(await focused(), 'train');

  // A second run, on another file: the bundled model's output layer, on the user's rows.
  await chooseFile(page, tsv('reviews.tsv', toTsv(rows)));
  await page.check('input[name="start"][value="output"]');
  assert.match(await trainToTheEnd(page), /^Done/);
  await tryText(page, POSITIVE);
  assert.match(await page.textContent('#verdict'), /^positive · /);
  // Its vocabulary is the bundled model's.
  const summary = await page.textContent('#model-summary');
  assert.ok(
    summary.startsWith(
      'my-model.han, trained on reviews.tsv (fast preset, fine-tuning the bundled model’s ' +
        'output layer): negative / positive, a vocabulary of 30,000 words, ',
    ),
    summary,
  );
});

test('bad files get the package’s message, and the page stays usable', async () => {
  const page = await openTrainPage();
  const cases = [
    [
      tsv('no-tabs.tsv', 'positive a fine film\nnegative a dull film\n'),
      /no-tabs\.tsv:1: expected label<TAB>text, found no TAB/,
    ],
    [
      {
        name: 'binary.tsv',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 9, 10]),
      },
      /NUL bytes.*binary file/,
    ],
    [tsv('empty.tsv', ''), /the data is empty/],
    [
      tsv('one-label.tsv', 'positive\ta fine film\npositive\tanother fine film\n'),
      /one-label\.tsv: needs at least two labels/,
    ],
    [
      {
        name: 'open-quote.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('label,text\npositive,"a fine\n'),
      },
      /open-quote\.csv:2: a quoted field has no closing quote/,
    ],
  ];
  for (const [file, message] of cases) {
    const status = await chooseFile(page, file).catch(async (error) => {
      throw new Error(`${file.name}: ${await page.textContent('#data-status')}`, { cause: error });
    });
    assert.match(status, message, file.name);
    assert.equal(await page.getAttribute('#data-status', 'data-kind'), 'error', file.name);
    assert.equal(await page.isDisabled('#train'), true, file.name);
  }

  // Over the page's limit: refused from file.size alone, before anything is read.
  const refused = await page.evaluate(async () => {
    let reads = 0;
    for (const method of ['arrayBuffer', 'text', 'stream', 'slice']) {
      const original = Blob.prototype[method];
      Blob.prototype[method] = function (...args) {
        reads += 1;
        return original.apply(this, args);
      };
    }
    const input = document.querySelector('#file');
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(65 * 2 ** 20)], 'huge.tsv'));
    input.files = transfer.files;
    input.dispatchEvent(new Event('change'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { reads, status: document.querySelector('#data-status').textContent };
  });
  assert.equal(refused.reads, 0);
  assert.match(refused.status, /^huge\.tsv is 65\.0 MiB, more than the 64\.0 MiB this page reads/);

  // Invalid UTF-8 reads as U+FFFD, as the trainer reads it.
  const latin1 = Buffer.concat([
    Buffer.from('positive\tcaf'),
    Buffer.from([0xe9]),
    Buffer.from(' cr\u00e8me\nnegative\tdull\n'),
  ]);
  assert.match(await chooseFile(page, tsv('latin1.tsv', latin1)), /Ready to train/);
  assert.equal(
    await page.textContent('#preview tbody tr >> nth=0 >> td >> nth=2'),
    'caf\ufffd crème',
  );

  // A good file after them all is ready to train.
  const status = await chooseFile(page, tsv('reviews.tsv', toTsv(rows)));
  assert.match(status, /Ready to train/);
  assert.equal(await page.isDisabled('#train'), false);
  assert.deepEqual(await accessibilityViolations(page), []);
});

test('a dropped CSV: quoted fields, "" escapes and the header row', async () => {
  const page = await openTrainPage();
  const csv =
    '\ufefflabel,text\r\n' +
    'positive,"A fine, moving film. She said ""wow""."\r\n' +
    'negative,dull, tedious and long\r\n' +
    'positive,"two\nlines"\r\n' +
    'negative,awful\r\n';
  const transfer = await page.evaluateHandle((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], 'reviews.csv', { type: 'text/csv' }));
    return dt;
  }, csv);
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
  assert.equal(await waitForDataStatus(page), 'reviews.csv: 4 examples, 2 labels. Ready to train.');
  const preview = await page.$$eval('#preview tbody tr', (trs) =>
    trs.map((tr) => [...tr.cells].map((cell) => cell.textContent)),
  );
  assert.deepEqual(preview, [
    ['2', 'positive', 'A fine, moving film. She said "wow".'],
    ['3', 'negative', 'dull, tedious and long'],
    ['4', 'positive', 'two\nlines'],
    ['6', 'negative', 'awful'],
  ]);
});

test('markup in the file shows as text in the counts and preview, and runs nothing', async () => {
  const page = await openTrainPage();
  const hostile = [
    ['<b>bold</b>', '<img src=x onerror="window.ran = true"> a fine film'],
    ['negative', '<script>window.ran = true</script><img src=y onerror=alert(1)>'],
  ];
  await chooseFile(page, tsv('hostile.tsv', toTsv(hostile)));
  const shown = await page.$$eval('#preview tbody tr', (trs) =>
    trs.map((tr) => [tr.cells[1].textContent, tr.cells[2].textContent]),
  );
  assert.deepEqual(shown, hostile);
  assert.equal(await page.textContent('#label-counts .label-name >> nth=0'), '<b>bold</b>');
  assert.equal(await page.locator('main :is(img, script, b)').count(), 0);
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.ran), undefined);
});

test('offline once loaded: training from scratch and fine-tuning need no request', async () => {
  const page = await openTrainPage();
  await chooseFile(page, tsv('reviews.tsv', toTsv(rows.slice(0, 200))));
  const requests = [];
  await session.context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  try {
    assert.match(await trainToTheEnd(page), /^Done/);
    await page.check('input[name="start"][value="all"]');
    assert.match(await trainToTheEnd(page), /^Done/);
    await tryText(page, POSITIVE);
  } finally {
    await session.context.unroute('**/*');
  }
  assert.deepEqual(requests, []);
});

test('at phone width the page fits without sideways scrolling, chart and result too', async () => {
  const page = await openTrainPage({ width: 375, height: 812 });
  await chooseFile(page, tsv('reviews.tsv', toTsv(rows)));
  assert.match(await trainToTheEnd(page), /^Done/);
  await tryText(page, POSITIVE);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
  await screenshot(page, 'train-phone');
});

test('without the bundled model, training from scratch works and fine-tuning is off', async () => {
  const model = '**/web/models/imdb-sentiment.han';
  await session.context.route(model, (route) => route.fulfill({ status: 404, body: 'Not found' }));
  try {
    const page = await session.newPage('/demo/train.html');
    await page.waitForFunction(() =>
      /ready/.test(document.querySelector('#train-status').textContent),
    );
    assert.match(
      await page.textContent('#train-status'),
      /^The trainer is ready, but fine-tuning is not: the bundled model did not load \(HTTP 404\)$/,
    );
    assert.equal(await page.isDisabled('input[name="start"][value="all"]'), true);
    assert.equal(await page.isDisabled('input[name="start"][value="output"]'), true);
    await chooseFile(page, tsv('reviews.tsv', toTsv(rows.slice(0, 200))));
    assert.match(await trainToTheEnd(page), /^Done/);
  } finally {
    await session.context.unroute(model);
  }
});
