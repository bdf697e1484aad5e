#!/usr/bin/python3
"""Fixtures for `han convert`: HANs as PyTorch and Keras save them, with their frameworks'
outputs, written to tests/fixtures/convert/.

    /usr/bin/python3 tests/reference/make_convert_fixtures.py [--han build/han]

PyTorch (the round trip): two nn.Module HANs (nn.Embedding, nn.GRU / nn.LSTM, an attention
module, nn.Linear) are trained for a few Adam steps on a toy task, their state_dicts exported to
safetensors by hand (scripts/safetensors_file.py), and PyTorch's own outputs on a few texts
(probabilities, sentence and word attention, in float64 on the trained float32 weights) stored
as <name>.expected.json. `torch_gru` uses the converter's default names; `torch_lstm_renamed`
has its own module names, sits inside a wrapper module ("han." prefix), stores its context
vectors as nn.Linear(units, 1, bias=False) and is exported in float64.

Keras: two HANs are written by h5py exactly as Keras lays out an .h5 (there is no TensorFlow
here): `keras_docla` as keras-han-for-docla saves under Keras 2.2 (model.save: model_config,
model_weights/, an Embedding inside the TimeDistributed word encoder, Keras 2 GRUs with
reset_after=false and hard_sigmoid, W + context_vector attention) and `keras_tf2` as tf.keras
save_weights writes (no model_config, "gru_cell/" levels, GRU with reset_after=true, LSTM,
square W + b + u attention). scripts/keras_h5_to_safetensors.py turns each into safetensors plus
a configuration; the script checks the helper's tensors against the weights it wrote. Keras's
outputs come from the hand-written Keras cells of make_fixtures.py (checked there against
nn.GRU / nn.LSTM where they overlap), in float64.

With --han, every fixture is converted with `han convert --check`, which fails unless the C++
core reproduces the framework's outputs within 1e-5. CI runs the same (tests/cli_test.sh,
tests/convert_test.cpp) on the committed files, without PyTorch or h5py.
"""

import argparse
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import keras_h5_to_safetensors  # noqa: E402
from make_fixtures import (EMBEDDING_DIM, VOCAB, WORDS, KerasGruCell, KerasLstmCell,  # noqa: E402
                           Weights, make_texts, merge, random_text, to_ids)
from safetensors_file import read_safetensors, save_state_dict  # noqa: E402

OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "convert")
TOLERANCE = 1e-5
F64 = torch.float64


def write_expected(name, texts, forward):
    """forward(ids) -> (probabilities, sentence weights, word weights) as float64 lists."""
    cases = []
    for text in texts:
        ids = to_ids(text)
        probabilities, sentence_weights, word_weights = forward(ids)
        cases.append({"text": text, "ids": ids, "probabilities": probabilities,
                      "sentence_weights": sentence_weights, "word_weights": word_weights})
    with open(os.path.join(OUT_DIR, name + ".expected.json"), "w") as f:
        f.write('{"variant": %s, "tolerance": %s, "cases": [\n%s\n]}\n'
                % (json.dumps(name), TOLERANCE, ",\n".join(json.dumps(c) for c in cases)))


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


# ----------------------------------------------------------------------------------------------
# PyTorch.

class Attention(nn.Module):
    """u = tanh(h W + b), alpha = softmax(u · c), pooled = sum_t alpha_t h_t. The projection is
    an nn.Linear; the context a parameter, or (query=True) an nn.Linear(units, 1, bias=False)."""

    def __init__(self, input_dim, units, bias, names, query=False):
        super().__init__()
        self.names = names
        setattr(self, names[0], nn.Linear(input_dim, units, bias=bias))
        if query:
            setattr(self, names[1], nn.Linear(units, 1, bias=False))
        else:
            setattr(self, names[1], nn.Parameter(torch.empty(units).uniform_(-1, 1)))

    def forward(self, h):
        u = torch.tanh(getattr(self, self.names[0])(h))
        context = getattr(self, self.names[1])
        scores = context(u).squeeze(-1) if isinstance(context, nn.Linear) else u @ context
        alpha = torch.softmax(scores, dim=0)
        return alpha @ h, alpha


