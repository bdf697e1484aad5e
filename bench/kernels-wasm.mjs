// The kernel micro-benchmarks in WebAssembly (Node), next to the roofline measured the same way:
//   node bench/kernels-wasm.mjs BUILD_DIR      # BUILD_DIR/kernels_bench_wasm.{js,wasm}, SIMD
// For each: the median of 7 timings of enough calls for about 50 ms each, in CPU time of the
// process (the machine may be shared; the loops are single-threaded); its share of the peak from
// timings beside the peak loop's (besidePeak).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

import { median } from './systems/measure.mjs';

const dir = resolve(process.argv[2] ?? 'build-wasm/bench');
const require = createRequire(import.meta.url);
const create = require(`${dir}/kernels_bench_wasm.js`);
const bench = await create({ wasmBinary: readFileSync(`${dir}/kernels_bench_wasm.wasm`) });
const run = bench.cwrap('run_kernel', 'number', ['number', 'number', 'number']);

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

// V8 first runs WebAssembly through its baseline compiler and swaps in optimised code in the
// background; a call already running stays on the code it started with. So each kernel first
// runs in short calls for 0.3 s, or a timing could be of either tier (a factor of 3 apart on the
// fused attention).
function warmUp(kernel, vectorised) {
  const start = cpuSeconds();
  while (cpuSeconds() - start < 0.3) run(kernel, vectorised, 10);
}

// The number of calls that take about 50 ms.
function callsFor(kernel, vectorised) {
  warmUp(kernel, vectorised);
  let calls = 1;
  for (;;) {
    const start = cpuSeconds();
    run(kernel, vectorised, calls);
    if (cpuSeconds() - start > 5e-3) break;
    calls *= 2;
  }
  return calls * 10;
}

// Work per second of one timing of `calls` calls.
function timing(kernel, vectorised, calls) {
  const start = cpuSeconds();
  const work = run(kernel, vectorised, calls);
  return (work * calls) / (cpuSeconds() - start);
}

// The median of 7 timings.
function rate(kernel, vectorised) {
  const calls = callsFor(kernel, vectorised);
  return median(Array.from({ length: 7 }, () => timing(kernel, vectorised, calls)));
}

// The vectorised kernel's rate, and its share of the peak: the machine's speed drifts within
// seconds here, so the share is the median of 7 ratios of a timing of the kernel to a timing of
// the peak loop right before it.
function besidePeak(kernel, peakKernel, peakCalls) {
  const calls = callsFor(kernel, 1);
  const rates = [], shares = [];
  for (let r = 0; r < 7; ++r) {
    const peak = timing(peakKernel, 1, peakCalls);
    rates.push(timing(kernel, 1, calls));
    shares.push(rates[r] / peak);
  }
  return { vectorised: median(rates), share: median(shares) };
}

const peakCalls = callsFor(4, 1);
const peak = median(Array.from({ length: 7 }, () => timing(4, 1, peakCalls)));
const bandwidth = [5, 6, 7].map((k) => rate(k, 1));
console.log(`roofline: peak ${(peak / 1e9).toFixed(1)} GFLOP/s; read bandwidth ` +
  ['32 KB', '1 MB', '64 MB'].map((s, i) => `${s} ${(bandwidth[i] / 1e9).toFixed(1)} GB/s`).join(', '));
const kernels = [['gemv', 0], ['gemm', 1], ['attention', 2], ['step', 3]];
console.log('| kernel | reference GFLOP/s | vectorised GFLOP/s | % of peak (timed beside it) |');
console.log('|---|---|---|---|');
for (const [name, k] of kernels) {
  const reference = rate(k, 0), { vectorised, share } = besidePeak(k, 4, peakCalls);
  console.log(`| ${name} | ${(reference / 1e9).toFixed(2)} | ${(vectorised / 1e9).toFixed(2)} | ${(100 * share).toFixed(0)}% |`);
}

// The integer kernels (rows quantized to int16, int8 weights, int32 sums), against the integer
// peak loop (i32x4.dot_i16x8_s and an add in 12 chains), counted the same (2 per multiply-add).
const intPeakCalls = callsFor(12, 1);
const intPeak = median(Array.from({ length: 7 }, () => timing(12, 1, intPeakCalls)));
console.log(`\ninteger roofline: peak ${(intPeak / 1e9).toFixed(1)} GOP/s (2 per multiply-add)`);
console.log('| kernel, int8 | reference GOP/s | vectorised GOP/s | % of the integer peak (timed beside it) |');
console.log('|---|---|---|---|');
for (const [name, k] of kernels) {
  const reference = rate(k + 8, 0), { vectorised, share } = besidePeak(k + 8, 12, intPeakCalls);
  console.log(`| ${name} | ${(reference / 1e9).toFixed(2)} | ${(vectorised / 1e9).toFixed(2)} | ${(100 * share).toFixed(0)}% |`);
}
