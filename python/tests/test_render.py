"""han.render: <han-highlight>'s markup and stylesheet as static HTML. No input ever becomes
markup: hostile text parses back to exactly its characters, inside the expected elements only."""

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import han
import han.render
from conftest import BUNDLED_MODEL, ROOT

HOSTILE = [
    "<script>alert(1)</script> A wonderful film.",
    'Great "><img src=x onerror=alert(1)> movie! </span></div><b>bold</b>',
    "Tom &amp; Jerry & friends &lt;3. It's 'quoted' and \"double\".",
    "<!-- comment --> ]]> <![CDATA[ x ]]> <style>*{display:none}</style> end.",
    "Control \x00\x01\x1f characters \ufffe and a lone \ud800 surrogate. Done!",
    "Plain text, no markup at all",
    "",
]
CLASSES = {"han-highlight", "han-review", "han-sentence", "han-bar", "han-word", "han-unread"}
ATTRIBUTES = {"class", "style", "title", "data-view", "role", "aria-label", "aria-hidden"}


class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.titles, self.depth = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.titles += [value for name, value in attrs if name == "title"]

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"a comment in the output: {data!r}")


def visible(text):
    return re.sub("[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "\ufffd", text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_becomes_markup(text):
    model = han.load(BUNDLED_MODEL)
    prediction = model.predict(text)
    fragment = han.render.highlight_html(text, prediction)
    parser = Collect()
    parser.feed(fragment)
    parser.close()
    assert "".join(parser.text) == visible(text)
    for tag, attrs in parser.tags:
        assert tag in ("div", "span")
        assert set(attrs) <= ATTRIBUTES
        assert attrs.get("class") in CLASSES
    words = [w for s in prediction["sentences"] for w in s["words"]]
    assert sum(attrs.get("class") == "han-word" for _, attrs in parser.tags) == len(words)
    word_titles = [t for t in parser.titles if t.startswith("“")]
    assert [t[1:t.index("”")] for t in word_titles] == [visible(w["text"]) for w in words]
    fragment.encode("utf-8")  # lone surrogates are gone


def test_shades_and_titles_carry_the_weights():
    model = han.load(BUNDLED_MODEL)
    text = "A wonderful film. The plot was dull!"
    p = model.predict(text)
    fragment = han.render.highlight_html(text, p, view="word")
    assert fragment.startswith('<div class="han-highlight" data-view="word">')
    top = max(w["weight"] for s in p["sentences"] for w in s["words"])
    for s in p["sentences"]:
        for w in s["words"]:
            assert f'--han-shade-word:{w["weight"] / top:.4f};' in fragment
            assert f"word weight {w['weight']:.4f} × sentence weight {s['weight']:.4f}" in fragment
    assert fragment.count("--han-shade-word:1.0000;") >= 1
    with pytest.raises(ValueError, match="view must be one of"):
        han.render.highlight_html(text, p, view="bold")


def test_truncated_text_is_marked_unread():
    model = han.load(BUNDLED_MODEL, limits={"max_words": 2})
    text = "One two three <four>."
    fragment = han.render.highlight_html(text, model.predict(text))
    assert '<span class="han-unread" title="not read:' in fragment
    assert fragment.endswith(" three &lt;four&gt;.</span></div></div>")


def test_the_stylesheet_is_the_packages():
    script = "import('./web/src/render.js').then((m) => process.stdout.write(m.STYLES))"
    styles = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    assert han.render.STYLESHEET == styles


def test_the_fragments_are_the_packages_highlight_html():
    """The npm package's highlightHTML (web/src/export.js) gives the same string."""
    model = han.load(BUNDLED_MODEL)
    texts = [t for t in HOSTILE if "\ud800" not in t] + ["Café naïve 🎬 — 日本語. Done!"]
    cases = []
    for text in texts:
        p = model.predict(text)

        def utf16(index):
            return len(text[:index].encode("utf-16-le")) // 2

        for span in [*p["sentences"], *(w for s in p["sentences"] for w in s["words"])]:
            span["start"], span["end"] = utf16(span["start"]), utf16(span["end"])
        html = han.render.highlight_html(text, model.predict(text))
        cases.append({"text": text, "prediction": p, "html": html})
    script = """
import { highlightHTML } from './web/src/export.js';
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map((c) => highlightHTML(c.text, c.prediction))));
});
"""
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT,
                            input=json.dumps(cases), capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [c["html"] for c in cases]
