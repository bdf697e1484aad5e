"""Bulk scoring on Dask: python -m han.score MODEL INPUT OUTPUT [options] (--help; docs/python.md).

The input (TSV, CSV or JSON Lines; one record per line) is cut into partitions of whole lines,
read as a dask.dataframe of pandas partitions, and each partition is scored on a Dask worker,
which loads the model once (from bytes sent with the graph) and writes OUTPUT/part-NNNNN.jsonl.
A part file appears complete or not at all, so a run started again skips what is written.
"""

import argparse
import csv
import hashlib
import json
import os
import sys
import threading
import time
import uuid

MANIFEST = "_han_score.json"
FORMATS = ("tsv", "csv", "jsonl")

HELP_EPILOG = """\
INPUT is a plain file (not compressed: a gzip stream cannot be split into partitions) whose
format comes from its extension (.tsv, .csv, .jsonl, .json) or --format. TSV and CSV have a
header line naming the columns unless --columns names them; records must not span lines.
OUTPUT is a directory of part-NNNNN.jsonl files (JSON Lines: line, the --keep columns, label,
probabilities, truncated, and with --attention the sentences and words, with --html the
highlighted HTML fragment, which OUTPUT/han-highlight.css styles). --output-format parquet
needs pyarrow or fastparquet, which Debian bookworm does not package. With --scheduler, INPUT
and OUTPUT must be paths every worker can read and write (the same machine or a shared
filesystem); the model travels with the job.
"""


class UsageError(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m han.score", description="Scores every record of INPUT with MODEL on Dask.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", metavar="MODEL", help="a .han model file")
    parser.add_argument("input", metavar="INPUT", help="TSV, CSV or JSON Lines")
    parser.add_argument("output", metavar="OUTPUT", help="the output directory")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a Dask scheduler (tcp://host:port); 'synchronous' scores in this "
                             "process; default: a LocalCluster of --workers processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers of the LocalCluster (default: the cores, %(default)s)")
    parser.add_argument("--format", choices=FORMATS, help="the input format (default: from the "
                        "extension)")
    parser.add_argument("--columns", metavar="A,B,...",
                        help="TSV/CSV without a header line: the column names")
    parser.add_argument("--text-column", default="text", help="default: %(default)s")
    parser.add_argument("--keep", metavar="A,B,...", default="",
                        help="columns (JSON fields) copied to each output row")
    parser.add_argument("--partition-lines", type=int, default=10000,
                        help="input lines per partition (default: %(default)s)")
    parser.add_argument("--attention", action="store_true",
                        help="include the sentences and words with their weights")
    parser.add_argument("--html", action="store_true",
                        help="include the highlighted HTML fragment (han.render)")
    parser.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                        help="a malformed record fails the run (default) or is skipped; either "
                             "way its line number is reported")
    parser.add_argument("--output-format", choices=("jsonl", "parquet"), default="jsonl")
    parser.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.partition_lines < 1:
        parser.error("--workers and --partition-lines must be positive")
    if args.format is None:
        extension = os.path.splitext(args.input)[1].lower()
        args.format = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(
            extension)
        if args.format is None:
            parser.error(f"cannot tell the format of {args.input!r} from its extension: "
                         "give --format tsv|csv|jsonl")
    if args.columns is not None and args.format == "jsonl":
        parser.error("--columns is for TSV and CSV")
    args.keep = [c for c in args.keep.split(",") if c]
    return args


# ---------------------------------------------------------------------------------------------
# Reading: partitions of whole lines, each a pandas DataFrame of line, text, kept columns and
# the reason a record is malformed (None when it is not).

def split_fields(line, fmt):
    if fmt == "tsv":
        return line.split("\t")
    return next(csv.reader([line]))


def header_of(args):
    """The column names and the number of the first data line."""
    if args.format == "jsonl":
        return None, 1
    if args.columns is not None:
        return args.columns.split(","), 1
    with open(args.input, "rb") as file:
        first = file.readline().decode("utf-8", "replace").rstrip("\r\n")
    return split_fields(first, args.format), 2


def plan_partitions(path, first_line, lines_per_partition):
    """[(number, start byte, end byte, first line number)] covering the file after its header."""
    partitions = []
    with open(path, "rb") as file:
        for _ in range(first_line - 1):
            file.readline()
        start, line, count = file.tell(), first_line, 0
        position = start
        while True:
            chunk = file.readline()
            if not chunk:
                break
            position += len(chunk)
            count += 1
            if count == lines_per_partition:
                partitions.append((len(partitions), start, position, line))
                start, line, count = position, line + count, 0
        if count:
            partitions.append((len(partitions), start, position, line))
    return partitions