class TorchHan(nn.Module):
    """A HAN on one ragged document: a list of sentences of word ids."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        n = spec["names"]
        setattr(self, n["embedding"], nn.Embedding(len(VOCAB), EMBEDDING_DIM, padding_idx=0))
        input_dim = EMBEDDING_DIM
        for level in ("word", "sentence"):
            cell, units, bi = spec[level]
            rnn = (nn.GRU if cell == "gru" else nn.LSTM)(input_dim, units, batch_first=True,
                                                          bidirectional=bi)
            setattr(self, n[level + "_encoder"], rnn)
            input_dim = units * (2 if bi else 1)
            units, bias, query = spec[level + "_attention"]
            setattr(self, n[level + "_attention"],
                    Attention(input_dim, units, bias, n["attention_parts"], query))
        setattr(self, n["output"], nn.Linear(input_dim, len(spec["labels"])))

    def part(self, name):
        return getattr(self, self.spec["names"][name])

    def forward(self, doc):
        sentence_vectors, word_weights = [], []
        for ids in doc:
            x = self.part("embedding")(torch.tensor(ids, dtype=torch.long)).unsqueeze(0)
            pooled, alpha = self.part("word_attention")(self.part("word_encoder")(x)[0][0])
            sentence_vectors.append(pooled)
            word_weights.append(alpha)
        states = self.part("sentence_encoder")(torch.stack(sentence_vectors).unsqueeze(0))[0][0]
        document, beta = self.part("sentence_attention")(states)
        logits = self.part("output")(document)
        return logits, beta, word_weights


def probabilities(spec, logits):
    return torch.softmax(logits, 0) if spec["output"] == "softmax" else torch.sigmoid(logits)


TORCH_VARIANTS = {
    # Default names of the converter; GRUs at both levels; two labels, softmax.
    "torch_gru": dict(
        word=("gru", 5, True), word_attention=(7, True, False),
        sentence=("gru", 4, True), sentence_attention=(3, True, False),
        output="softmax", labels=["negative", "positive"], wrapper=None, dtype=torch.float32,
        names={"embedding": "embedding", "word_encoder": "word_encoder",
               "word_attention": "word_attention", "sentence_encoder": "sentence_encoder",
               "sentence_attention": "sentence_attention", "output": "output",
               "attention_parts": ("projection", "context")}),
    # Its own module names inside a wrapper, an LSTM word encoder, a one-direction GRU sentence
    # encoder, no bias in the sentence attention, three independent (sigmoid) labels, float64.
    "torch_lstm_renamed": dict(
        word=("lstm", 4, True), word_attention=(6, True, True),
        sentence=("gru", 5, False), sentence_attention=(4, False, True),
        output="sigmoid", labels=["alpha", "bravo", "charlie"], wrapper="han",
        dtype=torch.float64,
        names={"embedding": "embed", "word_encoder": "word_rnn", "word_attention": "word_att",
               "sentence_encoder": "sent_rnn", "sentence_attention": "sent_att",
               "output": "classifier", "attention_parts": ("proj", "query")}),
}


def toy_data(rng, spec, count):
    """Random documents and labels a HAN can learn: softmax -- are there more words from the
    first half of the alphabet words than from the second; sigmoid -- is label k's word there."""
    data = []
    for _ in range(count):
        text = random_text(rng, rng.randint(1, 4), 6)
        words = [w for s in text.replace("!", ".").replace("?", ".").split(".") for w in s.split()]
        if spec["output"] == "softmax":
            first = sum(w in WORDS[:13] for w in words)
            target = torch.tensor(int(first > len(words) - first))
        else:
            target = torch.tensor([float(label in words) for label in spec["labels"]])
        data.append((to_ids(text), target))
    return data


def loss_of(spec, model, data):
    total = 0
    for ids, target in data:
        logits = model(ids)[0]
        if spec["output"] == "softmax":
            total = total + nn.functional.cross_entropy(logits.unsqueeze(0), target.unsqueeze(0))
        else:
            total = total + nn.functional.binary_cross_entropy_with_logits(logits, target)
    return total / len(data)


