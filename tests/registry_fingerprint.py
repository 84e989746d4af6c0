"""What a registry holds, as one digest per part: the same registry gives the same digests.

Used by tests/test_registry_fingerprint.py to show that a change to the job (a faster golden
stage, a new publication layout, an engine speed-up) leaves the registry as it was: registry
ids and statuses, golden values, member counts, the cross-reference, and every ministry's
newest share. Run ids and timestamps are left out (they differ from run to run). Only public
functions of the store are read, so the same code fingerprints an older checkout:

    PYTHONPATH=OLD_TREE .venv/bin/python tests/registry_fingerprint.py DATABASE_URL
"""

import hashlib
import json
import sys

import pandas as pd

VOLATILE = {"first_run_id", "last_run_id", "run_id", "state_hash", "created_at",
            "updated_at", "at"}


def digest(frame: pd.DataFrame) -> str:
    """sha256 of the frame as CSV, columns by name and rows sorted: independent of order."""
    frame = frame[sorted(c for c in frame.columns if c not in VOLATILE)]
    # SQLite gives 1/0 where PostgreSQL gives True/False: one spelling for both
    frame = frame.map(lambda value: int(value) if isinstance(value, bool) else value)
    text = frame.astype("string").fillna("\x00").sort_values(list(frame.columns))
    return hashlib.sha256(text.to_csv(index=False).encode()).hexdigest()


def registry_fingerprint(database_url: str) -> dict[str, object]:
    """Row counts and digests of the businesses, cross-reference and each newest share."""
    from registry.golden_store import GoldenStore
    from registry.publication import read_share
    from registry.sharing_agreement import load_sharing
    from registry.store import RegistryStore

    with RegistryStore(database_url) as store:
        golden = GoldenStore(store)
        parts = {"businesses": golden.table("businesses"),
                 "cross_reference": golden.table("cross_reference")}
        for agreement in load_sharing().agreements:
            parts[f"share_{agreement.id}"] = read_share(
                store.engine, agreement.id, agreement.visible_columns())[1]
    return {name: {"rows": len(frame), "sha256": digest(frame)}
            for name, frame in sorted(parts.items())}


if __name__ == "__main__":
    print(json.dumps(registry_fingerprint(sys.argv[1]), indent=2, sort_keys=True))
