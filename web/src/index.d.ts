// Types of han-wasm. Offsets are in UTF-16 code units: text.slice(start, end) is the word or
// sentence as written.

/** A model file: a URL (string or URL; in Node also a file path or file: URL), a fetch Response,
 * or the file's bytes. */
export type ModelSource = string | URL | Response | ArrayBuffer | ArrayBufferView;

export interface LoadProgress {
  /** Bytes read so far. */
  loaded: number;
  /** The size of the file, when known (a Content-Length without Content-Encoding). */
  total: number | undefined;
}

export interface LoadOptions {
  /** Called as the model's bytes arrive; once, at the end, for files and in-memory bytes. */
  onProgress?: (progress: LoadProgress) => void;
  /** Run the golden test cases stored in the model file before returning (default true). */
  verify?: boolean;
  /** For tests: force the SIMD (true) or baseline (false) build instead of detecting support. */
  simd?: boolean;
  /**
   * Threads each prediction runs on, an integer from 1 to 16; default: the number of cores, at
   * most 4. More than 1 uses the threads build, which needs shared memory: Node, or a page served
   * cross-origin isolated (COOP `same-origin` and COEP `require-corp`) and its workers. Elsewhere,
   * or if its workers cannot start, the model runs on one thread, with a console warning when
   * `threads` was given.
   */
  threads?: number;
  /**
   * Keep a model loaded from an http(s) URL in the Cache API (default true): the next visit loads
   * it without the network. A cached copy that fails the loader's checks is fetched again.
   */
  cache?: boolean;
  /** Bounds on the model file and on what each prediction reads (docs/reliability.md). */
  limits?: Limits;
  /**
   * Look the word encoder's input projections up per word instead of computing them (default
   * true): on the reference HAN 2.6 times as fast once most words have been seen, 1.3–1.6 times
   * on a fresh model's first pass (docs/benchmarks.md), for vocabulary × 6 × units floats of
   * memory (36 MB for 30,000 words and 50 units), touched only for words seen.
   * Models whose encoders are not GRUs with reset_after at both levels never use it.
   */
  cacheProjections?: boolean;
  /**
   * Keep the word level of recently seen sentences (their vectors and word weights, keyed by
   * their word ids), so that a text whose sentences were seen before re-encodes only the new
   * ones: an edit of one sentence of a review re-encodes that sentence. `true` (default) bounds it
   * at 4 MiB (about 5,000 sentences of the bundled model), a number sets the bound in bytes,
   * `false` or 0 turns it off. The results are the same, bit for bit, with or without it.
   */
  sentenceCache?: boolean | number;
  /**
   * Load the model on the trainer build, which also has the backward pass that explain()'s
   * 'gradient-input' and 'integrated-gradients' need (default false: the smaller inference
   * builds, on which those methods throw). Needs WebAssembly SIMD; runs on one thread.
   */
  gradients?: boolean;
}

/**
 * Model limits refuse a file past them; they are integers from 1 to the format's bound, which is
 * their default. Input limits cut each text: the rest is not read and the prediction says
 * `truncated`; they are positive integers or Infinity, for none. The model file's own tokenizer
 * limits apply too.
 */
export interface Limits {
  /** Default 2 GiB. */
  maxFileBytes?: number;
  /** Weights, 4 bytes each in memory however the file stores them; default 2^28. */
  maxParameters?: number;
  /** Default 2,000,000. */
  maxVocabulary?: number;
  /** embedding_dim and every layer's units; default 4096. */
  maxDimension?: number;
  /** Default 10,000. */
  maxLabels?: number;
  /** UTF-8 bytes of text read; default 16 MiB. */
  maxTextBytes?: number;
  /** Default 100,000. */
  maxSentences?: number;
  /** Words in the whole text; default 1,000,000. */
  maxWords?: number;
  /** Default 10,000. */
  maxWordsPerSentence?: number;
}

export interface InputLimits {
  maxTextBytes: number;
  maxSentences: number;
  maxWords: number;
  maxWordsPerSentence: number;
}