def make_torch_fixture(name, spec, seed):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    han = TorchHan(spec)
    data = toy_data(rng, spec, 64)
    optimizer = torch.optim.Adam(han.parameters(), lr=0.01)
    with torch.no_grad():
        initial = loss_of(spec, han, data).item()
    for epoch in range(3):
        for start in range(0, len(data), 8):
            optimizer.zero_grad()
            loss_of(spec, han, data[start:start + 8]).backward()
            optimizer.step()
    with torch.no_grad():
        trained = loss_of(spec, han, data).item()
    assert trained < initial, (name, initial, trained)
    print("%-20s trained 24 Adam steps: loss %.4f -> %.4f" % (name, initial, trained))

    module = han
    if spec["wrapper"]:
        module = nn.Module()
        setattr(module, spec["wrapper"], han)
    exported = copy.deepcopy(module).to(spec["dtype"])
    save_state_dict(exported.state_dict(), os.path.join(OUT_DIR, name + ".safetensors"),
                    {"source": "tests/reference/make_convert_fixtures.py"})

    reference = copy.deepcopy(han).to(F64)  # the trained float32 weights, run in float64

    def forward(ids):
        with torch.no_grad():
            logits, beta, alphas = reference(ids)
            logits32 = han(ids)[0]
        p = probabilities(spec, logits)
        assert torch.allclose(p.float(), probabilities(spec, logits32), atol=1e-6)
        return p.tolist(), beta.tolist(), [a.tolist() for a in alphas]

    write_expected(name, make_texts(seed), forward)

    n = spec["names"]
    config = {"convention": "pytorch", "embedding_dim": EMBEDDING_DIM}
    for level in ("word", "sentence"):
        cell, units, bi = spec[level]
        config[level + "_encoder"] = {"cell": cell, "units": units, "bidirectional": bi}
        units, bias, _ = spec[level + "_attention"]
        config[level + "_attention"] = {"units": units, "use_bias": bias}
    config["output"] = {"activation": spec["output"]}
    config["labels"] = spec["labels"]
    if name == "torch_gru":
        config["vocabulary"] = VOCAB
    else:
        with open(os.path.join(OUT_DIR, name + ".vocab.txt"), "w", newline="\n") as f:
            f.write("".join(w + "\n" for w in VOCAB))
        config["vocabulary_file"] = name + ".vocab.txt"
        config["prefix"] = spec["wrapper"] + "."
        proj, query = n["attention_parts"]
        config["names"] = {"embedding": n["embedding"], "word_encoder": n["word_encoder"],
                           "word_attention.projection": n["word_attention"] + "." + proj,
                           "word_attention.context": n["word_attention"] + "." + query + ".weight",
                           "sentence_encoder": n["sentence_encoder"],
                           "sentence_attention.projection": n["sentence_attention"] + "." + proj,
                           "sentence_attention.context":
                               n["sentence_attention"] + "." + query + ".weight",
                           "output": n["output"]}
        config["golden_texts"] = ["alpha bravo. charlie!", "delta echo foxtrot golf."]
    config["metadata"] = {"name": name, "source": "tests/reference/make_convert_fixtures.py"}
    write_json(os.path.join(OUT_DIR, name + ".json"), config)


# ----------------------------------------------------------------------------------------------
# Keras, as h5py writes it in Keras's layout.

def untracked_group(parent, name):
    """A group without modification times, so that the file is the same on every run."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def write_weight(group, path, value):
    """The dataset at path (levels separated by "/"), as Keras's create_dataset(name) makes."""
    *levels, leaf = path.split("/")
    for level in levels:
        group = group[level] if level in group else untracked_group(group, level)
    group.create_dataset(leaf, data=value, track_times=False)


def write_keras_h5(path, layers, model_config, keras_version):
    """layers: [(layer name, [(weight name, array)])]; model_config None means save_weights."""
    with h5py.File(path, "w", libver="earliest") as f:
        root = f
        if model_config is not None:
            f.attrs["model_config"] = json.dumps(model_config).encode("utf-8")
            root = untracked_group(f, "model_weights")
        f.attrs["keras_version"] = keras_version.encode("utf-8")
        f.attrs["backend"] = b"tensorflow"
        root.attrs["layer_names"] = [name.encode("utf-8") for name, _ in layers]
        for name, weights in layers:
            g = untracked_group(root, name)
            g.attrs["weight_names"] = [w.encode("utf-8") for w, _ in weights]
            for weight_name, value in weights:
                write_weight(g, weight_name, value)
        if model_config is not None:  # model.save also keeps the optimizer's state
            opt = untracked_group(f, "optimizer_weights")
            opt.attrs["weight_names"] = [b"Adam/iterations:0"]
            write_weight(opt, "Adam/iterations:0", np.array(24, dtype=np.int64))


