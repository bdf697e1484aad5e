// The timing protocol every system of the benchmark follows (docs/benchmarks.md), and the files
// they share. A runner's load() gives a model, { predictBatch(docs) -> probabilities of each doc,
// dispose() }; measure() then times the MEASUREMENTS below `repeats` times in one of the MODES, and
// returns medians of wall-clock time (with the process's CPU time beside them: the machine may be
// shared) and the probabilities of every document.
import { readFileSync, statSync } from 'node:fs';

export const BATCH = 32;

export function readData(dir) {
  const workloads = JSON.parse(readFileSync(`${dir}/workloads.json`, 'utf8'));
  const manifest = JSON.parse(readFileSync(`${dir}/weights.json`, 'utf8'));
  const bytes = readFileSync(`${dir}/weights.bin`);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const weights = {};
  for (const { name, shape, offset } of manifest.tensors) {
    const size = shape[0] * shape[1];
    weights[name] = { shape, values: all.subarray(offset / 4, offset / 4 + size) };
  }
  return { a: workloads.A, b: workloads.B, weights };
}

export const fileSize = (path) => statSync(path).size;

export const median = (values) => {
  const v = [...values].sort((x, y) => x - y);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};

// What each row of the table measures, in its order: the field every runner reports (null when
// its mode does not measure it), the column's heading, and whether more is better. A new
// measurement is one entry here and its timing in measure() (and han_native_bench, torch_bench.py).
export const MEASUREMENTS = [
  { field: 'batch_docs_per_s', heading: 'docs/s, batches of 32', higher: true },
  { field: 'single_docs_per_s', heading: 'docs/s, one at a time', higher: true },
  { field: 'latency_b_ms', heading: 'latency on B (ms)', higher: false },
  { field: 'first_doc_ms', heading: 'first document (ms)', higher: false },
  { field: 'load_ms', heading: 'load (ms)', higher: false },
];

// The states of the model a row is measured in (the command-line name -> the table's label):
//   cold     every timed pass on a freshly loaded model, nothing cached and no warm-up: what a
//            page's reader gets. Also times the loads, and the first document on the process's
//            first model (its compiled code as cold as a new page's).
//   nocache  han only: the model without the input projection cache, after one warm-up pass.
//   warm     one model, one warm-up pass over A (for han, the cache then holds almost every word
//            of the vocabulary), then the timed passes: a long-lived page after many documents.
export const MODES = { cold: 'cold', nocache: 'cache off', warm: 'warm' };

// Wall-clock and CPU seconds of fn().
async function timed(fn) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

export async function measure(load, { a, b }, repeats, mode) {
  if (!(mode in MODES)) throw new Error(`unknown mode ${mode} (known: ${Object.keys(MODES).join(', ')})`);
  const cold = mode === 'cold';
  const loads = [];
  let model = null;
  const reload = async () => {
    await model?.dispose();
    const t = await timed(async () => (model = await load()));
    loads.push(t);
  };
  const batches = async () => {
    const out = [];
    for (let first = 0; first < a.length; first += BATCH) {
      out.push(...(await model.predictBatch(a.slice(first, first + BATCH))));
    }
    return out;
  };
  await reload();
  let probabilitiesA;
  let firstDoc = null;
  if (cold) {
    firstDoc = await timed(() => model.predictBatch([a[0]]));
  } else {
    probabilitiesA = await batches(); // warm-up
    await model.predictBatch(b);
  }
  const batch = [], single = [], latency = [];
  for (let r = 0; r < repeats; ++r) {
    if (cold) await reload();
    let out;
    batch.push(await timed(async () => (out = await batches())));
    probabilitiesA ??= out;
    if (cold) await reload();
    single.push(await timed(async () => {
      for (const doc of a) await model.predictBatch([doc]);
    }));
    for (let k = 0; k < 5; ++k) {
      if (cold) await reload();
      latency.push(await timed(() => model.predictBatch(b)));
    }
  }
  const probabilitiesB = await model.predictBatch(b);
  await model.dispose();
  const rate = (runs, clock) => median(runs.map((t) => a.length / t[clock]));
  const milliseconds = (runs, clock) => median(runs.map((t) => t[clock] * 1e3));
  const fields = (clock) => ({
    batch_docs_per_s: rate(batch, clock),
    single_docs_per_s: rate(single, clock),
    latency_b_ms: milliseconds(latency, clock),
    first_doc_ms: firstDoc && firstDoc[clock] * 1e3,
    // The first load also instantiates the runtime; the fresh models after it are the model's own.
    load_ms: cold ? milliseconds(loads.slice(1), clock) : null,
  });
  return {
    mode: MODES[mode],
    ...fields('wall'),
    cpu: fields('cpu'),
    probabilities: { A: probabilitiesA, B: probabilitiesB },
  };
}

// Zero-padded batch tensors of documents: ids [D, S, W], the real words of each of the D * S
// sentences, and the real sentences of each document.
export function padBatch(docs) {
  const d = docs.length;
  const s = Math.max(...docs.map((doc) => doc.length));
  const w = Math.max(...docs.flatMap((doc) => doc.map((sentence) => sentence.length)));
  const ids = new Int32Array(d * s * w);
  const wordLengths = new Int32Array(d * s);
  const sentenceLengths = new Int32Array(d);
  docs.forEach((doc, i) => {
    sentenceLengths[i] = doc.length;
    doc.forEach((sentence, j) => {
      wordLengths[i * s + j] = sentence.length;
      ids.set(sentence, (i * s + j) * w);
    });
  });
  return { d, s, w, ids, wordLengths, sentenceLengths };
}

export function report(fields) {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}
