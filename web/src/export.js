// The highlighted review as text to save or paste elsewhere: HTML with inline styles, SVG, and
// neat-vision's JSON. Every piece of the review and of the model's labels is escaped. Given an
// explanation (model.explain) in place of a prediction, each carries its method's weights and
// names the method.
import {
  AGAINST_BAR_COLOR,
  AGAINST_COLOR,
  BAR_COLOR,
  HIGHLIGHT_COLOR,
  MAX_OPACITY,
  checkView,
  describeLabel,
  describeMethod,
  describeSentence,
  describeWord,
  highlightLayout,
  methodOf,
} from './highlight.js';

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const rgb = (color) => color.match(/[0-9a-f]{2}/gi).map((hex) => parseInt(hex, 16));
const HIGHLIGHT_RGB = rgb(HIGHLIGHT_COLOR);
const AGAINST_RGB = rgb(AGAINST_COLOR);
const TEXT_COLOR = '#1a1a1a';
const UNREAD_COLOR = '#5c5c5c';
const UNREAD_TITLE = 'not read: the model’s length limits cut the text here';

// Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF); lone surrogates are made
// well-formed separately. Each becomes U+FFFD so an SVG always parses.
const NOT_XML = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

function escape(text) {
  return text
    .toWellFormed()
    .replace(NOT_XML, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function shadeColor(shade, against) {
  const color = against ? AGAINST_RGB : HIGHLIGHT_RGB;
  return `rgba(${color.join(', ')}, ${(shade * MAX_OPACITY).toFixed(3)})`;
}

// "negative, 85.5%", and for an explanation "negative, 85.5% · weights by occlusion".
function caption(prediction) {
  const method = describeMethod(prediction);
  return describeLabel(prediction) + (method ? ` · weights by ${method}` : '');
}

/**
 * The highlighted review as an HTML fragment that needs no stylesheet or script (a complete
 * document with `document: true`); words carry their exact weights in `title`.
 */
export function toHTML(text, prediction, options = {}) {
  const { view = 'combined', document = false } = options;
  checkView(view, 'toHTML');
  const title = (description) => ` title="${escape(description)}"`;
  const body = highlightLayout(text, prediction).map((block) => {
    if (!block.sentence) {
      if (!block.unread) return escape(block.text);
      return `<span style="color:${UNREAD_COLOR};text-decoration:line-through"${title(UNREAD_TITLE)}>${escape(block.text)}</span>`;
    }
    const barHeight = (0.2 + 0.9 * block.sentence.bar).toFixed(2);
    const bar =
      `<span style="display:inline-block;width:.3em;height:${barHeight}em;margin-right:.3em;` +
      `border-radius:.15em;background:${block.sentence.against ? AGAINST_BAR_COLOR : BAR_COLOR}"` +
      `${title(describeSentence(block.sentence))}></span>`;
    const parts = block.parts.map(({ text: part, word }) => {
      if (!word) return escape(part);
      const style = `background-color:${shadeColor(word.shades[view], word.against)};border-radius:.2em`;
      return `<span style="${style}"${title(describeWord(part, word))}>${escape(part)}</span>`;
    });
    return bar + parts.join('');
  });
  const fragment =
    `<div style="max-width:42em;padding:1em;background:#fff;color:${TEXT_COLOR};` +
    `font:16px/1.9 system-ui,sans-serif">` +
    `<p style="margin:0 0 .5em;font-weight:600">${escape(caption(prediction))}</p>` +
    `<div style="white-space:pre-wrap;overflow-wrap:anywhere">${body.join('')}</div></div>`;
  if (!document) return fragment;
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escape(caption(prediction))}</title>\n</head>\n<body>\n${fragment}\n</body>\n</html>\n`
  );
}

/**
 * The highlighted review as <han-highlight>'s markup without its script, for static pages styled
 * by the highlighting's stylesheet (STYLES of render.js; renderStatic writes it beside the
 * fragments). Words carry their exact weights in `title`. python/han/render.py and `han render`
 * give the same string for the same prediction.
 */
export function highlightHTML(text, prediction, options = {}) {
  const { view = 'combined' } = options;
  checkView(view, 'highlightHTML');
  const fixed = (value) => value.toFixed(4);
  // An explanation's markup names its method and marks weights against the label; a
  // prediction's stays what han render gives.
  const method = methodOf(prediction);
  const against = (item) => (item.against ? ' han-against' : '');
  const out = [
    `<div class="han-highlight" data-view="${view}"` +
      (method ? ` data-method="${escape(method)}">` : '>') +
      '<div class="han-review" role="group" aria-label="Review shaded by ' +
      `${escape(describeMethod(prediction) ?? 'attention')}">`,
  ];
  for (const block of highlightLayout(text, prediction)) {
    if (!block.sentence) {
      out.push(
        block.unread
          ? `<span class="han-unread" title="${UNREAD_TITLE}">${escape(block.text)}</span>`
          : escape(block.text),
      );
      continue;
    }
    out.push(
      `<span class="han-sentence"><span class="han-bar${against(block.sentence)}" style="--han-bar:${fixed(block.sentence.bar)}" ` +
        `title="${escape(describeSentence(block.sentence))}" aria-hidden="true"></span>`,
    );
    for (const { text: part, word } of block.parts) {
      if (!word) {
        out.push(escape(part));
        continue;
      }
      const { shades } = word;
      out.push(
        `<span class="han-word${against(word)}" style="--han-shade-word:${fixed(shades.word)};` +
          `--han-shade-sentence:${fixed(shades.sentence)};--han-shade-combined:${fixed(shades.combined)}" ` +
          `title="${escape(describeWord(part, word))}">${escape(part)}</span>`,
      );
    }
    out.push('</span>');
  }
  out.push('</div></div>');
  return out.join('');
}

