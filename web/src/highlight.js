// What the highlighting shows, independent of how it is drawn: render.js builds DOM from it,
// export.js HTML and SVG text. Plain functions of (text, prediction), so they also run in Node.

/** The shading colour and the sentence bars' colour (dark enough for 3:1 on white). */
export const HIGHLIGHT_COLOR = '#ff9900';
export const BAR_COLOR = '#9a4a00';
/** The strongest shade's opacity: near-black text on it keeps a contrast of about 9:1. */
export const MAX_OPACITY = 0.85;

export const VIEWS = ['word', 'sentence', 'combined'];

/**
 * The text cut into what is drawn, covering every character in order: text outside sentences
 * (`{ text, unread }`, unread when the model's limits cut it off) and sentences
 * (`{ sentence, parts }`), whose parts are text (`{ text }`) and words (`{ text, word }`). Each word
 * has its weights and its shade in each view: its weight over the largest of its kind in the
 * document, so the strongest is fully shaded.
 */
export function highlightLayout(text, prediction) {
  const { sentences } = prediction;
  const maxSentence = largest(sentences.map((s) => s.weight));
  const maxWord = largest(sentences.flatMap((s) => s.words.map((w) => w.weight)));
  const maxCombined = largest(sentences.flatMap((s) => s.words.map((w) => w.weight * s.weight)));

  const blocks = [];
  let cursor = 0;
  let wordIndex = 0;
  sentences.forEach((sentence, sentenceIndex) => {
    if (sentence.start > cursor) blocks.push({ text: text.slice(cursor, sentence.start) });
    const parts = [];
    let inner = sentence.start;
    for (const word of sentence.words) {
      if (word.start > inner) parts.push({ text: text.slice(inner, word.start) });
      const combined = word.weight * sentence.weight;
      parts.push({
        text: text.slice(word.start, word.end),
        word: {
          index: wordIndex++,
          weight: word.weight,
          sentenceWeight: sentence.weight,
          combined,
          shades: {
            word: share(word.weight, maxWord),
            sentence: share(sentence.weight, maxSentence),
            combined: share(combined, maxCombined),
          },
        },
      });
      inner = word.end;
    }
    if (sentence.end > inner) parts.push({ text: text.slice(inner, sentence.end) });
    blocks.push({
      sentence: {
        index: sentenceIndex,
        weight: sentence.weight,
        bar: share(sentence.weight, maxSentence),
      },
      parts,
    });
    cursor = sentence.end;
  });
  if (cursor < text.length) {
    blocks.push({ text: text.slice(cursor), unread: prediction.truncated });
  }
  return blocks;
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
  return (
    `“${text}”: word weight ${word.weight.toFixed(4)} × sentence weight ` +
    `${word.sentenceWeight.toFixed(4)} = ${word.combined.toFixed(4)} of the attention`
  );
}

export function describeSentence(sentence) {
  return `sentence ${sentence.index + 1}: weight ${sentence.weight.toFixed(4)}`;
}

/** "positive, 97.3%" */
export function describeLabel(prediction) {
  return `${prediction.label}, ${percent(prediction.probabilities[prediction.label])}`;
}

function percent(probability) {
  return `${(probability * 100).toFixed(1)}%`;
}
