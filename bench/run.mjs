// Runs every system of the benchmark on the same model and workloads, checks that they agree, and
// prints the table of docs/benchmarks.md. scripts/bench.sh builds what it needs and calls it:
//   node bench/run.mjs DATA_DIR NATIVE_BENCH [--rounds N] [--repeats N] [--only name[:mode],...]
// Each system runs in each of its modes (measure.mjs's MODES: cold, nocache, warm) in its own
// process, one after another, and the whole sequence `rounds` times (each process times
// `repeats` passes): the machine's speed drifts over minutes, and taking each row's median over
// rounds spread across the run keeps the ratios from depending on which system ran in a slow
// minute. `--only han-wasm-simd,ort:warm` runs every mode of han-wasm-simd and onnxruntime-web's
// warm one. The results, with the machine's load before and after, go to DATA_DIR/results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

import { MEASUREMENTS, MODES, median } from './systems/measure.mjs';

// How far each row may be from the reference: the float32 rows compute the same model, the int8
// rows a different one (its matrices rounded to int8), whose distance is reported, not hidden.
const TOLERANCE = 1e-4;
const INT8_TOLERANCE = 0.05;
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

// Each system: its name for --only, the modes it runs in, and its command in a mode. A new row
// of the table is a new system or mode here (or a new row that a system's process prints).
const HAN_MODES = ['cold', 'nocache', 'warm'];
const PEER_MODES = ['cold', 'warm']; // the peers have no cache to turn off
const node = (script, ...rest) => (mode) => [process.execPath, [here(script), dir, ...rest, repeats, mode]];
// The int8 rows run reference-int8.han (han quantize --compute int8), cold and warm.
const INT8 = 'reference-int8.han';
const systems = [
  { name: 'han-native', modes: HAN_MODES, command: (mode) => [nativeBench, [dir, repeats, mode]] },
  { name: 'han-native-int8', modes: PEER_MODES, command: (mode) => [nativeBench, [dir, repeats, mode, INT8]] },
  { name: 'han-wasm-simd', modes: HAN_MODES, command: node('systems/han-wasm.mjs', 'simd') },
  {
    name: 'han-wasm-simd-int8',
    modes: PEER_MODES,
    command: (mode) => [process.execPath, [here('systems/han-wasm.mjs'), dir, 'simd', repeats, mode, INT8]],
  },
  { name: 'han-wasm-baseline', modes: HAN_MODES, command: node('systems/han-wasm.mjs', 'baseline') },
  { name: 'ort', modes: PEER_MODES, command: node('systems/ort.mjs') },
  { name: 'tfjs', modes: PEER_MODES, command: node('systems/tfjs.mjs') },
  ...(hasTorch
    ? [{ name: 'pytorch', modes: PEER_MODES, command: (mode) => [python, [here('torch_bench.py'), dir, repeats, mode]] }]
    : []),
];
if (!hasTorch) console.error('PyTorch is not installed (python3-torch): its row is left out');
const selected = only ? only.split(',') : null;
for (const spec of selected ?? []) {
  const [name, mode] = spec.split(':');
  const system = systems.find((s) => s.name === name);
  if (!system || (mode && !system.modes.includes(mode))) {
    console.error(`--only: no ${spec} (systems: ${systems.map((s) => `${s.name} (${s.modes.join(', ')})`).join('; ')})`);
    process.exit(2);
  }
}
const processes = systems.flatMap(({ name, modes, command }) =>
  modes
    .filter((mode) => !selected || selected.includes(name) || selected.includes(`${name}:${mode}`))
    .map((mode) => ({ label: `${name} ${mode}`, command: command(mode) })),
);

const TIMED = MEASUREMENTS.map((m) => m.field);
// The median of the rounds' values, null where the mode does not measure it.
const medianOf = (values) => (values.some((x) => x === null || x === undefined) ? null : median(values));

