// A typed use of the package: `tsc -p test` must accept it (test/package.test.mjs runs it).
import { loadModel, simdSupported, type LoadProgress, type Model, type Prediction } from 'han-wasm';

const model: Model = await loadModel('model.han', {
  onProgress: ({ loaded, total }: LoadProgress) => console.log(loaded, total ?? 'unknown'),
  verify: true,
});
const text = 'A wonderful film. I loved it!';
const prediction: Prediction = model.predict(text);
const confidence: number = prediction.probabilities[prediction.label];
for (const sentence of prediction.sentences) {
  const weights: string = sentence.words
    .map((w) => `${text.slice(w.start, w.end)} ${w.weight}`)
    .join(' ');
  console.log(sentence.weight.toFixed(2), weights, confidence);
}
const batch: Prediction[] = model.predictBatch([text, 'Awful.']);
const { labels, vocabularySize, architecture, variant } = model.info;
console.log(batch.length, labels.join(), vocabularySize, architecture.word_encoder.cell, variant);
console.log(simdSupported());
model.dispose();

await loadModel(new URL('https://example.com/model.han'));
await loadModel(await fetch('model.han'));
await loadModel(new Uint8Array(8), { simd: false });
await loadModel(new ArrayBuffer(8));
await loadModel();

// Mistakes the declarations catch.
// @ts-expect-error predict takes a string
model.predict(42);
// @ts-expect-error a label is a string, not an index
const index: number = prediction.label;
// @ts-expect-error loadModel does not take a number
await loadModel(42);
// @ts-expect-error info is read-only
model.info = model.info;
console.log(index);
