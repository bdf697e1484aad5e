// scripts/serve.mjs: the MIME types browsers need, and nothing outside the served directories.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';

import { serve } from '../../../scripts/serve.mjs';

let server;
before(async () => {
  server = await serve({ port: 0 });
});
after(() => new Promise((resolve) => server.close(resolve)));

// Raw requests: fetch() would normalise the `..` away before sending.
function get(path, method = 'GET', { port } = server.address()) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, method }, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
    })
      .on('error', reject)
      .end();
  });
}

test('files get the MIME types browsers need', async () => {
  for (const [path, type] of [
    ['/demo/', 'text/html; charset=utf-8'],
    ['/demo/demo.css', 'text/css; charset=utf-8'],
    ['/demo/demo.js', 'text/javascript; charset=utf-8'],
    ['/web/src/index.js', 'text/javascript; charset=utf-8'],
    ['/web/dist/han-simd.mjs', 'text/javascript; charset=utf-8'],
    ['/web/dist/han-simd.wasm', 'application/wasm'],
  ]) {
    const response = await get(path);
    assert.equal(response.statusCode, 200, path);
    assert.equal(response.headers['content-type'], type, path);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.match(
      response.headers['content-security-policy'],
      /script-src 'self' 'wasm-unsafe-eval';/,
    );
  }
});

test('every response carries the cross-origin isolation headers, unless asked not to', async () => {
  for (const path of ['/demo/', '/web/dist/han-threads.worker.js', '/web/dist/han-threads.wasm']) {
    const { headers } = await get(path);
    assert.equal(headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(headers['cross-origin-embedder-policy'], 'require-corp', path);
    assert.equal(headers['cross-origin-resource-policy'], 'same-origin', path);
  }
  const plain = await serve({ port: 0, isolated: false });
  try {
    const { headers } = await get('/demo/', 'GET', plain.address());
    assert.equal(headers['cross-origin-opener-policy'], undefined);
    assert.equal(headers['cross-origin-embedder-policy'], undefined);
  } finally {
    await new Promise((resolve) => plain.close(resolve));
  }
});

test('the root leads to the demo', async () => {
  for (const path of ['/', '/demo']) {
    const response = await get(path);
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/demo/');
  }
});

test('nothing outside demo/ and the package files is served', async () => {
  for (const path of [
    '/README.md',
    '/scripts/serve.mjs',
    '/web/package.json',
    '/web/',
    '/demo/../scripts/serve.mjs',
    '/demo/%2e%2e/scripts/serve.mjs',
    '/web/src/..%2f..%2fscripts/serve.mjs',
    '/demo/..%5c..%5cREADME.md',
    '/demo/%00index.html',
    '/demo/%E0%A4%A',
    '/demo/missing.html',
  ]) {
    assert.equal((await get(path)).statusCode, 404, path);
  }
});

test('only GET and HEAD', async () => {
  assert.equal((await get('/demo/', 'HEAD')).statusCode, 200);
  const response = await get('/demo/', 'POST');
  assert.equal(response.statusCode, 405);
  assert.equal(response.headers.allow, 'GET, HEAD');
});
