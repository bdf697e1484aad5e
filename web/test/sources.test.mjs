// Every kind of source loadModel takes, and its progress reports.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { relative } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { loadModel } from 'han-wasm';

import { fixtureBytes, fixturePath } from './helpers/fixtures.mjs';

const name = 'lstm';
const bytes = fixtureBytes(name);
const text = 'Alpha bravo charlie. Delta echo!';
let expected;
let server;
let baseUrl;

before(async () => {
  const model = await loadModel(bytes);
  expected = model.predict(text);
  model.dispose();
  // Serves the model at /model.han (with a Content-Length) and nothing else.
  server = createServer((request, response) => {
    if (request.url !== '/model.han') return response.writeHead(404).end();
    response.writeHead(200, { 'Content-Length': bytes.length }).end(bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

// Loads the source, checks the model predicts as expected, and returns the progress reports.
async function loadAndPredict(source) {
  const reports = [];
  const model = await loadModel(source, { onProgress: (p) => reports.push(p) });
  try {
    assert.deepEqual(model.predict(text), expected);
  } finally {
    model.dispose();
  }
  assert.ok(reports.length >= 1);
  assert.equal(reports.at(-1).loaded, bytes.length);
  reports.forEach((r, i) => assert.ok(i === 0 || r.loaded >= reports[i - 1].loaded));
  return reports;
}

const sources = {
  'a file path': () => fixturePath(name),
  'a relative file path': () => relative(process.cwd(), fixturePath(name)),
  'a file: URL': () => pathToFileURL(fixturePath(name)),
  'a file: URL string': () => pathToFileURL(fixturePath(name)).href,
  'an http URL string': () => `${baseUrl}/model.han`,
  'an http URL': () => new URL(`${baseUrl}/model.han`),
  'a data: URL': () =>
    `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`,
  'a Response': () => new Response(bytes),
  'an ArrayBuffer': () => bytes.slice().buffer,
  'a Uint8Array': () => bytes,
  'a Uint8Array view into a larger buffer': () => {
    const larger = new Uint8Array(bytes.length + 10);
    larger.set(bytes, 7);
    return larger.subarray(7, 7 + bytes.length);
  },
  'a Node Buffer': () => Buffer.from(bytes),
  'a DataView': () => new DataView(bytes.slice().buffer),
};

for (const [kind, source] of Object.entries(sources)) {
  test(`loads ${kind}`, () => loadAndPredict(source()));
}

test('progress reports the total when the server sends a Content-Length', async () => {
  const reports = await loadAndPredict(`${baseUrl}/model.han`);
  assert.ok(reports.every((r) => r.total === bytes.length));
});

test('an HTTP error rejects with the status', async () => {
  await assert.rejects(loadModel(`${baseUrl}/missing.han`), {
    message: `cannot load the model from ${baseUrl}/missing.han: HTTP 404`,
  });
});

test('a missing file rejects with the system error', async () => {
  await assert.rejects(loadModel('/nonexistent/model.han'), { code: 'ENOENT' });
});