def keras_layer_config(name, class_name, config, **extra):
    return dict({"name": name, "class_name": class_name,
                 "config": dict(config, name=name), "inbound_nodes": []}, **extra)


def rnn_config(cell, units, recurrent_activation, reset_after=None):
    c = {"units": units, "activation": "tanh", "recurrent_activation": recurrent_activation,
         "use_bias": True, "return_sequences": True}
    if reset_after is not None:
        c["reset_after"] = reset_after
    return {"class_name": cell.upper(), "config": c}


class KerasReference:
    """A HAN in the model file's layout (= Keras's), run by the hand-written Keras cells."""

    def __init__(self, config, tensors):
        self.config = config
        self.t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in tensors.items()}

    def cell(self, level, direction, input_dim):
        enc = self.config[level + "_encoder"]
        act = enc["recurrent_activation"]
        if enc["cell"] == "gru":
            c = KerasGruCell(Weights(0), input_dim, enc["units"], enc["reset_after"], act)
        else:
            c = KerasLstmCell(Weights(0), input_dim, enc["units"], act)
        prefix = "%s_encoder.%s." % (level, direction)
        c.kernel = self.t[prefix + "kernel"]
        c.recurrent_kernel = self.t[prefix + "recurrent_kernel"]
        c.bias = self.t[prefix + "bias"]
        return c

    def encode_attend(self, level, x):
        enc = self.config[level + "_encoder"]
        fw = self.cell(level, "fw", x.shape[1]).run(x)
        bw = torch.flip(self.cell(level, "bw", x.shape[1]).run(torch.flip(x, [0])), [0])
        h = merge(fw, bw, enc["merge"])
        a = level + "_attention."
        u = h @ self.t[a + "kernel"]
        if a + "bias" in self.t:
            u = u + self.t[a + "bias"]
        alpha = torch.softmax(torch.tanh(u) @ self.t[a + "context"], dim=0)
        return alpha @ h, alpha

    def forward(self, doc):
        vectors, word_weights = [], []
        for ids in doc:
            pooled, alpha = self.encode_attend("word", self.t["embedding"][torch.tensor(ids)])
            vectors.append(pooled)
            word_weights.append(alpha.tolist())
        document, beta = self.encode_attend("sentence", torch.stack(vectors))
        logits = document @ self.t["output.kernel"] + self.t["output.bias"]
        softmax = self.config["output"] == "softmax"
        p = torch.softmax(logits, 0) if softmax else torch.sigmoid(logits)
        return p.tolist(), beta.tolist(), word_weights


def keras_weights(w, input_dim, cell, units, reset_after):
    gates = 3 if cell == "gru" else 4
    bias_shape = (2, 3 * units) if (cell == "gru" and reset_after) else (gates * units,)
    return {"kernel": w.uniform((input_dim, gates * units)),
            "recurrent_kernel": w.uniform((units, gates * units)),
            "bias": w.uniform(bias_shape)}


def as_f32(t):
    return t.numpy().astype(np.float32)


def make_keras_fixture(name, seed, helper_args, h5_layers, model_config, keras_version,
                       han_config, tensors, expected_names):
    """Writes <name>.h5, runs the helper on it, checks its tensors, writes the expectations."""
    h5_path = os.path.join(OUT_DIR, name + ".h5")
    write_keras_h5(h5_path, h5_layers, model_config, keras_version)
    out = os.path.join(OUT_DIR, name)
    assert keras_h5_to_safetensors.main([h5_path, out] + helper_args) == 0
    converted, _ = read_safetensors(out + ".safetensors")
    assert set(converted) == set(expected_names.values()), sorted(converted)
    for han_name, keras_name in expected_names.items():
        assert np.array_equal(converted[keras_name].reshape(tensors[han_name].shape),
                              tensors[han_name]), han_name
    with open(out + ".json") as f:
        config = json.load(f)
    for key in ("word_encoder", "sentence_encoder", "word_attention", "sentence_attention"):
        for k, v in han_config[key].items():
            assert config[key][k] == v, (name, key, k, config[key][k], v)
    assert config["output"]["activation"] == han_config["output"]
    reference = KerasReference(han_config, tensors)
    write_expected(name, make_texts(seed), reference.forward)
    print("%-20s %s: %d weights in %d layers -> %s.safetensors + .json"
          % (name, os.path.basename(h5_path), len(tensors), len(h5_layers), name))


