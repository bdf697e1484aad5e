// Runs every system of the benchmark on the same model and workloads, checks that they agree, and
// prints the table of docs/benchmarks.md. scripts/bench.sh builds what it needs and calls it:
//   node bench/run.mjs DATA_DIR NATIVE_BENCH [--rounds N] [--repeats N] [--only name,name]
// Each system runs in its own process, one after another, and the whole sequence `rounds` times
// (each process times `repeats` passes after its warm-up): the machine's speed drifts over
// minutes, and taking each system's median over rounds spread across the run keeps the ratios
// from depending on which system ran in a slow minute. The results, with the machine's load
// before and after, go to DATA_DIR/results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

import { median } from './systems/measure.mjs';

const TOLERANCE = 1e-4;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const rounds = Number(option('--rounds', '3'));
const repeats = option('--repeats', '1');
const only = option('--only', '');
const [dir, nativeBench] = args;
if (!dir || !nativeBench) {
  console.error('usage: node bench/run.mjs DATA_DIR NATIVE_BENCH [--rounds N] [--repeats N] [--only a,b]');
  process.exit(2);
}
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const python = '/usr/bin/python3';
const hasTorch = (() => {
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const systems = [
  ['han-native', nativeBench, [dir, repeats]],
  ['han-wasm-simd', process.execPath, [here('systems/han-wasm.mjs'), dir, 'simd', repeats]],
  ['han-wasm-baseline', process.execPath, [here('systems/han-wasm.mjs'), dir, 'baseline', repeats]],
  ['ort', process.execPath, [here('systems/ort.mjs'), dir, repeats]],
  ['tfjs', process.execPath, [here('systems/tfjs.mjs'), dir, repeats]],
  ...(hasTorch ? [['pytorch', python, [here('torch_bench.py'), dir, repeats]]] : []),
].filter(([name]) => !only || only.split(',').includes(name));
if (!hasTorch) console.error('PyTorch is not installed (python3-torch): its row is left out');

const TIMED = ['batch_docs_per_s', 'single_docs_per_s', 'latency_b_ms'];

const load = [loadavg()];
const runs = new Map(); // one row of the table -> its result in each round
for (let round = 1; round <= rounds; ++round) {
  for (const [name, command, commandArgs] of systems) {
    console.error(`round ${round} of ${rounds}: running ${name} ...`);
    const output = execFileSync(command, commandArgs, {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for (const line of output.trim().split('\n')) {
      const r = JSON.parse(line);
      const key = `${r.system} ${r.backend} ${r.threads}`;
      runs.set(key, [...(runs.get(key) ?? []), r]);
    }
  }
}
load.push(loadavg());
// Each row: its first round's result (the probabilities are the same in every round) with the
// medians over rounds of the timings.
const results = [...runs.values()].map((list) => {
  const r = { ...list[0], cpu: { ...list[0].cpu } };
  for (const field of TIMED) {
    r[field] = median(list.map((x) => x[field]));
    r.cpu[field] = median(list.map((x) => x.cpu[field]));
  }
  r.rounds = list.map((x) => Object.fromEntries(TIMED.map((field) => [field, x[field]])));
  return r;
});

// The FLOP of the plain computation, 2 per multiply-add (gates and activations not counted):
// per word 2 × (200 × 150 + 50 × 150) × 2 in the encoder and 100 × 100 × 2 + 100 × 4 in the
// attention, per sentence the same with 100 inputs, and the output layer.
const flops = (doc) => {
  const step = (input) => 2 * 2 * (input * 150 + 50 * 150) + 2 * 100 * 100 + 4 * 100;
  const words = doc.reduce((n, sentence) => n + sentence.length, 0);
  return words * step(200) + doc.length * step(100) + 2 * 100 * 2;
};
const workloads = JSON.parse(readFileSync(`${dir}/workloads.json`, 'utf8'));
const flopsPerDocA = workloads.A.reduce((n, doc) => n + flops(doc), 0) / workloads.A.length;

// The reference: PyTorch's float64 run when there is one, else onnxruntime's float32 one.
const torch = results.find((r) => r.reference);
const reference = torch?.reference ?? results.find((r) => r.system.startsWith('onnxruntime'))?.probabilities;
const referenceName = torch ? 'PyTorch float64' : 'onnxruntime-web';
const maxDelta = (p) => {
  let max = 0;
  for (const workload of ['A', 'B']) {
    p[workload].forEach((doc, d) =>
      doc.forEach((x, k) => (max = Math.max(max, Math.abs(x - reference[workload][d][k])))),
    );
  }
  return max;
};
for (const r of results) r.max_delta = reference ? maxDelta(r.probabilities) : NaN;

const size = (bytes) =>
  bytes === null ? '–' : bytes < 1e6 ? `${(bytes / 1e3).toFixed(0)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
const fixed = (x, digits) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));
function table(clock) {
  const rows = [
    '| system | backend | threads | docs/s, batches of 32 | docs/s, one at a time | latency on B (ms) | useful GFLOP/s | runtime + model | max \\|Δ\\| |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const m = clock === 'cpu' ? r.cpu : r;
    rows.push(
      `| ${r.system} | ${r.backend} | ${r.threads} | ${fixed(m.batch_docs_per_s, 1)} | ` +
        `${fixed(m.single_docs_per_s, 1)} | ${fixed(m.latency_b_ms, 2)} | ` +
        `${((m.batch_docs_per_s * flopsPerDocA) / 1e9).toFixed(2)} | ` +
        `${size(r.runtime_bytes)} + ${size(r.model_bytes)} | ${r.max_delta.toExponential(1)} |`,
    );
  }
  return rows.join('\n');
}

const find = (prefix, extra = () => true) => results.find((r) => r.system.startsWith(prefix) && extra(r));
function ratios(clock) {
  const m = (r) => (clock === 'cpu' ? r.cpu : r);
  const wasm = find('han-wasm', (r) => r.backend === 'wasm SIMD');
  const native1 = find('han native', (r) => r.threads === 1);
  const native2 = find('han native', (r) => r.threads === 2);
  const lines = [];
  // The ratio of the medians, and in wall-clock time also the ratio within each round, whose two
  // systems ran minutes apart rather than up to a whole run: its spread shows the machine's noise.
  const ratio = (label, a, b, key, invert = false) => {
    if (!a || !b) return;
    const of = (x, y) => (invert ? y[key] / x[key] : x[key] / y[key]);
    const perRound =
      clock === 'wall' && rounds > 1
        ? ` (rounds: ${a.rounds.map((x, i) => of(x, b.rounds[i]).toFixed(2)).join(', ')})`
        : '';
    lines.push(`- ${label}: ${of(m(a), m(b)).toFixed(2)}×${perRound}`);
  };
  for (const [name, prefix] of [['onnxruntime-web', 'onnxruntime'], ['TensorFlow.js', 'TensorFlow']]) {
    ratio(`han-wasm SIMD / ${name}, docs/s in batches of 32`, wasm, find(prefix), 'batch_docs_per_s');
    ratio(`han-wasm SIMD / ${name}, docs/s one at a time`, wasm, find(prefix), 'single_docs_per_s');
    ratio(`${name} / han-wasm SIMD, latency on B`, wasm, find(prefix), 'latency_b_ms', true);
  }
  ratio('han native / PyTorch, docs/s in batches of 32', native1, find('PyTorch'), 'batch_docs_per_s');
  ratio('han native / PyTorch, docs/s one at a time', native1, find('PyTorch'), 'single_docs_per_s');
  ratio('han native 2 threads / 1 thread, docs/s in batches of 32', native2, native1, 'batch_docs_per_s');
  return lines.join('\n');
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const loadText = load.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' -> ');
console.log(`Machine: ${cpu}, ${cpus().length} cores; load average ${loadText}`);
console.log(`Workload A: ${workloads.A.length} documents, ${(flopsPerDocA / 1e6).toFixed(1)} MFLOP each on average; max |Δ| against ${referenceName}\n`);
console.log(`Wall-clock time (medians over ${rounds} round${rounds === 1 ? '' : 's'} of ${repeats} timed pass${repeats === '1' ? '' : 'es'} each):\n`);
console.log(table('wall'));
console.log(`\n${ratios('wall')}\n`);
console.log('CPU time of the process (medians; less sensitive to other load on the machine, but for 2 threads it adds both):\n');
console.log(table('cpu'));
console.log(`\n${ratios('cpu')}`);

writeFileSync(
  `${dir}/results.json`,
  JSON.stringify({ cpu, load, reference: referenceName, flopsPerDocA, results: results.map(({ probabilities, reference: _, ...r }) => r) }, null, 1),
);
const failed = results.filter((r) => !(r.max_delta <= TOLERANCE));
if (failed.length) {
  console.error(`\nthese disagree with ${referenceName} by more than ${TOLERANCE}: ${failed.map((r) => r.system).join(', ')}`);
  process.exit(1);
}
