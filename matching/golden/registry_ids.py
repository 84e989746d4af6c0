"""Persistent registry ids: a cluster of this run inherits the id of the business it continues.

Id format: `UBR-` + 8-digit sequence + 1 Luhn check digit, e.g. `UBR-000000125` (sequence 12,
check digit 5). Sequences are allocated in increasing order, so a smaller sequence is an
older business. The check digit catches a mistyped id before it reaches the database.

Rules (docs/golden-records.md), all vectorised over (cluster, previous id) overlaps:
1. Each previous active id picks its *home*: the cluster holding most of its member records
   (ties: the smaller cluster_id).
2. A cluster chosen as home by several ids keeps the oldest (smallest sequence); the others
   are retired into it (events `merged` on the survivor and `retired` on the old id).
3. A cluster that is nobody's home but holds records that come back (they left the input in
   an earlier run and their business was retired) revives the retired id most of them had
   (ties: the oldest; each id revives in one cluster only), with event `revived`: a record
   that returns rejoins its registry id, never a new one. Likewise when a business that
   absorbed a merged id splits again, the records that came with the merge count for the
   merged id, which revives in their cluster (a merge undone). Any other cluster that is nobody's
   home gets a new id (event `created`: every id has one) and, if it holds records of a
   previous business (whose largest part kept the old id), `split`.
4. A previous id whose records all left the input is `retired` with no successor.
5. A record whose id changed is `record_moved` (unless its whole business merged); a record
   new to the registry joining an existing business is `record_added`; one gone from the
   input is `record_removed`.
Same input, same previous state: every cluster finds its own id and no event is made.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from stdnum import luhn

from matching.golden.keys import codes_of, positions, split_record_keys

PREFIX = "UBR-"
SEQUENCE_DIGITS = 8
EVENT_KINDS: tuple[str, ...] = (
    "created", "merged", "split", "retired", "revived", "updated", "record_moved",
    "record_added", "record_removed",
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
    revived: list[str] = field(default_factory=list)  # retired ids active again


def _events(frame: pd.DataFrame, **constants: object) -> pd.DataFrame:
    out = frame.assign(**constants)
    for column in EVENT_COLUMNS:
        if column not in out.columns:
            out[column] = None
    return out[EVENT_COLUMNS]


def _first_per_group(group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index of the best row per group: sort by group then `keys` (ascending), keep the first."""
    order = np.lexsort((*reversed(keys), group))
    first = np.r_[True, group[order][1:] != group[order][:-1]] if len(order) else order.astype(
        bool)
    return order[first]