def make_keras_docla(seed):
    """keras-han-for-docla under Keras 2.2.4, saved with model.save."""
    w = Weights(seed)
    word, sentence, word_att, sentence_att = 5, 4, 7, 3
    t = {"embedding": as_f32(w.uniform((len(VOCAB), EMBEDDING_DIM)))}
    for d in ("fw", "bw"):
        for k, v in keras_weights(w, EMBEDDING_DIM, "gru", word, False).items():
            t["word_encoder.%s.%s" % (d, k)] = as_f32(v)
    t["word_attention.kernel"] = as_f32(w.uniform((2 * word, word_att)))
    t["word_attention.context"] = as_f32(w.uniform((word_att,), bound=3.0))
    for d in ("fw", "bw"):
        for k, v in keras_weights(w, 2 * word, "gru", sentence, False).items():
            t["sentence_encoder.%s.%s" % (d, k)] = as_f32(v)
    t["sentence_attention.kernel"] = as_f32(w.uniform((2 * sentence, sentence_att)))
    t["sentence_attention.context"] = as_f32(w.uniform((sentence_att,), bound=3.0))
    t["output.kernel"] = as_f32(w.uniform((2 * sentence, 2), bound=2.0))
    t["output.bias"] = as_f32(w.uniform((2,)))

    def gru(layer, direction, level):
        p = "%s_encoder.%s." % (level, direction)
        prefix = "bidirectional_%d/%s_gru_%d/" % (layer, "forward" if direction == "fw"
                                                  else "backward", layer)
        return [(prefix + k + ":0", t[p + k]) for k in ("kernel", "recurrent_kernel", "bias")]

    h5_layers = [
        ("input_1", []),
        # TimeDistributed(word encoder Model): its trainable GRU weights, then the frozen
        # (non-trainable) embedding.
        ("word_encoder", gru(1, "fw", "word") + gru(1, "bw", "word") +
         [("embedding_1/embeddings:0", t["embedding"])]),
        ("word_attention", [("word_attention/W:0", t["word_attention.kernel"]),
                            ("word_attention/context_vector:0",
                             t["word_attention.context"].reshape(-1, 1))]),
        ("sentence_encoder", gru(2, "fw", "sentence") + gru(2, "bw", "sentence")),
        ("sentence_attention", [("sentence_attention/W:0", t["sentence_attention.kernel"]),
                                ("sentence_attention/context_vector:0",
                                 t["sentence_attention.context"].reshape(-1, 1))]),
        ("class_prediction", [("class_prediction/kernel:0", t["output.kernel"]),
                              ("class_prediction/bias:0", t["output.bias"])]),
    ]
    bidirectional = lambda units: {"class_name": "Bidirectional",  # noqa: E731
                                   "config": {"merge_mode": "concat",
                                              "layer": rnn_config("gru", units, "hard_sigmoid")}}
    model_config = {"class_name": "Model", "config": {"name": "han-for-docla", "layers": [
        keras_layer_config("input_1", "InputLayer", {"batch_input_shape": [None, 12, 25]}),
        keras_layer_config("word_encoder", "TimeDistributed", {"layer": {
            "class_name": "Model", "config": {"name": "word_encoder", "layers": [
                keras_layer_config("input_2", "InputLayer", {"batch_input_shape": [None, 25]}),
                keras_layer_config("embedding_1", "Embedding", {
                    "input_dim": len(VOCAB), "output_dim": EMBEDDING_DIM, "trainable": False}),
                keras_layer_config("bidirectional_1", "Bidirectional",
                                   bidirectional(word)["config"])]}}}),
        keras_layer_config("word_attention", "TimeDistributed", {"layer": {
            "class_name": "AttentionLayer", "config": {"context_vector_length": word_att}}}),
        keras_layer_config("sentence_encoder", "Model", {"layers": [
            keras_layer_config("input_3", "InputLayer", {"batch_input_shape": [None, 12, 10]}),
            keras_layer_config("bidirectional_2", "Bidirectional",
                               bidirectional(sentence)["config"])]}),
        keras_layer_config("sentence_attention", "AttentionLayer",
                           {"context_vector_length": sentence_att}),
        keras_layer_config("class_prediction", "Dense", {"units": 2, "activation": "softmax"}),
    ]}}
    han_config = {
        "word_encoder": {"cell": "gru", "units": word, "bidirectional": True, "merge": "concat",
                         "reset_after": False, "recurrent_activation": "hard_sigmoid"},
        "word_attention": {"units": word_att, "use_bias": False},
        "sentence_encoder": {"cell": "gru", "units": sentence, "bidirectional": True,
                             "merge": "concat", "reset_after": False,
                             "recurrent_activation": "hard_sigmoid"},
        "sentence_attention": {"units": sentence_att, "use_bias": False},
        "output": "softmax"}
    names = {"embedding": "embedding/embeddings", "word_attention.kernel": "word_attention/W",
             "word_attention.context": "word_attention/context_vector",
             "sentence_attention.kernel": "sentence_attention/W",
             "sentence_attention.context": "sentence_attention/context_vector",
             "output.kernel": "output/kernel", "output.bias": "output/bias"}
    for level in ("word", "sentence"):
        for d, direction in (("fw", "forward"), ("bw", "backward")):
            for k in ("kernel", "recurrent_kernel", "bias"):
                names["%s_encoder.%s.%s" % (level, d, k)] = "%s_encoder/%s/%s" % (level,
                                                                                  direction, k)
    # A Keras Tokenizer(oov_token="<unk>") word_index: index 1 is the out-of-vocabulary token.
    with tempfile.TemporaryDirectory() as tmp:
        index_path = os.path.join(tmp, "word_index.json")
        with open(index_path, "w") as f:
            json.dump({w: i for i, w in enumerate(VOCAB) if i >= 1}, f)
        make_keras_fixture("keras_docla", seed, ["--word-index", index_path, "--labels",
                                                 "negative,positive"],
                           h5_layers, model_config, "2.2.4", han_config, t, names)


