"""Writing evidence profiles: each distinct evidence set once, whichever run first met it.

Profiles are named by their content (canonical/evidence_profiles.py), so a run inserts only
the ids the table does not hold yet; the pairs that name them follow in the same transaction.
"""

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from registry import bulk
from registry.golden_schema import evidence_profiles


def write_missing_profiles(connection: sa.Connection, profiles: pd.DataFrame) -> int:
    """Insert the profiles (profile_id, evidence JSON text) not stored yet; returns how many."""
    if profiles.empty:
        return 0
    ids: Sequence[str] = profiles["profile_id"].astype(str).tolist()
    stored: set[str] = set()
    for chunk in bulk.chunks(ids):
        stored.update(connection.execute(sa.select(evidence_profiles.c.profile_id).where(
            evidence_profiles.c.profile_id.in_(chunk))).scalars())
    new = profiles[~profiles["profile_id"].astype(str).isin(stored).to_numpy(bool)]
    return bulk.insert_frame(connection, evidence_profiles,
                             new[["profile_id", "evidence"]].reset_index(drop=True))
