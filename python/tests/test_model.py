"""han.load / predict / predict_batch / probabilities / predict_ids / info, held to the native
CLI's JSON, to the PyTorch reference outputs of tests/fixtures, and to each other."""

import json
import subprocess
import threading
import time

import numpy as np
import pytest

import han
from conftest import BUNDLED_MODEL, FIXTURES

MODELS = sorted(FIXTURES.glob("*.han")) + [BUNDLED_MODEL]

TEXTS = [
    "A wonderful film. I loved it!",
    "Dull. I left early... Never again?",
    "Café naïve jalapeño — 日本語のテキスト. Emoji 🎬🍿 count as one code point each!",
    "alpha bravo charlie. delta echo! foxtrot golf hotel india? juliet",
    "",
    "   ",
    "One sentence without a final stop",
]


def cli_predictions(cli, model, texts, tmp_path):
    path = tmp_path / "texts.txt"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    out = subprocess.run([cli, "predict", "--lines", model, path], capture_output=True, check=True)
    return [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]


def code_points(text, byte_offset):
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8"))


@pytest.mark.parametrize("model_path", MODELS, ids=lambda p: p.name)
def test_predict_matches_the_cli(cli, model_path, tmp_path):
    model = han.load(model_path)
    expected = cli_predictions(cli, model_path, TEXTS, tmp_path)
    for text, want in zip(TEXTS, expected):
        got = model.predict(text)
        assert got["label"] == want["label"]
        assert got["truncated"] == want["truncated"]
        assert list(got["probabilities"]) == list(want["probabilities"])
        for label, p in want["probabilities"].items():
            assert got["probabilities"][label] == pytest.approx(p, rel=1e-6, abs=1e-7)
        assert len(got["sentences"]) == len(want["sentences"])
        for s, ws in zip(got["sentences"], want["sentences"]):
            assert (s["start"], s["end"]) == (code_points(text, ws["start"]), code_points(text, ws["end"]))
            assert text[s["start"]:s["end"]] == s["text"] == ws["text"]
            assert s["weight"] == pytest.approx(ws["weight"], rel=1e-6, abs=1e-7)
            assert [w["text"] for w in s["words"]] == [w["text"] for w in ws["words"]]
            for w, ww in zip(s["words"], ws["words"]):
                assert (w["start"], w["end"]) == (code_points(text, ww["start"]), code_points(text, ww["end"]))
                assert text[w["start"]:w["end"]] == w["text"]
                assert w["weight"] == pytest.approx(ww["weight"], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("model_path", sorted(FIXTURES.glob("*.han")), ids=lambda p: p.name)
def test_predict_ids_matches_pytorch(model_path):
    model = han.load(model_path)
    reference = json.loads(model_path.with_suffix(".expected.json").read_text())
    for case in reference["cases"]:
        got = model.predict(case["text"])
        assert [[w["id"] for w in s["words"]] for s in got["sentences"]] == case["ids"]
        out = model.predict_ids([np.array(ids, dtype=np.int32) for ids in case["ids"]])
        assert out["probabilities"].dtype == np.float32
        np.testing.assert_allclose(out["probabilities"], case["probabilities"], atol=1e-5)
        np.testing.assert_allclose(out["sentence_weights"], case["sentence_weights"], atol=1e-5)
        for weights, want in zip(out["word_weights"], case["word_weights"]):
            np.testing.assert_allclose(weights, want, atol=1e-5)
        np.testing.assert_allclose(list(got["probabilities"].values()), out["probabilities"], atol=1e-7)


def test_batch_and_probabilities_equal_one_at_a_time():
    model = han.load(BUNDLED_MODEL)
    texts = TEXTS * 5
    singles = [model.predict(t) for t in texts]
    for threads in (1, 3):
        assert model.predict_batch(texts, threads=threads) == singles
        probabilities = model.probabilities(texts, threads=threads)
        assert probabilities.shape == (len(texts), 2) and probabilities.dtype == np.float32
        np.testing.assert_array_equal(
            probabilities, np.array([list(p["probabilities"].values()) for p in singles], np.float32))
    assert model.predict_batch([]) == []
    assert model.probabilities([]).shape == (0, 2)


def test_offsets_index_the_python_string_with_lone_surrogates():
    model = han.load(BUNDLED_MODEL)
    text = "Great \ud800movie. Bad 🎬 acting\udfff here."
    p = model.predict(text)
    words = [w for s in p["sentences"] for w in s["words"]]
    assert [w["text"] for w in words] == ["Great", "movie", "Bad", "🎬", "acting", "here"]
    for w in words:
        assert text[w["start"]:w["end"]] == w["text"]


def test_predict_batch_releases_the_gil():
    model = han.load(BUNDLED_MODEL)
    texts = ["A long and winding review. " * 40] * 400
    span = {}

    def work():
        span["start"] = time.monotonic()
        model.predict_batch(texts, threads=1)
        span["end"] = time.monotonic()

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    worker.join()
    start, end = span["start"], span["end"]
    assert end - start > 0.2, "the batch is too short to tell"
    middle = [t for t in ticks if start + (end - start) / 4 < t < end - (end - start) / 4]
    # Holding the GIL, the batch would leave the main thread no tick at all in its middle.
    assert len(middle) > 2, "the main thread did not run while the batch was computed"


def test_info():
    info = han.load(BUNDLED_MODEL).info
    assert info["labels"] == ["negative", "positive"]
    assert info["vocabulary_size"] > 1000
    assert info["parameters"] > 0
    assert info["config"]["word_encoder"]["cell"] == "gru"
    assert isinstance(info["tokenizer"]["lowercase"], bool)
    assert isinstance(info["metadata"], dict)
    assert info["input_limits"]["max_words"] == han.DEFAULT_LIMITS["max_words"]
    assert info["compute"] == "float32"


def test_a_model_that_computes_in_int8_says_so_and_matches_the_cli(cli, tmp_path):
    path = tmp_path / "int8.han"
    subprocess.run([str(cli), "quantize", str(BUNDLED_MODEL), str(path), "--compute", "int8"],
                   check=True, capture_output=True)
    model = han.load(path)  # its golden cases, the native integer network's outputs, pass
    assert model.info["compute"] == "int8"
    expected = json.loads(subprocess.run([str(cli), "predict", str(path)], input=TEXTS[0],
                                         capture_output=True, text=True, check=True).stdout)
    got = model.predict(TEXTS[0])
    assert got["label"] == expected["label"]
    for label, p in expected["probabilities"].items():
        assert got["probabilities"][label] == pytest.approx(p, abs=1e-5)


def test_load_from_bytes_and_to_bytes_round_trip(tmp_path):
    data = BUNDLED_MODEL.read_bytes()
    model = han.load(data)
    again = han.load(memoryview(model.to_bytes())[::1])
    assert again.predict(TEXTS[0]) == model.predict(TEXTS[0])
    model.save(str(tmp_path / "copy.han"))
    assert han.load(tmp_path / "copy.han").predict(TEXTS[1]) == model.predict(TEXTS[1])


def test_input_limits_truncate():
    model = han.load(BUNDLED_MODEL, limits={"max_words": 3})
    p = model.predict("one two. three four five.")
    assert p["truncated"] is True
    assert sum(len(s["words"]) for s in p["sentences"]) == 3
    assert model.info["input_limits"]["max_words"] == 3


def test_errors_are_clear_and_leave_the_model_usable(tmp_path):
    model = han.load(BUNDLED_MODEL)
    with pytest.raises(han.ModelError, match="not a han model file"):
        han.load(b"not a model")
    corrupt = bytearray(BUNDLED_MODEL.read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF
    with pytest.raises(han.ModelError, match="checksum mismatch"):
        han.load(bytes(corrupt))
    with pytest.raises(han.ModelError, match="cannot open"):
        han.load(tmp_path / "missing.han")
    with pytest.raises(han.ModelError, match="more than the limit of 1000"):
        han.load(BUNDLED_MODEL, limits={"max_file_bytes": 1000})
    with pytest.raises(ValueError, match="unknown limit 'max_word'"):
        han.load(BUNDLED_MODEL, limits={"max_word": 3})
    with pytest.raises(ValueError, match="max_words must be an integer"):
        han.load(BUNDLED_MODEL, limits={"max_words": "3"})
    with pytest.raises(ValueError, match="max_sentences must be between 0 and"):
        han.load(BUNDLED_MODEL, limits={"max_sentences": -1})
    with pytest.raises(ValueError, match="max_vocabulary must be between 0 and"):
        han.load(BUNDLED_MODEL, limits={"max_vocabulary": 10**9})
    with pytest.raises(TypeError):
        han.load(42)
    with pytest.raises(TypeError):
        model.predict(b"bytes are not text")
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        model.predict_batch(["x"], threads=0)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.predict_ids([[2, 10**7]])
    with pytest.raises(ValueError, match="1-D"):
        model.predict_ids([[[2, 3]]])
    assert model.predict(TEXTS[0])["label"] == "positive"
