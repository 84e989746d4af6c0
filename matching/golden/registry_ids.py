"""Persistent registry ids: a cluster of this run inherits the id of the business it continues.

Id format: `UBR-` + 8-digit sequence + 1 Luhn check digit, e.g. `UBR-000000125` (sequence 12,
check digit 5). Sequences are allocated in increasing order, so a smaller sequence is an
older business. The check digit catches a mistyped id before it reaches the database.

Rules (docs/golden-records.md), all vectorised over (cluster, previous id) overlaps:
1. Each previous active id picks its *home*: the cluster holding most of its member records
   (ties: the smaller cluster_id).
2. A cluster chosen as home by several ids keeps the oldest (smallest sequence); the others
   are retired into it (events `merged` on the survivor and `retired` on the old id).
3. A cluster that is nobody's home gets a new id: `split` if it holds records of a previous
   business (the largest part kept the old id), else `created`.
4. A previous id whose records all left the input is `retired` with no successor.
5. A record whose id changed is `record_moved` (unless its whole business merged); a record
   new to the registry joining an existing business is `record_added`; one gone from the
   input is `record_removed`.
Same input, same previous state: every cluster finds its own id and no event is made.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from stdnum import luhn

from matching.golden.keys import split_record_keys

PREFIX = "UBR-"
SEQUENCE_DIGITS = 8
EVENT_KINDS: tuple[str, ...] = (
    "created", "merged", "split", "retired", "updated", "record_moved", "record_added",
    "record_removed",
)
EVENT_COLUMNS = ["registry_id", "kind", "other_registry_id", "source", "source_record_id",
                 "reason"]


def format_registry_id(sequence: int) -> str:
    """`UBR-` + zero-padded sequence + Luhn check digit."""
    if not 0 < sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"registry id sequence out of range: {sequence}")
    body = f"{sequence:0{SEQUENCE_DIGITS}d}"
    return f"{PREFIX}{body}{luhn.calc_check_digit(body)}"


def format_registry_ids(sequences: np.ndarray) -> np.ndarray:
    """`format_registry_id` for many sequences at once (Luhn in numpy)."""
    seq = np.asarray(sequences, dtype=np.int64)
    if len(seq) and (seq.min() <= 0 or seq.max() >= 10**SEQUENCE_DIGITS):
        raise ValueError("registry id sequence out of range")
    powers = 10 ** np.arange(SEQUENCE_DIGITS - 1, -1, -1, dtype=np.int64)
    digits = (seq[:, None] // powers[None, :]) % 10  # leftmost first
    doubled = np.zeros(SEQUENCE_DIGITS, bool)
    doubled[SEQUENCE_DIGITS - 1::-2] = True  # rightmost body digit is doubled
    value = np.where(doubled, digits * 2, digits)
    value = np.where(value > 9, value - 9, value)
    check = (10 - value.sum(axis=1) % 10) % 10
    body = pd.Series(seq).astype(str).str.zfill(SEQUENCE_DIGITS)
    return (PREFIX + body + pd.Series(check).astype(str)).to_numpy(object)


def is_valid_registry_id(value: str) -> bool:
    digits = value[len(PREFIX):] if value.startswith(PREFIX) else ""
    return len(digits) == SEQUENCE_DIGITS + 1 and digits.isdigit() and luhn.is_valid(digits)


def registry_id_sequence(values: pd.Series) -> pd.Series:
    """The sequence number of each id (its age order)."""
    return values.str.slice(len(PREFIX), len(PREFIX) + SEQUENCE_DIGITS).astype("int64")


@dataclass
class IdAssignment:
    cluster_ids: pd.DataFrame  # cluster_id, registry_id (one row per cluster)
    retired: pd.DataFrame  # registry_id, retired_into (None when the records all left)
    events: pd.DataFrame  # EVENT_COLUMNS
    next_sequence: int


def _events(frame: pd.DataFrame, **constants: object) -> pd.DataFrame:
    out = frame.assign(**constants)
    for column in EVENT_COLUMNS:
        if column not in out.columns:
            out[column] = None
    return out[EVENT_COLUMNS]


def assign_registry_ids(membership: pd.DataFrame, previous: pd.DataFrame,
                        next_sequence: int) -> IdAssignment:
    """Registry id per cluster of this run, and the events that explain every change.

    `membership`: record_key, cluster_id, source, source_record_id (this run, one row per
    record); `previous`: record_key, registry_id (the cross-reference of the active
    businesses before this run); `next_sequence`: the first unused sequence number.
    """
    prev = previous[["record_key", "registry_id"]]
    joined = membership.merge(prev, on="record_key", how="left")
    overlap = (joined[joined["registry_id"].notna()]
               .groupby(["registry_id", "cluster_id"], sort=True).size().rename("n")
               .reset_index())
    # 1. home cluster of each previous id: most of its records, ties to the smaller cluster_id
    homes = (overlap.sort_values(["registry_id", "n", "cluster_id"],
                                 ascending=[True, False, True], kind="stable")
             .drop_duplicates("registry_id"))
    homes = homes.assign(seq=registry_id_sequence(homes["registry_id"]).to_numpy())
    # 2. a cluster keeps the oldest of the ids that chose it
    homes = homes.sort_values(["cluster_id", "seq"], kind="stable")
    keeper = ~homes["cluster_id"].duplicated()
    kept = homes[keeper][["cluster_id", "registry_id"]]
    merged = homes[~keeper].merge(kept.rename(columns={"registry_id": "into"}), on="cluster_id")
    # 3. clusters nobody calls home get new ids, in cluster_id order (stable across runs)
    clusters = pd.DataFrame({"cluster_id": np.sort(membership["cluster_id"].unique())})
    clusters = clusters.merge(kept, on="cluster_id", how="left")
    new = clusters["registry_id"].isna().to_numpy()
    sequences = np.arange(next_sequence, next_sequence + int(new.sum()))
    clusters.loc[new, "registry_id"] = format_registry_ids(sequences)
    new_ids = clusters[new]
    origin = (overlap.sort_values(["cluster_id", "n", "registry_id"],
                                  ascending=[True, False, True], kind="stable")
              .drop_duplicates("cluster_id").set_index("cluster_id")["registry_id"])
    split_from = new_ids["cluster_id"].map(origin)
    # 4. previous ids with no record left in the input
    gone_ids = sorted(set(prev["registry_id"]) - set(homes["registry_id"]))
    retired = pd.concat([
        pd.DataFrame({"registry_id": merged["registry_id"].to_numpy(object),
                      "retired_into": merged["into"].to_numpy(object)}),
        pd.DataFrame({"registry_id": gone_ids, "retired_into": [None] * len(gone_ids)}),
    ], ignore_index=True)
    # 5. record-level events
    now = joined.merge(clusters, on="cluster_id", suffixes=("_old", ""))
    old_id = now["registry_id_old"]
    moved = now[old_id.notna() & (old_id != now["registry_id"])
                & ~old_id.isin(merged["registry_id"])]
    added = now[old_id.isna() & ~now["cluster_id"].isin(new_ids["cluster_id"])]
    removed = prev[~prev["record_key"].isin(membership["record_key"])]
    events = pd.concat([
        _events(new_ids[split_from.isna().to_numpy()], kind="created",
                reason="new business: its records were in no earlier business"),
        _events(new_ids[split_from.notna().to_numpy()]
                .assign(other_registry_id=split_from[split_from.notna()].to_numpy(object)),
                kind="split", reason="split from other_registry_id, which kept its largest part"),
        _events(merged.assign(registry_id=merged["into"], other_registry_id=merged["registry_id"]),
                kind="merged", reason="absorbed other_registry_id (the older id survives)"),
        _events(merged.assign(other_registry_id=merged["into"]), kind="retired",
                reason="merged into other_registry_id"),
        _events(pd.DataFrame({"registry_id": gone_ids}), kind="retired",
                reason="all its source records left the input"),
        _events(moved.assign(other_registry_id=moved["registry_id_old"]), kind="record_moved",
                reason="record moved from other_registry_id"),
        _events(added, kind="record_added", reason="new source record joined the business"),
        _events(_split_keys(removed), kind="record_removed",
                reason="source record no longer in the input"),
    ], ignore_index=True)
    return IdAssignment(clusters[["cluster_id", "registry_id"]], retired,
                        events.astype(object).where(events.notna(), None),
                        next_sequence + int(new.sum()))


def _split_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """source and source_record_id from record keys (`source:source_record_id`)."""
    parts = split_record_keys(frame["record_key"])
    return frame.assign(source=parts["source"].to_numpy(object),
                        source_record_id=parts["source_record_id"].to_numpy(object))
