// What the highlighting shows, independent of how it is drawn: render.js builds DOM from it,
// export.js HTML and SVG text. Plain functions of (text, prediction), so they also run in Node.

/** The shading colour and the sentence bars' colour (dark enough for 3:1 on white). */
export const HIGHLIGHT_COLOR = '#ff9900';
export const BAR_COLOR = '#9a4a00';
/** The same for weights against the label, which only the signed explain methods give: near-black
 * text on the strongest shade keeps a contrast of about 6:1, the bar 3:1 on white. */
export const AGAINST_COLOR = '#5b9bff';
export const AGAINST_BAR_COLOR = '#1d4f91';
/** The strongest shade's opacity: near-black text on it keeps a contrast of about 9:1. */
export const MAX_OPACITY = 0.85;

export const VIEWS = ['word', 'sentence', 'combined'];

/** model.explain's methods as a sentence names them. */
export const METHOD_NAMES = {
  attention: 'attention',
  'word-attention': 'word attention',
  'sentence-attention': 'sentence attention',
  occlusion: 'occlusion',
  'gradient-input': 'gradient × input',
  'integrated-gradients': 'integrated gradients',
};

/** The method an explanation's weights come from; null for a prediction (attention, by view). */
export function methodOf(prediction) {
  return typeof prediction.method === 'string' ? prediction.method : null;
}

/**
 * The text cut into what is drawn, covering every character in order: text outside sentences
 * (`{ text, unread }`, unread when the model's limits cut it off) and sentences
 * (`{ sentence, parts }`), whose parts are text (`{ text }`) and words (`{ text, word }`). Each word
 * has its weights and its shade in each view: its weight over the largest of its kind in the
 * document, so the strongest is fully shaded.
 *
 * An explanation (model.explain's result, which has a `method`) is shaded by its own weights in
 * every view: a word's weight already is its attribution (for attention, word × sentence). Those
 * can be negative, so shades are of the magnitude, over the largest magnitude, and `against`
 * marks a word or sentence that speaks against the label.
 */
export function highlightLayout(text, prediction) {
  const { sentences } = prediction;
  const weigh = methodOf(prediction)
    ? explanationWeights(prediction)
    : attentionWeights(prediction);
  const blocks = [];
  let cursor = 0;
  let wordIndex = 0;
  sentences.forEach((sentence, sentenceIndex) => {
    if (sentence.start > cursor) blocks.push({ text: text.slice(cursor, sentence.start) });
    const parts = [];
    let inner = sentence.start;
    for (const word of sentence.words) {
      if (word.start > inner) parts.push({ text: text.slice(inner, word.start) });
      parts.push({
        text: text.slice(word.start, word.end),
        word: { index: wordIndex++, ...weigh.word(word, sentence) },
      });
      inner = word.end;
    }
    if (sentence.end > inner) parts.push({ text: text.slice(inner, sentence.end) });
    blocks.push({ sentence: { index: sentenceIndex, ...weigh.sentence(sentence) }, parts });
    cursor = sentence.end;
  });
  if (cursor < text.length) {
    blocks.push({ text: text.slice(cursor), unread: prediction.truncated });
  }
  return blocks;
}

// A prediction's attention: a shade per view.
function attentionWeights({ sentences }) {
  const maxSentence = largest(sentences.map((s) => s.weight));
  const maxWord = largest(sentences.flatMap((s) => s.words.map((w) => w.weight)));
  const maxCombined = largest(sentences.flatMap((s) => s.words.map((w) => w.weight * s.weight)));
  return {
    word(word, sentence) {
      const combined = word.weight * sentence.weight;
      return {
        weight: word.weight,
        sentenceWeight: sentence.weight,
        combined,
        shades: {
          word: share(word.weight, maxWord),
          sentence: share(sentence.weight, maxSentence),
          combined: share(combined, maxCombined),
        },
      };
    },
    sentence: (sentence) => ({ weight: sentence.weight, bar: share(sentence.weight, maxSentence) }),
  };
}

// An explanation's signed attributions: one shade, of the magnitude, in every view.
function explanationWeights({ sentences, method, label }) {
  const maxSentence = largest(sentences.map((s) => Math.abs(s.weight)));
  const maxWord = largest(sentences.flatMap((s) => s.words.map((w) => Math.abs(w.weight))));
  return {
    word(word, sentence) {
      const shade = share(Math.abs(word.weight), maxWord);
      return {
        weight: word.weight,
        sentenceWeight: sentence.weight,
        combined: word.weight,
        shades: { word: shade, sentence: shade, combined: shade },
        against: word.weight < 0,
        method,
        label,
      };
    },
    sentence: (sentence) => ({
      weight: sentence.weight,
      bar: share(Math.abs(sentence.weight), maxSentence),
      against: sentence.weight < 0,
      method,
    }),
  };
}

// Not Math.max(...values): a long document has more words than a call may have arguments.
function largest(values) {
  return values.reduce((max, value) => Math.max(max, value), 0);
}

function share(value, max) {
  return max > 0 ? value / max : 0;
}

export function checkView(view, caller) {
  if (!VIEWS.includes(view)) {
    throw new TypeError(`${caller}: view must be one of ${VIEWS.join(', ')}, got ${String(view)}`);
  }
}

/** The exact weights of a word, as a tooltip or an accessible description says them. */
export function describeWord(text, word) {
  if (word.method) {
    const by = methodName(word.method);
    return `“${text}”: ${signed(word.weight)} for ${word.label} by ${by}`;
  }
  return (
    `“${text}”: word weight ${word.weight.toFixed(4)} × sentence weight ` +
    `${word.sentenceWeight.toFixed(4)} = ${word.combined.toFixed(4)} of the attention`
  );
}

export function describeSentence(sentence) {
  if (sentence.method) {
    const by = methodName(sentence.method);
    return `sentence ${sentence.index + 1}: ${signed(sentence.weight)} by ${by}`;
  }
  return `sentence ${sentence.index + 1}: weight ${sentence.weight.toFixed(4)}`;
}

/** "positive, 97.3%" */
export function describeLabel(prediction) {
  return `${prediction.label}, ${percent(prediction.probabilities[prediction.label])}`;
}

/** "integrated gradients" for an explanation, null for a prediction. */
export function describeMethod(prediction) {
  const method = methodOf(prediction);
  return method && methodName(method);
}

function methodName(method) {
  return Object.hasOwn(METHOD_NAMES, method) ? METHOD_NAMES[method] : method;
}

const signed = (weight) => `${weight < 0 ? '−' : '+'}${Math.abs(weight).toFixed(4)}`;

function percent(probability) {
  return `${(probability * 100).toFixed(1)}%`;
}
