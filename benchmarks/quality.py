"""Match quality of UBR and Splink side by side on data sets with a known answer.

    python benchmarks/quality.py [--datasets febrl3,febrl4,dedupe-examples] [--tools ubr,splink]
    python benchmarks/quality.py --datasets second-100000,demo-10000   # generated sets
    python benchmarks/quality.py --datasets name-lists,two-guides      # link-only shapes

`second-N` is N records of the second generator (benchmarks/second_generator), `demo-N` the
demo registers of N businesses.

Each tool runs as its own subprocess on the same prepared CSVs and writes the same contract
(clusters.csv, pairs.csv); both are then scored by the same code in metrics.py. Seconds and peak
memory are those of the whole subprocess (imports, reading, training, scoring, clustering,
writing). Prints one row per data set and tool.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import metrics, ubr_runner  # noqa: E402
from benchmarks.datasets import (  # noqa: E402
    CACHE,
    QUALITY_SETS,
    Dataset,
    load_dataset,
    record_keys,
    safe_name,
)

SPLINK_RUNNER = Path(__file__).resolve().parent / "splink_runner.py"
ORACLE_THRESHOLDS = (0.5, 0.7, 0.8, 0.95, 0.99, 0.999)


@dataclass(frozen=True)
class Measured:
    """Wall time and peak resident memory of one finished subprocess."""

    seconds: float
    peak_mb: float
    returncode: int


# A tiny launcher between the harness and the tool. Linux carries a process's peak RSS across
# exec, so a tool forked straight from this (large) harness would be charged the harness's own
# peak; forked from the launcher (~10 MB) it is charged only its own. The launcher reports its
# children's peak (RUSAGE_CHILDREN: just the tool and whatever the tool waited for).
_LAUNCHER = (
    "import json, resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(json.dumps({'returncode': code, 'maxrss_kb': peak}))\n"
    "sys.exit(code)\n"
)


def run_measured(cmd: list[str], log_path: Path, timeout: float | None = None) -> Measured:
    """Run `cmd` through the launcher; return wall time, the tool's peak RSS and exit code.

    A run past `timeout` seconds is killed (its whole process group) and reported as -9.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    usage_path = log_path.with_suffix(".usage.json")
    usage_path.unlink(missing_ok=True)
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(usage_path), *cmd]
    with log_path.open("w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(launcher, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        seconds = time.perf_counter() - start
    if not usage_path.exists():
        return Measured(round(seconds, 2), float("nan"), process.returncode or -9)
    usage = json.loads(usage_path.read_text())
    return Measured(round(seconds, 2), round(usage["maxrss_kb"] / 1024, 1),
                    usage["returncode"])


def tool_command(
    tool: str, dataset: Dataset, mapping: Path, files: list[Path], out_dir: Path,
    extra_thresholds: tuple[float, ...] = (), ubr_options: tuple[str, ...] = ("--all-pairs",),
    ubr_tree: Path | None = None,
) -> list[str]:
    """The tool's command line. UBR's pairs.csv keeps only the pairs that matter unless
    `--all-pairs` (quality runs: blocking recall from pairs.csv) or `--candidates` (speed
    runs: candidate_pairs.parquet, cheap at a million businesses) is passed. `ubr_tree`: run
    UBR's code from that folder (a baseline commit's files) instead of this checkout."""
    if tool == "ubr":
        options = (*ubr_options, "--link-only") if dataset.link_only else ubr_options
        return ubr_runner.command(mapping, out_dir, files, extra=options, tree=ubr_tree)
    if tool == "splink":
        cmd = [sys.executable, str(SPLINK_RUNNER), "--profile", dataset.profile,
               "--mapping", str(mapping), "--out", str(out_dir)]
        if dataset.link_only:
            cmd += ["--link-type", "link_only"]
        if extra_thresholds:
            cmd += ["--also-cluster-at", ",".join(str(t) for t in extra_thresholds)]
        return cmd + [str(f) for f in files]
    raise ValueError(f"unknown tool {tool!r}; known: ubr, splink")


def evaluate(dataset: Dataset, out_dir: Path, clusters_name: str = "clusters.csv") -> dict:
    """Score a tool's output files against the answer key."""
    truth = dataset.truth_series()
    clusters = pd.read_csv(out_dir / clusters_name, dtype=str)
    predicted = pd.Series(
        clusters["cluster_id"].to_numpy(),
        index=record_keys(clusters["file"], clusters["record_id"]),
    )
    pairwise = metrics.pairwise(predicted, truth)
    bcubed = metrics.bcubed(predicted, truth)
    mixed = metrics.mixed_clusters(predicted, truth, dataset.addresses())
    row = {
        "pairwise_p": pairwise.precision, "pairwise_r": pairwise.recall, "pairwise_f1": pairwise.f1,
        "bcubed_p": bcubed.precision, "bcubed_r": bcubed.recall, "bcubed_f1": bcubed.f1,
        "records_missing": int((~truth.index.isin(predicted.index)).sum()),
        "mixed_clusters": mixed.clusters, "mixed_at_shared_office": mixed.at_shared_office,
    }
    pairs_path = out_dir / "pairs.csv"
    candidates_path = out_dir / "candidate_pairs.parquet"
    if candidates_path.exists():  # UBR's compact list of every pair it scored (--candidates)
        candidates, recall = candidate_recall(candidates_path, truth)
        row.update(candidate_pairs=candidates, blocking_recall=recall)
    elif pairs_path.exists():  # out of core: a million businesses make hundreds of millions
        block = metrics.blocking_from_csv(pairs_path, truth)
        row.update(candidate_pairs=block.candidate_pairs, blocking_recall=block.recall)
    return row


def candidate_recall(path: Path, truth: pd.Series) -> tuple[int, float]:
    """Blocking recall from UBR's candidate_pairs.parquet (`ubr dedupe --candidates`).

    Pairs are record positions `l`, `r` into candidate_records.parquet (`pos`, `file`,
    `record_id`). Rows with `identical` map a record (`r`) to the representative (`l`) it was
    collapsed into (records identical on every compared field are linked once); other rows are
    the pairs of representatives UBR scored, each standing for every pair of records they
    represent. A true pair is kept when both records share a representative or their
    representatives were a candidate pair. Returns (pairs scored, recall); DuckDB, out of core.
    """
    import duckdb

    keys = pd.DataFrame({"key": truth.index.astype(str), "entity": truth.astype(str).to_numpy()})
    records = path.with_name("candidate_records.parquet")
    con = duckdb.connect()
    con.register("truth_keys", keys)
    query = f"""
        WITH cand AS (SELECT l, r, identical FROM read_parquet('{path}')),
        recs AS (SELECT pos, file || '/' || record_id AS key FROM read_parquet('{records}')),
        repmap AS (SELECT r AS member, any_value(l) AS rep FROM cand WHERE identical
                   GROUP BY r),
        rec AS (SELECT coalesce(m.rep, k.pos) AS rep, t.entity FROM truth_keys t
                JOIN recs k ON k.key = t.key LEFT JOIN repmap m ON m.member = k.pos),
        cnt AS (SELECT rep, entity, count(*) AS c FROM rec GROUP BY rep, entity),
        pairs AS (SELECT DISTINCT least(l, r) AS lo, greatest(l, r) AS hi FROM cand
                  WHERE NOT identical AND l <> r)
        SELECT (SELECT count(*) FROM pairs),
               (SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM cnt),
               (SELECT coalesce(sum(x.c * y.c), 0) FROM pairs p JOIN cnt x ON x.rep = p.lo
                JOIN cnt y ON y.rep = p.hi AND y.entity = x.entity)
    """
    scored, within, across = con.execute(query).fetchall()[0]
    con.close()
    sizes = truth.astype(str).value_counts()
    true_pairs = float((sizes * (sizes - 1) / 2).sum())
    return int(scored), float((within + across) / true_pairs) if true_pairs else 1.0


def run_one(tool: str, dataset: Dataset, work: Path, oracle: bool = False,
            ubr_tree: Path | None = None) -> list[dict]:
    """Run one tool on one data set; return its row (and Splink's hindsight-threshold row)."""
    base = {"dataset": dataset.name, "tool": tool, "records": dataset.records}
    if tool == "ubr":
        ok, why = ubr_runner.available(ubr_tree)
        if not ok:
            return [{**base, "error": why}]
    inputs = work / safe_name(dataset.name) / "input"
    mapping, files = dataset.write(inputs)
    out_dir = work / safe_name(dataset.name) / tool
    extra = ORACLE_THRESHOLDS if (oracle and tool == "splink") else ()
    measured = run_measured(
        tool_command(tool, dataset, mapping, files, out_dir, extra, ubr_tree=ubr_tree),
        out_dir.with_suffix(".log"),
    )
    base.update(seconds=measured.seconds, peak_mb=measured.peak_mb)
    if measured.returncode != 0 or not (out_dir / "clusters.csv").exists():
        log = out_dir.with_suffix(".log").read_text(errors="replace").strip().splitlines()
        return [{**base, "error": f"exit {measured.returncode}: {(log or [''])[-1][:200]}"}]
    rows = [{**base, **evaluate(dataset, out_dir)}]
    if extra:
        candidates = [(t, evaluate(dataset, out_dir, f"clusters_at_{t}.csv")) for t in extra]
        best_t, best = max(candidates, key=lambda c: c[1]["pairwise_f1"])
        if best["pairwise_f1"] > rows[0]["pairwise_f1"]:
            rows.append({**base, "tool": f"splink @{best_t} (hindsight)", **best,
                         "seconds": None, "peak_mb": None})
    return rows


def _fmt(value: object, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _mixed(row: dict) -> str:
    if row.get("mixed_clusters") is None:
        return "–"
    return f"{row['mixed_clusters']:,} ({row['mixed_at_shared_office']:,})"


def table(rows: list[dict]) -> str:
    """Markdown table: dataset, tool, pairwise and B-cubed P/R/F1, blocking, seconds, memory."""
    head = ("| data set | tool | pairwise P | pairwise R | pairwise F1 | B³ P | B³ R | B³ F1 "
            "| candidate pairs | blocking recall | mixed clusters (at a shared office) "
            "| seconds | peak MB |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['dataset']} | {r['tool']} | not run: {r['error']} "
                         "|  |  |  |  |  |  |  |  |  |  |")
            continue
        cells = [r["dataset"], r["tool"]] + [
            _fmt(r.get(k)) for k in ("pairwise_p", "pairwise_r", "pairwise_f1",
                                     "bcubed_p", "bcubed_r", "bcubed_f1")
        ] + [_fmt(r.get("candidate_pairs")), _fmt(r.get("blocking_recall")),
             _mixed(r), _fmt(r.get("seconds"), 1), _fmt(r.get("peak_mb"), 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_quality(names: list[str], tools: list[str], work: Path, oracle: bool,
                ubr_tree: Path | None = None) -> list[dict]:
    rows = []
    for name in names:
        dataset = load_dataset(name)
        for tool in tools:
            rows.extend(run_one(tool, dataset, work, oracle, ubr_tree))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(QUALITY_SETS))
    parser.add_argument("--tools", default="ubr,splink")
    parser.add_argument("--work", type=Path, default=CACHE / "runs")
    parser.add_argument("--no-oracle", action="store_true",
                        help="skip Splink's best-threshold-in-hindsight diagnostic row")
    parser.add_argument("--ubr-tree", type=Path, default=None,
                        help="run UBR's code from this folder (e.g. `git archive COMMIT | tar "
                        "-x -C DIR`): a baseline commit's engine while the checkout changes")
    args = parser.parse_args(argv)
    rows = run_quality(args.datasets.split(","), args.tools.split(","), args.work,
                       not args.no_oracle, args.ubr_tree)
    print(table(rows))
    (args.work / "quality.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
