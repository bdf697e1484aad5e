"""The reference HAN in PyTorch (CPU, one thread) on the benchmark's workloads (docs/benchmarks.md).

    /usr/bin/python3 bench/torch_bench.py DATA_DIR [REPEATS] [cold|warm]

Prints one JSON line like han_native_bench's, timed as bench/systems/measure.mjs times the other
runtimes (in its modes cold and warm); in warm mode also "reference": the probabilities of every
document computed in float64 by the same modules, which bench/run.mjs holds every system to.
Padded batches run as packed sequences, so each sentence and document runs at its true length.
"""

import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_onnx import read_weights  # noqa: E402

BATCH = 32


def gru(weights, prefix, input_dim, units):
    """nn.GRU is the GRU with reset_after=true; only its gate order differs (r, z, n)."""
    cell = nn.GRU(input_dim, units, batch_first=True, bidirectional=True)

    def to_torch(m):  # Keras z, r, h column blocks -> PyTorch r, z, n row blocks
        m = torch.from_numpy(np.ascontiguousarray(m))
        return torch.cat([m[..., units:2 * units], m[..., :units], m[..., 2 * units:]], -1).T

    with torch.no_grad():
        for direction, suffix in (("fw", ""), ("bw", "_reverse")):
            p = "%s.%s." % (prefix, direction)
            bias = weights[p + "bias"]
            getattr(cell, "weight_ih_l0" + suffix).copy_(to_torch(weights[p + "kernel"]))
            getattr(cell, "weight_hh_l0" + suffix).copy_(to_torch(weights[p + "recurrent_kernel"]))
            getattr(cell, "bias_ih_l0" + suffix).copy_(to_torch(bias[0:1]).reshape(-1))
            getattr(cell, "bias_hh_l0" + suffix).copy_(to_torch(bias[1:2]).reshape(-1))
    return cell


class Attention(nn.Module):
    def __init__(self, weights, prefix):
        super().__init__()
        self.kernel = nn.Parameter(torch.from_numpy(weights[prefix + ".kernel"].copy()))
        self.bias = nn.Parameter(torch.from_numpy(weights[prefix + ".bias"].reshape(-1).copy()))
        self.context = nn.Parameter(torch.from_numpy(weights[prefix + ".context"].reshape(-1).copy()))

    # u = tanh(h W + b), s = u · c, alpha = softmax over the real steps, p = sum alpha h.
    def forward(self, h, mask):
        scores = torch.tanh(h @ self.kernel + self.bias) @ self.context
        alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return (alpha.unsqueeze(-1) * h).sum(1)


class Han(nn.Module):
    def __init__(self, weights):
        super().__init__()
        units = weights["word_encoder.fw.recurrent_kernel"].shape[0]
        self.embedding = nn.Embedding.from_pretrained(torch.from_numpy(weights["embedding"].copy()))
        self.word_encoder = gru(weights, "word_encoder", weights["embedding"].shape[1], units)
        self.word_attention = Attention(weights, "word_attention")
        self.sentence_encoder = gru(weights, "sentence_encoder", 2 * units, units)
        self.sentence_attention = Attention(weights, "sentence_attention")
        self.output_kernel = nn.Parameter(torch.from_numpy(weights["output.kernel"].copy()))
        self.output_bias = nn.Parameter(torch.from_numpy(weights["output.bias"].reshape(-1).copy()))

    @staticmethod
    def encode(encoder, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(encoder(packed)[0], batch_first=True,
                                   total_length=x.shape[1])[0]

    def forward(self, docs):
        """docs: a list of documents, each a list of sentences of word ids."""
        sentences = [s for doc in docs for s in doc]
        word_lengths = torch.tensor([len(s) for s in sentences])
        ids = torch.zeros(len(sentences), int(word_lengths.max()), dtype=torch.long)
        for k, s in enumerate(sentences):
            ids[k, :len(s)] = torch.tensor(s)
        words = self.encode(self.word_encoder, self.embedding(ids), word_lengths)
        vectors = self.word_attention(words, ids != 0)

        sentence_lengths = torch.tensor([len(doc) for doc in docs])
        by_doc = torch.zeros(len(docs), int(sentence_lengths.max()), vectors.shape[1],
                             dtype=vectors.dtype)
        mask = torch.zeros(by_doc.shape[:2], dtype=torch.bool)
        first = 0
        for d, doc in enumerate(docs):
            by_doc[d, :len(doc)] = vectors[first:first + len(doc)]
            mask[d, :len(doc)] = True
            first += len(doc)
        states = self.encode(self.sentence_encoder, by_doc, sentence_lengths)
        document = self.sentence_attention(states, mask)
        return torch.softmax(document @ self.output_kernel + self.output_bias, dim=-1)


def timed(fn):
    """Wall-clock and CPU seconds of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def predict(model, docs):
    return [row for first in range(0, len(docs), BATCH)
            for row in model(docs[first:first + BATCH]).tolist()]


def main():
    if len(sys.argv) not in (2, 3, 4):
        sys.exit("usage: torch_bench.py DATA_DIR [REPEATS] [cold|warm]")
    directory = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) >= 3 else 5
    mode = sys.argv[3] if len(sys.argv) == 4 else "warm"
    if mode not in ("cold", "warm"):
        sys.exit("torch_bench.py: unknown mode %s (known: cold, warm)" % mode)
    cold = mode == "cold"
    torch.set_num_threads(1)
    with open(directory + "/workloads.json") as f:
        workloads = json.load(f)
    a, b = workloads["A"], workloads["B"]

    loads = []

    def load():
        wall, cpu = time.perf_counter(), time.process_time()
        model = Han(read_weights(directory)).eval()
        loads.append((time.perf_counter() - wall, time.process_time() - cpu))
        return model

    batched, single, latency = [], [], []
    first_doc = None
    probabilities = None
    with torch.inference_mode():
        model = load()
        if cold:
            first_doc = timed(lambda: model([a[0]]))
        else:
            probabilities = predict(model, a)  # warm-up, as bench/systems/measure.mjs does
            model(b)
        for _ in range(repeats):
            if cold:
                model = load()
            out = []
            batched.append(timed(lambda: out.extend(predict(model, a))))
            probabilities = probabilities or out
            if cold:
                model = load()
            single.append(timed(lambda: [model([doc]) for doc in a]))
            for _ in range(5):
                if cold:
                    model = load()
                latency.append(timed(lambda: model(b)))
        probabilities_b = model(b).tolist()
        reference = None
        if not cold:
            exact = model.double()
            reference = {"A": predict(exact, a), "B": exact(b).tolist()}

    def fields(clock):
        return {
            "batch_docs_per_s": statistics.median(len(a) / t[clock] for t in batched),
            "single_docs_per_s": statistics.median(len(a) / t[clock] for t in single),
            "latency_b_ms": statistics.median(t[clock] for t in latency) * 1e3,
            "first_doc_ms": first_doc[clock] * 1e3 if first_doc else None,
            # The fresh loads; the process's first is left out, as in measure.mjs.
            "load_ms": statistics.median(t[clock] for t in loads[1:]) * 1e3 if cold else None,
        }

    print(json.dumps({
        "system": "PyTorch %s" % torch.__version__.split("+")[0],
        "backend": "CPU (eager)",
        "threads": 1,
        "mode": mode,
        **fields(0),
        "cpu": fields(1),
        "runtime_bytes": None,
        "model_bytes": os.path.getsize(directory + "/weights.bin"),
        "probabilities": {"A": probabilities, "B": probabilities_b},
        **({"reference": reference} if reference else {}),
    }))


if __name__ == "__main__":
    main()
