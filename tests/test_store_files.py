"""File checksum bookkeeping: an unchanged file changes nothing; a changed one is noticed."""

import pandas as pd
import pytest

from canonical.quarantine import quarantine_frame
from canonical.schema import conform
from registry import RegistryStore, SourceFile, StoreError, files_checksum


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield store


def accepted(ids: list[str]) -> pd.DataFrame:
    return conform(pd.DataFrame({"source": "wcb", "source_record_id": ids}))


def test_checksums_follow_the_accepted_files(store):
    assert store.known_file_checksums("wcb") == {}
    first = store.start_run("cfg", "v1")
    files = [SourceFile("a.csv", "sha-a1", 100, 1), ("b.csv", "sha-b1", 200, 1)]
    store.save_source_batch(first, "wcb", accepted(["1", "2"]), quarantine_frame(), files, 2)
    assert store.known_file_checksums("wcb") == {"a.csv": "sha-a1", "b.csv": "sha-b1"}
    assert store.known_file_checksums("cra") == {}

    # Unchanged: nothing rewritten, counts zero, last_seen moves on.
    second = store.start_run("cfg", "v1")
    store.record_unchanged_batch(second, "wcb", files=files)
    batch = store.latest_batches(second).iloc[0]
    assert (batch.status, batch.rows_read, batch.file_count) == ("unchanged", 0, 2)
    assert batch.files_checksum == files_checksum(files)
    assert set(store.source_files("wcb").last_seen_run_id) == {second}
    assert set(store.load_source_records().source_record_id) == {"1", "2"}

    # a.csv changed, b.csv dropped, c.csv new.
    third = store.start_run("cfg", "v1")
    changed = [("a.csv", "sha-a2", 150, 1), ("c.csv", "sha-c1", 50, 1)]
    store.save_source_batch(third, "wcb", accepted(["1", "3"]), quarantine_frame(), changed, 2)
    assert store.known_file_checksums("wcb") == {"a.csv": "sha-a2", "c.csv": "sha-c1"}
    rows = store.source_files("wcb").set_index("path")
    assert rows.loc["a.csv", "first_seen_run_id"] == first
    assert rows.loc["a.csv", "content_run_id"] == third
    assert not rows.loc["b.csv", "is_current"] and rows.loc["b.csv", "last_seen_run_id"] == second
    assert rows.loc["c.csv", "first_seen_run_id"] == third


def test_unchanged_guards(store):
    run_id = store.start_run("cfg", "v1")
    with pytest.raises(StoreError, match="no accepted batch"):
        store.record_unchanged_batch(run_id, "wcb")
    store.save_source_batch(run_id, "wcb", accepted(["1"]), quarantine_frame(),
                            [("a.csv", "sha-a1", 1, 1)], 1)
    later = store.start_run("cfg", "v1")
    with pytest.raises(ValueError, match="differ"):
        store.record_unchanged_batch(later, "wcb", files=[("a.csv", "sha-a2", 1, 1)])


def test_combined_checksum_is_order_independent():
    one = [("a", "1", 1, 1), ("b", "2", 1, 1)]
    assert files_checksum(one) == files_checksum(list(reversed(one)))
    assert files_checksum(one) != files_checksum([("a", "1", 1, 1), ("b", "3", 1, 1)])
    assert files_checksum([]) is None


def test_same_path_twice_is_refused(store):
    run_id = store.start_run("cfg", "v1")
    with pytest.raises(ValueError, match="listed twice"):
        store.save_source_batch(run_id, "wcb", accepted(["1"]), quarantine_frame(),
                                [("a.csv", "x", 1, 1), ("a.csv", "y", 1, 0)], 1)
