#!/usr/bin/python3
"""How far apart two models' verdicts and attention are on the same reviews.

    scripts/compare-models.py A.han B.han DATA.tsv[.gz] [--han build/han] [--limit N]

Runs `han predict --lines` with both models on the text of each `label<TAB>text` line of DATA
(both at once, streamed) and prints, over the reviews:
  - each model's accuracy on the labels, and the share of reviews whose label the two agree on;
  - the largest and the mean absolute difference of a label's probability;
  - the mean absolute difference of the word weights, per word, both as the word's weight within
    its sentence and as the weight the demo shades it with (word weight x sentence weight);
  - the share of reviews whose 3 most attended words (by word x sentence weight; a review with
    fewer than 3 words compares all of them) are the same set of word positions.
Made for an int8-compute model against the float model it came from (docs/models/imdb-sentiment.md),
but any two models with the same tokenizer and labels compare.
"""
import argparse
import gzip
import json
import subprocess
import sys
import tempfile


def texts_and_labels(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    texts, labels = [], []
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            texts.append(text)
            labels.append(label)
            if limit and len(texts) == limit:
                break
    return texts, labels


def words(prediction):
    """(word weight, word weight x sentence weight) of every word, in order."""
    out = []
    for sentence in prediction["sentences"]:
        for word in sentence["words"]:
            out.append((word["weight"], word["weight"] * sentence["weight"]))
    return out


def top3(shaded):
    ranked = sorted(range(len(shaded)), key=lambda i: (-shaded[i], i))
    return set(ranked[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("data")
    parser.add_argument("--han", default="build/han")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    texts, labels = texts_and_labels(args.data, args.limit)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as lines:
        lines.write("".join(t.replace("\n", " ") + "\n" for t in texts))
        lines.flush()
        run = lambda model: subprocess.Popen(
            [args.han, "predict", "--lines", "--threads", "1", model, lines.name],
            stdout=subprocess.PIPE, text=True)
        a, b = run(args.a), run(args.b)
        n = right_a = right_b = agree = same_top3 = 0
        word_count = 0
        within_sum = shaded_sum = 0.0
        prob_max = prob_sum = 0.0
        for line_a, line_b, label in zip(a.stdout, b.stdout, labels):
            pa, pb = json.loads(line_a), json.loads(line_b)
            n += 1
            names = list(pa["probabilities"])  # a label is its name or its index, as in han test
            truth = names[int(label)] if label.isdigit() and int(label) < len(names) else label
            right_a += pa["label"] == truth
            right_b += pb["label"] == truth
            agree += pa["label"] == pb["label"]
            for k, p in pa["probabilities"].items():
                d = abs(p - pb["probabilities"][k])
                prob_max = max(prob_max, d)
                prob_sum += d
            wa, wb = words(pa), words(pb)
            if len(wa) != len(wb):
                sys.exit(f"review {n}: the models tokenize it differently")
            for (within_a, shaded_a), (within_b, shaded_b) in zip(wa, wb):
                within_sum += abs(within_a - within_b)
                shaded_sum += abs(shaded_a - shaded_b)
            word_count += len(wa)
            same_top3 += top3([s for _, s in wa]) == top3([s for _, s in wb])
        for process in (a, b):
            if process.wait() != 0:
                sys.exit(f"han predict failed (exit {process.returncode})")
    labels_per_review = len(pa["probabilities"]) if n else 1
    print(f"reviews: {n}, words: {word_count}")
    print(f"accuracy: A {right_a / n:.4f}, B {right_b / n:.4f}; the same label: {agree / n:.4f}")
    print(f"probability |A - B|: max {prob_max:.2e}, mean {prob_sum / (n * labels_per_review):.2e}")
    print(f"word weight |A - B|, mean per word: within its sentence {within_sum / word_count:.2e}, "
          f"x sentence weight (as shaded) {shaded_sum / word_count:.2e}")
    print(f"the same 3 most attended words: {same_top3 / n:.4f}")


if __name__ == "__main__":
    main()
