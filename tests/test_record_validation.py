"""One online record is validated as a row of its source's batch (intake_api/record_validation.py),
and its log says nothing of a batch verdict that does not apply to it."""

import logging

import pytest

from canonical.paths import DEFAULT_SOURCES_CONFIG
from intake_api.record_validation import RecordRejected, validate_record
from sources.config import load_sources

SOURCE = {s.id: s for s in load_sources(DEFAULT_SOURCES_CONFIG).sources}["wcb"]


def _record(**fields: object) -> dict[str, object]:
    return {"legal_name": "Harbour Welding Ltd.", "address_line": "12 Main St",
            "city": "Halifax", "province": "NS", "postal_code": "B3H 1A1",
            "source": "wcb", "source_record_id": "W-1", "source_file": "api:wcb",
            "record_hash": "0123456789abcdef", **fields}


def test_a_good_record_is_accepted_and_logs_no_batch_verdict(caplog):
    with caplog.at_level(logging.INFO):
        accepted = validate_record(SOURCE, _record())
    assert accepted["legal_name"] == "Harbour Welding Ltd."
    assert accepted["source_record_id"] == "W-1"
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [m for m in info if "batch" in m], info


def test_a_bad_record_is_refused_naming_the_expectation_not_the_value():
    with pytest.raises(RecordRejected) as refused:
        validate_record(SOURCE, _record(legal_name=None))
    assert refused.value.failed, "the failed expectations are listed"
    assert "nothing was stored" in str(refused.value)
    assert "Harbour" not in str(refused.value)