export interface Word {
  /** The word as written in the text. */
  text: string;
  start: number;
  end: number;
  /** Attention weight within its sentence; the words of a sentence sum to 1. */
  weight: number;
  /** Vocabulary id of the normalised word; 1 means the model does not know it. */
  id: number;
}

export interface Sentence {
  /** The sentence as written, with lone surrogates of the input read as U+FFFD. */
  text: string;
  start: number;
  end: number;
  /** Attention weight within the document; the sentences sum to 1. */
  weight: number;
  words: Word[];
}

export interface Prediction {
  /** The most probable label. */
  label: string;
  /** The probability of every label, by name, in the model's label order. */
  probabilities: Record<string, number>;
  /** A limit (the model's tokenizer limits or loadModel's `limits`) cut the text. */
  truncated: boolean;
  /** How many sentences came from the sentence cache instead of being encoded again. Not
   * enumerable: predictions of the same text compare equal, cached or not, and JSON and
   * postMessage leave it out. */
  readonly sentencesReused: number;
  sentences: Sentence[];
}

export interface EncoderConfig {
  cell: 'gru' | 'lstm';
  units: number;
  bidirectional: boolean;
  merge: 'concat' | 'sum' | 'ave' | 'mul';
  recurrent_activation: 'sigmoid' | 'hard_sigmoid';
  /** GRU only. */
  reset_after?: boolean;
}

export interface AttentionConfig {
  units: number;
  use_bias: boolean;
  activation: 'tanh' | 'linear' | 'relu';
}

/** The network as described in the model file (docs/model-format.md, section CONF). */
export interface Architecture {
  architecture: 'han';
  vocab_size: number;
  embedding_dim: number;
  word_encoder: EncoderConfig;
  word_attention: AttentionConfig;
  sentence_encoder: EncoderConfig;
  sentence_attention: AttentionConfig;
  output: { activation: 'softmax' | 'sigmoid' };
}

export interface ModelInfo {
  labels: string[];
  vocabularySize: number;
  /** Number of weights. */
  parameters: number;
  architecture: Architecture;
  tokenizer: {
    lowercase: boolean;
    max_sentences: number;
    max_words_per_sentence: number;
    max_words: number;
  };
  /** The input limits each prediction applies (Infinity: none). */
  limits: InputLimits;
  /** Free-form JSON stored with the model. */
  metadata: Record<string, unknown>;
  /**
   * What the model's large products compute in: 'int8' for a model made by
   * `han quantize --compute int8` (int8 weights, int16 activations, int32 sums), else 'float32'.
   */
  compute: 'float32' | 'int8';
  /** The WebAssembly build running the model. */
  variant: 'simd' | 'baseline' | 'threads' | 'train';
  /** The threads each prediction runs on (1 unless `variant` is 'threads'). */
  threads: number;
}

/** What predictIds returns: the prediction without the text. */
export interface IdsPrediction {
  label: string;
  probabilities: Record<string, number>;
  /** One weight per sentence of the input; sentences without a real word get 0. */
  sentenceWeights: number[];
  /** One row per sentence, one weight per word; padding (id 0) gets 0. */
  wordWeights: number[][];
  /** As in Prediction: not enumerable. */
  readonly sentencesReused: number;
}

/**
 * How explain() weighs each word (docs/explanations.md compares their faithfulness):
 * - 'attention': word weight × sentence weight, what predict() shades; 'word-attention' the word
 *   weight alone; 'sentence-attention' each word its sentence's weight;
 * - 'occlusion': p(label) minus p(label) with the word (or sentence) removed;
 * - 'gradient-input': the gradient of p(label) with respect to the word vector, dot the vector;
 * - 'integrated-gradients': the same integrated from zero vectors (`steps` points); the words sum
 *   to p(label) - p(label | zero vectors), up to `completenessError`.
 * The gradient methods and occlusion can be negative: the word speaks against the label.
 * The gradient methods need a model loaded with `{ gradients: true }`.
 */
export type ExplainMethod =
  | 'attention'
  | 'word-attention'
  | 'sentence-attention'
  | 'occlusion'
  | 'gradient-input'
  | 'integrated-gradients';

