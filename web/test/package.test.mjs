// The package as users get it: size budget, TypeScript declarations, and `npm pack` + install.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { fixturePath } from './helpers/fixtures.mjs';

const web = fileURLToPath(new URL('..', import.meta.url));
const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
  });

// The inference builds leave the backward pass to the trainer build, which only training and the
// gradient attributions load (docs/benchmarks.md).
const budgets = { simd: 300_000, baseline: 300_000, threads: 300_000, train: 900_000 };
for (const [variant, budget] of Object.entries(budgets)) {
  test(`the ${variant} .wasm is within the ${budget / 1000} KB budget`, (t) => {
    const wasm = readFileSync(join(web, `dist/han-${variant}.wasm`));
    t.diagnostic(`${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzipped`);
    assert.ok(wasm.length <= budget, `${wasm.length} bytes`);
  });
}

// llvm-objdump comes with Emscripten (Debian's llvm-14).
const objdump = ['llvm-objdump-14', 'llvm-objdump'].find((tool) => {
  try {
    return execFileSync(tool, ['--version'], { stdio: 'pipe' });
  } catch {
    return false;
  }
});

test('the SIMD .wasm has v128 instructions and the baseline none', { skip: !objdump }, (t) => {
  const simdInstructions = (variant) => {
    const code = execFileSync(objdump, ['-d', join(web, `dist/han-${variant}.wasm`)], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    return code.match(/\b(v128|[if](8x16|16x8|32x4|64x2))\.\w+/g)?.length ?? 0;
  };
  const count = simdInstructions('simd');
  t.diagnostic(`${count} SIMD instructions in han-simd.wasm`);
  assert.ok(count > 0);
  assert.equal(simdInstructions('baseline'), 0);
});

test('the TypeScript declarations type a usage example (tsc --noEmit)', () => {
  execFileSync(
    process.execPath,
    [join(web, 'node_modules/typescript/bin/tsc'), '-p', join(web, 'test')],
    {
      stdio: 'pipe',
    },
  );
});

test('npm pack gives a package that installs and predicts in an empty project', () => {
  const work = mkdtempSync(join(tmpdir(), 'han-wasm-pack-'));
  try {
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], web));
    const files = packed.files.map((f) => f.path).sort();
    const dist = Object.keys(budgets).flatMap((v) =>
      ['cjs', 'mjs', 'wasm'].map((e) => `dist/han-${v}.${e}`),
    );
    dist.push('dist/han-threads.worker.cjs', 'dist/han-threads.worker.js');
    const bundled = ['models/imdb-sentiment.han'];
    const sources = [
      ...['core.js', 'index.js', 'index.d.ts', 'node.js', 'highlight.js', 'export.js'],
      ...['render.js', 'render.d.ts', 'element.js', 'element.d.ts', 'train.js'],
    ].map((file) => `src/${file}`);
    const expected = ['LICENSE', 'README.md', ...dist, ...bundled, 'package.json', ...sources];
    assert.deepEqual(files, expected.sort());

    const app = join(work, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), '{ "private": true, "type": "module" }');
    npm(['install', '--offline', join(work, packed.filename)], app);
    writeFileSync(
      join(app, 'main.js'),
      `import { loadModel } from 'han-wasm';
       const model = await loadModel(${JSON.stringify(fixturePath('lstm'))});
       const { label, sentences } = model.predict('Alpha bravo charlie. Delta echo!');
       const threaded = await loadModel(${JSON.stringify(fixturePath('lstm'))}, { threads: 2 });
       const variant = threaded.info.variant;
       console.log(JSON.stringify({ label, words: sentences[0].words.map((w) => w.text), variant }));`,
    );
    const output = JSON.parse(
      execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' }),
    );
    assert.deepEqual(output.words, ['Alpha', 'bravo', 'charlie']);
    assert.equal(output.variant, 'threads'); // the installed package finds its worker script
    assert.ok(['sports', 'politics', 'science'].includes(output.label));
    // The code and the four builds stay under 1.3 MB packed; the bundled model comes on top.
    const model = statSync(join(web, bundled[0])).size;
    assert.ok(statSync(join(work, packed.filename)).size < 1_300_000 + model);
  } finally {
    rmSync(work, { recursive: true });
  }
});
