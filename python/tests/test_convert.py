"""han.convert in the same process as PyTorch: a HAN built with nn.GRU / nn.LSTM, its
state_dict exported to safetensors bytes, converted, and held to PyTorch's own outputs."""

import json
import sys
import warnings

import numpy as np
import pytest

import han
from conftest import FIXTURES, ROOT

import torch  # noqa: E402  (Debian's python3-torch; scripts/test.sh installs it)
from torch import nn  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from safetensors_file import save_state_dict  # noqa: E402

WORDS = ["<pad>", "<unk>", "good", "bad", "film", "plot", "actors", "great", "boring", "i", "it"]
TEXTS = ["Good film. Great actors!", "Bad plot, boring. I left it.", "Unknown words only here",
         "film"]


class Attention(nn.Module):
    def __init__(self, input_dim, units):
        super().__init__()
        self.projection = nn.Linear(input_dim, units)
        self.context = nn.Parameter(torch.empty(units).uniform_(-1, 1))

    def forward(self, h):
        alpha = torch.softmax(torch.tanh(self.projection(h)) @ self.context, dim=0)
        return alpha @ h, alpha


class Han(nn.Module):
    def __init__(self, cell):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.embedding = nn.Embedding(len(WORDS), 6)
        self.word_encoder = rnn(6, 5, batch_first=True, bidirectional=True)
        self.word_attention = Attention(10, 7)
        self.sentence_encoder = rnn(10, 4, batch_first=True, bidirectional=True)
        self.sentence_attention = Attention(8, 3)
        self.output = nn.Linear(8, 2)

    def forward(self, doc):
        vectors, word_weights = [], []
        for ids in doc:
            h = self.word_encoder(self.embedding(torch.tensor(ids)).unsqueeze(0))[0][0]
            pooled, alpha = self.word_attention(h)
            vectors.append(pooled)
            word_weights.append(alpha)
        states = self.sentence_encoder(torch.stack(vectors).unsqueeze(0))[0][0]
        document, beta = self.sentence_attention(states)
        return torch.softmax(self.output(document), 0), beta, word_weights


def config(cell):
    encoder = {"cell": cell, "units": 5, "bidirectional": True}
    return {"convention": "pytorch", "embedding_dim": 6,
            "word_encoder": encoder, "word_attention": {"units": 7, "use_bias": True},
            "sentence_encoder": dict(encoder, units=4),
            "sentence_attention": {"units": 3, "use_bias": True},
            "labels": ["negative", "positive"], "vocabulary": WORDS}


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_pytorch_round_trip_in_process(cell, tmp_path):
    torch.manual_seed(7)
    module = Han(cell).eval()
    weights = tmp_path / "han.safetensors"
    save_state_dict(module.state_dict(), str(weights))

    model = han.convert(weights.read_bytes(), config(cell))
    for text in TEXTS:
        p = model.predict(text)
        ids = [[w["id"] for w in s["words"]] for s in p["sentences"]]
        for s in p["sentences"]:
            for w in s["words"]:
                assert WORDS[w["id"]] == w["text"].lower() or w["id"] == 1
        with torch.no_grad():
            probabilities, beta, alphas = module(ids)
        np.testing.assert_allclose(list(p["probabilities"].values()), probabilities.numpy(), atol=1e-5)
        np.testing.assert_allclose([s["weight"] for s in p["sentences"]], beta.numpy(), atol=1e-5)
        for s, alpha in zip(p["sentences"], alphas):
            np.testing.assert_allclose([w["weight"] for w in s["words"]], alpha.numpy(), atol=1e-5)

    # The converted model is a model file like any other, golden cases included.
    model.save(str(tmp_path / "han.han"))
    assert han.load(tmp_path / "han.han").predict(TEXTS[0]) == model.predict(TEXTS[0])


def test_convert_checks_against_the_reference_and_reports_problems(tmp_path):
    directory = FIXTURES / "convert"
    model = han.convert(directory / "torch_gru.safetensors", directory / "torch_gru.json",
                        check=directory / "torch_gru.expected.json")
    reference = json.loads((directory / "torch_gru.expected.json").read_text())
    case = reference["cases"][0]
    assert list(model.predict(case["text"])["probabilities"].values()) == pytest.approx(
        case["probabilities"], abs=1e-5)

    wrong = dict(reference, cases=[dict(case, probabilities=[0.5, 0.5])])
    with pytest.raises(han.ModelError, match="check: case 1: probability of"):
        han.convert(directory / "torch_gru.safetensors", directory / "torch_gru.json", check=wrong)
    with pytest.raises(han.ModelError, match="not a safetensors file"):
        han.convert(b"12345678", directory / "torch_gru.json")
    bad = json.loads((directory / "torch_gru.json").read_text())
    bad["word_encoder"]["units"] = 6
    with pytest.raises(han.ModelError, match="expected"):
        han.convert(directory / "torch_gru.safetensors", bad)
    with pytest.raises(han.ModelError, match="cannot read configuration"):
        han.convert(directory / "torch_gru.safetensors", tmp_path / "missing.json")


def test_convert_warns_about_unreachable_words(tmp_path):
    torch.manual_seed(1)
    module = Han("gru")
    weights = tmp_path / "han.safetensors"
    save_state_dict(module.state_dict(), str(weights))
    words = WORDS[:-1] + ["two words"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        han.convert(weights, dict(config("gru"), vocabulary=words))
    assert any("never produced by the tokenizer" in str(w.message) for w in caught)
