// The highlighted review as DOM, shared by the demo page and <han-highlight>. Text only ever
// enters the DOM as text nodes, so a review is never interpreted as HTML.
import {
  AGAINST_BAR_COLOR,
  AGAINST_COLOR,
  BAR_COLOR,
  HIGHLIGHT_COLOR,
  MAX_OPACITY,
  VIEWS,
  checkView,
  describeMethod,
  describeSentence,
  describeWord,
  highlightLayout,
} from './highlight.js';

export const STYLES = `
.han-highlight { position: relative; }
.han-review { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; }
.han-word {
  --han-shade: var(--han-shade-combined);
  background-color: color-mix(in srgb, var(--han-highlight, ${HIGHLIGHT_COLOR})
    calc(var(--han-shade) * ${MAX_OPACITY * 100}%), transparent);
  border-radius: 0.2em;
  padding-block: 0.1em;
  cursor: default;
}
[data-view='word'] .han-word { --han-shade: var(--han-shade-word); }
[data-view='sentence'] .han-word { --han-shade: var(--han-shade-sentence); }
.han-word.han-against {
  background-color: color-mix(in srgb, var(--han-against, ${AGAINST_COLOR})
    calc(var(--han-shade) * ${MAX_OPACITY * 100}%), transparent);
}
.han-word:hover { outline: 1px dashed currentColor; }
.han-word:focus-visible { outline: 2px solid currentColor; outline-offset: 1px; }
.han-bar, .han-legend-bar {
  display: inline-block;
  width: 0.3em;
  height: calc(0.2em + var(--han-bar) * 0.9em);
  margin-inline-end: 0.3em;
  border-radius: 0.15em;
  background: var(--han-bar-color, ${BAR_COLOR});
}
.han-bar.han-against, .han-legend-bar.han-against {
  background: var(--han-against-bar-color, ${AGAINST_BAR_COLOR});
}
.han-unread { color: #5c5c5c; text-decoration: line-through; }
.han-tip {
  position: absolute;
  z-index: 1;
  max-width: min(24em, 100%);
  padding: 0.35em 0.6em;
  border-radius: 0.3em;
  background: #1c1c1c;
  color: #fff;
  font-size: 0.85em;
  line-height: 1.4;
  white-space: normal;
  pointer-events: none;
}
.han-tip[hidden] { display: none; }
${VIEWS.map((view) => `.han-highlight:not([data-view='${view}']) [data-legend='${view}']`).join(',\n')} {
  display: none;
}
.han-legend {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.4em 1.2em;
  margin-block-end: 0.8em;
  font-size: 0.875em;
}
.han-legend-scale {
  display: inline-block;
  width: 6em;
  height: 0.9em;
  margin-inline: 0.4em;
  vertical-align: -0.1em;
  border: 1px solid #767676;
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-highlight, ${HIGHLIGHT_COLOR}) ${MAX_OPACITY * 100}%, transparent));
}
.han-legend-scale.han-against {
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-against, ${AGAINST_COLOR}) ${MAX_OPACITY * 100}%, transparent));
}
@media (prefers-reduced-motion: no-preference) {
  .han-word { transition: background-color 0.15s; }
}
/* High-contrast modes would drop the shading: keep it, on white, with black text. */
@media (forced-colors: active) {
  .han-word, .han-bar, .han-legend-bar, .han-legend-scale { forced-color-adjust: none; }
  .han-word {
    color: #000;
    background-color: color-mix(in srgb, var(--han-highlight, ${HIGHLIGHT_COLOR})
      calc(var(--han-shade) * ${MAX_OPACITY * 100}%), #fff);
  }
  .han-word.han-against {
    background-color: color-mix(in srgb, var(--han-against, ${AGAINST_COLOR})
      calc(var(--han-shade) * ${MAX_OPACITY * 100}%), #fff);
  }
}
`;

const LEGEND_SHADE = {
  word: 'the word’s weight within its sentence',
  sentence: 'its sentence’s weight in the review',
  combined: 'word weight × sentence weight',
};

let styleSheet;
let tipCount = 0;

/** Adds the highlighting's stylesheet to a document or a shadow root (once). */
export function adoptHighlightStyles(root = document) {
  if (!styleSheet) {
    styleSheet = new CSSStyleSheet();
    styleSheet.replaceSync(STYLES);
  }
  if (!root.adoptedStyleSheets.includes(styleSheet)) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, styleSheet];
  }
}

/**
 * The review with each word shaded by its attention, a bar before each sentence for the sentence's
 * weight, and a tooltip with the exact weights on hover and keyboard focus (one tab stop; arrow
 * keys move between words, Up and Down between sentences, Home and End to the ends). Switch views
 * by setting the returned element's data-view attribute. Given an explanation (model.explain),
 * words are shaded by its method's weights in every view, those against the label in a second
 * colour, and the root's data-method names the method.
 */