def parse_record(line, spec):
    """(text, kept values) of one line, or raises ValueError saying why it is malformed."""
    text_column, keep, fmt, columns = spec["text_column"], spec["keep"], spec["format"], spec["columns"]
    if fmt == "jsonl":
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"invalid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
    else:
        try:
            fields = split_fields(line, fmt)
        except csv.Error as e:
            raise ValueError(f"invalid CSV ({e})") from None
        if len(fields) != len(columns):
            raise ValueError(f"expected {len(columns)} fields, found {len(fields)}")
        record = dict(zip(columns, fields))
    for name in [text_column, *keep]:
        if name not in record:
            raise ValueError(f"no {name!r} field")
    if not isinstance(record[text_column], str):
        raise ValueError(f"{text_column!r} is not a string")
    return record[text_column], [record[name] for name in keep]


def read_partition(partition, spec):
    import pandas as pd

    number, start, end, first_line = partition
    with open(spec["input"], "rb") as file:
        file.seek(start)
        block = file.read(end - start).decode("utf-8", "replace")
    lines = block.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = []
    for offset, line in enumerate(lines):
        line = line[:-1] if line.endswith("\r") else line
        try:
            text, kept = parse_record(line, spec)
            error = None
        except ValueError as e:
            text, kept, error = None, [None] * len(spec["keep"]), str(e)
        rows.append([number, first_line + offset, text, error, *kept])
    return pd.DataFrame(rows, columns=frame_columns(spec))


def frame_columns(spec):
    return ["partition", "line", "text", "error", *(f"keep:{name}" for name in spec["keep"])]


def read_input(partitions, spec):
    """The input as a dask.dataframe, one pandas partition per entry of `partitions`."""
    import dask.dataframe as dd
    import pandas as pd

    meta = pd.DataFrame({name: pd.Series(dtype="int64" if name in ("partition", "line") else "object")
                         for name in frame_columns(spec)})
    return dd.from_map(read_partition, partitions, spec=spec, meta=meta, enforce_metadata=False)


# ---------------------------------------------------------------------------------------------
# Scoring, on the workers.

class ModelBytes:
    """The model file travelling with the job; each worker process loads it once."""

    def __init__(self, data):
        self.data = data
        self.digest = hashlib.sha256(data).hexdigest()


_models = {}
_models_lock = threading.Lock()


def worker_model(payload):
    with _models_lock:
        model = _models.get(payload.digest)
        if model is None:
            import han

            model = _models[payload.digest] = han.load(payload.data)
        return model


def part_path(output, number, extension):
    return os.path.join(output, f"part-{number:05d}.{extension}")


def score_partition(frame, payload, spec):
    """Scores one partition and writes its part file; returns a one-row summary."""
    import pandas as pd

    from .render import highlight_html

    model = worker_model(payload)
    number = int(frame["partition"].iloc[0])
    bad = frame[frame["error"].notna()]
    skipped = [f"{spec['input']}:{line}: {error}" for line, error in zip(bad["line"], bad["error"])]
    if skipped and spec["on_error"] == "fail":
        raise ValueError(skipped[0])
    good = frame[frame["error"].isna()]
    predictions = model.predict_batch(good["text"].tolist(), threads=1)
    rows = []
    keep_columns = [f"keep:{name}" for name in spec["keep"]]
    for (line, text, *kept), prediction in zip(
            good[["line", "text", *keep_columns]].itertuples(index=False, name=None), predictions):
        row = {"line": int(line), **dict(zip(spec["keep"], kept)), "label": prediction["label"],
               "probabilities": prediction["probabilities"], "truncated": prediction["truncated"]}
        if spec["attention"]:
            row["sentences"] = prediction["sentences"]
        if spec["html"]:
            row["html"] = highlight_html(text, prediction)
        rows.append(row)
    write_part(rows, spec, number)
    return pd.DataFrame({"partition": [number], "rows": [len(rows)],
                         "skipped": [json.dumps(skipped)]})


def write_part(rows, spec, number):
    """Writes beside the final name, then renames: a part file is complete or absent."""
    extension = spec["output_format"]
    final = part_path(spec["output"], number, extension)
    temporary = f"{final}.tmp-{uuid.uuid4().hex}"
    if extension == "jsonl":
        with open(temporary, "w", encoding="utf-8") as file:
            for row in rows:
                file.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        import pandas as pd

        frame = pd.DataFrame(rows)
        for column in ("probabilities", "sentences"):
            if column in frame:
                frame[column] = frame[column].map(json.dumps)
        frame.to_parquet(temporary, index=False)
    os.replace(temporary, final)


# ---------------------------------------------------------------------------------------------
# The run, on the client.

def check_parquet():
    for engine in ("pyarrow", "fastparquet"):
        try:
            __import__(engine)
            return
        except ImportError:
            pass
    raise UsageError("--output-format parquet needs pyarrow or fastparquet, and neither is "
                     "installed (Debian bookworm packages neither); use the default JSON Lines")


