"""Publication: versioned, atomic on both databases, each ministry's share as agreed, N kept."""

import pandas as pd
import pytest
import sqlalchemy as sa
from test_golden_helpers import bakery, canonical, fake_link, publish

from registry import bulk
from registry.golden_store import GoldenStore
from registry.publication import (
    current_publication_id,
    list_publications,
    publish_registry,
    read_share,
    read_shared_businesses,
)
from registry.publication_schema import (
    publications,
    published_businesses,
    published_cross_reference,
    shared_businesses,
)
from registry.sharing_agreement import load_sharing, sharing_hash
from registry.sharing_policy import SharingError
from registry.store import RegistryStore

SNAPSHOT_TABLES = (publications, published_businesses, published_cross_reference,
                   shared_businesses)


def _records(count: int, renamed: int | None = None) -> pd.DataFrame:
    rows = sum((bakery(i) for i in range(1, count + 1)), [])
    if renamed is not None:  # the Registry records a new legal name for one bakery
        for row in rows:
            if row["source_record_id"] == f"R{renamed}":
                row["legal_name"] = f"Boulangerie Nouvelle {renamed} Limited"
    return canonical(rows)


def _link(records: pd.DataFrame):
    groups = [sorted(group) for _, group in
              records.groupby(records["source_record_id"].str.extract(r"(\d)$")[0])["record_key"]]
    return fake_link(records, groups)


@pytest.fixture
def registry(database_url):
    with RegistryStore(database_url) as store:
        store.migrate()
        yield GoldenStore(store)


def _golden_run(golden: GoldenStore, renamed: int | None = None) -> str:
    records = _records(5, renamed)
    run_id, _ = publish(golden, records, _link(records))
    return run_id


def _publish(golden: GoldenStore, run_id: str, keep: int | None = None):
    return publish_registry(golden.store, run_id, load_sharing(), sharing_hash(), keep)


def _snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {table.name: sorted(tuple(row) for row in connection.execute(sa.select(table)))
                for table in SNAPSHOT_TABLES}


def test_publication_copies_the_registry_and_each_ministrys_share(registry):
    run_id = _golden_run(registry)
    publication = _publish(registry, run_id)
    businesses = registry.table("businesses")
    assert publication.business_count == len(businesses) == 5
    assert publication.record_count == len(registry.table("cross_reference")) == 20
    assert publication.shares == {"rjsc": 5, "wcb": 5, "revenue": 5, "permits": 5}
    sharing = load_sharing()
    for agreement in sharing.agreements:
        chosen, share = read_share(registry.engine, agreement.id, agreement.visible_columns())
        assert chosen == publication.publication_id
        assert list(share.columns) == agreement.visible_columns()
        assert sorted(share["registry_id"]) == sorted(businesses["registry_id"])
    _, wcb = read_share(registry.engine, "wcb", ["registry_id", "business_number", "email"])
    _, revenue = read_share(registry.engine, "revenue", ["registry_id", "business_number"])
    clear = dict(zip(revenue["registry_id"], revenue["business_number"], strict=True))
    assert wcb["email"].isna().all()  # withheld
    for registry_id, pseudonym in zip(wcb["registry_id"], wcb["business_number"], strict=True):
        assert len(pseudonym) == 32 and pseudonym != clear[registry_id]
    with registry.engine.connect() as connection:
        assert current_publication_id(connection) == publication.publication_id


