#!/usr/bin/python3
"""Independent float64 reference for han-wasm: builds small random HANs in PyTorch and writes
tests/fixtures/<variant>.han and tests/fixtures/<variant>.expected.json.

    /usr/bin/python3 tests/reference/make_fixtures.py

Deterministic: fixed seeds, no dependence on the C++ code. Weights are drawn in float32 (the
values stored in the .han file) and the reference runs on exactly those values cast to float64.
Where PyTorch has the cell (nn.GRU, which is reset_after=true, and nn.LSTM with sigmoid) the
PyTorch module itself is the reference and its weights are converted to the Keras layout of the
file; the Keras-only variants (GRU reset_after=false, hard_sigmoid) are written out by hand.
"""

import json
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hanfile import expected_tensor_shapes, read_han, write_han  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures")
F64 = torch.float64

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
         "one two three four five six seven eight nine ten eleven twelve").split()
VOCAB = ["<pad>", "<unk>"] + WORDS  # 40 entries
EMBEDDING_DIM = 6
TOLERANCE = 1e-5
# Weights are uniform in ±WEIGHT_BOUND (embeddings included), attention contexts in ±CONTEXT_BOUND
# and the output kernel in ±OUTPUT_BOUND. With ±0.5 everywhere every attention came out close to
# uniform and every probability close to 0.5, which would hide mistakes; these bounds give word
# and sentence weights from below 0.01 to above 0.5 and clearly separated outputs, without
# saturating the cells.
WEIGHT_BOUND = 1.0
CONTEXT_BOUND = 3.0
OUTPUT_BOUND = 2.0


# ----------------------------------------------------------------------------------------------
# Random weights: float32 values, returned as float64 tensors holding exactly those values.

class Weights:
    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)

    def uniform(self, shape, bound=WEIGHT_BOUND, step=None):
        a = self.rng.uniform(-bound, bound, size=shape)
        if step is not None:  # multiples of `step`: sums of two such values stay exact in float32
            a = np.round(a / step) * step
        return torch.from_numpy(a.astype(np.float32).astype(np.float64))


def f32(t):
    """A float64 tensor as the float32 numpy array the file stores (must be exact)."""
    a = t.detach().numpy().astype(np.float32)
    assert np.array_equal(a.astype(np.float64), t.detach().numpy()), "value not float32-exact"
    return a


# ----------------------------------------------------------------------------------------------
# Recurrent cells. Each direction object: run(x) with x (steps x input) float64 -> (steps x units)
# and keras() -> {"kernel", "recurrent_kernel", "bias"} float64 tensors in the file's layout.

def hard_sigmoid(x):
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


RECURRENT_ACTIVATIONS = {"sigmoid": torch.sigmoid, "hard_sigmoid": hard_sigmoid}


class TorchRnn:
    """nn.GRU (reset_after=true, sigmoid) or nn.LSTM (sigmoid), one or two directions."""

    def __init__(self, w, cell, input_dim, units, bidirectional):
        cls = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
        self.cell, self.units, self.bidirectional = cell, units, bidirectional
        self.module = cls(input_dim, units, batch_first=True, bidirectional=bidirectional,
                          dtype=F64)
        with torch.no_grad():
            for name, p in self.module.named_parameters():
                # LSTM biases: PyTorch adds b_ih + b_hh; on a 2^-12 grid the float32 sum is exact.
                step = 2.0 ** -12 if (cell == "lstm" and name.startswith("bias")) else None
                p.copy_(w.uniform(tuple(p.shape), step=step))

    def run(self, x):
        """Returns (fw, bw), each (steps x units) in time order; bw is None if unidirectional."""
        with torch.no_grad():
            y = self.module(x.unsqueeze(0))[0][0]
        u = self.units
        return (y[:, :u], y[:, u:]) if self.bidirectional else (y, None)

    def keras(self, direction):
        sfx = "_l0_reverse" if direction == "bw" else "_l0"
        p = {k: v.detach() for k, v in self.module.named_parameters()}
        w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
        b_ih, b_hh = p["bias_ih" + sfx], p["bias_hh" + sfx]
        u = self.units
        if self.cell == "lstm":  # PyTorch i,f,g,o == Keras i,f,c,o
            return {"kernel": w_ih.t(), "recurrent_kernel": w_hh.t(), "bias": b_ih + b_hh}

        def reorder(m):  # PyTorch gate blocks r,z,n -> Keras z,r,h (along dim 0)
            return torch.cat([m[u:2 * u], m[0:u], m[2 * u:3 * u]], dim=0)

        return {"kernel": reorder(w_ih).t(), "recurrent_kernel": reorder(w_hh).t(),
                "bias": torch.stack([reorder(b_ih), reorder(b_hh)])}