def prepare_output(args, spec, model_digest):
    """Creates OUTPUT or checks that it holds a run with the same settings; returns the numbers
    of the partitions already written."""
    manifest = {"input": os.path.abspath(args.input), "input_bytes": os.path.getsize(args.input),
                "input_mtime_ns": os.stat(args.input).st_mtime_ns, "model_sha256": model_digest,
                **{k: spec[k] for k in ("format", "columns", "text_column", "keep", "attention",
                                        "html", "on_error", "output_format", "partition_lines")}}
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, MANIFEST)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            previous = json.load(file)
        changed = sorted(k for k in manifest if previous.get(k) != manifest[k])
        if changed:
            raise UsageError(f"{args.output} holds a run with other settings or input "
                             f"({', '.join(changed)} differ): use another directory, or empty it")
    else:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(manifest, file, indent=2)
    for name in os.listdir(args.output):
        if ".tmp-" in name:  # left by a worker that died while writing
            os.remove(os.path.join(args.output, name))
    return {int(name[5:10]) for name in os.listdir(args.output)
            if name.startswith("part-") and name.endswith("." + args.output_format)}


class Progress:
    def __init__(self, total, enabled):
        self.total, self.enabled, self.done, self.rows = total, enabled, 0, 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()

    def update(self, rows):
        self.done += 1
        self.rows += rows
        if not self.enabled:
            return
        rate = self.rows / max(time.monotonic() - self.start, 1e-9)
        width = 30
        filled = int(width * self.done / self.total)
        line = (f"han.score [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"partitions, {self.rows} documents, {rate:.0f} docs/s")
        print(("\r" if self.tty else "") + line, end="" if self.tty else "\n", file=sys.stderr,
              flush=True)

    def close(self):
        if self.enabled and self.tty and self.done:
            print(file=sys.stderr)


def start_client(args):
    from distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


def run(args):
    if not os.path.isfile(args.input):
        raise UsageError(f"cannot read input {args.input!r}: no such file")
    with open(args.input, "rb") as file:
        if file.read(2) == b"\x1f\x8b":
            raise UsageError(f"{args.input} is compressed (gzip), which cannot be split into "
                             "partitions: decompress it first")
    if args.output_format == "parquet":
        check_parquet()
    try:
        with open(args.model, "rb") as file:
            payload = ModelBytes(file.read())
    except OSError as e:
        raise UsageError(f"cannot read model {args.model!r}: {e.strerror}") from None
    columns, first_line = header_of(args)
    if columns is not None and args.text_column not in columns:
        raise UsageError(f"{args.input}: no column {args.text_column!r} (columns: "
                         f"{', '.join(columns)}); see --text-column and --columns")
    spec = {"input": os.path.abspath(args.input), "output": os.path.abspath(args.output),
            "format": args.format, "columns": columns, "text_column": args.text_column,
            "keep": args.keep, "attention": args.attention, "html": args.html,
            "on_error": args.on_error, "output_format": args.output_format,
            "partition_lines": args.partition_lines}
    done = prepare_output(args, spec, payload.digest)
    if args.html:  # what the fragments' classes need, beside them
        from .render import STYLESHEET

        with open(os.path.join(args.output, "han-highlight.css"), "w", encoding="utf-8") as file:
            file.write(STYLESHEET)
    partitions = plan_partitions(args.input, first_line, args.partition_lines)
    todo = [p for p in partitions if p[0] not in done]
    skipped, rows = [], []

    def finished(summary):
        rows.append(int(summary["rows"].iloc[0]))
        progress.update(rows[-1])
        for message in json.loads(summary["skipped"].iloc[0]):
            skipped.append(message)
            print(f"han.score: skipped {message}", file=sys.stderr)

    seconds = 0.0
    if todo:
        import dask

        frames = read_input(todo, spec)
        summaries = frames.map_partitions(score_partition, dask.delayed(payload), spec,
                                          meta={"partition": "int64", "rows": "int64",
                                                "skipped": "object"}).to_delayed()
        client, cluster = (None, None) if args.scheduler == "synchronous" else start_client(args)
        progress = Progress(len(todo), not args.no_progress)
        try:
            if client is None:
                for summary in summaries:
                    finished(summary.compute(scheduler="synchronous"))
            else:
                from distributed import as_completed

                for future in as_completed(client.compute(summaries)):
                    finished(future.result())
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        progress.close()
        seconds = time.monotonic() - progress.start
    print(f"han.score: {sum(rows)} documents in {len(todo)} partitions written to {args.output} "
          f"in {seconds:.2f} s, {sum(rows) / max(seconds, 1e-9):.0f} docs/s "
          f"({len(partitions) - len(todo)} partitions already there, {len(skipped)} records "
          "skipped)")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(args)
    except UsageError as e:
        print(f"han.score: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the loader's, a malformed record's, or Dask's message: one line
        name = type(e).__name__
        print(f"han.score: error: {e}" if name in ("ModelError", "ValueError") else
              f"han.score: error: {name}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # The workers must find the functions by name in han.score, not unpickle them from __main__.
    from han.score import main as score_main

    sys.exit(score_main())
