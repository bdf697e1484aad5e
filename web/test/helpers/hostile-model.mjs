// A model file whose labels, vocabulary and metadata hold markup, script and names that are
// special to JavaScript objects: a page must show all of it as text. Its output bias makes the
// first label, an <img> with an onerror handler, the verdict.
import { writeModel } from './hanfile.mjs';
import { random } from './random.mjs';

export const hostileLabels = [
  '<img src=x onerror="window.ran = \'label\'; alert(1)">',
  '</span><script>window.ran = "script"</script><b>bold</b>',
  '__proto__',
  '&lt;i&gt; &amp; "quotes" \'apostrophes\' \u202Eright-to-left',
];

// Words the tokenizer can produce from the review (the markup words among them) and words it never
// produces, which hold markup themselves.
export const hostileVocabulary = [
  '<pad>',
  '<unk>',
  'alpha',
  'bravo',
  'script',
  'alert',
  'img',
  'onerror',
  'window',
  'constructor',
  'proto',
  '__proto__',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
];

// A review that uses those words between markup of its own.
export const hostileReview =
  'Alpha <img src=x onerror="window.ran = 1"> bravo script! <script>window.ran = 2</script> ' +
  'alert(1) img onerror constructor __proto__. <b>bold</b> &amp; javascript:alert(1)?';

export function hostileModel() {
  const next = random(7);
  return writeModel({
    config: {
      vocab_size: hostileVocabulary.length,
      embedding_dim: 4,
      word_encoder: { cell: 'gru', units: 3 },
      word_attention: { units: 4 },
      sentence_encoder: { cell: 'lstm', units: 3 },
      sentence_attention: { units: 4 },
      output: { activation: 'softmax' },
    },
    labels: hostileLabels,
    vocabulary: hostileVocabulary,
    metadata: { name: '<img src=x onerror=alert(1)>', description: '<script>alert(2)</script>' },
    weights: (name, shape) => {
      const count = shape.reduce((a, b) => a * b, 1);
      if (name === 'output.bias') return Float32Array.of(3, 0, 0, 0);
      return Float32Array.from({ length: count }, () => next() - 0.5);
    },
  });
}
