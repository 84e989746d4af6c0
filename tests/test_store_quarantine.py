"""Quarantine history: every row kept; open = from the source's latest reading batch;
resolved = its record was accepted by a later batch."""

import pandas as pd
import pytest

from canonical.quarantine import quarantine_frame
from canonical.schema import conform
from registry import RegistryStore


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield store


def accepted(source: str, ids: list[str]) -> pd.DataFrame:
    return conform(pd.DataFrame({"source": source, "source_record_id": ids}))


def rejected(source: str, ids: list[str | None], reason: str = "registration_date: not a date",
             stage: str = "validate", column: str | None = "registration_date") -> pd.DataFrame:
    return quarantine_frame([
        {"source": source, "source_file": "f.csv", "source_line": index + 2,
         "source_record_id": record_id, "stage": stage, "column": column, "reason": reason,
         "raw_record": '{"owner": "Zoë"}'}
        for index, record_id in enumerate(ids)
    ])


def test_open_and_resolved_across_two_batches(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", accepted("wcb", ["1"]), rejected("wcb", ["2", "3"]),
                            [("f.csv", "a", 1, 3)], 3)
    store.save_source_batch(first, "cra", accepted("cra", ["1"]), rejected("cra", ["9"]), [], 2)
    open_rows = store.list_quarantine()
    assert sorted(open_rows.source_record_id) == ["2", "3", "9"]
    assert open_rows.open.all() and open_rows.resolved_run_id.isna().all()
    assert "raw_record" not in open_rows.columns  # personal data only on request

    # Second batch of wcb: record 2 fixed and accepted, record 3 still bad, record 4 new bad.
    second = store.start_run("cfg", "v1")
    store.save_source_batch(second, "wcb", accepted("wcb", ["1", "2"]),
                            rejected("wcb", ["3", "4"]), [("f.csv", "b", 1, 4)], 4)

    everything = store.list_quarantine(open_only=False, limit=100)
    assert len(everything) == 5  # history kept
    wcb_open = store.list_quarantine(source="wcb")
    assert sorted(wcb_open.source_record_id) == ["3", "4"]
    assert set(wcb_open.run_id) == {second}
    resolved = everything[everything.resolved_run_id.notna()]
    assert resolved.source_record_id.tolist() == ["2"]
    assert resolved.run_id.tolist() == [first] and resolved.resolved_run_id.tolist() == [second]
    assert not resolved.open.any()
    # the earlier row for record 3 is history now: neither open nor resolved
    old_three = everything[(everything.source_record_id == "3") & (everything.run_id == first)]
    assert not old_three.open.any() and old_three.resolved_run_id.isna().all()
    # the other source is untouched by wcb's batch
    assert store.list_quarantine(source="cra").source_record_id.tolist() == ["9"]


def test_unchanged_batch_keeps_quarantine_open(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", accepted("wcb", ["1"]), rejected("wcb", ["2"]),
                            [("f.csv", "a", 1, 2)], 2)
    second = store.start_run("cfg", "v1")
    store.record_unchanged_batch(second, "wcb")
    assert store.list_quarantine().source_record_id.tolist() == ["2"]


def test_failed_batch_rows_are_open_and_keep_history(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", accepted("wcb", ["1"]), rejected("wcb", ["2"]), [], 2)
    second = store.start_run("cfg", "v1")
    whole_file = rejected("wcb", [None], reason="file could not be decoded: not UTF-8",
                          stage="read", column=None)
    store.save_source_batch(second, "wcb", accepted("wcb", []), whole_file, [], 1,
                            status="failed")
    open_rows = store.list_quarantine()
    assert open_rows.stage.tolist() == ["read"] and open_rows.run_id.tolist() == [second]
    assert store.load_source_records().source_record_id.tolist() == ["1"]


def test_counts_group_by_reason_prefix(store):
    run_id = store.start_run("cfg", "v1")
    rows = pd.concat([
        rejected("wcb", ["1"], reason="registration_date: not a date (got 5 characters)"),
        rejected("wcb", ["2"], reason="registration_date: not a date (got 7 characters)"),
        rejected("wcb", ["3"], reason="line has 4 fields, expected 5", stage="read", column=None),
    ], ignore_index=True)
    store.save_source_batch(run_id, "wcb", accepted("wcb", ["9"]), rows, [], 4)
    counts = store.quarantine_counts()
    assert counts.to_dict("records") == [
        {"source": "wcb", "stage": "validate", "column": "registration_date",
         "reason": "registration_date", "rows": 2},
        {"source": "wcb", "stage": "read", "column": "",
         "reason": "line has 4 fields, expected 5", "rows": 1},
    ]
    pd.testing.assert_frame_equal(store.quarantine_counts(run_id), counts)
    other = store.start_run("cfg", "v1")
    assert store.quarantine_counts(other).empty
    assert list(store.quarantine_counts(other).columns) == list(counts.columns)


def test_get_row_and_limits(store):
    run_id = store.start_run("cfg", "v1")
    store.save_source_batch(run_id, "wcb", accepted("wcb", []),
                            rejected("wcb", [str(i) for i in range(5)]), [], 5)
    listed = store.list_quarantine(limit=2, include_raw=True)
    assert len(listed) == 2 and listed.raw_record.tolist() == ['{"owner": "Zoë"}'] * 2
    assert listed.quarantine_id.is_monotonic_decreasing  # newest first
    row = store.get_quarantine_row(int(listed.quarantine_id[0]))
    assert row["source_record_id"] == "4" and row["open"] is True
    assert row["raw_record"] == '{"owner": "Zoë"}'
    assert row["quarantined_at"].tzinfo is not None
    assert store.get_quarantine_row(999_999) is None


def test_quarantine_frame_is_validated(store):
    run_id = store.start_run("cfg", "v1")
    with pytest.raises(ValueError, match="stage not in"):
        store.save_source_batch(run_id, "wcb", accepted("wcb", []),
                                rejected("wcb", ["1"], stage="guess"), [], 1)
    with pytest.raises(ValueError, match="not in QUARANTINE_COLUMNS"):
        store.save_source_batch(run_id, "wcb", accepted("wcb", []),
                                rejected("wcb", ["1"]).assign(extra=1), [], 1)


def test_retried_save_in_one_run_replaces_the_first_attempt(store):
    first = store.start_run("cfg", "v1")
    store.save_source_batch(first, "wcb", accepted("wcb", ["1"]), rejected("wcb", ["2"]), [], 2)
    second = store.start_run("cfg", "v1")
    store.save_source_batch(second, "wcb", accepted("wcb", ["1", "2"]), rejected("wcb", ["3"]),
                            [], 3)
    # the step is retried: same run, same source, a different outcome
    store.save_source_batch(second, "wcb", accepted("wcb", ["1", "2", "3"]),
                            rejected("wcb", []), [], 3)
    report = store.latest_batches(second)
    assert len(report) == 1 and report.rows_accepted[0] == 3 and report.rows_quarantined[0] == 0
    everything = store.list_quarantine(open_only=False, limit=100)
    assert sorted(everything.source_record_id) == ["2"]  # the first attempt's row "3" is gone
    assert everything.resolved_run_id.tolist() == [second]
    assert store.list_quarantine().empty
