"""Labelled pairs for `ubr dedupe`: read a file a person filled in, propose what to label next.

The file has the columns of pairs.csv that name a pair (file_l, record_id_l, file_r,
record_id_r) and a `match` column (1/0, true/false, yes/no, match/non_match). `--propose N`
writes DIR/to_label.csv in that shape with `match` empty: the N pairs the model is least sure
of, each record once. Label them, pass the file back with `--labels`, and run again.
"""

from pathlib import Path

import pandas as pd

from matching.labels import LabelError, most_informative, verdicts
from registry.csv_safety import write_safe_csv

PAIR_COLUMNS = ["file_l", "record_id_l", "file_r", "record_id_r"]


def read_labels(path: Path, key_sep: str) -> pd.DataFrame:
    """record_key_l, record_key_r, match of a labels file, in the run's record keys; pairs
    naming records not in the run are counted by the caller's progress line, not refused."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise LabelError(f"{path}: not a readable CSV file ({type(exc).__name__})") from None
    missing = [c for c in [*PAIR_COLUMNS, "match"] if c not in frame.columns]
    if missing:
        raise LabelError(f"{path}: missing column(s) {', '.join(missing)}; a labels file has "
                         f"{', '.join(PAIR_COLUMNS)} and match (as to_label.csv)")
    labelled = frame[frame["match"].str.strip() != ""]
    return pd.DataFrame({
        "record_key_l": (labelled["file_l"] + key_sep + labelled["record_id_l"]).to_numpy(),
        "record_key_r": (labelled["file_r"] + key_sep + labelled["record_id_r"]).to_numpy(),
        "match": verdicts(labelled["match"], str(path)),
    })


def write_proposals(head: pd.DataFrame, keys: pd.DataFrame, count: int,
                    labels: pd.DataFrame | None, path: Path) -> int:
    """The `count` most informative pairs of pairs.csv (`head`: its pair columns and
    probability; `keys`: their record keys) not yet labelled, as to_label.csv."""
    done = set() if labels is None else {
        (min(a, b), max(a, b)) for a, b in zip(labels["record_key_l"], labels["record_key_r"],
                                              strict=True)}
    candidates = pd.concat([head.reset_index(drop=True), keys.reset_index(drop=True)], axis=1)
    chosen = most_informative(candidates, count, done)
    proposal = chosen[[*PAIR_COLUMNS, "match_probability"]].assign(match="")
    write_safe_csv(proposal, path)  # ids come from the user's files: formulas made inert
    return len(proposal)
