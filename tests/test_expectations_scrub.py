"""Quarantined raw rows lose their SIN-like numbers before storage."""

from canonical.quarantine import quarantine_frame, raw_json
from expectations.scrub import SIN_MARK, scrub_raw_records


def test_sin_like_numbers_are_removed_from_raw_records_only():
    rows = quarantine_frame([
        {"source": "rjsc", "stage": "read", "reason": "expected 3 fields, found 4",
         "raw_record": raw_json({"fields": ["1", "Owner NAS 193-456-787", "x", "y"]})},
        {"source": "rjsc", "stage": "map", "reason": "record id column 'id' is empty",
         "raw_record": raw_json({"name": "Acme Ltd", "phone": "902 555 0123"})},
    ])
    scrubbed, count = scrub_raw_records(rows)
    assert count == 1
    assert "193-456-787" not in scrubbed.at[0, "raw_record"]
    assert SIN_MARK in scrubbed.at[0, "raw_record"]
    assert scrubbed.at[1, "raw_record"] == rows.at[1, "raw_record"]  # not SIN-like: kept
    assert scrubbed["reason"].tolist() == rows["reason"].tolist()