export interface ExplainOptions {
  /** Default 'attention'. */
  method?: ExplainMethod;
  /** Integrated gradients: points of the integral, 1 to 10,000 (default 20). */
  steps?: number;
  /** Report the comprehensiveness of this many top words (default 3; 0: none). */
  topWords?: number;
}

/** A prediction whose weights are the method's attributions for the predicted label. */
export interface Explanation extends Prediction {
  method: ExplainMethod;
  /** Integrated gradients only. */
  integratedGradients?: {
    steps: number;
    /** p(label) with every word vector zero. */
    baselineProbability: number;
    /** |Σ word attributions - (p(label) - baselineProbability)|. */
    completenessError: number;
  };
  /** Removing the `words` highest-weighted words: p(label) drops by `change`, and the model
   * then predicts `label` (a different one when the verdict flips). Absent with topWords 0. */
  comprehensiveness?: { words: number; change: number; label: string };
}

export interface Model {
  readonly info: ModelInfo;
  /** Classifies one document. */
  predict(text: string): Prediction;
  /** Classifies one document and attributes the decision to its words and sentences. */
  explain(text: string, options?: ExplainOptions): Explanation;
  /** Classifies one document already turned into vocabulary ids (0 = padding), one array per
   * sentence: the network without the tokenizer. Ids outside the vocabulary throw. */
  predictIds(sentences: Iterable<ArrayLike<number>>): IdsPrediction;
  /** Classifies several documents, run together; the same results as predict on each. */
  predictBatch(texts: Iterable<string>): Prediction[];
  /** Frees the model's memory; later calls of predict throw. Calling it twice is harmless. */
  dispose(): void;
}

/**
 * Loads a model file and checks it (size, checksum, every tensor, the golden test cases).
 * Without a source, loads the bundled IMDB sentiment model; this build throws when it has none.
 */
export function loadModel(source?: ModelSource, options?: LoadOptions): Promise<Model>;

/** Whether this engine runs WebAssembly SIMD, which loadModel then uses. */
export function simdSupported(): boolean;

/** The bundled model's URL: a source for loadModel and for train's startFrom. */
export const bundledModelURL: URL;

/**
 * Labelled text to train on: the bytes or text of `label<TAB>text` lines (as han train reads), or
 * rows, each `[label, text]` or `{ label, text }` (tabs and line breaks in a text become spaces).
 * A label is the label's name, or its index when `labels` names them.
 */
export type TrainData =
  | ArrayBuffer
  | ArrayBufferView
  | string
  | Array<[string, string] | { label: string; text: string }>;

/** train()'s options; every one has han train's default and range (han train --help). */
export interface TrainOptions {
  /** Starting values for the options below (default 'balanced': han train's defaults). */
  preset?: keyof typeof TRAIN_PRESETS;
  /** Fine-tune this model (a source as loadModel takes, e.g. bundledModelURL): its vocabulary,
   * tokenizer and labels are kept, and the architecture and vocabulary options are unused. */
  startFrom?: ModelSource;
  /** With startFrom: train only the output layer (fast), keeping every other weight. */
  outputLayerOnly?: boolean;
  /** What to call the data in messages and in the model's metadata (default 'training data'). */
  name?: string;
  validationSplit?: number;
  labels?: string[];
  limit?: number;
  skipMalformed?: boolean;
  minCount?: number;
  maxVocabulary?: number;
  maxSentences?: number;
  maxWords?: number;
  cell?: 'gru' | 'lstm';
  embeddingDim?: number;
  wordUnits?: number;
  sentenceUnits?: number;
  attentionUnits?: number;
  epochs?: number;
  patience?: number;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd';
  /** Default 0.001 for adam, 0.01 for sgd. */
  learningRate?: number;
  momentum?: number;
  clip?: number;
  l2?: number;
  dropout?: number;
  seed?: number;
  embeddingStorage?: 'float32' | 'float16' | 'int8';
}

export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  seconds: number;
}

export interface TrainProgress {
  /** 1-based; `batch` of its `batches` mini-batches are done. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean loss and accuracy of this epoch's mini-batches so far. */
  loss: number;
  accuracy: number;
  elapsedMs: number;
  /** Until the last epoch; early stopping may end sooner. */
  etaMs: number;
  trainSize: number;
  validationSize: number;
  /** The epochs finished, with their validation accuracy. */
  history: EpochReport[];
  /** What the trainer said since the last call (early stopping, say). */
  messages: string[];
  done: boolean;
}