const load = [loadavg()];
const runs = new Map(); // one row of the table -> its result in each round
for (let round = 1; round <= rounds; ++round) {
  for (const { label, command: [command, commandArgs] } of processes) {
    const start = performance.now();
    const output = execFileSync(command, commandArgs, {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    console.error(`round ${round} of ${rounds}: ${label} took ${((performance.now() - start) / 1e3).toFixed(0)} s`);
    for (const line of output.trim().split('\n')) {
      const r = JSON.parse(line);
      const key = `${r.system} ${r.backend} ${r.threads} ${r.mode}`;
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
    r[field] = medianOf(list.map((x) => x[field]));
    r.cpu[field] = medianOf(list.map((x) => x.cpu[field]));
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
const fixed = (x, digits) => (x === null ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(digits));
function table(clock) {
  const rows = [
    `| system | backend | threads | model | ${MEASUREMENTS.map((m) => m.heading).join(' | ')} | useful GFLOP/s | runtime + model | max \\|Δ\\| |`,
    `|---|---|---|---|${MEASUREMENTS.map(() => '---|').join('')}---|---|---|`,
  ];
  for (const r of results) {
    const m = clock === 'cpu' ? r.cpu : r;
    rows.push(
      `| ${r.system} | ${r.backend} | ${r.threads} | ${r.mode} | ` +
        `${MEASUREMENTS.map(({ field, higher }) => fixed(m[field], higher ? 1 : 2)).join(' | ')} | ` +
        `${((m.batch_docs_per_s * flopsPerDocA) / 1e9).toFixed(2)} | ` +
        `${size(r.runtime_bytes)} + ${size(r.model_bytes)} | ${r.max_delta.toExponential(1)} |`,
    );
  }
  return rows.join('\n');
}

// A row by its system's name: han's exactly ("han-wasm" is not "han-wasm int8"), a peer's by its
// start (its name ends in its version).
const row = (prefix, { mode = 'warm', threads = 1, backend } = {}) =>
  results.find(
    (r) =>
      (prefix.startsWith('han') ? r.system === prefix : r.system.startsWith(prefix)) &&
      r.mode === mode &&
      r.threads === threads &&
      (!backend || r.backend === backend),
  );
// The ratios printed under each table: han against a peer, measurement by measurement, in each
// column below. A new comparison is one entry of COMPARISONS, a new column one of COLUMNS.
const COMPARISONS = [
  { name: 'han-wasm SIMD', han: ['han-wasm', { backend: 'wasm SIMD' }], peer: 'onnxruntime-web', prefix: 'onnxruntime' },
  { name: 'han-wasm SIMD', han: ['han-wasm', { backend: 'wasm SIMD' }], peer: 'TensorFlow.js', prefix: 'TensorFlow' },
  { name: 'han native', han: ['han native'], peer: 'PyTorch', prefix: 'PyTorch' },
  { name: 'han-wasm SIMD int8', han: ['han-wasm int8', { backend: 'wasm SIMD' }], peer: 'onnxruntime-web', prefix: 'onnxruntime' },
  { name: 'han native int8', han: ['han native int8'], peer: 'PyTorch', prefix: 'PyTorch' },
];
// [heading, han's mode, the peer's mode]
const COLUMNS = [
  ['cold / peer cold', 'cold', 'cold'],
  ['cold / peer warm', 'cold', 'warm'],
  ['cache off / peer warm', 'cache off', 'warm'],
  ['warm / peer warm', 'warm', 'warm'],
];
function ratios(clock) {
  const m = (r) => (clock === 'cpu' ? r.cpu : r);
  // The ratio of the medians, and in wall-clock time also the ratio within each round, whose two
  // rows ran minutes apart rather than up to a whole run: its spread shows the machine's noise.
  const ratio = (a, b, { field, higher }) => {
    if (!a || !b || m(a)[field] === null || m(b)[field] === null) return '–';
    const of = (x, y) => (higher ? x[field] / y[field] : y[field] / x[field]);
    const perRound =
      clock === 'wall' && rounds > 1 ? ` (${a.rounds.map((x, i) => of(x, b.rounds[i]).toFixed(1)).join(', ')})` : '';
    return `${of(m(a), m(b)).toFixed(2)}×${perRound}`;
  };
  const lines = [
    `| ratio | measurement | ${COLUMNS.map(([heading]) => heading).join(' | ')} |`,
    `|---|---|${COLUMNS.map(() => '---|').join('')}`,
  ];
  for (const { name, han: [prefix, filter], peer, prefix: peerPrefix } of COMPARISONS) {
    if (!row(peerPrefix) && !row(peerPrefix, { mode: 'cold' })) continue;
    for (const measurement of MEASUREMENTS.filter((x) => x.field !== 'load_ms')) {
      const cells = COLUMNS.map(([, mode, peerMode]) =>
        ratio(row(prefix, { ...filter, mode }), row(peerPrefix, { mode: peerMode }), measurement),
      );
      if (cells.every((c) => c === '–')) continue;
      const label = measurement.higher ? `${name} / ${peer}` : `${peer} / ${name}`;
      lines.push(`| ${label} | ${measurement.heading} | ${cells.join(' | ')} |`);
    }
  }
  const threads = ratio(row('han native', { threads: 2 }), row('han native'), MEASUREMENTS[0]);
  const note = threads === '–' ? '' : `\n\nhan native 2 threads / 1 thread, warm, ${MEASUREMENTS[0].heading}: ${threads}`;
  return lines.join('\n') + note;
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const loadText = load.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' -> ');
console.log(`Machine: ${cpu}, ${cpus().length} cores; load average ${loadText}`);
console.log(`Workload A: ${workloads.A.length} documents, ${(flopsPerDocA / 1e6).toFixed(1)} MFLOP each on average; max |Δ| against ${referenceName}\n`);
console.log(`Models: ${Object.values(MODES).join(', ')} (bench/systems/measure.mjs); the first document is A's first (${workloads.A[0].length} sentences, ${workloads.A[0].flat().length} words)`);
console.log(`Wall-clock time (medians over ${rounds} round${rounds === 1 ? '' : 's'} of ${repeats} timed pass${repeats === '1' ? '' : 'es'} each):\n`);
console.log(table('wall'));
console.log(`\nThe ratios (in wall-clock time, with the ratio within each round in parentheses):\n\n${ratios('wall')}\n`);
console.log('CPU time of the process (medians; less sensitive to other load on the machine, but for 2 threads it adds both):\n');
console.log(table('cpu'));
console.log(`\n${ratios('cpu')}`);

writeFileSync(
  `${dir}/results.json`,
  JSON.stringify({ cpu, load, reference: referenceName, flopsPerDocA, results: results.map(({ probabilities, reference: _, ...r }) => r) }, null, 1),
);
const failed = results.filter((r) => !(r.max_delta <= (r.system.endsWith(' int8') ? INT8_TOLERANCE : TOLERANCE)));
if (failed.length) {
  console.error(
    `\nthese disagree with ${referenceName} by more than ${TOLERANCE} (${INT8_TOLERANCE} for int8): ` +
      failed.map((r) => r.system).join(', '),
  );
  process.exit(1);
}
