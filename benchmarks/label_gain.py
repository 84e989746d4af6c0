"""What labels buy: pairwise F1 after each round of 50 labels chosen by active learning.

    python benchmarks/label_gain.py [--datasets dedupe-examples,febrl3] [--rounds 4]
                                    [--per-round 50]

Round 0 is `ubr dedupe` with no label and `--propose N`: the N pairs the model is least sure
of. A person's answers are played by the answer key: each proposed pair is labelled a match
when both records are the same entity. Every later round runs again with all the labels so
far (`--labels`) and proposes N more. The data sets are ones the engine was not shaped on.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ubr_runner  # noqa: E402
from benchmarks.datasets import CACHE, load_dataset, record_keys, safe_name  # noqa: E402
from benchmarks.quality import evaluate, run_measured  # noqa: E402


def answer(proposed: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """The proposed pairs with `match` filled from the answer key (1 same entity, else 0)."""
    left = truth.reindex(record_keys(proposed["file_l"], proposed["record_id_l"]))
    right = truth.reindex(record_keys(proposed["file_r"], proposed["record_id_r"]))
    same = left.to_numpy() == right.to_numpy()
    return proposed.assign(match=same.astype(int))


def gain(name: str, rounds: int, per_round: int, work: Path) -> list[dict]:
    """One row per round: labels so far, F1, precision, recall, threshold the labels chose."""
    dataset = load_dataset(name)
    truth = dataset.truth_series()
    folder = work / safe_name(name)
    mapping, files = dataset.write(folder / "input")
    labels_path = folder / "labels.csv"
    labels = pd.DataFrame()
    rows = []
    for round_number in range(rounds + 1):
        out = folder / f"round_{round_number}"
        extra = ["--propose", str(per_round)]
        if dataset.link_only:
            extra.append("--link-only")
        if len(labels):
            labels.to_csv(labels_path, index=False)
            extra += ["--labels", str(labels_path)]
        measured = run_measured(ubr_runner.command(mapping, out, files, extra=tuple(extra)),
                                out.with_suffix(".log"))
        if measured.returncode != 0:
            raise SystemExit(f"{name} round {round_number}: ubr dedupe failed, see "
                             f"{out.with_suffix('.log')}")
        scores = evaluate(dataset, out)
        threshold = pd.read_json(out / "model.json", typ="series").get("labels", {})
        rows.append({"dataset": name, "labels": len(labels),
                     "matches_labelled": int(labels["match"].sum()) if len(labels) else 0,
                     "pairwise_p": scores["pairwise_p"], "pairwise_r": scores["pairwise_r"],
                     "pairwise_f1": scores["pairwise_f1"],
                     "threshold": (threshold or {}).get("threshold_from_labels")})
        print(_line(rows[-1]), flush=True)
        proposed = pd.read_csv(out / "to_label.csv", dtype=str)
        labels = pd.concat([labels, answer(proposed, truth)], ignore_index=True)
    return rows


def _line(row: dict) -> str:
    threshold = "" if row["threshold"] is None else f"{row['threshold']:.3f}"
    return (f"| {row['dataset']} | {row['labels']} | {row['matches_labelled']} | "
            f"{row['pairwise_p']:.3f} | {row['pairwise_r']:.3f} | {row['pairwise_f1']:.3f} | "
            f"{threshold} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="dedupe-examples,febrl3")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--work", type=Path, default=CACHE / "label_gain")
    args = parser.parse_args(argv)
    print("| data set | labels | of which matches | pairwise P | pairwise R | pairwise F1 | "
          "threshold from labels |\n|---|---|---|---|---|---|---|")
    for name in args.datasets.split(","):
        gain(name.strip(), args.rounds, args.per_round, args.work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