/**
 * The highlighted review as an SVG image in a monospace font, wrapped at `columns` characters
 * (lines longer than that without a space overflow); each word and sentence bar has a <title>
 * with its weights.
 */
export function toSVG(text, prediction, options = {}) {
  const { view = 'combined', columns = 80, fontSize = 16 } = options;
  checkView(view, 'toSVG');
  const cell = 0.6 * fontSize; // the advance of a monospace character
  const lineHeight = 1.8 * fontSize;
  const padding = fontSize;
  const round = (value) => Math.round(value * 10) / 10;
  const titled = (element, description) =>
    `${element.replace(/\/>$/, '>')}<title>${escape(description)}</title></rect>`;
  const heading = caption(prediction);
  const lines = wrapLines(tokens(text, prediction), columns);
  const firstLine = 2; // after the caption and a blank line

  const shapes = [];
  const texts = [
    `<text x="${padding}" y="${round(padding + lineHeight / 2 + 0.35 * fontSize)}" ` +
      `font-weight="bold">${escape(heading)}</text>`,
  ];
  lines.forEach((line, row) => {
    const top = padding + (firstLine + row) * lineHeight;
    const baseline = round(top + lineHeight / 2 + 0.35 * fontSize);
    const spans = [];
    for (const piece of line) {
      const x = round(padding + piece.column * cell);
      if (piece.bar) {
        const height = (0.2 + 0.9 * piece.bar.bar) * fontSize;
        const bar =
          `<rect x="${round(x + 0.15 * cell)}" y="${round(baseline - height)}" ` +
          `width="${round(0.3 * fontSize)}" height="${round(height)}" rx="2" ` +
          `fill="${piece.bar.against ? AGAINST_BAR_COLOR : BAR_COLOR}"/>`;
        shapes.push(titled(bar, describeSentence(piece.bar)));
        continue;
      }
      if (piece.word) {
        const opacity = (piece.word.shades[view] * MAX_OPACITY).toFixed(3);
        const shade =
          `<rect x="${x}" y="${round(top + 0.2 * fontSize)}" width="${round(piece.width * cell)}" ` +
          `height="${round(lineHeight - 0.4 * fontSize)}" rx="3" ` +
          `fill="${piece.word.against ? AGAINST_COLOR : HIGHLIGHT_COLOR}" ` +
          `fill-opacity="${opacity}"/>`;
        shapes.push(titled(shade, describeWord(piece.text, piece.word)));
      }
      const look = piece.unread ? ` fill="${UNREAD_COLOR}" text-decoration="line-through"` : '';
      spans.push(`<tspan x="${x}"${look}>${escape(piece.text)}</tspan>`);
    }
    if (spans.length) texts.push(`<text y="${baseline}">${spans.join('')}</text>`);
  });

  const widest = lines.reduce(
    (max, line) => Math.max(max, line.length ? line.at(-1).column + line.at(-1).width : 0),
    columnWidth(heading),
  );
  const width = round(2 * padding + widest * cell);
  const height = round(2 * padding + (firstLine + lines.length) * lineHeight);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img">\n<title>${escape(heading)}</title>\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${shapes.join('\n')}\n` +
    `<g font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace" ` +
    `font-size="${fontSize}" fill="${TEXT_COLOR}">\n${texts.join('\n')}\n</g>\n</svg>\n`
  );
}