class KerasGruCell:
    """Keras GRU written out by hand, Keras layout (z, r, h), reset_after true or false."""

    def __init__(self, w, input_dim, units, reset_after, recurrent_activation):
        self.units, self.reset_after = units, reset_after
        self.act = RECURRENT_ACTIVATIONS[recurrent_activation]
        self.kernel = w.uniform((input_dim, 3 * units))
        self.recurrent_kernel = w.uniform((units, 3 * units))
        self.bias = w.uniform((2, 3 * units) if reset_after else (3 * units,))

    def run(self, x):
        u = self.units
        b_in = self.bias[0] if self.reset_after else self.bias
        U = self.recurrent_kernel
        h = torch.zeros(u, dtype=F64)
        out = []
        for xt in x:
            xp = xt @ self.kernel + b_in
            if self.reset_after:
                hp = h @ U + self.bias[1]
                z = self.act(xp[:u] + hp[:u])
                r = self.act(xp[u:2 * u] + hp[u:2 * u])
                cand = torch.tanh(xp[2 * u:] + r * hp[2 * u:])
            else:
                z = self.act(xp[:u] + h @ U[:, :u])
                r = self.act(xp[u:2 * u] + h @ U[:, u:2 * u])
                cand = torch.tanh(xp[2 * u:] + (r * h) @ U[:, 2 * u:])
            h = z * h + (1 - z) * cand
            out.append(h)
        return torch.stack(out)

    def keras(self):
        return {"kernel": self.kernel, "recurrent_kernel": self.recurrent_kernel,
                "bias": self.bias}


class KerasLstmCell:
    """Keras LSTM written out by hand, Keras layout (i, f, c, o)."""

    def __init__(self, w, input_dim, units, recurrent_activation):
        self.units = units
        self.act = RECURRENT_ACTIVATIONS[recurrent_activation]
        self.kernel = w.uniform((input_dim, 4 * units))
        self.recurrent_kernel = w.uniform((units, 4 * units))
        self.bias = w.uniform((4 * units,))

    def run(self, x):
        u = self.units
        h = torch.zeros(u, dtype=F64)
        c = torch.zeros(u, dtype=F64)
        out = []
        for xt in x:
            g = xt @ self.kernel + h @ self.recurrent_kernel + self.bias
            i, f, o = self.act(g[:u]), self.act(g[u:2 * u]), self.act(g[3 * u:])
            c = f * c + i * torch.tanh(g[2 * u:3 * u])
            h = o * torch.tanh(c)
            out.append(h)
        return torch.stack(out)

    def keras(self):
        return {"kernel": self.kernel, "recurrent_kernel": self.recurrent_kernel,
                "bias": self.bias}


class ManualRnn:
    """One or two hand-written cells; the backward one reads the steps last to first."""

    def __init__(self, make_cell, bidirectional):
        self.fw = make_cell()
        self.bw = make_cell() if bidirectional else None

    def run(self, x):
        fw = self.fw.run(x)
        if self.bw is None:
            return fw, None
        return fw, torch.flip(self.bw.run(torch.flip(x, [0])), [0])

    def keras(self, direction):
        return (self.fw if direction == "fw" else self.bw).keras()


def make_encoder(w, spec, input_dim):
    """spec: the CONF encoder object plus "impl": "torch" or "manual"."""
    units, bi = spec["units"], spec.get("bidirectional", True)
    if spec["impl"] == "torch":
        assert spec.get("recurrent_activation", "sigmoid") == "sigmoid"
        assert spec["cell"] == "lstm" or spec.get("reset_after", True)
        return TorchRnn(w, spec["cell"], input_dim, units, bi)
    act = spec.get("recurrent_activation", "sigmoid")
    if spec["cell"] == "gru":
        return ManualRnn(lambda: KerasGruCell(w, input_dim, units, spec.get("reset_after", True),
                                              act), bi)
    return ManualRnn(lambda: KerasLstmCell(w, input_dim, units, act), bi)