def make_keras_tf2(seed):
    """A tf.keras 2.x HAN saved with save_weights: its own Embedding layer, GRU with
    reset_after=true, LSTM, and the square W + b + u attention of Yang et al."""
    w = Weights(seed)
    word, sentence = 5, 4
    t = {"embedding": as_f32(w.uniform((len(VOCAB), EMBEDDING_DIM)))}
    h5_layers = [("input_1", []), ("embedding", [("embedding/embeddings:0", t["embedding"])])]
    for level, cell, units, input_dim in (("word", "gru", word, EMBEDDING_DIM),
                                          ("sentence", "lstm", sentence, 2 * word)):
        weights = []
        for d, direction in (("fw", "forward"), ("bw", "backward")):
            for k, v in keras_weights(w, input_dim, cell, units, True).items():
                t["%s_encoder.%s.%s" % (level, d, k)] = as_f32(v)
                weights.append(("%s_encoder/%s_%s/%s_cell/%s:0" % (level, direction, cell, cell, k),
                                t["%s_encoder.%s.%s" % (level, d, k)]))
        h5_layers.append((level + "_encoder", weights))
        dim = 2 * units
        a = level + "_attention."
        t[a + "kernel"] = as_f32(w.uniform((dim, dim)))
        t[a + "bias"] = as_f32(w.uniform((dim,)))
        t[a + "context"] = as_f32(w.uniform((dim,), bound=3.0))
        h5_layers.append((level + "_attention", [
            (level + "_attention/W:0", t[a + "kernel"]), (level + "_attention/b:0", t[a + "bias"]),
            (level + "_attention/u:0", t[a + "context"].reshape(-1, 1))]))
    t["output.kernel"] = as_f32(w.uniform((2 * sentence, 3), bound=2.0))
    t["output.bias"] = as_f32(w.uniform((3,)))
    h5_layers.append(("dropout", []))
    h5_layers.append(("class_prediction", [("class_prediction/kernel:0", t["output.kernel"]),
                                           ("class_prediction/bias:0", t["output.bias"])]))
    han_config = {
        "word_encoder": {"cell": "gru", "units": word, "bidirectional": True, "merge": "concat",
                         "reset_after": True, "recurrent_activation": "sigmoid"},
        "word_attention": {"units": 2 * word, "use_bias": True},
        "sentence_encoder": {"cell": "lstm", "units": sentence, "bidirectional": True,
                             "merge": "concat", "recurrent_activation": "sigmoid"},
        "sentence_attention": {"units": 2 * sentence, "use_bias": True},
        "output": "softmax"}
    names = {"embedding": "embedding/embeddings", "output.kernel": "output/kernel",
             "output.bias": "output/bias"}
    for level in ("word", "sentence"):
        for d, direction in (("fw", "forward"), ("bw", "backward")):
            for k in ("kernel", "recurrent_kernel", "bias"):
                names["%s_encoder.%s.%s" % (level, d, k)] = "%s_encoder/%s/%s" % (level,
                                                                                  direction, k)
        for k, keras in (("kernel", "W"), ("bias", "b"), ("context", "u")):
            names["%s_attention.%s" % (level, k)] = "%s_attention/%s" % (level, keras)
    with tempfile.TemporaryDirectory() as tmp:
        vocabulary = os.path.join(tmp, "words.txt")
        with open(vocabulary, "w", newline="\n") as f:
            f.write("".join(word + "\n" for word in VOCAB))
        make_keras_fixture("keras_tf2", seed, ["--vocabulary", vocabulary,
                                               "--recurrent-activation", "sigmoid", "--labels",
                                               "red,green,blue"],
                           h5_layers, None, "2.11.0", han_config, t, names)

