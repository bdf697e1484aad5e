// Shared by the browser tests: the demo server, Debian's Chromium through playwright-core, the
// model the pages load, and a page watcher that collects console errors and CSP violations.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { after, afterEach, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadModel } from 'han-wasm';
import { chromium } from 'playwright-core';

import { serve } from '../../../scripts/serve.mjs';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const artifacts = join(repo, 'test-artifacts');

// The pages load the bundled model (scripts/build-wasm.sh copies it into the package).
const modelBytes = readFileSync(join(repo, 'web/models/imdb-sentiment.han'));

/**
 * Starts the server and Chromium around the tests of one file; `session.page` is a fresh page
 * for each test, whose console errors, page errors and CSP violations fail the test. With `model`
 * (a model file's bytes), the pages get that model in place of the bundled one; `isolated: false`
 * serves the pages without the cross-origin isolation headers (scripts/serve.mjs).
 */
export function browserSession({ model, isolated = true } = {}) {
  const session = { problems: [] };
  const served = model ?? modelBytes;
  let server;
  let userData;

  before(async () => {
    server = await serve({ port: 0, isolated });
    session.origin = `http://localhost:${server.address().port}`;
    userData = mkdtempSync(join(tmpdir(), 'han-chromium-'));
    session.context = await chromium.launchPersistentContext(userData, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      reducedMotion: 'reduce', // no transitions: computed colours are final at once
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    if (model) {
      await session.context.route('**/web/models/imdb-sentiment.han', (route) =>
        route.fulfill({ body: Buffer.from(served), contentType: 'application/octet-stream' }),
      );
    }
    // Report CSP violations where the watcher sees them.
    await session.context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
      );
    });
    // On the trainer build: the tests compare every explain method with the pages.
    session.model = await loadModel(served, { gradients: true });
    mkdirSync(artifacts, { recursive: true });
  });

  session.newPage = async (path, viewport = { width: 1280, height: 900 }) => {
    const page = await session.context.newPage();
    await page.setViewportSize(viewport);
    page.on('console', (message) => {
      if (message.type() === 'error') session.problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => session.problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      session.problems.push(`dialog: ${dialog.message()}`);
      dialog.dismiss();
    });
    session.page = page;
    await page.goto(session.origin + path);
    return page;
  };

  afterEach(async () => {
    await session.page?.close();
    session.page = null;
    const problems = session.problems.splice(0);
    if (problems.length) throw new Error(`the page reported:\n${problems.join('\n')}`);
  });

  after(async () => {
    session.model?.dispose();
    await session.context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  return session;
}

/** The words model.predict finds in the text, in order. */
export function wordsOf(prediction) {
  return prediction.sentences.flatMap((sentence) => sentence.words.map((word) => word.text));
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** axe-core's WCAG 2.1 A and AA violations on the page, one line each. */
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource); // evaluated through the DevTools protocol: the page's CSP allows it
  return page.evaluate(async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
    const { violations } = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
    });
    return violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
  });
}

// Opens demo/embed.html and waits until every <han-highlight> on it shows its prediction.
export async function openEmbedPage(session) {
  const page = await session.newPage('/demo/embed.html');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('han-highlight')].every((element) => element.prediction),
  );
  return page;
}

// Resolves at the next `prediction` event of the element at `selector`; call it before the
// change that fires the event.
export function nextPrediction(page, selector) {
  return page.evaluate(
    (target) =>
      new Promise((resolve) =>
        document.querySelector(target).addEventListener('prediction', () => resolve(), {
          once: true,
        }),
      ),
    selector,
  );
}

/** Saves a screenshot of the whole page (only the window with fullPage: false) to test-artifacts/. */
export const screenshot = (page, name, { fullPage = true } = {}) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