export interface TrainResult {
  /** The model of the best validation epoch as a .han file, golden cases included: give it to
   * loadModel, or save it. */
  bytes: Uint8Array;
  bestEpoch: number;
  epochs: EpochReport[];
  metadata: Record<string, unknown>;
}

/**
 * Trains a HAN on `data` (or fine-tunes `startFrom`) with the trainer build, on the calling
 * thread, yielding to the event loop between slices of about 50 ms: in a page, call it in a Web
 * Worker. Deterministic for given data, options and seed. Rejects with the trainer's message on
 * bad data (a malformed line, one label only), and with `signal.reason` when aborted.
 */
export function train(
  data: TrainData,
  options?: TrainOptions,
  hooks?: { onProgress?: (progress: TrainProgress) => void; signal?: AbortSignal },
): Promise<TrainResult>;

/** The presets of train()'s `preset` option. */
export const TRAIN_PRESETS: Readonly<{
  fast: Readonly<TrainOptions>;
  balanced: Readonly<TrainOptions>;
}>;

/** The most bytes of data one train() call reads (256 MiB). */
export const MAX_TRAIN_BYTES: number;

/** How words are shaded: by their weight within the sentence, by their sentence's weight, or by
 * both multiplied (their share of the document's attention). */
export type HighlightView = 'word' | 'sentence' | 'combined';

export interface HTMLExportOptions {
  /** Default 'combined'. */
  view?: HighlightView;
  /** A complete HTML document (with charset and title) instead of a fragment. Default false. */
  document?: boolean;
}

export interface SVGExportOptions {
  /** Default 'combined'. */
  view?: HighlightView;
  /** Wrap lines at this many characters (default 80). */
  columns?: number;
  /** In pixels (default 16). */
  fontSize?: number;
}

/** One sample of neat-vision's classification data file (the file is an array of samples). */
export interface NeatVisionSample {
  /** The words, as written. */
  text: string[];
  /** The index of the true label (the predicted one unless given). */
  label: number;
  /** The index of the predicted label. */
  prediction: number;
  /** The probability of each label, in the model's label order. */
  posterior: number[];
  /** Each word's word weight × sentence weight; they sum to 1. From an explanation, its
   * method's word weights (signed for occlusion and the gradient methods). */
  attention: number[];
  id: string;
  /** Only from an explanation: the method of `attention`. */
  method?: ExplainMethod;
}

/** `text` (the text that was predicted) highlighted as an HTML fragment with inline styles and
 * nothing to load; every piece of text is escaped. The exports take an Explanation as well (it is
 * a Prediction): they then shade by its method's weights, words against the label in blue, in
 * every view, and the caption names the method ("negative, 85.5% · weights by occlusion"). */
export function toHTML(text: string, prediction: Prediction, options?: HTMLExportOptions): string;

/** `text` highlighted with <han-highlight>'s markup and no script: a fragment for static pages,
 * styled by the stylesheet that renderStatic writes; every piece of text is escaped. */
export function highlightHTML(
  text: string,
  prediction: Prediction,
  options?: { view?: HighlightView },
): string;

/** A document for renderStatic: its text, and the name of its file (default: its number from 1). */
export type StaticDocument = string | { id?: string | number; text: string };

/** Node.js only: writes each document's highlightHTML fragment to `out`/NAME.html and the
 * stylesheet to `out`/han-highlight.css, for static-site generators; resolves to the paths. */
export function renderStatic(
  model: Pick<Model, 'predict'>,
  documents: Iterable<StaticDocument> | AsyncIterable<StaticDocument>,
  options: { out: string; view?: HighlightView },
): Promise<string[]>;

/** `text` highlighted as a standalone SVG image (monospace text); every piece of text is escaped. */
export function toSVG(text: string, prediction: Prediction, options?: SVGExportOptions): string;

/** The prediction as a neat-vision sample; `label` names the true label. */
export function toNeatVision(
  prediction: Prediction,
  options?: { id?: string; label?: string },
): NeatVisionSample;
