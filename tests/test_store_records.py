"""Source batches: records round-trip in canonical dtypes, replacement is atomic, and the
reconciliation (rows_read = accepted + quarantined) is enforced before anything is written."""

import pandas as pd
import pytest
import sqlalchemy as sa

import registry.batches
from canonical.quarantine import quarantine_frame
from canonical.schema import CANONICAL_COLUMNS, conform
from registry import ReconciliationError, RegistryStore, bulk
from registry.schema import source_records


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield store


def records(source: str, ids: list[str], name: str = "Boulangerie Côté Ltée") -> pd.DataFrame:
    return conform(pd.DataFrame({
        "source": source,
        "source_record_id": ids,
        "source_file": "registre.csv",
        "source_line": range(2, len(ids) + 2),
        "legal_name": [name] * len(ids),
        "registration_date": ["1999-12-31"] * len(ids),
    }))


def test_round_trip_preserves_dtypes_and_values(store):
    frame = conform(pd.DataFrame({
        "source": ["rjsc", "rjsc", "rjsc"],
        "source_record_id": ["R-1", "R-2", "R-3"],
        "source_file": ["a.csv", "a.csv", None],
        "source_line": [2, None, 4],
        "record_hash": ["h1", "h2", "h3"],
        "legal_name": ["Café Crème Ltée", "ÉRABLIÈRE D'ŒUVRE INC.", ""],
        "operating_name": [None, "Tab\there \"quoted\" back\\slash\nnewline", "日本"],
        "registration_date": ["1867-07-01", None, "2024-02-29"],
        "status_date": [None, None, "2099-12-31"],
        "owner_name": [None, "Zoë Lévesque", None],
    }))
    run_id = store.start_run("cfg", "v1")
    store.save_source_batch(run_id, "rjsc", frame, quarantine_frame(), [("a.csv", "x", 1, 3)], 3)
    loaded = store.load_source_records()
    assert list(loaded.columns) == list(CANONICAL_COLUMNS)
    pd.testing.assert_frame_equal(loaded, frame)
    assert loaded.loc[2, "legal_name"] == ""  # empty string is not null
    assert pd.isna(loaded.loc[0, "operating_name"])


def test_load_filters_and_orders_by_source(store):
    run_id = store.start_run("cfg", "v1")
    store.save_source_batch(run_id, "wcb", records("wcb", ["2", "1"]), quarantine_frame(), [], 2)
    store.save_source_batch(run_id, "cra", records("cra", ["9"]), quarantine_frame(), [], 1)
    everything = store.load_source_records()
    assert list(zip(everything.source, everything.source_record_id, strict=True)) == [
        ("cra", "9"), ("wcb", "1"), ("wcb", "2"),
    ]
    assert store.load_source_records(["wcb"])["source"].unique().tolist() == ["wcb"]
    empty = store.load_source_records(["nobody"])
    assert empty.empty and list(empty.columns) == list(CANONICAL_COLUMNS)
    assert empty.dtypes.equals(conform(pd.DataFrame(columns=list(CANONICAL_COLUMNS))).dtypes)



def test_load_reads_only_the_columns_asked_for(store):
    run_id = store.start_run("cfg", "v1")
    store.save_source_batch(run_id, "wcb", records("wcb", ["2", "1"]), quarantine_frame(), [], 2)
    some = store.load_source_records(columns=["source", "source_record_id", "legal_name"])
    assert list(some.columns) == ["source", "source_record_id", "legal_name"]
    assert some["source_record_id"].tolist() == ["1", "2"]
    assert some["legal_name"].tolist() == ["Boulangerie Côté Ltée"] * 2
    with pytest.raises(ValueError, match="not canonical columns: colour"):
        store.load_source_records(columns=["source", "colour"])

