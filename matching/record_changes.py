"""What changed between two extracts, record by record: new, changed, removed, unchanged.

A record is named by its `record_key` ("source:source_record_id") and its content by an input
hash: the readers' `record_hash` (a hash of the raw row as read) when the records carry one,
otherwise a hash of every canonical value. Unchanged records cost nothing downstream in an
incremental run (matching/incremental.py).
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from canonical.membership import member_of

# columns that say where a row was read, not what it says: a row that only moved in its file
# is unchanged
PLACE_COLUMNS = ("record_key", "source_file", "source_line", "record_hash")


@dataclass(frozen=True)
class RecordChanges:
    """Record keys per kind of change, and how many records did not change."""

    new: np.ndarray
    changed: np.ndarray
    removed: np.ndarray
    unchanged: int

    @property
    def total(self) -> int:
        """Records that need matching work (new and changed) or leave (removed)."""
        return len(self.new) + len(self.changed) + len(self.removed)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed),
                "removed": len(self.removed), "unchanged": self.unchanged}

    def by_source(self) -> dict[str, dict[str, int]]:
        """The counts of new, changed and removed records per source (unchanged left out)."""
        out: dict[str, dict[str, int]] = {}
        for kind in ("new", "changed", "removed"):
            keys = getattr(self, kind)
            for source, count in Counter(str(k).split(":", 1)[0] for k in keys).items():
                out.setdefault(source, {"new": 0, "changed": 0, "removed": 0})[kind] = count
        return dict(sorted(out.items()))

    def summary(self) -> str:
        return ", ".join(f"{count:,} {kind}" for kind, count in self.counts().items())


def input_hashes(records: pd.DataFrame) -> np.ndarray:
    """One text hash per record of what it says (its raw row's `record_hash` when read by a
    UBR reader, else its values); stable across runs and machines."""
    if "record_hash" in records.columns and records["record_hash"].notna().all():
        return records["record_hash"].astype(str).to_numpy(object)
    values = records.drop(columns=[c for c in PLACE_COLUMNS if c in records.columns])
    values = values.reindex(sorted(values.columns), axis=1).astype("string")
    hashed = pd.util.hash_pandas_object(values, index=False, categorize=True)
    return np.array([f"{h:016x}" for h in hashed.to_numpy(np.uint64).tolist()], dtype=object)


def compare_records(previous: pd.DataFrame, current: pd.DataFrame) -> RecordChanges:
    """Changes from `previous` to `current`, each a frame of `record_key` and `record_hash`."""
    before = pd.Series(previous["record_hash"].to_numpy(object),
                       index=previous["record_key"].to_numpy(object))
    now = pd.Series(current["record_hash"].to_numpy(object),
                    index=current["record_key"].to_numpy(object))
    was = before.reindex(now.index)
    known = was.notna().to_numpy(bool)
    same = known & (was.to_numpy(object) == now.to_numpy(object))
    keys = now.index.to_numpy(object)
    removed = before.index[~member_of(before.index, now.index)].to_numpy(object)
    return RecordChanges(new=keys[~known], changed=keys[known & ~same], removed=removed,
                         unchanged=int(same.sum()))
