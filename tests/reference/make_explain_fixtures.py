#!/usr/bin/python3
"""Independent float64 reference for the gradient attributions of src/explain/: gradient × input
and integrated gradients of the fixture HANs, by PyTorch autograd, written to
tests/fixtures/explain.expected.json.

    /usr/bin/python3 tests/reference/make_explain_fixtures.py

Rebuilds the HANs of make_fixtures.py (the same seeds give the same weights, which this checks
against the .han files) and differentiates p(y), the output of the most probable label, with
respect to the word vectors. Integrated gradients: zero vectors as the baseline, the integral by
the midpoint rule over STEPS points, as the C++ code computes it.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from hanfile import read_han  # noqa: E402

STEPS = 16


def run_with_grad(self, x):
    """TorchRnn.run without its torch.no_grad(), so that gradients reach the input."""
    y = self.module(x.unsqueeze(0))[0][0]
    u = self.units
    return (y[:, :u], y[:, u:]) if self.bidirectional else (y, None)


mf.TorchRnn.run = run_with_grad


def outputs(han, vectors):
    """The HAN's outputs from one (words x dim) tensor per sentence."""
    pooled = [han._encode_attend("word", x)[0] for x in vectors]
    document, _ = han._encode_attend("sentence", torch.stack(pooled))
    logits = document @ han.output["kernel"] + han.output["bias"]
    if han.spec["output"]["activation"] == "softmax":
        return torch.softmax(logits, dim=0)
    return torch.sigmoid(logits)


def gradient(han, vectors, label):
    leaves = [v.detach().clone().requires_grad_(True) for v in vectors]
    out = outputs(han, leaves)
    grads = torch.autograd.grad(out[label], leaves)
    return out.detach(), grads


def per_word(vectors, grads):
    return [(x * g).sum(dim=1).tolist() for x, g in zip(vectors, grads)]


def main():
    torch.set_num_threads(1)
    variants = {}
    for seed, (name, spec) in enumerate(mf.VARIANTS.items(), start=1):
        han = mf.Han(spec, seed=1000 + seed)
        _, _, tensors, _ = read_han(os.path.join(mf.OUT_DIR, name + ".han"))
        assert np.array_equal(tensors["embedding"], mf.f32(han.embedding)), name + ": other weights"
        cases = []
        for text in mf.make_texts(2000 + seed):
            ids = mf.to_ids(text)
            x = [han.embedding[torch.tensor(s, dtype=torch.long)] for s in ids]
            probabilities, grads = gradient(han, x, 0)
            label = int(torch.argmax(probabilities))
            _, grads = gradient(han, x, label)
            total = [torch.zeros_like(v) for v in x]
            for k in range(STEPS):
                alpha = (k + 0.5) / STEPS
                _, g = gradient(han, [alpha * v for v in x], label)
                total = [t + gi for t, gi in zip(total, g)]
            ig = per_word(x, [t / STEPS for t in total])
            baseline = outputs(han, [torch.zeros_like(v) for v in x])[label].item()
            cases.append({"text": text, "label": label,
                          "probability": probabilities[label].item(),
                          "gradient_input": per_word(x, grads),
                          "integrated_gradients": ig,
                          "baseline_probability": baseline})
        variants[name] = cases
        print("%-18s %d cases" % (name, len(cases)))
    with open(os.path.join(mf.OUT_DIR, "explain.expected.json"), "w") as f:
        f.write('{"steps": %d, "variants": {\n%s\n}}\n' % (STEPS, ",\n".join(
            "%s: [\n%s\n]" % (json.dumps(name), ",\n".join(json.dumps(c) for c in cases))
            for name, cases in variants.items())))


if __name__ == "__main__":
    main()
