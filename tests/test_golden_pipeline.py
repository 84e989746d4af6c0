"""The real linker feeding the golden registry: a re-run on the same input changes nothing."""

import pytest
from test_golden_helpers import bakery, canonical

from matching.golden.publish import publish_golden_records
from matching.linking import link_records
from registry.golden_store import GoldenStore
from registry.store import RegistryStore


def test_link_then_publish_twice_is_stable(database_url):
    rows = sum((bakery(i, stem=f"{1000000 + i * 7919:07d}") for i in range(1, 25)), [])
    records = canonical(rows)
    with RegistryStore(database_url) as store:
        store.migrate()
        golden = GoldenStore(store)
        summaries = []
        for _ in range(2):
            result = link_records(records)
            run_id = store.start_run("cfg", "test")
            summaries.append(publish_golden_records(golden, run_id, records, result))
            store.finish_run(run_id, "succeeded", summaries[-1])
        first, second = summaries
        assert first["records"] == len(records)
        assert first["events"]["created"] == first["businesses"] > 0
        assert sum(second["events"].values()) == 0 and second["businesses_written"] == 0
        evidence = golden.table("match_evidence", run_id=run_id)
        assert {"name_level", "name_weight"} <= set(evidence["evidence"].iloc[0])


def test_record_keys_must_name_source_records(sqlite_url):
    records = canonical(bakery()).assign(record_key=lambda f: [f"r{i}" for i in range(len(f))])
    with RegistryStore(sqlite_url) as store:
        store.migrate()
        with pytest.raises(ValueError, match="source:source_record_id"):
            publish_golden_records(GoldenStore(store), "run", records, None)