// The review as a flat list of what takes columns: words, other text, spaces, line breaks, and
// a bar before each sentence.
function tokens(text, prediction) {
  const list = [];
  const pushText = (piece, unread) => {
    for (const chunk of piece.split(/(\r\n|\n|\r|[ \t]+)/)) {
      if (/^[\r\n]/.test(chunk)) list.push({ newline: true });
      else if (/^[ \t]/.test(chunk)) list.push({ space: chunk.length });
      else if (chunk) list.push({ text: chunk, width: columnWidth(chunk), unread });
    }
  };
  for (const block of highlightLayout(text, prediction)) {
    if (!block.sentence) {
      pushText(block.text, block.unread);
      continue;
    }
    list.push({ bar: block.sentence, width: 1 });
    for (const part of block.parts) {
      if (part.word) list.push({ text: part.text, width: columnWidth(part.text), word: part.word });
      else pushText(part.text, false);
    }
  }
  return list;
}

// Greedy wrapping at spaces: what stands between two spaces (a word with its punctuation and
// sentence bar) stays on one line, as in CSS. Spaces that end a line are dropped.
function wrapLines(list, columns) {
  const lines = [[]];
  let column = 0;
  let group = [];
  const breakLine = () => {
    lines.push([]);
    column = 0;
  };
  const placeGroup = () => {
    const width = group.reduce((sum, token) => sum + token.width, 0);
    if (column > 0 && column + width > columns) breakLine();
    for (const token of group) {
      lines.at(-1).push({ ...token, column });
      column += token.width;
    }
    group = [];
  };
  for (const token of list) {
    if (token.newline || token.space) {
      placeGroup();
      if (token.newline || column + token.space > columns) breakLine();
      else column += token.space;
    } else {
      group.push(token);
    }
  }
  placeGroup();
  return lines;
}

// The columns a monospace font gives a string: CJK and emoji take two; combining marks,
// joiners, variation selectors and skin tones none.
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\p{Emoji_Modifier}]/u;
const DOUBLE_WIDTH =
  /[\p{Extended_Pictographic}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60]/u;

function columnWidth(text) {
  let width = 0;
  for (const char of text) width += ZERO_WIDTH.test(char) ? 0 : DOUBLE_WIDTH.test(char) ? 2 : 1;
  return width;
}

/**
 * The prediction in neat-vision's input format (one sample; its data file is an array of them):
 * the words, their attention (word weight × sentence weight), the true label's index (`label`
 * names it; the predicted label by default), the predicted label's index, the probabilities in
 * label order, and an id. Given an explanation, `attention` holds its method's word weights
 * (signed, for occlusion and the gradient methods) and a last field `method` names it.
 */
export function toNeatVision(prediction, options = {}) {
  const { id = 'sample_0', label = prediction.label } = options;
  const labels = Object.keys(prediction.probabilities);
  const indexOf = (name) => {
    const index = labels.indexOf(name);
    if (index < 0) {
      throw new TypeError(
        `toNeatVision: label must be one of ${labels.join(', ')}, got ${String(name)}`,
      );
    }
    return index;
  };
  const method = methodOf(prediction);
  // An explanation's word weight already is its attribution (for attention, word × sentence).
  const words = prediction.sentences.flatMap((s) =>
    s.words.map((w) => [w.text, method ? w.weight : w.weight * s.weight]),
  );
  const sample = {
    text: words.map(([word]) => word),
    label: indexOf(label),
    prediction: indexOf(prediction.label),
    posterior: labels.map((name) => prediction.probabilities[name]),
    attention: words.map(([, attention]) => attention),
    id: String(id),
  };
  if (method) sample.method = method;
  return sample;
}
