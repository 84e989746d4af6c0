"""Migration 0008 turns the full copies of every kept publication into versions, losslessly.

A store at revision 0007 gets three publications written as full copies (a business changed,
one gone and back, one new; a record moved; a ministry that stops sharing). After the upgrade
each publication reads exactly as its copy; the downgrade gives the copies back, row for row.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command

from registry.database import write_transaction
from registry.golden_schema import GOLDEN_COLUMNS
from registry.migrate import alembic_config, head_revision, upgrade
from registry.publication import (
    PUBLISHED_COLUMNS,
    read_published,
    read_published_cross_reference,
    read_share,
)
from registry.publication_schema import SNAPSHOTS, publications
from registry.schema import runs
from registry.sharing_policy import SHARED_COLUMNS
from registry.store import RegistryStore

_OLD_COLUMNS = {
    "published_businesses": ["publication_id", *PUBLISHED_COLUMNS],
    "published_cross_reference": ["publication_id", "source", "source_record_id",
                                  "registry_id"],
    "shared_businesses": ["publication_id", "ministry", *SHARED_COLUMNS],
}
OLD = {name: sa.table(name, *(sa.column(c) for c in columns))
       for name, columns in _OLD_COLUMNS.items()}


def _business(rid: str, name: str, **values: Any) -> dict[str, Any]:
    return {"registry_id": rid, "status": "active", "retired_into": None,
            **dict.fromkeys(GOLDEN_COLUMNS), "legal_name": name, "city": "Halifax",
            "member_count": 1, **values}


def _copies() -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Three publications' full copies: what a 0007 store holds."""
    a1, a2 = _business("UBR-A", "Alpha Ltd"), _business("UBR-A", "Alpha Renamed Ltd")
    b = _business("UBR-B", "Beta Inc", phone=None)
    c = _business("UBR-C", "Gamma Co", member_count=2)
    d = _business("UBR-D", "Delta Ltd")
    c_retired = {**c, "status": "retired", "retired_into": "UBR-D", "member_count": 0}
    golden = {1: [a1, b, c], 2: [a2, b, d], 3: [a1, b, c_retired, d]}
    xref = {1: [("rjsc", "R1", "UBR-A"), ("rjsc", "R2", "UBR-B"), ("wcb", "W3", "UBR-C")],
            2: [("rjsc", "R1", "UBR-A"), ("rjsc", "R2", "UBR-B"), ("wcb", "W4", "UBR-D")],
            3: [("rjsc", "R1", "UBR-A"), ("rjsc", "R2", "UBR-B"), ("wcb", "W3", "UBR-D"),
                ("wcb", "W4", "UBR-D")]}
    copies = {}
    for pid, rows in golden.items():
        ministries = ["rjsc", "wcb"] if pid < 3 else ["rjsc"]
        copies[pid] = {
            "published_businesses": [{"publication_id": pid, **row} for row in rows],
            "published_cross_reference": [
                {"publication_id": pid, "source": s, "source_record_id": r, "registry_id": i}
                for s, r, i in xref[pid]],
            "shared_businesses": [
                {"publication_id": pid, "ministry": m,
                 **{k: v for k, v in row.items() if k != "member_count"},
                 "phone": None if m == "wcb" else row["phone"]}
                for m in ministries for row in rows],
        }
    return copies


def _write_0007(url: str) -> dict[int, dict[str, list[dict[str, Any]]]]:
    copies = _copies()
    assert upgrade(url, "0007") == "0007"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for pid, tables in copies.items():
                run_id = f"run-{pid}"
                connection.execute(runs.insert().values(
                    run_id=run_id, started_at=datetime(2026, 1, pid, tzinfo=UTC),
                    status="succeeded", code_version="test", config_hash="x"))
                connection.execute(publications.insert().values(
                    publication_id=pid, run_id=run_id,
                    published_at=datetime(2026, 1, pid, tzinfo=UTC), business_count=3,
                    record_count=3, sharing_hash="0" * 64, shares={"rjsc": 3}))
                for name, rows in tables.items():
                    connection.execute(OLD[name].insert(), rows)
            if engine.dialect.name == "postgresql":  # a ministry view provisioned at 0007
                connection.execute(sa.text(
                    "CREATE SCHEMA ubr_share_mig; COMMENT ON SCHEMA ubr_share_mig IS "
                    "'ubr managed; ministry wcb; role ubr_mig_wcb'; "
                    "CREATE VIEW ubr_share_mig.businesses AS SELECT registry_id FROM "
                    "shared_businesses WHERE publication_id = "
                    "(SELECT max(publication_id) FROM publications)"))
    finally:
        engine.dispose()
    return copies


def _key(row: dict[str, Any]) -> tuple:
    return tuple(sorted((k, "" if v is None else str(v)) for k, v in row.items()))


def _downgrade(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    try:
        with write_transaction(engine) as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def test_upgrade_versions_every_kept_publication_and_downgrade_restores_the_copies(
        database_url):
    copies = _write_0007(database_url)
    assert upgrade(database_url) == head_revision()
    with RegistryStore(database_url) as store:
        engine = store.engine
        for pid, tables in copies.items():
            with engine.connect() as connection:
                published = read_published(connection, pid).to_dict("records")
                xref = read_published_cross_reference(connection, pid).to_dict("records")
            expected = tables["published_businesses"]
            assert sorted(map(_key, published)) == sorted(
                _key({k: v for k, v in row.items() if k != "publication_id"})
                for row in expected), pid
            assert sorted(map(_key, xref)) == sorted(
                _key({k: v for k, v in row.items() if k != "publication_id"})
                for row in tables["published_cross_reference"]), pid
            for ministry in ("rjsc", "wcb"):
                _, share = read_share(engine, ministry, list(SHARED_COLUMNS), pid)
                mine = [{k: v for k, v in row.items() if k not in ("publication_id",
                                                                   "ministry")}
                        for row in tables["shared_businesses"] if row["ministry"] == ministry]
                assert sorted(map(_key, share.to_dict("records"))) == sorted(
                    map(_key, mine)), (pid, ministry)
        with engine.connect() as connection:
            stored = {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in SNAPSHOTS}
            hashes = connection.scalar(sa.text("SELECT count(share_hashes) FROM publications"))
            if engine.dialect.name == "postgresql":
                assert connection.scalar(sa.text(
                    "SELECT to_regclass('ubr_share_mig.businesses')")) is None
    # Unchanged rows are stored once (B in all three); A's first name, back in the third, is
    # a version of its own; wcb's rows are closed where it stops sharing
    assert stored == {"published_businesses": 7, "published_cross_reference": 5,
                      "shared_businesses": 12}
    assert hashes == 0  # the next publication rewrites every share whole

    _downgrade(database_url, "0007")
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            for name, table in OLD.items():
                rows = [dict(r) for r in connection.execute(sa.select(table)).mappings()]
                assert sorted(map(_key, rows)) == sorted(
                    _key(row) for tables in copies.values() for row in tables[name]), name
    finally:
        engine.dispose()
    assert upgrade(database_url) == head_revision()

