// Loads a model with a han-wasm SIMD build other than the package's own: a directory holding
// han-simd.wasm (han-train.wasm with { gradients: true }) and its Node glue, either another checkout's web/dist (loaded by that checkout's
// src/core.js, so that older bindings work) or a build tree's bindings/node (loaded by this
// checkout's core.js). Used by compare-wasm.mjs and profile-wasm.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export async function loadModelFromBuild(dir, modelPath, options = {}) {
  // The SIMD build, or the trainer build for { gradients: true }.
  const variant = options.gradients ? 'train' : 'simd';
  const glue = [`han-${variant}.cjs`, `han-${variant}.js`].map((f) => resolve(dir, f)).find(existsSync);
  if (!glue) throw new Error(`${dir} holds no han-${variant}.cjs or han-${variant}.js`);
  const packageCore = resolve(dir, '../src/core.js');
  const core = existsSync(packageCore)
    ? pathToFileURL(packageCore)
    : new URL('../web/src/core.js', import.meta.url);
  // core.js keeps one Emscripten module per variant: a module instance of core.js of its own
  // (its URL made distinct by the query) for each build, or every build would run the first one's.
  core.searchParams.set('build', resolve(dir));
  const { loadModelWith } = await import(core.href);
  const platform = {
    instantiate: async () =>
      require(glue)({ wasmBinary: readFileSync(resolve(dir, `han-${variant}.wasm`)) }),
    readLocalFile: async (path) => readFileSync(path),
    // One thread: the SIMD build given, never the package's threads build.
    threadsSupported: () => false,
    hardwareThreads: () => 1,
  };
  return loadModelWith(platform, modelPath, { simd: true, ...options });
}
