#!/usr/bin/python3
"""Documents/s of `python -m han.score` (1 and 2 Dask workers) against `han predict --lines` on
the first N IMDB test reviews (docs/python.md). Rounds interleave the systems; medians.

    PYTHONPATH=build/python /usr/bin/python3 bench/score_dask.py --cli build/han [--reviews 2000]
        [--rounds 3] [--data ../shared/data/imdb/test.tsv.gz]

Two numbers per han.score run: the wall time of the whole command (Python and Dask start, the
cluster start, the model load, the scoring) and the scoring alone as the command reports it (from
the first partition submitted to the last written). The CLI's is its wall time.
"""

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=str(ROOT / "build" / "han"))
    parser.add_argument("--model", default=str(ROOT / "models" / "imdb-sentiment.han"))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imdb" / "test.tsv.gz"))
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--partition-lines", type=int, default=250)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tsv, txt = Path(tmp) / "reviews.tsv", Path(tmp) / "reviews.txt"
        with gzip.open(args.data, "rt", encoding="utf-8") as source:
            lines = [next(source) for _ in range(args.reviews)]
        tsv.write_text("".join(lines), encoding="utf-8")
        txt.write_text("".join(line.split("\t", 1)[1] for line in lines), encoding="utf-8")

        env = dict(os.environ)
        results = {"han predict --lines": [], "han.score, 1 worker": [], "han.score, 2 workers": []}
        scoring = {"han.score, 1 worker": [], "han.score, 2 workers": []}
        for round_ in range(args.rounds):
            start = time.monotonic()
            subprocess.run([args.cli, "predict", "--lines", args.model, str(txt)], check=True,
                           stdout=subprocess.DEVNULL)
            results["han predict --lines"].append(time.monotonic() - start)
            for workers in (1, 2):
                name = f"han.score, {workers} worker{'s' if workers > 1 else ''}"
                out = Path(tmp) / f"out-{round_}-{workers}"
                start = time.monotonic()
                run = subprocess.run(
                    [sys.executable, "-m", "han.score", args.model, str(tsv), str(out),
                     "--columns", "label,text", "--workers", str(workers), "--no-progress",
                     "--partition-lines", str(args.partition_lines)],
                    check=True, capture_output=True, text=True, env=env)
                results[name].append(time.monotonic() - start)
                seconds = float(re.search(r" in ([0-9.]+) s, ", run.stdout).group(1))
                scoring[name].append(seconds)

    print(f"{args.reviews} IMDB test reviews, {args.rounds} rounds, medians "
          f"({os.cpu_count()} cores)\n")
    print(f"{'system':24} {'wall s':>8} {'docs/s':>8} {'scoring s':>10} {'docs/s':>8}")
    base = statistics.median(results["han predict --lines"])
    for name, times in results.items():
        wall = statistics.median(times)
        line = f"{name:24} {wall:8.2f} {args.reviews / wall:8.0f}"
        if name in scoring:
            s = statistics.median(scoring[name])
            line += f" {s:10.2f} {args.reviews / s:8.0f}"
        print(line)
    print(f"\nCLI wall time / han.score wall time: "
          + ", ".join(f"{name}: {base / statistics.median(t):.2f}" for name, t in results.items()
                      if name in scoring))


if __name__ == "__main__":
    main()