export function renderHighlight(text, prediction, options = {}) {
  const { view = 'combined', legend = false, document = globalThis.document } = options;
  checkView(view, 'renderHighlight');
  const make = (tag, className, content) => {
    const element = document.createElement(tag);
    element.className = className;
    if (content !== undefined) element.textContent = content;
    return element;
  };

  const method = describeMethod(prediction);
  const root = make('div', 'han-highlight');
  root.dataset.view = view;
  if (method) root.dataset.method = prediction.method;
  const review = make('div', 'han-review');
  review.setAttribute('role', 'group');
  review.setAttribute(
    'aria-label',
    `Review shaded by ${method ?? 'attention'}; arrow keys move between words`,
  );
  const tip = make('div', 'han-tip');
  tip.id = `han-tip-${++tipCount}`;
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;

  const words = []; // [span, word] in reading order
  const firstWords = []; // sentence -> index of its first word
  for (const block of highlightLayout(text, prediction)) {
    if (!block.sentence) {
      review.append(block.unread ? unread(make, block.text) : block.text);
      continue;
    }
    const sentence = make('span', 'han-sentence');
    const bar = make('span', 'han-bar');
    bar.style.setProperty('--han-bar', block.sentence.bar);
    bar.title = describeSentence(block.sentence);
    bar.setAttribute('aria-hidden', 'true');
    if (block.sentence.against) bar.classList.add('han-against');
    sentence.append(bar);
    firstWords.push(words.length);
    for (const part of block.parts) {
      if (!part.word) {
        sentence.append(part.text);
        continue;
      }
      const span = make('span', 'han-word', part.text);
      if (part.word.against) span.classList.add('han-against');
      const { shades } = part.word;
      span.style.cssText =
        `--han-shade-word:${shades.word.toFixed(4)};--han-shade-sentence:${shades.sentence.toFixed(4)};` +
        `--han-shade-combined:${shades.combined.toFixed(4)}`;
      span.tabIndex = words.length === 0 ? 0 : -1;
      span.dataset.index = words.length;
      words.push([span, part.word]);
      sentence.append(span);
    }
    review.append(sentence);
  }

  if (legend) {
    root.append(method ? renderMethodLegend(make, method, prediction.label) : renderLegend(make));
  }
  root.append(review, tip);
  wireTooltipAndKeys(root, review, tip, words, firstWords);
  return root;
}

function unread(make, text) {
  const span = make('span', 'han-unread', text);
  span.title = 'not read: the model’s length limits cut the text here';
  return span;
}

function renderLegend(make) {
  const legend = make('div', 'han-legend');
  const shade = make('span', '');
  shade.append('less', make('span', 'han-legend-scale'), 'more attention: ');
  for (const [view, meaning] of Object.entries(LEGEND_SHADE)) {
    const text = make('span', '', meaning);
    text.dataset.legend = view;
    shade.append(text);
  }
  const bar = make('span', '');
  const sample = make('span', 'han-legend-bar');
  sample.style.setProperty('--han-bar', 0.8);
  bar.append(sample, 'sentence weight');
  legend.append(shade, bar, make('span', '', 'Hover or focus a word for its weights.'));
  return legend;
}

// An explanation's legend: its weights are signed, for or against the label.
function renderMethodLegend(make, method, label) {
  const legend = make('div', 'han-legend');
  const scale = (against) => {
    const element = make('span', 'han-legend-scale');
    if (against) element.classList.add('han-against');
    return element;
  };
  const shade = make('span', '');
  shade.append(`${method}: `, scale(false), `for ${label}`, scale(true), 'against');
  const bar = make('span', '');
  const sample = make('span', 'han-legend-bar');
  sample.style.setProperty('--han-bar', 0.8);
  bar.append(sample, 'sentence');
  legend.append(shade, bar, make('span', '', 'Hover or focus a word for its weight.'));
  return legend;
}

function wireTooltipAndKeys(root, review, tip, words, firstWords) {
  const wordAt = (target) => target.closest?.('.han-word');
  const indexOf = (span) => Number(span.dataset.index);
  let tabStop = words[0]?.[0];
  let described = null; // the word the tooltip describes: one such attribute, not thousands

  const show = (span) => {
    const [, word] = words[indexOf(span)];
    tip.textContent = describeWord(span.textContent, word);
    described?.removeAttribute('aria-describedby');
    span.setAttribute('aria-describedby', tip.id);
    described = span;
    tip.hidden = false;
    const box = span.getBoundingClientRect();
    const origin = root.getBoundingClientRect();
    const left = Math.min(box.left - origin.left, root.clientWidth - tip.offsetWidth);
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${box.bottom - origin.top + 4}px`;
  };
  const hide = () => {
    tip.hidden = true;
  };
  const focusWord = (index) => {
    const span = words[Math.max(0, Math.min(index, words.length - 1))]?.[0];
    span?.focus();
  };

  review.addEventListener('pointerover', (event) => {
    const span = wordAt(event.target);
    if (span) show(span);
  });
  // Leaving a word for anything but another word brings back the focused word's tip, if any.
  review.addEventListener('pointerout', (event) => {
    if (!wordAt(event.target) || (event.relatedTarget && wordAt(event.relatedTarget))) return;
    const focused = root.getRootNode().activeElement;
    if (focused && wordAt(focused) && review.contains(focused)) show(focused);
    else hide();
  });
  review.addEventListener('focusin', (event) => {
    const span = wordAt(event.target);
    if (!span) return;
    // Roving tab stop: Tab leaves the review from the word last focused.
    if (tabStop) tabStop.tabIndex = -1;
    span.tabIndex = 0;
    tabStop = span;
    show(span);
  });
  review.addEventListener('focusout', hide);
  review.addEventListener('keydown', (event) => {
    const span = wordAt(event.target);
    if (!span) return;
    const index = indexOf(span);
    const sentence = firstWords.findLastIndex((first) => first <= index);
    const moves = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      ArrowDown: firstWords[sentence + 1] ?? words.length - 1,
      ArrowUp: firstWords[Math.max(0, sentence - 1)],
      Home: 0,
      End: words.length - 1,
    };
    if (event.key === 'Escape') {
      hide();
    } else if (event.key in moves) {
      event.preventDefault();
      focusWord(moves[event.key]);
    }
  });
}