def check_helper_errors():
    """The helper's refusals: one line naming what is wrong, exit status 1."""
    h5 = os.path.join(OUT_DIR, "keras_tf2.h5")
    with tempfile.TemporaryDirectory() as tmp:
        words = os.path.join(tmp, "words.txt")
        with open(words, "w") as f:
            f.write("\n".join(VOCAB[:39]) + "\n")
        for args, message in (
                ([], "pass --recurrent-activation sigmoid (tf.keras) or hard_sigmoid"),
                (["--recurrent-activation", "sigmoid", "--layer", "word_attention=att"],
                 "no layer named att (the word_attention)"),
                (["--recurrent-activation", "sigmoid", "--layer", "output=word_attention"],
                 "layer class_prediction has weights but is not part of the HAN"),
                (["--recurrent-activation", "sigmoid", "--labels", "a,b"],
                 "--labels names 2 labels, the output layer has 3")):
            full = args + ["--vocabulary", os.path.join(ROOT, "tests/fixtures/convert",
                                                        "keras_tf2.vocab.txt")]
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                status = keras_h5_to_safetensors.main([h5, os.path.join(tmp, "x")] + full)
            assert status == 1 and message in err.getvalue(), (args, err.getvalue())
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = keras_h5_to_safetensors.main(
                [h5, os.path.join(tmp, "x"), "--recurrent-activation", "sigmoid",
                 "--vocabulary", words])
        assert status == 1 and "the vocabulary has 39 words, the embedding 40 rows" in \
            err.getvalue(), err.getvalue()


def main():
    parser = argparse.ArgumentParser(description="Writes tests/fixtures/convert/.")
    parser.add_argument("--han", help="the han binary: convert every fixture with --check")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, (name, spec) in enumerate(TORCH_VARIANTS.items(), start=1):
        make_torch_fixture(name, spec, 3000 + seed)
    make_keras_docla(4001)
    make_keras_tf2(4002)
    check_helper_errors()
    if args.han:
        with tempfile.TemporaryDirectory() as tmp:
            for name in list(TORCH_VARIANTS) + ["keras_docla", "keras_tf2"]:
                base = os.path.join(OUT_DIR, name)
                subprocess.run([args.han, "convert", base + ".safetensors", base + ".json",
                                "-o", os.path.join(tmp, name + ".han"),
                                "--check", base + ".expected.json"], check=True)


if __name__ == "__main__":
    main()