def merge(fw, bw, mode):
    if bw is None:
        return fw
    if mode == "concat":
        return torch.cat([fw, bw], dim=1)
    if mode == "sum":
        return fw + bw
    if mode == "ave":
        return (fw + bw) / 2
    if mode == "mul":
        return fw * bw
    raise ValueError(mode)


ATTENTION_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda x: x}


# ----------------------------------------------------------------------------------------------
# The HAN.

class Han:
    def __init__(self, spec, seed):
        w = Weights(seed)
        self.spec = spec
        self.embedding = w.uniform((len(VOCAB), EMBEDDING_DIM))
        self.tensors = {"embedding": self.embedding}
        input_dim = EMBEDDING_DIM
        self.encoders, self.attention = {}, {}
        for level in ("word", "sentence"):
            enc_spec = spec[level + "_encoder"]
            enc = make_encoder(w, enc_spec, input_dim)
            self.encoders[level] = enc
            for d in ("fw", "bw") if enc_spec.get("bidirectional", True) else ("fw",):
                for k, v in enc.keras(d).items():
                    self.tensors["%s_encoder.%s.%s" % (level, d, k)] = v
            bi = enc_spec.get("bidirectional", True)
            out_dim = enc_spec["units"] * (2 if bi and enc_spec["merge"] == "concat" else 1)
            att_spec = spec[level + "_attention"]
            assert att_spec["units"] != out_dim, "attention should be non-square"
            att = {"kernel": w.uniform((out_dim, att_spec["units"]))}
            if att_spec.get("use_bias", True):
                att["bias"] = w.uniform((att_spec["units"],))
            att["context"] = w.uniform((att_spec["units"],), bound=CONTEXT_BOUND)
            self.attention[level] = att
            for k, v in att.items():
                self.tensors["%s_attention.%s" % (level, k)] = v
            input_dim = out_dim
        labels = len(spec["labels"])
        self.output = {"kernel": w.uniform((input_dim, labels), bound=OUTPUT_BOUND),
                       "bias": w.uniform((labels,))}
        self.tensors["output.kernel"] = self.output["kernel"]
        self.tensors["output.bias"] = self.output["bias"]

    def _encode_attend(self, level, x):
        fw, bw = self.encoders[level].run(x)
        h = merge(fw, bw, self.spec[level + "_encoder"].get("merge", "concat"))
        a = self.attention[level]
        proj = h @ a["kernel"]
        if "bias" in a:
            proj = proj + a["bias"]
        u = ATTENTION_ACTIVATIONS[self.spec[level + "_attention"]["activation"]](proj)
        alpha = torch.softmax(u @ a["context"], dim=0)
        return alpha @ h, alpha

    def forward(self, doc):
        """doc: list of sentences of word ids (no padding). Returns probabilities, sentence
        weights and word weights as float64 lists."""
        sentence_vectors, word_weights = [], []
        for ids in doc:
            x = self.embedding[torch.tensor(ids, dtype=torch.long)]
            pooled, alpha = self._encode_attend("word", x)
            sentence_vectors.append(pooled)
            word_weights.append(alpha.tolist())
        document, beta = self._encode_attend("sentence", torch.stack(sentence_vectors))
        logits = document @ self.output["kernel"] + self.output["bias"]
        if self.spec["output"]["activation"] == "softmax":
            probabilities = torch.softmax(logits, dim=0)
        else:
            probabilities = torch.sigmoid(logits)
        return probabilities.tolist(), beta.tolist(), word_weights


# ----------------------------------------------------------------------------------------------
# Texts. Plain [a-z0-9] words separated by single spaces, sentences closed by ". ", "! " or "? ".

def tokenize(text):
    sentences = [s for s in re.split(r"[.!?]", text) if s.strip()]
    return [s.split() for s in sentences]


def to_ids(text):
    index = {word: i for i, word in enumerate(VOCAB) if i >= 2}
    return [[index.get(word, 1) for word in sentence] for sentence in tokenize(text)]


