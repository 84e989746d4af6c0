"""Bulk tables without a per-row foreign key to `runs` (migration 0012) still take rows of
known, running runs only: the transaction that writes them checks the run once.
"""

import pytest
import sqlalchemy as sa
from alembic import command
from test_golden_helpers import bakery, canonical, fake_link, publish

from canonical.quarantine import quarantine_frame
from matching.golden.publish import plan_golden_run
from registry.golden_store import GoldenStore
from registry.migrate import alembic_config
from registry.store import RegistryStore, StoreError

BULK_TABLES = ("source_records", "cross_reference", "cross_reference_history",
               "field_provenance", "business_values", "match_evidence")


def _tables_referring_to_runs(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {table for table in inspector.get_table_names()
                if any(fk["referred_table"] == "runs" for fk in inspector.get_foreign_keys(table))}
    finally:
        engine.dispose()


def test_bulk_tables_drop_their_run_key_and_the_downgrade_restores_it(database_url):
    command.upgrade(alembic_config(database_url), "head")
    referring = _tables_referring_to_runs(database_url)
    assert not referring & set(BULK_TABLES)
    assert {"source_batches", "golden_runs", "businesses", "events"} <= referring
    command.downgrade(alembic_config(database_url), "0011")
    assert set(BULK_TABLES) <= _tables_referring_to_runs(database_url)


def _count(store: RegistryStore, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.mark.parametrize("run", ["unknown", "finished"])
def test_rows_of_an_unknown_or_finished_run_are_refused_and_nothing_is_written(database_url,
                                                                                run):
    records = canonical(bakery(1))
    with RegistryStore(database_url) as store:
        store.migrate()
        golden = GoldenStore(store)
        if run == "unknown":
            run_id = "no-such-run"
        else:
            run_id = store.start_run("cfg", "test")
            store.finish_run(run_id, "succeeded")
        with pytest.raises(StoreError, match="run"):
            store.save_source_batch(run_id, "rjsc", records[records["source"] == "rjsc"].drop(
                columns="record_key"), quarantine_frame(), [("rjsc.csv", "a" * 64, 10, 1)], 1)
        link = fake_link(records, [list(records["record_key"])])
        changes = plan_golden_run(run_id, records, link, golden.previous_state(),
                                  golden.steward_decisions(), golden.provenance)
        with pytest.raises(StoreError, match="run"):
            golden.apply_run(run_id, changes)
        for table in BULK_TABLES:
            assert _count(store, table) == 0, table
        publish(golden, records, link)  # a running run writes them all
        assert all(_count(store, table) > 0 for table in
                   ("cross_reference", "field_provenance", "business_values", "match_evidence"))
