// The timing protocol every system of the benchmark follows (docs/benchmarks.md), and the files
// they share. A runner gives predictBatch(docs) -> probabilities of each doc; measure() then times
//   batch   workload A in batches of 32 documents
//   single  workload A one document at a time
//   B       the latency of workload B's one document
// each `repeats` times after one warm-up pass, and returns medians of wall-clock time (with the
// process's CPU time beside them: the machine may be shared) and the probabilities of every
// document.
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

// Wall-clock and CPU seconds of fn().
async function timed(fn) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

export async function measure(predictBatch, { a, b }, repeats) {
  const batches = async () => {
    const out = [];
    for (let first = 0; first < a.length; first += BATCH) {
      out.push(...(await predictBatch(a.slice(first, first + BATCH))));
    }
    return out;
  };
  const probabilitiesA = await batches(); // warm-up
  await predictBatch(b);
  const batch = [], single = [], latency = [];
  for (let r = 0; r < repeats; ++r) {
    batch.push(await timed(batches));
    single.push(await timed(async () => {
      for (const doc of a) await predictBatch([doc]);
    }));
    for (let k = 0; k < 5; ++k) latency.push(await timed(() => predictBatch(b)));
  }
  const rate = (runs, clock) => median(runs.map((t) => a.length / t[clock]));
  return {
    batch_docs_per_s: rate(batch, 'wall'),
    single_docs_per_s: rate(single, 'wall'),
    latency_b_ms: median(latency.map((t) => t.wall * 1e3)),
    cpu: {
      batch_docs_per_s: rate(batch, 'cpu'),
      single_docs_per_s: rate(single, 'cpu'),
      latency_b_ms: median(latency.map((t) => t.cpu * 1e3)),
    },
    probabilities: { A: probabilitiesA, B: await predictBatch(b) },
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
