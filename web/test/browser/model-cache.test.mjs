// loadModel(url) in Chromium keeps the model in the Cache API: a second visit loads it without
// the network, { cache: false } neither reads nor writes the cache, and a damaged cached copy is
// caught by the file's checksum and fetched again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fixtureBytes } from '../helpers/fixtures.mjs';
import { browserSession } from './browser.mjs';

const session = browserSession();
const MODEL = '/web/models/cache-test.han'; // served by the route below, counted
const model = fixtureBytes('lstm');
let downloads = 0;

let routed;
const routeOnce = async () => {
  await session.context.route(`**${MODEL}`, (route) => {
    downloads++;
    route.fulfill({ body: Buffer.from(model), contentType: 'application/octet-stream' });
  });
  await session.context.route('**/demo/blank.html', (route) =>
    route.fulfill({ body: '<!doctype html><title>blank</title>', contentType: 'text/html' }),
  );
};

// A fresh page (a new visit) that loads the model with these options and gives its prediction,
// the URLs in the cache and the warnings of the page.
async function visit(options = {}, prepare = async () => {}) {
  routed ??= routeOnce();
  await routed;
  const page = await session.newPage('/demo/blank.html');
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.evaluate(prepare);
  const result = await page.evaluate(
    async ([url, opts]) => {
      const { loadModel } = await import('/web/src/index.js');
      const loaded = await loadModel(url, opts);
      const { probabilities } = loaded.predict('Alpha bravo charlie. Delta echo!');
      loaded.dispose();
      const cache = await caches.open('han-wasm-models');
      return { probabilities, cached: (await cache.keys()).map((request) => request.url) };
    },
    [MODEL, options],
  );
  await page.close();
  return { ...result, warnings };
}

test('the second visit loads the model from the Cache API, without the network', async () => {
  const first = await visit();
  assert.equal(downloads, 1);
  assert.deepEqual(first.cached, [session.origin + MODEL]);
  const second = await visit();
  assert.equal(downloads, 1);
  assert.deepEqual(second.probabilities, first.probabilities);
  assert.deepEqual([...first.warnings, ...second.warnings], []);
});

test('a damaged cached copy is detected, fetched again and replaced', async () => {
  const expected = (await visit()).probabilities;
  const before = downloads;
  const damaged = await visit({}, async () => {
    const cache = await caches.open('han-wasm-models');
    const [request] = await cache.keys();
    const bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
    bytes[bytes.length >> 1] ^= 0xff;
    await cache.put(request, new Response(bytes));
  });
  assert.equal(downloads, before + 1);
  assert.deepEqual(damaged.probabilities, expected);
  assert.equal(damaged.warnings.length, 1);
  assert.match(
    damaged.warnings[0],
    new RegExp(
      String.raw`^han-wasm: the cached copy of \S+cache-test\.han does not load ` +
        String.raw`\(checksum mismatch: .*\); fetching it again$`,
    ),
  );
  const repaired = await visit();
  assert.equal(downloads, before + 1);
  assert.deepEqual(repaired.probabilities, expected);
});

test('cache: false neither reads nor writes the cache', async () => {
  const expected = (await visit()).probabilities; // cached
  const before = downloads;
  const uncached = await visit({ cache: false }, () => caches.delete('han-wasm-models'));
  assert.equal(downloads, before + 1);
  assert.deepEqual(uncached.probabilities, expected);
  assert.deepEqual(uncached.cached, []);
});
