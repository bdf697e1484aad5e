"""model.explain: every attribution method held to `han explain`'s JSON (the same core, through the
CLI), integrated gradients to its completeness, and the comprehensiveness it reports to a
prediction of the document with those words erased."""

import json
import subprocess

import numpy as np
import pytest

import han
from conftest import BUNDLED_MODEL, FIXTURES

MODELS = sorted(FIXTURES.glob("*.han")) + [BUNDLED_MODEL]
METHODS = ["attention", "word-attention", "sentence-attention", "occlusion", "gradient-input",
           "integrated-gradients"]
TEXTS = [
    "A wonderful film. I loved it!",
    "Dull and far too long. The cast tries, but the script gives them nothing to do.",
    "Café naïve — 日本語. Emoji 🎬 count as one code point each!",
    "",
]


def cli_explanations(cli, model, method, texts, tmp_path):
    path = tmp_path / "texts.txt"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    out = subprocess.run([cli, "explain", "--lines", "--method", method, model, path],
                         capture_output=True, check=True)
    return [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]


# The module and the CLI may be built for different CPUs (scripts/test.sh: SSE2 and AVX), so their
# float32 sums round differently. Occlusion and the gradients are differences of probabilities
# near 1, where one rounding is 1.2e-7: their bound is absolute, a few such steps.
PROBABILITY_STEPS = 1e-6


def word_weights(explanation):
    return [w["weight"] for s in explanation["sentences"] for w in s["words"]]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("model_path", MODELS, ids=lambda p: p.name)
def test_explain_matches_the_cli(cli, model_path, method, tmp_path):
    model = han.load(model_path)
    for text, want in zip(TEXTS, cli_explanations(cli, model_path, method, TEXTS, tmp_path)):
        got = model.explain(text, method=method)
        assert got["method"] == want["method"] == method
        assert got["label"] == want["label"]
        assert [s["text"] for s in got["sentences"]] == [s["text"] for s in want["sentences"]]
        for s in got["sentences"]:
            assert text[s["start"]:s["end"]] == s["text"]
            for w in s["words"]:
                assert text[w["start"]:w["end"]] == w["text"]
        assert [s["weight"] for s in got["sentences"]] == pytest.approx(
            [s["weight"] for s in want["sentences"]], rel=1e-6, abs=PROBABILITY_STEPS)
        assert word_weights(got) == pytest.approx(word_weights(want), rel=1e-6,
                                                  abs=PROBABILITY_STEPS)
        if method == "integrated-gradients":
            for key in ("steps", "baseline_probability", "completeness_error"):
                assert got["integrated_gradients"][key] == pytest.approx(
                    want["integrated_gradients"][key], rel=1e-6, abs=PROBABILITY_STEPS)
        else:
            assert "integrated_gradients" not in got


def test_attention_is_word_weight_times_sentence_weight():
    model = han.load(BUNDLED_MODEL)
    text = TEXTS[1]
    predicted, explained = model.predict(text), model.explain(text)
    for ps, es in zip(predicted["sentences"], explained["sentences"]):
        assert es["weight"] == pytest.approx(ps["weight"])
        for pw, ew in zip(ps["words"], es["words"]):
            assert ew["weight"] == pytest.approx(pw["weight"] * ps["weight"], rel=1e-6)


def test_integrated_gradients_are_complete_to_the_error_they_report():
    model = han.load(BUNDLED_MODEL)
    e = model.explain(TEXTS[1], method="integrated-gradients", steps=50)
    ig = e["integrated_gradients"]
    assert ig["steps"] == 50
    gap = e["probabilities"][e["label"]] - ig["baseline_probability"]
    assert abs(sum(word_weights(e)) - gap) == pytest.approx(ig["completeness_error"], abs=1e-5)
    assert ig["completeness_error"] < 0.05 * max(abs(gap), 1e-3)


@pytest.mark.parametrize("method", ["attention", "occlusion"])
def test_comprehensiveness_is_the_drop_when_the_top_words_are_erased(method):
    model = han.load(BUNDLED_MODEL)
    text = TEXTS[1]
    e = model.explain(text, method=method, top_words=3)
    removal = e["comprehensiveness"]
    assert removal["words"] == 3
    # Erase the three highest weighted words (ties in reading order) and predict on the ids.
    ids = [[w["id"] for w in s["words"]] for s in e["sentences"]]
    ranked = sorted(((-w["weight"], si, wi) for si, s in enumerate(e["sentences"])
                     for wi, w in enumerate(s["words"])))
    for _, si, wi in ranked[:3]:
        ids[si][wi] = 0
    without = model.predict_ids([np.array(s) for s in ids if any(s)])["probabilities"]
    labels = model.info["labels"]
    y = labels.index(e["label"])
    assert removal["change"] == pytest.approx(e["probabilities"][e["label"]] - without[y], abs=1e-6)
    assert removal["label"] == labels[int(np.argmax(without))]
    assert "comprehensiveness" not in model.explain(text, method=method)


def test_explain_of_empty_text_has_no_words():
    e = han.load(BUNDLED_MODEL).explain("", method="occlusion", top_words=3)
    assert e["sentences"] == [] and e["comprehensiveness"]["words"] == 0
    assert e["comprehensiveness"]["change"] == 0


def test_bad_arguments_are_value_errors_and_the_model_still_works():
    model = han.load(BUNDLED_MODEL)
    with pytest.raises(ValueError, match="integrated-gradients"):
        model.explain("Fine.", method="saliency")
    with pytest.raises(ValueError, match="steps"):
        model.explain("Fine.", method="integrated-gradients", steps=0)
    with pytest.raises(ValueError, match="top_words"):
        model.explain("Fine.", top_words=-1)
    with pytest.raises(TypeError):
        model.explain(42)
    with pytest.raises(TypeError):
        model.explain("Fine.", "occlusion")  # method is keyword-only
    assert model.explain("Fine.", method="occlusion")["method"] == "occlusion"