def _text(values: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(values, dtype="string").reset_index(drop=True)


def _revive(new: np.ndarray, cluster: np.ndarray, membership: pd.DataFrame,
            departed: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Clusters among `new` that revive a retired id, and those ids (rule 3).

    `departed`: record_key, registry_id of records that left and whose id is retired now.
    """
    if departed is None or departed.empty or not len(new):
        return np.empty(0, np.int64), np.empty(0, object)
    dep_id, dep_names = codes_of(departed["registry_id"], sort=True)  # sorted: oldest first
    at = positions(membership["record_key"], departed["record_key"])
    is_new = np.zeros(int(cluster.max()) + 1, bool)
    is_new[new] = True
    back = np.flatnonzero((at >= 0) & is_new[cluster])
    if not len(back):
        return np.empty(0, np.int64), np.empty(0, object)
    width = int(cluster.max()) + 1
    pair, n = np.unique(dep_id[at[back]] * width + cluster[back], return_counts=True)
    r_id, r_cluster = pair // width, pair % width
    home = _first_per_group(r_id, -n, r_cluster)  # each id: the cluster with most of its records
    # each cluster: of the ids that chose it, the one most of its records had (ties: oldest)
    keep = _first_per_group(r_cluster[home], -n[home], r_id[home])
    chosen = home[keep]
    return r_cluster[chosen], dep_names.to_numpy(object)[r_id[chosen]]


def _overlaps(ids: np.ndarray, cluster: np.ndarray,
              n_clusters: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(id, cluster, records) for every id and cluster that share records (ids >= 0)."""
    width = max(n_clusters, 1)
    has = ids >= 0
    pair, n = np.unique(ids[has] * width + cluster[has], return_counts=True)
    return pair // width, pair % width, n


def _unmerge(old: np.ndarray, cluster: np.ndarray, membership: pd.DataFrame,
             id_names: pd.Series, absorbed: pd.DataFrame | None,
             departed: pd.DataFrame | None) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Undo a merge when the merged business splits again (rule 3).

    A record absorbed into id A when id R merged into A counts for R, not A, when A's
    records fall into several clusters this run and A keeps records of its own: the cluster
    of R's records then revives R. Returns the previous id per record for choosing homes,
    and the departed records extended with those absorbed ones.
    """
    if absorbed is None or absorbed.empty:
        return old, departed
    at = positions(membership["record_key"], absorbed["record_key"])
    is_absorbed = (at >= 0) & (old >= 0)
    n_ids = len(id_names)
    clusters_of = np.zeros(n_ids, np.int64)
    o_id, _, _ = _overlaps(old, cluster, int(cluster.max()) + 1 if len(cluster) else 0)
    np.add.at(clusters_of, o_id, 1)
    own = np.bincount(old[(old >= 0) & ~is_absorbed], minlength=n_ids)
    reassign = is_absorbed & (clusters_of[np.maximum(old, 0)] > 1) & (own[np.maximum(old, 0)] > 0)
    if not reassign.any():
        return old, departed
    homing = old.copy()
    homing[reassign] = -1
    back = pd.DataFrame({"record_key": membership["record_key"].to_numpy(object)[reassign],
                         "registry_id": absorbed["registry_id"].to_numpy(object)[at[reassign]]})
    parts = [frame for frame in (departed, back) if frame is not None and not frame.empty]
    return homing, pd.concat([p[["record_key", "registry_id"]] for p in parts],
                             ignore_index=True)


def assign_registry_ids(membership: pd.DataFrame, previous: pd.DataFrame,
                        next_sequence: int,
                        departed: pd.DataFrame | None = None,
                        absorbed: pd.DataFrame | None = None) -> IdAssignment:
    """Registry id per cluster of this run, and the events that explain every change.

    `membership`: record_key, cluster_id, source, source_record_id (this run, one row per
    record); `previous`: record_key, registry_id (the cross-reference of the active
    businesses before this run); `next_sequence`: the first unused sequence number;
    `departed`: record_key, registry_id of records gone from earlier runs whose id is retired;
    `absorbed`: record_key, registry_id of active records that came into their business when
    that (now retired) id merged into it.
    Works on integer codes (Arrow hashing), so 2.5 million records take seconds.
    """
    membership = membership.reset_index(drop=True)
    previous = previous.reset_index(drop=True)
    cluster, cluster_names = codes_of(membership["cluster_id"], sort=True)
    n_clusters = len(cluster_names)
    # registry ids have a fixed width, so sorted text order is sequence (age) order
    prev_id, id_names = codes_of(previous["registry_id"], sort=True)
    n_ids = len(id_names)
    at = positions(membership["record_key"], previous["record_key"])
    old = np.full(len(at), -1, np.int64)  # previous id code per record
    old[at >= 0] = prev_id[at[at >= 0]]
    has = old >= 0
    o_id, o_cluster, n = _overlaps(old, cluster, n_clusters)
    homing, departed = _unmerge(old, cluster, membership, id_names, absorbed, departed)
    h_id, h_cluster, h_n = _overlaps(homing, cluster, n_clusters)
    # 1. home of each previous id: the cluster with most of its records (ties: smaller cluster)
    home_rows = _first_per_group(h_id, -h_n, h_cluster)
    home_id, home_cluster = h_id[home_rows], h_cluster[home_rows]
    # 2. each cluster keeps the oldest id among those that chose it
    keep_rows = _first_per_group(home_cluster, home_id)
    keeper = np.full(n_clusters, -1, np.int64)
    keeper[home_cluster[keep_rows]] = home_id[keep_rows]
    merged = np.ones(len(home_id), bool)
    merged[keep_rows] = False
    merged_id, merged_into = home_id[merged], keeper[home_cluster[merged]]
    # 3. clusters nobody calls home revive the retired id of their returning records, or get
    #    new ids in cluster_id order (stable across runs)
    registry = np.empty(n_clusters, dtype=object)
    registry[keeper >= 0] = id_names.to_numpy(object)[keeper[keeper >= 0]]
    revived_at, revived_ids = _revive(np.flatnonzero(keeper < 0), cluster, membership, departed)
    registry[revived_at] = revived_ids
    reviving = np.zeros(n_clusters, bool)
    reviving[revived_at] = True
    new = np.flatnonzero((keeper < 0) & ~reviving)
    registry[new] = format_registry_ids(np.arange(next_sequence, next_sequence + len(new)))
    origin = np.full(n_clusters, -1, np.int64)  # the previous id a cluster overlaps most
    origin_rows = _first_per_group(o_cluster, -n, o_id)
    origin[o_cluster[origin_rows]] = o_id[origin_rows]
    split = new[origin[new] >= 0]
    created = new[origin[new] < 0]
    # 4. previous ids with no record left in the input
    seen = np.zeros(n_ids, bool)
    seen[o_id] = True
    gone_id = np.flatnonzero(~seen)
    names = id_names.to_numpy(object)
    retired = pd.DataFrame({
        "registry_id": np.concatenate([names[merged_id], names[gone_id]]),
        "retired_into": np.concatenate([registry[merged_into],
                                        np.full(len(gone_id), None, dtype=object)]),
    })
    # 5. record-level events
    is_merged = np.zeros(n_ids + 1, bool)
    is_merged[merged_id] = True
    kept = keeper[cluster]
    moved = np.flatnonzero(has & (kept != old) & ~is_merged[old])
    added = np.flatnonzero(~has & (keeper[cluster] >= 0))
    present = np.zeros(len(previous), bool)
    present[at[has]] = True
    removed = np.flatnonzero(~present)
    removed_keys = split_record_keys(previous["record_key"].iloc[removed])
    parts = [
        _events(pd.DataFrame({"registry_id": registry[created]}), kind="created",
                reason="new business: its records were in no earlier business"),
        _events(pd.DataFrame({"registry_id": registry[split],
                              "other_registry_id": names[origin[split]]}), kind="created",
                reason="new business split from other_registry_id"),
        _events(pd.DataFrame({"registry_id": registry[split],
                              "other_registry_id": names[origin[split]]}), kind="split",
                reason="split from other_registry_id, which kept its largest part"),
        _events(pd.DataFrame({"registry_id": registry[merged_into],
                              "other_registry_id": names[merged_id]}), kind="merged",
                reason="absorbed other_registry_id (the older id survives)"),
        _events(pd.DataFrame({"registry_id": names[merged_id],
                              "other_registry_id": registry[merged_into]}), kind="retired",
                reason="merged into other_registry_id"),
        _events(pd.DataFrame({"registry_id": names[gone_id]}), kind="retired",
                reason="all its source records left the input"),
        _events(pd.DataFrame({"registry_id": revived_ids}), kind="revived",
                reason="its source records returned to the input: the retired id is active "
                "again"),
        _events(pd.DataFrame({"registry_id": registry[cluster[moved]],
                              "other_registry_id": names[old[moved]],
                              "source": membership["source"].to_numpy(object)[moved],
                              "source_record_id":
                                  membership["source_record_id"].to_numpy(object)[moved]}),
                kind="record_moved", reason="record moved from other_registry_id"),
        _events(pd.DataFrame({"registry_id": registry[cluster[added]],
                              "source": membership["source"].to_numpy(object)[added],
                              "source_record_id":
                                  membership["source_record_id"].to_numpy(object)[added]}),
                kind="record_added", reason="new source record joined the business"),
        _events(pd.DataFrame({"registry_id": names[prev_id[removed]],
                              "source": removed_keys["source"].to_numpy(object),
                              "source_record_id":
                                  removed_keys["source_record_id"].to_numpy(object)}),
                kind="record_removed", reason="source record no longer in the input"),
    ]
    events = pd.concat(parts, ignore_index=True)
    cluster_ids = pd.DataFrame({"cluster_id": cluster_names.reset_index(drop=True),
                                "registry_id": _text(registry)})
    return IdAssignment(cluster_ids, retired, events.astype(object).where(events.notna(), None),
                        next_sequence + len(new), [str(i) for i in revived_ids])