def random_text(rng, sentences, max_words, oov_rate=0.0):
    out = []
    for s in range(sentences):
        n = max_words if s == 0 else rng.randint(1, max_words + 1)
        words = []
        for _ in range(n):
            if rng.rand() < oov_rate:
                words.append("zulu%d" % rng.randint(10, 100))
            else:
                words.append(WORDS[rng.randint(len(WORDS))])
        out.append(" ".join(words) + ".!?"[rng.randint(3)])
    return " ".join(out)


def make_texts(seed):
    rng = np.random.RandomState(seed)
    return [
        "alpha.",
        "alpha bravo charlie. delta echo! foxtrot golf hotel india?",
        random_text(rng, 12, 25),
        "zulu99 alpha xray42 bravo. qqq! charlie unknownword delta nine ten? zzz yyy.",
        "echo echo echo echo. echo! alpha echo alpha echo? echo echo.",
        random_text(rng, 5, 9, oov_rate=0.2),
    ]


# ----------------------------------------------------------------------------------------------
# Variants.

def enc(cell, units, impl, **kw):
    d = {"cell": cell, "units": units, "bidirectional": True, "merge": "concat"}
    if cell == "gru":
        d["reset_after"] = True
    d["recurrent_activation"] = "sigmoid"
    d.update(kw)
    d["impl"] = impl
    return d


def att(units, use_bias=True, activation="tanh"):
    return {"units": units, "use_bias": use_bias, "activation": activation}


VARIANTS = {
    # nn.GRU at both levels: the reference for reset_after=true.
    "gru_reset_after": dict(
        word_encoder=enc("gru", 5, "torch"), word_attention=att(7),
        sentence_encoder=enc("gru", 4, "torch"), sentence_attention=att(3),
        output={"activation": "softmax"}, labels=["negative", "positive"]),
    # Keras 2.x GRU (reset_after=false), hard_sigmoid at the word level, merge sum, no att. bias.
    "gru_reset_before": dict(
        word_encoder=enc("gru", 5, "manual", reset_after=False, merge="sum",
                         recurrent_activation="hard_sigmoid"),
        word_attention=att(4, use_bias=False),
        sentence_encoder=enc("gru", 4, "manual", reset_after=False),
        sentence_attention=att(6, use_bias=False),
        output={"activation": "softmax"}, labels=["red", "green", "blue"]),
    # nn.LSTM at both levels, relu and linear attention, independent sigmoid outputs.
    "lstm": dict(
        word_encoder=enc("lstm", 4, "torch"), word_attention=att(5, activation="relu"),
        sentence_encoder=enc("lstm", 5, "torch"), sentence_attention=att(7, activation="linear"),
        output={"activation": "sigmoid"}, labels=["sports", "politics", "science"]),
    # nn.GRU merged by "mul", a hand-written hard_sigmoid LSTM merged by "ave".
    "mixed": dict(
        word_encoder=enc("gru", 4, "torch", merge="mul"), word_attention=att(6),
        sentence_encoder=enc("lstm", 5, "manual", merge="ave",
                             recurrent_activation="hard_sigmoid"),
        sentence_attention=att(3),
        output={"activation": "softmax"}, labels=["no", "yes"]),
    # One direction at each level: nn.GRU and nn.LSTM.
    "unidirectional": dict(
        word_encoder=enc("gru", 5, "torch", bidirectional=False),
        word_attention=att(3, activation="linear"),
        sentence_encoder=enc("lstm", 4, "torch", bidirectional=False),
        sentence_attention=att(6, use_bias=False),
        output={"activation": "sigmoid"}, labels=["spam", "urgent"]),
}


def file_config(name, spec):
    strip = lambda d: {k: v for k, v in d.items() if k != "impl"}  # noqa: E731
    return {
        "architecture": "han",
        "vocab_size": len(VOCAB),
        "embedding_dim": EMBEDDING_DIM,
        "word_encoder": strip(spec["word_encoder"]),
        "word_attention": spec["word_attention"],
        "sentence_encoder": strip(spec["sentence_encoder"]),
        "sentence_attention": spec["sentence_attention"],
        "output": spec["output"],
        "labels": spec["labels"],
        "tokenizer": {"lowercase": True, "max_sentences": 0, "max_words_per_sentence": 0},
        "metadata": {"name": name, "source": "tests/reference/make_fixtures.py"},
    }


