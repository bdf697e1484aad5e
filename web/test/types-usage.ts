// A typed use of the package: `tsc -p test` must accept it (test/package.test.mjs runs it).
import {
  highlightHTML,
  loadModel,
  renderStatic,
  simdSupported,
  toHTML,
  toNeatVision,
  toSVG,
  train,
  bundledModelURL,
  TRAIN_PRESETS,
  type TrainProgress,
  type TrainResult,
  type ExplainMethod,
  type Explanation,
  type IdsPrediction,
  type LoadProgress,
  type Model,
  type NeatVisionSample,
  type Prediction,
} from 'han-wasm';
import type { HanHighlightElement } from 'han-wasm/element';
import { adoptHighlightStyles, renderHighlight, type HighlightView } from 'han-wasm/render';

const model: Model = await loadModel('model.han', {
  onProgress: ({ loaded, total }: LoadProgress) => console.log(loaded, total ?? 'unknown'),
  verify: true,
  limits: { maxTextBytes: 1 << 20, maxWords: Infinity, maxFileBytes: 50_000_000 },
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
const byIds: IdsPrediction = model.predictIds([[17, 52], new Int32Array([9])]);
console.log(byIds.probabilities[byIds.label], byIds.sentenceWeights[0], byIds.wordWeights[1][0]);
const method: ExplainMethod = 'integrated-gradients';
const explanation: Explanation = model.explain(text, { method, steps: 20, topWords: 3 });
const completeness: number | undefined = explanation.integratedGradients?.completenessError;
const flipped: boolean = explanation.comprehensiveness?.label !== explanation.label;
const shaded: Prediction = model.explain(text, { method: 'occlusion' });
console.log(explanation.method, completeness, flipped, shaded.sentences.length);
const { labels, vocabularySize, architecture, variant, threads } = model.info;
const wordLimit: number = model.info.limits.maxWords;
console.log(batch.length, labels.join(), vocabularySize, architecture.word_encoder.cell, variant, threads);
console.log(wordLimit);
console.log(simdSupported());
model.dispose();

await loadModel(new URL('https://example.com/model.han'));
await loadModel(await fetch('model.han'));
await loadModel(new Uint8Array(8), { simd: false, cacheProjections: false });
await loadModel(new Uint8Array(8), { sentenceCache: 1 << 20 });
await loadModel(new Uint8Array(8), { sentenceCache: false });
const reused: number = batch[0].sentencesReused + byIds.sentencesReused;
console.log(reused);
await loadModel('model.han', { threads: 2, cache: false });
await loadModel(new ArrayBuffer(8));
await loadModel();

// Highlighting: DOM, exports and the element.
const view: HighlightView = 'sentence';
adoptHighlightStyles(document);
const highlight: HTMLDivElement = renderHighlight(text, prediction, { view, legend: true });
highlight.dataset.view = 'word';
const html: string = toHTML(text, prediction, { view, document: true });
const svg: string = toSVG(text, prediction, { columns: 60, fontSize: 14 });
const sample: NeatVisionSample = toNeatVision(prediction, { id: 'review-1', label: 'positive' });
const element: HanHighlightElement = document.createElement('han-highlight');
element.view = 'word';
element.method = 'occlusion';
const explained: HTMLDivElement = renderHighlight(text, explanation, { legend: true });
const explainedSample: NeatVisionSample = toNeatVision(explanation);
console.log(explained, explainedSample.method, toSVG(text, explanation), element.method);
console.log(html, svg, sample.attention[0], element.prediction?.label, element.text);
const fragment: string = highlightHTML(text, prediction, { view: 'word' });
const paths: string[] = await renderStatic(model, [text, { id: 'review-2', text }], { out: 'site' });
console.log(fragment, paths);

const trained: TrainResult = await train(
  [['positive', 'A wonderful film.'], { label: 'negative', text: 'Dull.' }],
  { preset: 'fast', epochs: TRAIN_PRESETS.fast.epochs ?? 3, startFrom: bundledModelURL },
  { onProgress: (p: TrainProgress) => console.log(p.epoch, p.loss, p.etaMs), signal: new AbortController().signal },
);
const gradientModel: Model = await loadModel(trained.bytes, { gradients: true });
console.log(gradientModel.explain(text, { method: 'integrated-gradients' }).integratedGradients);

// Mistakes the declarations catch.
// @ts-expect-error there is no such preset
await train('positive\tgood\n', { preset: 'huge' });
// @ts-expect-error cell is gru or lstm
await train('positive\tgood\n', { cell: 'rnn' });
// @ts-expect-error sentenceCache is a boolean or a number of bytes
await loadModel(new Uint8Array(8), { sentenceCache: '4MB' });
// @ts-expect-error predict takes a string
model.predict(42);
// @ts-expect-error a label is a string, not an index
const index: number = prediction.label;
// @ts-expect-error the element's method is one of explain's
element.method = 'tea-leaves';
// @ts-expect-error loadModel does not take a number
await loadModel(42);
// @ts-expect-error info is read-only
model.info = model.info;
// @ts-expect-error there is no such view
renderHighlight(text, prediction, { view: 'letters' });
// @ts-expect-error the element's prediction is read-only
element.prediction = prediction;
// @ts-expect-error renderStatic needs the output directory
await renderStatic(model, [text], {});
console.log(index);
