"""The highlighted review as static HTML: the markup of the npm package's <han-highlight>
(web/src/render.js), without its script, for static sites. Words carry their exact weights in
`title`; STYLESHEET (render.js's stylesheet, character for character; the tests hold it to it)
styles them. Every piece of the text is escaped: nothing in the input becomes markup.

    fragment = han.render.highlight_html(text, model.predict(text))
"""

import re
from decimal import ROUND_HALF_UP, Decimal

_FOUR_PLACES = Decimal("0.0001")

HIGHLIGHT_COLOR = "#ff9900"
BAR_COLOR = "#9a4a00"
# Words and bars that speak against the label (signed attributions), as highlight.js colours them.
AGAINST_COLOR = "#5b9bff"
AGAINST_BAR_COLOR = "#1d4f91"
MAX_OPACITY = 0.85
VIEWS = ("word", "sentence", "combined")
UNREAD_TITLE = "not read: the model’s length limits cut the text here"

STYLESHEET = f"""
.han-highlight {{ position: relative; }}
.han-review {{ white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; }}
.han-word {{
  --han-shade: var(--han-shade-combined);
  background-color: color-mix(in srgb, var(--han-highlight, {HIGHLIGHT_COLOR})
    calc(var(--han-shade) * {MAX_OPACITY * 100:g}%), transparent);
  border-radius: 0.2em;
  padding-block: 0.1em;
  cursor: default;
}}
[data-view='word'] .han-word {{ --han-shade: var(--han-shade-word); }}
[data-view='sentence'] .han-word {{ --han-shade: var(--han-shade-sentence); }}
.han-word.han-against {{
  background-color: color-mix(in srgb, var(--han-against, {AGAINST_COLOR})
    calc(var(--han-shade) * {MAX_OPACITY * 100:g}%), transparent);
}}
.han-word:hover {{ outline: 1px dashed currentColor; }}
.han-word:focus-visible {{ outline: 2px solid currentColor; outline-offset: 1px; }}
.han-bar, .han-legend-bar {{
  display: inline-block;
  width: 0.3em;
  height: calc(0.2em + var(--han-bar) * 0.9em);
  margin-inline-end: 0.3em;
  border-radius: 0.15em;
  background: var(--han-bar-color, {BAR_COLOR});
}}
.han-bar.han-against, .han-legend-bar.han-against {{
  background: var(--han-against-bar-color, {AGAINST_BAR_COLOR});
}}
.han-unread {{ color: #5c5c5c; text-decoration: line-through; }}
.han-tip {{
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
}}
.han-tip[hidden] {{ display: none; }}
{",{}".format(chr(10)).join(f".han-highlight:not([data-view='{v}']) [data-legend='{v}']" for v in VIEWS)} {{
  display: none;
}}
.han-legend {{
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.4em 1.2em;
  margin-block-end: 0.8em;
  font-size: 0.875em;
}}
.han-legend-scale {{
  display: inline-block;
  width: 6em;
  height: 0.9em;
  margin-inline: 0.4em;
  vertical-align: -0.1em;
  border: 1px solid #767676;
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-highlight, {HIGHLIGHT_COLOR}) {MAX_OPACITY * 100:g}%, transparent));
}}
.han-legend-scale.han-against {{
  background: linear-gradient(to right, transparent,
    color-mix(in srgb, var(--han-against, {AGAINST_COLOR}) {MAX_OPACITY * 100:g}%, transparent));
}}
@media (prefers-reduced-motion: no-preference) {{
  .han-word {{ transition: background-color 0.15s; }}
}}
/* High-contrast modes would drop the shading: keep it, on white, with black text. */
@media (forced-colors: active) {{
  .han-word, .han-bar, .han-legend-bar, .han-legend-scale {{ forced-color-adjust: none; }}
  .han-word {{
    color: #000;
    background-color: color-mix(in srgb, var(--han-highlight, {HIGHLIGHT_COLOR})
      calc(var(--han-shade) * {MAX_OPACITY * 100:g}%), #fff);
  }}
  .han-word.han-against {{
    background-color: color-mix(in srgb, var(--han-against, {AGAINST_COLOR})
      calc(var(--han-shade) * {MAX_OPACITY * 100:g}%), #fff);
  }}
}}
"""

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
# Characters XML 1.0 forbids and lone surrogates (which UTF-8 cannot encode) become U+FFFD.
_NOT_XML = re.compile("[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL = re.compile("[&<>\"']")


def escape(text):
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], _NOT_XML.sub("\ufffd", text))


def _share(value, largest):
    return value / largest if largest > 0 else 0.0


def _fixed(value):
    """JavaScript's toFixed(4): the exact binary value rounded half up (format() rounds half to
    even, which differs on exact ties such as 1/32)."""
    return str(Decimal(value).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP))


def highlight_html(text, prediction, view="combined"):
    """The fragment for `text` and its prediction (model.predict(text)): a div.han-highlight
    holding the review, each sentence after a bar for its weight, each word shaded."""
    if view not in VIEWS:
        raise ValueError(f"highlight_html: view must be one of {', '.join(VIEWS)}, got {view!r}")
    sentences = prediction["sentences"]
    max_sentence = max((s["weight"] for s in sentences), default=0.0)
    max_word = max((w["weight"] for s in sentences for w in s["words"]), default=0.0)
    max_combined = max((w["weight"] * s["weight"] for s in sentences for w in s["words"]),
                       default=0.0)
    out = [f'<div class="han-highlight" data-view="{view}">'
           '<div class="han-review" role="group" aria-label="Review shaded by attention">']
    cursor = 0
    for index, sentence in enumerate(sentences):
        if sentence["start"] > cursor:
            out.append(escape(text[cursor:sentence["start"]]))
        out.append(f'<span class="han-sentence"><span class="han-bar" style="--han-bar:'
                   f'{_fixed(_share(sentence["weight"], max_sentence))}" title="sentence '
                   f'{index + 1}: weight {_fixed(sentence["weight"])}" aria-hidden="true"></span>')
        inner = sentence["start"]
        for word in sentence["words"]:
            if word["start"] > inner:
                out.append(escape(text[inner:word["start"]]))
            combined = word["weight"] * sentence["weight"]
            part = text[word["start"]:word["end"]]
            shades = (_share(word["weight"], max_word), _share(sentence["weight"], max_sentence),
                      _share(combined, max_combined))
            title = (f"“{part}”: word weight {_fixed(word['weight'])} × sentence weight "
                     f"{_fixed(sentence['weight'])} = {_fixed(combined)} of the attention")
            out.append(f'<span class="han-word" style="--han-shade-word:{_fixed(shades[0])};'
                       f'--han-shade-sentence:{_fixed(shades[1])};--han-shade-combined:'
                       f'{_fixed(shades[2])}" title="{escape(title)}">{escape(part)}</span>')
            inner = word["end"]
        if sentence["end"] > inner:
            out.append(escape(text[inner:sentence["end"]]))
        out.append("</span>")
        cursor = sentence["end"]
    if cursor < len(text):
        rest = escape(text[cursor:])
        out.append(f'<span class="han-unread" title="{UNREAD_TITLE}">{rest}</span>'
                   if prediction["truncated"] else rest)
    out.append("</div></div>")
    return "".join(out)