def test_accepted_batch_replaces_only_its_source(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", records("wcb", ["1", "2"]), quarantine_frame(), [], 2)
    store.save_source_batch(first, "cra", records("cra", ["1"]), quarantine_frame(), [], 1)
    second = store.start_run("cfg", "v1")
    store.save_source_batch(second, "wcb", records("wcb", ["3"]), quarantine_frame(), [], 1)
    loaded = store.load_source_records()
    assert sorted(zip(loaded.source, loaded.source_record_id, strict=True)) == [
        ("cra", "1"), ("wcb", "3"),
    ]


@pytest.mark.parametrize("failing_chunk", [1, 2])
def test_failed_replacement_leaves_previous_rows(store, monkeypatch, failing_chunk):
    """A write that dies part-way (after the delete, mid-insert) rolls everything back."""
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", records("wcb", ["1", "2"]), quarantine_frame(), [], 2)
    before = store.load_source_records()
    batches_before = store.latest_batches()

    calls = {"n": 0}

    def boom(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > failing_chunk:  # chunk 1 is the quarantine insert (empty: no call)
            raise RuntimeError("disk full")
        original(*args, **kwargs)

    seam = "copy_chunk" if store.engine.dialect.name == "postgresql" else "write_chunk"
    original = getattr(bulk, seam)
    monkeypatch.setattr(bulk, seam, boom)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk, "PG_CHUNK_ROWS", 2)
    second = store.start_run("cfg", "v1")
    new = records("wcb", [str(i) for i in range(10, 20)], name="Replaced")
    with pytest.raises(RuntimeError, match="disk full"):
        store.save_source_batch(second, "wcb", new, quarantine_frame(), [("f", "x", 1, 10)], 10)
    assert calls["n"] == failing_chunk + 1
    pd.testing.assert_frame_equal(store.load_source_records(), before)
    pd.testing.assert_frame_equal(store.latest_batches(), batches_before)
    assert store.latest_batches(second).empty
    assert store.known_file_checksums("wcb") == {}


def test_database_constraint_violation_rolls_back(store, monkeypatch):
    """The database refusing a row at the last step (duplicate key) undoes the whole batch."""
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", records("wcb", ["1"]), quarantine_frame(), [], 1)
    before = store.load_source_records()

    def insert_duplicate(connection, source, run_id, files):
        duplicate = records(source, ["10"]).assign(owner_name="Zoë Secret-Owner")
        bulk.insert_frame(connection, source_records, duplicate, {"run_id": run_id})

    monkeypatch.setattr(registry.batches, "update_files", insert_duplicate)
    second = store.start_run("cfg", "v1")
    quarantined = quarantine_frame([{"source": "wcb", "stage": "read", "reason": "bad line"}])
    new = records("wcb", ["10", "11"]).assign(owner_name="Zoë Secret-Owner")
    with pytest.raises(sa.exc.IntegrityError) as failure:
        store.save_source_batch(second, "wcb", new, quarantined, [("w.csv", "x", 1, 3)], 3)
    assert "Secret-Owner" not in str(failure.value)  # no record values in exception messages
    pd.testing.assert_frame_equal(store.load_source_records(), before)
    assert store.latest_batches(second).empty
    assert store.list_quarantine(open_only=False).empty


def test_reconciliation_mismatch_is_refused_and_writes_nothing(store):
    run_id = store.start_run("cfg", "v1")
    quarantined = quarantine_frame([{"source": "wcb", "stage": "read", "reason": "bad line"}])
    with pytest.raises(ReconciliationError, match="rows_read=5 but accepted=2 \\+ quarantined=1"):
        store.save_source_batch(run_id, "wcb", records("wcb", ["1", "2"]), quarantined, [], 5)
    assert store.load_source_records().empty
    assert store.latest_batches().empty
    assert store.list_quarantine(open_only=False).empty


def test_invalid_records_are_refused(store):
    run_id = store.start_run("cfg", "v1")
    with pytest.raises(ValueError, match="another or no source"):
        store.save_source_batch(run_id, "wcb", records("cra", ["1"]), quarantine_frame(), [], 1)
    with pytest.raises(ValueError, match="duplicate source_record_id"):
        store.save_source_batch(run_id, "wcb", records("wcb", ["1", "1"]), quarantine_frame(),
                                [], 2)
    with pytest.raises(ValueError, match="not in the canonical schema"):
        store.save_source_batch(run_id, "wcb", records("wcb", ["1"]).assign(sin="x"),
                                quarantine_frame(), [], 1)
    with pytest.raises(ValueError, match="unchanged"):
        store.save_source_batch(run_id, "wcb", records("wcb", ["1"]), quarantine_frame(), [], 1,
                                status="unchanged")


def test_blocked_batch_keeps_published_records(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", records("wcb", ["1"]), quarantine_frame(),
                            [("w.csv", "aaa", 10, 1)], 1)
    second = store.start_run("cfg", "v1")
    store.save_source_batch(second, "wcb", records("wcb", ["7", "8"]), quarantine_frame(),
                            [("w.csv", "bbb", 12, 2)], 2, status="blocked",
                            message="source failed its suite")
    assert store.load_source_records()["source_record_id"].tolist() == ["1"]
    assert store.known_file_checksums("wcb") == {"w.csv": "aaa"}
    batch = store.latest_batches(second).iloc[0]
    assert (batch.status, batch.rows_read, batch.rows_accepted, batch.message) == (
        "blocked", 2, 2, "source failed its suite",
    )


def test_latest_batches_reports_the_reconciliation(store):
    run_id = store.start_run("cfg", "v1")
    quarantined = quarantine_frame([
        {"source": "wcb", "source_line": 9, "stage": "read", "reason": "unreadable line"},
    ])
    batch_id = store.save_source_batch(run_id, "wcb", records("wcb", ["1", "2"]), quarantined,
                                       [("w.csv", "aaa", 10, 3)], 3)
    report = store.latest_batches(run_id)
    assert report.to_dict("records")[0] | {"recorded_at": None} == {
        "batch_id": batch_id, "run_id": run_id, "source": "wcb", "status": "accepted",
        "rows_read": 3, "rows_accepted": 2, "rows_quarantined": 1, "file_count": 1,
        "files_checksum": report.files_checksum[0], "message": None, "recorded_at": None,
    }
