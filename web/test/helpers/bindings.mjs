// Shared by the tests that drive the Embind bindings directly, as src/core.js does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// The raw module of one build ('simd' or 'baseline').
export async function instantiate(variant) {
  const createHanModule = require(`../../dist/han-${variant}.cjs`);
  const wasmBinary = readFileSync(new URL(`../../dist/han-${variant}.wasm`, import.meta.url));
  return createHanModule({ wasmBinary });
}

// A leak grows the heap, moves where a small allocation lands, or keeps JavaScript values alive.
export function heapState(wasm) {
  const probe = wasm._malloc(64);
  wasm._free(probe);
  return { heapBytes: wasm.HEAP8.length, probe, jsValues: wasm.count_emval_handles() };
}
