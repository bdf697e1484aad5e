// The packed package through a bundler, as a web developer uses it: `npm pack`, install the
// tarball into a tiny Vite app that imports han-wasm on its page and in a module Web Worker,
// `vite build`, serve the built files from a plain static server, and predict in Chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { fixturePath } from '../helpers/fixtures.mjs';
import { artifacts } from './browser.mjs';

const web = fileURLToPath(new URL('../../', import.meta.url));
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });

const TEXT = 'Alpha bravo charlie. Delta echo!';

// The app: the page predicts on the main thread and asks a worker for the same prediction.
const APP_FILES = {
  'package.json': '{ "private": true, "type": "module" }',
  'vite.config.js': `export default { worker: { format: 'es' }, build: { target: 'es2022' } };`,
  'index.html': `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head>
<body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>`,
  'main.js': `import { loadModel } from 'han-wasm';
const model = await loadModel('./model.han');
const page = model.predict(${JSON.stringify(TEXT)});
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const inWorker = await new Promise((resolve, reject) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = (event) => reject(new Error(event.message));
  worker.postMessage(${JSON.stringify(TEXT)});
});
document.getElementById('out').textContent = JSON.stringify({ page, inWorker, variant: model.info.variant });`,
  'worker.js': `import { loadModel } from 'han-wasm';
const ready = loadModel(new URL('./model.han', self.location.origin + '/'));
self.onmessage = async (event) => self.postMessage((await ready).predict(event.data));`,
};

const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};

let work;
let servers = [];
let origin;
let isolatedOrigin;
let built;

// A plain static server of the built app; `isolated` adds the cross-origin isolation headers.
async function serveBuilt(isolated) {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    const file = join(built, path === '/' ? 'index.html' : path);
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    try {
      const body = await readFile(file);
      const type = MIME[extname(file)] ?? 'application/octet-stream';
      response.writeHead(200, { ...headers, 'Content-Type': type });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}`;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'han-wasm-vite-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], web));
  const app = join(work, 'app');
  mkdirSync(join(app, 'public'), { recursive: true });
  for (const [name, content] of Object.entries(APP_FILES)) writeFileSync(join(app, name), content);
  copyFileSync(fixturePath('lstm'), join(app, 'public/model.han'));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], app);
  run(process.execPath, [join(web, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], app);
  built = join(app, 'dist');

  origin = await serveBuilt(false);
  isolatedOrigin = await serveBuilt(true);
});

after(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('vite build emits the three .wasm variants as assets', () => {
  const assets = readdirSync(join(built, 'assets'));
  for (const variant of ['simd', 'baseline', 'threads']) {
    assert.ok(
      assets.some((file) => file.startsWith(`han-${variant}`) && file.endsWith('.wasm')),
      `no han-${variant} .wasm among ${assets.join(', ')}`,
    );
  }
});

// Opens the app at `at` in Chromium; gives what it shows (both predictions and the variant).
async function openApp(at) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(work, 'chromium-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(at);
    await page.waitForFunction(() => document.getElementById('out').textContent !== '', null, {
      timeout: 20_000,
    });
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'vite-app.png') });
    assert.deepEqual(errors, []);
    return JSON.parse(await page.textContent('#out'));
  } finally {
    await context.close();
  }
}

test('the bundled app predicts on the page and in a module worker', async () => {
  const { page: onPage, inWorker, variant } = await openApp(origin);
  assert.equal(variant, 'simd'); // Chromium has wasm SIMD, so feature detection picks it
  const words = onPage.sentences.flatMap((s) => s.words.map((w) => TEXT.slice(w.start, w.end)));
  assert.deepEqual(words, ['Alpha', 'bravo', 'charlie', 'Delta', 'echo']);
  assert.deepEqual(inWorker, onPage);
});

test('served cross-origin isolated, the bundled app finds and runs the threads build', async () => {
  const single = await openApp(origin);
  const { page: onPage, inWorker, variant } = await openApp(isolatedOrigin);
  assert.equal(variant, 'threads');
  assert.deepEqual(onPage, single.page);
  assert.deepEqual(inWorker, single.page);
});