def test_a_few_shared_businesses_by_id_are_the_current_shares_rows(registry):
    """The API's read by key (a driver cursor on SQL compiled per dialect) gives the rows of
    the current publication's share, on both databases; ids not in it are left out."""
    _publish(registry, _golden_run(registry))
    _publish(registry, _golden_run(registry, renamed=2))  # a newer version of one business
    for agreement in load_sharing().agreements:
        columns = agreement.visible_columns()
        _, share = read_share(registry.engine, agreement.id, columns)
        rows = {row["registry_id"]: row for row in share.astype(object).where(
            share.notna(), None).to_dict("records")}
        ids = sorted(rows)
        found = read_shared_businesses(registry.engine, agreement.id, columns,
                                       [ids[2], "UBR-999999999", *ids[:2], ids[2]])
        assert found == {r: rows[r] for r in ids[:3]}
        assert list(found[ids[0]]) == columns
    renamed = read_shared_businesses(registry.engine, "rjsc", ["registry_id", "legal_name"],
                                     ids)
    assert sum("Nouvelle" in (row["legal_name"] or "") for row in renamed.values()) == 1
    assert read_shared_businesses(registry.engine, "rjsc", ["registry_id"], []) == {}


@pytest.mark.parametrize("stage", ["share", "prune"])
def test_a_failure_mid_publication_leaves_the_previous_publication_intact(
        registry, monkeypatch, stage):
    first = _publish(registry, _golden_run(registry))
    before = _snapshot(registry.engine)
    second_run = _golden_run(registry, renamed=3)  # the golden registry moved on

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full (injected)")

    with monkeypatch.context() as patch:
        if stage == "share":  # the second ministry's rows fail part-way through the write
            name = "copy_chunk" if registry.engine.dialect.name == "postgresql" else "write_chunk"
            original = getattr(bulk, name)
            calls = {"n": 0}

            def fail_on_second(*args, **kwargs):
                calls["n"] += 1
                if calls["n"] == 2:
                    broken()
                return original(*args, **kwargs)

            patch.setattr(bulk, name, fail_on_second)
        else:
            patch.setattr("registry.publication.prune_publications", broken)
        with pytest.raises(RuntimeError, match="injected"):
            _publish(registry, second_run, keep=1)  # keep=1 would also delete the first
    assert _snapshot(registry.engine) == before
    assert [p.publication_id for p in list_publications(registry.engine)] == [
        first.publication_id]
    _, share = read_share(registry.engine, "rjsc", ["registry_id", "legal_name"])
    assert not share["legal_name"].str.contains("Nouvelle").any()
    retried = _publish(registry, second_run, keep=1)
    _, share = read_share(registry.engine, "rjsc", ["registry_id", "legal_name"])
    assert share["legal_name"].str.contains("Nouvelle 3").sum() == 1
    assert [p.publication_id for p in list_publications(registry.engine)] == [
        retried.publication_id]


def test_only_the_last_n_publications_are_kept(registry):
    made = [_publish(registry, _golden_run(registry, renamed=i), keep=2).publication_id
            for i in range(1, 5)]
    assert [p.publication_id for p in list_publications(registry.engine)] == made[:1:-1]
    with registry.engine.connect() as connection:
        for table in SNAPSHOT_TABLES[1:]:  # no row left that only pruned publications saw
            seen_only_before = connection.scalar(sa.select(sa.func.count()).select_from(
                table).where(table.c.valid_until <= made[2]))
            assert seen_only_before == 0, table.name
            assert connection.scalar(sa.select(sa.func.count()).select_from(table)) > 0
    for number, publication_id in enumerate(made, start=1):
        _, share = read_share(registry.engine, "rjsc", ["registry_id", "legal_name"],
                              publication_id)
        renamed = share["legal_name"].str.contains(f"Nouvelle {number} ").sum()
        assert (len(share), renamed) == ((5, 1) if publication_id in made[2:] else (0, 0))


def test_republishing_a_run_writes_nothing_twice(registry):
    run_id = _golden_run(registry)
    first = _publish(registry, run_id)
    before = _snapshot(registry.engine)
    assert _publish(registry, run_id).publication_id == first.publication_id
    assert _snapshot(registry.engine) == before


def test_a_missing_pseudonym_secret_fails_before_anything_is_written(registry, monkeypatch):
    run_id = _golden_run(registry)
    monkeypatch.delenv("UBR_SHARING_SECRET_WCB")
    with pytest.raises(SharingError, match="UBR_SHARING_SECRET_WCB"):
        _publish(registry, run_id)
    assert list_publications(registry.engine) == []
