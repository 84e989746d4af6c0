"""Online records in the store (registry/intake_store.py), on SQLite and PostgreSQL."""

import pandas as pd
import pytest
import sqlalchemy as sa

from matching.golden.registry_ids import format_registry_id
from registry.golden_store import GoldenStore
from registry.intake_store import IntakeConflict, IntakeRegistration, IntakeStore
from registry.lineage_trace import trace
from registry.store import RegistryStore

EVIDENCE = {"name": {"level": "token_set_90", "weight": 3.2}}


def _registration(record_id: str, registry_id: str | None = None,
                  pairs: list[dict] | None = None) -> IntakeRegistration:
    record = {"legal_name": "Harbour Light Bakery Ltd", "city": "Lunenburg", "province": "NS",
              "postal_code": "B0J 2C0", "record_hash": "00aa11bb22cc33dd",
              "source_file": "api:revenue"}
    return IntakeRegistration(
        ministry="revenue", source="revenue", source_record_id=record_id, record=record,
        registry_id=registry_id, decision="review" if pairs else None,
        match_probability=0.6 if pairs else None, config_hash="c" * 16, pairs=pairs or [])


@pytest.fixture
def intake(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield IntakeStore(store)


def test_a_record_creates_a_business_or_joins_one_with_lineage_and_review(intake):
    created = intake.register(_registration("R-1"), format_registry_id)
    assert created.outcome == "created" and created.registry_id == format_registry_id(1)
    assert intake.registry_ids() == {"revenue:R-1": created.registry_id}
    with pytest.raises(IntakeConflict, match="R-1"):
        intake.register(_registration("R-1"), format_registry_id)

    review = {"record_key_l": "revenue:R-1", "registry_id_l": created.registry_id,
              "decision": "review", "rule": "", "match_probability": 0.6,
              "match_weight": 0.58, "evidence": EVIDENCE}
    joined = intake.register(_registration("R-2", created.registry_id, [review]),
                             format_registry_id)
    assert joined.outcome == "linked" and joined.registry_id == created.registry_id
    assert joined.review_pairs == 1
    queue = GoldenStore(intake.store).review_queue()
    assert list(queue["record_key_r"]) == ["revenue:R-2"]
    assert queue.iloc[0]["registry_id_l"] == created.registry_id
    business = GoldenStore(intake.store).business(created.registry_id)
    assert business["member_count"] == 2 and business["legal_name"] == "Harbour Light Bakery Ltd"
    steps = trace(intake.engine, "revenue", "R-2")["runs"]
    assert steps[-1]["cross_reference"][0]["change"] == "linked"
    assert steps[-1]["match_evidence"]["pairs"] == 1
    assert steps[-1]["batch_status"] == "online (revenue)"


def test_a_batch_run_carries_undelivered_records_and_marks_delivered_ones(intake):
    for record_id in ("R-1", "R-2"):
        intake.register(_registration(record_id), format_registry_id)
    run_id = intake.store.start_run("c" * 16)
    with intake.engine.begin() as connection:  # the source's accepted batch replaced them
        connection.execute(sa.text("DELETE FROM source_records WHERE source = 'revenue'"))
    delivered = pd.DataFrame({"source": ["revenue"], "source_record_id": ["R-1"]})
    carried = intake.carry_pending(run_id, delivered)
    assert list(carried["source_record_id"]) == ["R-2"]
    assert carried.iloc[0]["legal_name"] == "Harbour Light Bakery Ltd"
    with intake.engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT source_record_id FROM source_records WHERE source = 'revenue'")).scalars()
        assert list(stored) == ["R-2"]
        marked = dict(connection.execute(sa.text(
            "SELECT source_record_id, delivered_run_id FROM intake_records")).tuples().all())
    assert marked == {"R-1": run_id, "R-2": None}
    assert list(intake.carry_pending(run_id, delivered)["source_record_id"]) == ["R-2"]
