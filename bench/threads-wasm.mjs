// The package on 1, 2 and 4 threads (1: the SIMD build, more: the threads build), interleaved
// round by round: the bundled model on a document shaped like workload B (60 sentences of 30
// words, drawn from its vocabulary), through predictIds and through predict (text in, offsets
// and weights out), and the time loadModel takes. Prints the medians and their ratios to 1 thread.
//   node bench/threads-wasm.mjs [ROUNDS]   (default 15)
import { loadModel } from '../web/src/node.js';

import { median } from './systems/measure.mjs';

const rounds = Number(process.argv[2] ?? 15);
const THREADS = [1, 2, 4];
const REPEATS = 5; // predictions per round and system

// 60 sentences of 30 ids from a fixed generator, and a text of the same shape.
let seed = 1;
const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
const systems = [];
for (const threads of THREADS) {
  const start = performance.now();
  const model = await loadModel(undefined, { threads, sentenceCache: false }); // every B in full
  systems.push({ threads, model, loadMs: performance.now() - start, ids: [], text: [] });
}
const vocabulary = systems[0].model.info.vocabularySize;
const doc = Array.from({ length: 60 }, () =>
  Array.from({ length: 30 }, () => 2 + (next() % (vocabulary - 2))),
);
const words = 'the film was a surprise and every scene of it kept me watching to the end'.split(' ');
const text = Array.from({ length: 60 }, (_, s) =>
  `${Array.from({ length: 30 }, (_, w) => words[(s * 7 + w * 3) % words.length]).join(' ')}.`,
).join(' ');

const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
for (const s of systems) {
  for (let k = 0; k < 3; ++k) {
    s.model.predictIds(doc); // warm-up: caches, V8's optimised code
    s.model.predict(text);
  }
}
for (let r = 0; r < rounds; ++r) {
  for (const s of systems) {
    for (let k = 0; k < REPEATS; ++k) s.ids.push(time(() => s.model.predictIds(doc)));
    for (let k = 0; k < REPEATS; ++k) s.text.push(time(() => s.model.predict(text)));
  }
}
const base = systems[0];
console.log(
  'threads | variant | B predictIds ms | ratio | B predict(text) ms | ratio | loadModel ms',
);
for (const s of systems) {
  const ids = median(s.ids);
  const txt = median(s.text);
  console.log(
    `${s.threads} | ${s.model.info.variant} | ${ids.toFixed(2)} | ` +
      `${(ids / median(base.ids)).toFixed(2)} | ` +
      `${txt.toFixed(2)} | ${(txt / median(base.text)).toFixed(2)} | ${s.loadMs.toFixed(0)}`,
  );
  s.model.dispose();
}
