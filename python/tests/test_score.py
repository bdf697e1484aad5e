"""python -m han.score: a LocalCluster of 2 workers on 127.0.0.1 gives, row for row, what a
single-process run gives and what Model.predict gives; a killed worker loses nothing; a corrupt
model fails the job with the loader's message; malformed records, resuming, the formats."""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

import han
from han import score
from conftest import BUNDLED_MODEL

WORDS = ("a wonderful film with great actors and a dull plot i loved it never again the "
         "ending was bad boring superb café naïve 🎬 <b>bold</b> & \"quoted\" 'single'").split()


def make_reviews(count, words_per_review, seed):
    rng = random.Random(seed)
    reviews = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(words_per_review)]
        for i in range(rng.randint(5, 9), len(words), rng.randint(5, 9)):
            words[i] += rng.choice(".!?")
        reviews.append(" ".join(words))
    return reviews


def write_jsonl(path, reviews):
    with open(path, "w", encoding="utf-8") as file:
        for i, text in enumerate(reviews):
            file.write(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False) + "\n")


def read_output(directory):
    rows = []
    for part in sorted(Path(directory).glob("part-*.jsonl")):
        rows.extend(json.loads(line) for line in part.read_text(encoding="utf-8").splitlines())
    return rows


def run_score(*args, timeout=180):
    env = dict(os.environ, PYTHONPATH=str(Path(han.__file__).parents[1]))
    return subprocess.run([sys.executable, "-m", "han.score", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def model():
    return han.load(BUNDLED_MODEL)


def expected_rows(model, reviews, attention=False):
    rows = []
    for i, (text, p) in enumerate(zip(reviews, model.predict_batch(reviews))):
        row = {"line": i + 1, "id": f"r{i}", "label": p["label"],
               "probabilities": p["probabilities"], "truncated": p["truncated"]}
        if attention:
            row["sentences"] = p["sentences"]
        rows.append(row)
    return rows


def test_two_workers_equal_one_process_row_for_row(cluster, model, tmp_path):
    reviews = make_reviews(400, 30, seed=1)
    write_jsonl(tmp_path / "in.jsonl", reviews)
    common = [BUNDLED_MODEL, tmp_path / "in.jsonl"]
    options = ["--keep", "id", "--attention", "--partition-lines", "50", "--no-progress"]
    assert score.main([*map(str, common), str(tmp_path / "one"), "--scheduler", "synchronous",
                       *options]) == 0
    result = run_score(*common, tmp_path / "two", "--scheduler", cluster.scheduler_address,
                       *options)
    assert result.returncode == 0, result.stderr
    assert "400 documents in 8 partitions" in result.stdout
    one, two = read_output(tmp_path / "one"), read_output(tmp_path / "two")
    assert len(list((tmp_path / "two").glob("part-*.jsonl"))) == 8
    assert two == one
    assert one == expected_rows(model, reviews, attention=True)


def test_a_killed_worker_loses_nothing(cluster, model, tmp_path):
    reviews = make_reviews(1200, 40, seed=2)
    write_jsonl(tmp_path / "in.jsonl", reviews)
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(Path(han.__file__).parents[1]))
    job = subprocess.Popen(
        [sys.executable, "-m", "han.score", str(BUNDLED_MODEL), str(tmp_path / "in.jsonl"),
         str(out), "--scheduler", cluster.scheduler_address, "--keep", "id",
         "--partition-lines", "100", "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("part-*.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    written_at_kill = len(list(out.glob("part-*.jsonl")))
    stdout, stderr = job.communicate(timeout=180)
    assert job.returncode == 0, stderr
    assert 0 < written_at_kill < 12, "the worker was not killed during the job"
    assert len(list(out.glob("part-*.jsonl"))) == 12
    assert read_output(out) == expected_rows(model, reviews)


def test_a_corrupt_model_fails_the_job_with_the_loaders_message(cluster, tmp_path):
    data = bytearray(BUNDLED_MODEL.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "corrupt.han").write_bytes(bytes(data))
    write_jsonl(tmp_path / "in.jsonl", make_reviews(50, 10, seed=3))
    result = run_score(tmp_path / "corrupt.han", tmp_path / "in.jsonl", tmp_path / "out",
                       "--scheduler", cluster.scheduler_address, "--partition-lines", "10",
                       timeout=120)
    assert result.returncode == 1
    assert "han.score: error: checksum mismatch: the file is corrupted" in result.stderr
    assert not list((tmp_path / "out").glob("part-*"))


def test_malformed_records_fail_or_are_skipped_with_their_line_numbers(model, tmp_path, capsys):
    reviews = make_reviews(10, 8, seed=4)
    lines = [json.dumps({"id": f"r{i}", "text": t}) for i, t in enumerate(reviews)]
    lines[2] = '{"id": "r2", "text": '          # line 3: invalid JSON
    lines[5] = '{"id": "r5", "body": "x"}'      # line 6: no text
    lines[6] = '[1, 2]'                         # line 7: not an object
    lines[8] = '{"id": "r8", "text": 42}'       # line 9: text not a string
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = [str(BUNDLED_MODEL), str(path)]
    assert score.main([*common, str(tmp_path / "fail"), "--scheduler", "synchronous",
                       "--keep", "id", "--no-progress"]) == 1
    assert f"han.score: error: {path}:3: invalid JSON" in capsys.readouterr().err

    assert score.main([*common, str(tmp_path / "skip"), "--scheduler", "synchronous",
                       "--keep", "id", "--on-error", "skip", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"{path}:3: invalid JSON" in err
    assert f"{path}:6: no 'text' field" in err
    assert f"{path}:7: not a JSON object" in err
    assert f"{path}:9: 'text' is not a string" in err
    rows = read_output(tmp_path / "skip")
    assert [r["line"] for r in rows] == [1, 2, 4, 5, 8, 10]
    kept = [i for i in range(10) if i + 1 in (1, 2, 4, 5, 8, 10)]
    assert rows == [r for r in expected_rows(model, reviews) if r["line"] - 1 in kept]


def test_a_run_resumes_where_it_stopped(tmp_path, capsys):
    write_jsonl(tmp_path / "in.jsonl", make_reviews(30, 8, seed=5))
    args = [str(BUNDLED_MODEL), str(tmp_path / "in.jsonl"), str(tmp_path / "out"), "--keep", "id",
            "--scheduler", "synchronous", "--partition-lines", "10", "--no-progress"]
    assert score.main(args) == 0
    parts = sorted((tmp_path / "out").glob("part-*.jsonl"))
    assert len(parts) == 3
    original = parts[1].read_text()
    parts[0].write_text('{"marker": true}\n')  # kept: a written partition is not redone
    parts[1].unlink()
    (tmp_path / "out" / "part-00002.jsonl.tmp-dead").write_text("half a row")
    capsys.readouterr()
    assert score.main(args) == 0
    assert "10 documents in 1 partitions" in capsys.readouterr().out
    assert parts[0].read_text() == '{"marker": true}\n'
    assert parts[1].read_text() == original
    assert not list((tmp_path / "out").glob("*.tmp-*"))
    assert score.main(args + ["--attention"]) == 2
    assert "holds a run with other settings or input (attention differ)" in capsys.readouterr().err


def test_tsv_and_csv_give_the_rows_of_jsonl(model, tmp_path):
    reviews = make_reviews(40, 12, seed=6)
    reviews[3] = 'Commas, "quotes" and, more: a, b'
    with open(tmp_path / "in.tsv", "w", encoding="utf-8") as file:
        for i, text in enumerate(reviews):
            file.write(f"r{i}\t{text}\n")
    with open(tmp_path / "in.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["id", "text"])
        writer.writerows([f"r{i}", text] for i, text in enumerate(reviews))
    expected = expected_rows(model, reviews)
    # TSV without a header, on the default LocalCluster (here of 2 workers).
    result = run_score(BUNDLED_MODEL, tmp_path / "in.tsv", tmp_path / "tsv", "--columns",
                       "id,text", "--keep", "id", "--workers", "2", "--partition-lines", "15")
    assert result.returncode == 0, result.stderr
    assert read_output(tmp_path / "tsv") == expected
    assert score.main([str(BUNDLED_MODEL), str(tmp_path / "in.csv"), str(tmp_path / "csv"),
                       "--keep", "id", "--scheduler", "synchronous", "--no-progress"]) == 0
    assert read_output(tmp_path / "csv") == [dict(r, line=r["line"] + 1) for r in expected]


def test_html_fragments_and_their_stylesheet(model, tmp_path):
    reviews = make_reviews(5, 10, seed=7)
    write_jsonl(tmp_path / "in.jsonl", reviews)
    assert score.main([str(BUNDLED_MODEL), str(tmp_path / "in.jsonl"), str(tmp_path / "out"),
                       "--html", "--scheduler", "synchronous", "--no-progress"]) == 0
    rows = read_output(tmp_path / "out")
    assert [r["html"] for r in rows] == [
        han.render.highlight_html(t, model.predict(t)) for t in reviews]
    assert (tmp_path / "out" / "han-highlight.css").read_text() == han.render.STYLESHEET


def test_bad_invocations_are_one_line_errors(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", ["fine."])
    (tmp_path / "in.tsv.gz").write_bytes(b"\x1f\x8b\x08\x00")
    model, source = str(BUNDLED_MODEL), str(tmp_path / "in.jsonl")
    cases = [
        ([model, str(tmp_path / "in.tsv.gz"), "o1", "--format", "tsv"], "is compressed (gzip)"),
        ([model, str(tmp_path / "none.jsonl"), "o2"], "no such file"),
        ([str(tmp_path / "none.han"), source, "o3"], "cannot read model"),
        ([model, source, "o4", "--text-column", "body", "--format", "tsv", "--columns", "a,b"],
         "no column 'body'"),
    ]
    have_engine = any(_importable(m) for m in ("pyarrow", "fastparquet"))
    if not have_engine:
        cases.append(([model, source, "o5", "--output-format", "parquet"], "needs pyarrow"))
    for argv, message in cases:
        argv = [a if not a.startswith("o") or "/" in a else str(tmp_path / a) for a in argv]
        result = run_score(*argv, "--scheduler", "synchronous")
        assert result.returncode == 2, (argv, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def _importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
