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
    # Weights that are exact rounding ties (1/32, 3/32): toFixed rounds them half up.
    tie = {"label": "a", "probabilities": {"a": 1.0}, "truncated": True, "sentences": [
        {"text": "Go <b>now</b>!", "start": 0, "end": 14, "weight": 1.0, "words": [
            {"text": "Go", "start": 0, "end": 2, "weight": 0.90625, "id": 2},
            {"text": "b", "start": 4, "end": 5, "weight": 0.09375, "id": 3}]}]}
    text = "Go <b>now</b>! x"
    cases.append({"text": text, "prediction": tie, "html": han.render.highlight_html(text, tie)})
    assert "word weight 0.0938 ×" in cases[-1]["html"]
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


def test_the_cli_writes_the_same_fragments(cli, tmp_path):
    lines = [t for t in HOSTILE if "\ud800" not in t and t]
    raw = "\n".join(lines).encode("utf-8") + b"\nBad \xff\xfe bytes \xed\xa0\x80 here.\n"
    (tmp_path / "in.txt").write_bytes(raw)
    result = subprocess.run([cli, "render", BUNDLED_MODEL, tmp_path / "in.txt", "--out",
                             tmp_path / "site", "--view", "word"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {len(lines) + 1} fragments and han-highlight.css to {tmp_path / 'site'}\n"
    assert (tmp_path / "site" / "han-highlight.css").read_text(encoding="utf-8") == han.render.STYLESHEET
    model = han.load(BUNDLED_MODEL)
    texts = raw.decode("utf-8", "replace").split("\n")[:-1]
    for number, text in enumerate(texts, start=1):
        fragment = (tmp_path / "site" / f"{number}.html").read_text(encoding="utf-8")
        assert fragment == han.render.highlight_html(text, model.predict(text), view="word")


def test_the_cli_reports_bad_invocations(cli, tmp_path):
    (tmp_path / "in.txt").write_text("x\n")
    cases = [
        ([BUNDLED_MODEL, tmp_path / "in.txt"], 2, "han render: --out DIR is required"),
        ([BUNDLED_MODEL, tmp_path / "in.txt", "--out", tmp_path / "o", "--view", "x"], 2,
         "han render: --view must be combined, word or sentence"),
        ([BUNDLED_MODEL, tmp_path / "none.txt", "--out", tmp_path / "o"], 1,
         "han: error: cannot open input file"),
        ([tmp_path / "in.txt", tmp_path / "in.txt", "--out", tmp_path / "o"], 1, "han: error: "),
    ]
    for argv, code, message in cases:
        result = subprocess.run([cli, "render", *argv], capture_output=True, text=True)
        assert result.returncode == code and result.stderr.startswith(message), result.stderr
        assert result.stderr.count("\n") == 1