# ----------------------------------------------------------------------------------------------
# Self-checks of the hand-written cells against PyTorch where PyTorch has the same cell.

def self_check_cells():
    x = Weights(99).uniform((7, 3), bound=1.0)
    gru = KerasGruCell(Weights(1), 3, 4, True, "sigmoid")
    ref = torch.nn.GRU(3, 4, batch_first=True, dtype=F64)
    u = 4

    def to_torch(m):  # Keras z,r,h columns -> PyTorch r,z,n rows
        m = m.t()
        return torch.cat([m[u:2 * u], m[0:u], m[2 * u:]], dim=0)

    with torch.no_grad():
        ref.weight_ih_l0.copy_(to_torch(gru.kernel))
        ref.weight_hh_l0.copy_(to_torch(gru.recurrent_kernel))
        ref.bias_ih_l0.copy_(to_torch(gru.bias[0:1])[:, 0])
        ref.bias_hh_l0.copy_(to_torch(gru.bias[1:2])[:, 0])
        assert torch.allclose(gru.run(x), ref(x.unsqueeze(0))[0][0], atol=1e-13)
    lstm = KerasLstmCell(Weights(2), 3, 4, "sigmoid")
    ref = torch.nn.LSTM(3, 4, batch_first=True, dtype=F64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(lstm.kernel.t())
        ref.weight_hh_l0.copy_(lstm.recurrent_kernel.t())
        ref.bias_ih_l0.copy_(lstm.bias)
        ref.bias_hh_l0.zero_()
        assert torch.allclose(lstm.run(x), ref(x.unsqueeze(0))[0][0], atol=1e-13)
    # Converted nn.GRU / nn.LSTM weights, run by the hand-written cells, give PyTorch's outputs.
    for cell in ("gru", "lstm"):
        t = TorchRnn(Weights(3), cell, 3, 4, True)
        fw, bw = t.run(x)
        for d, expected in (("fw", fw), ("bw", bw)):
            k = t.keras(d)
            m = (KerasGruCell(Weights(0), 3, 4, True, "sigmoid") if cell == "gru"
                 else KerasLstmCell(Weights(0), 3, 4, "sigmoid"))
            m.kernel, m.recurrent_kernel, m.bias = k["kernel"], k["recurrent_kernel"], k["bias"]
            got = m.run(x) if d == "fw" else torch.flip(m.run(torch.flip(x, [0])), [0])
            assert torch.allclose(got, expected, atol=1e-13), (cell, d)


def main():
    torch.set_num_threads(1)
    self_check_cells()
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, (name, spec) in enumerate(VARIANTS.items(), start=1):
        han = Han(spec, seed=1000 + seed)
        config = file_config(name, spec)
        tensors = {k: f32(v) for k, v in han.tensors.items()}
        order = list(expected_tensor_shapes(config))
        tensors = {k: tensors[k] for k in order}
        cases = []
        for text in make_texts(2000 + seed):
            ids = to_ids(text)
            probabilities, sentence_weights, word_weights = han.forward(ids)
            cases.append({"text": text, "ids": ids, "probabilities": probabilities,
                          "sentence_weights": sentence_weights, "word_weights": word_weights})
        golden = {"tolerance": TOLERANCE,
                  "cases": [{"text": c["text"], "probabilities": c["probabilities"]}
                            for c in cases]}
        path = os.path.join(OUT_DIR, name + ".han")
        write_han(path, config, VOCAB, tensors, golden)
        with open(os.path.join(OUT_DIR, name + ".expected.json"), "w") as f:
            # One case per line: small, and diffs stay readable. Floats are written in full
            # (shortest round-trip) precision.
            f.write('{"variant": %s, "cases": [\n%s\n]}\n'
                    % (json.dumps(name), ",\n".join(json.dumps(c) for c in cases)))

        # Read the file back: it must hold exactly what was written.
        config2, vocab2, tensors2, golden2 = read_han(path)
        assert config2 == config and vocab2 == VOCAB and golden2 == golden
        assert list(tensors2) == list(tensors)
        assert all(np.array_equal(tensors2[k], tensors[k]) for k in tensors)
        print("%-18s %5d bytes  %d cases  probabilities[1] = %s"
              % (name, os.path.getsize(path), len(cases), cases[1]["probabilities"]))


if __name__ == "__main__":
    main()
