"""Versioned publications read exactly as the full copies they replaced, on both databases.

The golden registry is written straight into its tables from frames that the test keeps, run
after run: new businesses, updated and cleared values, businesses retired into others with
their records moved, a record removed, a business gone, a value changed and changed back, an
agreement edited, a key rotated, an agreement dropped. Each publication's expected full copy
is the test's own frames at that moment and each share the policy applied to them, computed
here, independently of how the store keeps or reads its versions. Every kept publication is
then read back (read_published, the cross-reference, each share, each ministry's export, the
share audit, and on PostgreSQL the ministry views of the current one) and compared.
"""

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from registry import bulk
from registry.database import write_transaction
from registry.golden_schema import GOLDEN_COLUMNS, businesses, cross_reference
from registry.publication import (
    PUBLISHED_COLUMNS,
    list_publications,
    publish_registry,
    read_published,
    read_published_cross_reference,
    read_share,
    read_shared_cross_reference,
)
from registry.publication_schema import SNAPSHOTS, published_businesses
from registry.sharing_agreement import SharingFile, load_sharing, sharing_hash
from registry.sharing_audit import share_violations
from registry.sharing_policy import SHARED_COLUMNS, agreement_secret, shared_rows
from registry.store import RegistryStore
from ubr_cli.main import app

XREF = ["source", "source_record_id", "registry_id"]
KEEP = 3


def _business(i: int, **values: Any) -> dict[str, Any]:
    sole = i % 5 == 0
    row: dict[str, Any] = {
        "registry_id": f"UBR-T{i:05d}", "status": "active", "retired_into": None,
        **dict.fromkeys(GOLDEN_COLUMNS),
        "legal_name": f"Owner {i}" if sole else f"Business {i} Limited",
        "operating_name": f"Trade {i}" if i % 2 else None,
        "business_type": "sole_proprietorship" if sole else "corporation",
        "legal_form": None if sole else "limited", "business_number": f"{100000000 + i}",
        "business_status": "active", "registration_date": "2001-05-04",
        "address_line": f"{i} Main Street", "city": "Halifax", "province": "NS",
        "postal_code": "B3H 4R2", "phone": f"+1902555{i:04d}" if i % 3 else None,
        "email": f"info{i}@example.ca", "naics_code": "445291", "employee_band": "1-4",
        "owner_name": f"Owner {i}" if sole else None,
        "owner_address_line": f"{i} Elm St" if sole else None,
        "owner_city": "Truro" if sole else None, "owner_postal_code": "B2N 1A1" if sole else None,
        "member_count": 0,
    }
    return {**row, **values}


def _records(i: int) -> list[dict[str, Any]]:
    rid = f"UBR-T{i:05d}"
    rows = [{"source": "rjsc", "source_record_id": f"R{i}", "registry_id": rid},
            {"source": "revenue", "source_record_id": f"RT{i}", "registry_id": rid}]
    if i % 2:
        rows.append({"source": "wcb", "source_record_id": f"W{i}", "registry_id": rid})
    if i % 4 == 1:
        rows.append({"source": "permits", "source_record_id": f"P{i}", "registry_id": rid})
    return rows


class Registry:
    """The golden registry as the test holds it, written into the store before each run."""

    def __init__(self, store: RegistryStore, count: int) -> None:
        self.store = store
        self.golden = pd.DataFrame([_business(i) for i in range(1, count + 1)])
        self.xref = pd.DataFrame(sum((_records(i) for i in range(1, count + 1)), []))

    def ids(self, *numbers: int) -> list[str]:
        return [f"UBR-T{i:05d}" for i in numbers]

    def set(self, number: int, **values: Any) -> None:
        rows = self.golden["registry_id"] == self.ids(number)[0]
        for column, value in values.items():
            self.golden.loc[rows, column] = value

    def add(self, *numbers: int) -> None:
        self.golden = pd.concat([self.golden, pd.DataFrame([_business(i) for i in numbers])],
                                ignore_index=True)
        self.xref = pd.concat([self.xref, pd.DataFrame(sum((_records(i) for i in numbers),
                                                           []))], ignore_index=True)

    def retire(self, number: int, into: int) -> None:
        old, new = self.ids(number, into)
        self.set(number, status="retired", retired_into=new)
        self.xref.loc[self.xref["registry_id"] == old, "registry_id"] = new

    def write(self) -> str:
        """Replace the golden tables with the frames; returns the new run's id."""
        run_id = self.store.start_run("cfg", "test")
        members = self.xref["registry_id"].value_counts()
        self.golden["member_count"] = self.golden["registry_id"].map(members).fillna(0)
        self.golden["member_count"] = self.golden["member_count"].astype(int)
        with write_transaction(self.store.engine) as connection:
            connection.execute(cross_reference.delete())
            connection.execute(businesses.delete())
            bulk.insert_frame(connection, businesses, self.golden.assign(
                state_hash="0" * 32, first_run_id=run_id, last_run_id=run_id))
            bulk.insert_frame(connection, cross_reference, self.xref.assign(run_id=run_id))
        self.store.finish_run(run_id, "succeeded")
        return run_id

    def expected(self, sharing: SharingFile) -> dict[str, Any]:
        """The full copy a publication of this registry holds, computed here."""
        published = self.golden[list(PUBLISHED_COLUMNS)].sort_values("registry_id")
        published = published.reset_index(drop=True)
        shares = {a.id: shared_rows(published, a, agreement_secret(a))[list(SHARED_COLUMNS)]
                  for a in sharing.agreements}
        return {"published": published, "xref": self.xref.sort_values(XREF[:2]),
                "shares": shares, "sharing": sharing,
                "active": int((self.golden["status"] == "active").sum())}


def _rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[tuple]:
    """Rows as sorted tuples of plain values (None for nulls, ints for counts)."""
    frame = frame[columns] if columns is not None else frame
    cells = frame.astype(object).where(frame.notna(), None)
    return sorted(tuple(int(v) if isinstance(v, float) else v for v in row)
                  for row in cells.itertuples(index=False))


def _edited(sharing: SharingFile) -> SharingFile:
    """wcb shares active businesses only and masks the NAICS code: its share changes whole."""
    data = sharing.model_dump(mode="json")
    for agreement in data["agreements"]:
        if agreement["id"] == "wcb":
            agreement["rows"] = {"status": ["active"]}
            agreement["fields"]["naics_code"] = {"treatment": "masked", "keep_first": 2}
    return SharingFile.model_validate(data)


def _without(sharing: SharingFile, ministry: str) -> SharingFile:
    data = sharing.model_dump(mode="json")
    data["agreements"] = [a for a in data["agreements"] if a["id"] != ministry]
    return SharingFile.model_validate(data)


def _check(store: RegistryStore, made: dict[int, dict[str, Any]], tmp_path: Path) -> None:
    """Every kept publication reads as its expected full copy, through every reader."""
    engine = store.engine
    kept = list_publications(engine)
    assert [p.publication_id for p in kept] == sorted(made, reverse=True)[:KEEP]
    for publication in kept:
        pid, expected = publication.publication_id, made[publication.publication_id]
        with engine.connect() as connection:
            published = read_published(connection, pid)
            xref = read_published_cross_reference(connection, pid)
        assert _rows(published) == _rows(expected["published"]), pid
        assert _rows(xref) == _rows(expected["xref"], XREF), pid
        assert publication.business_count == expected["active"]
        assert publication.record_count == len(expected["xref"])
        assert publication.shares == {m: len(s) for m, s in expected["shares"].items()}
        for agreement in expected["sharing"].agreements:
            share = expected["shares"][agreement.id]
            _, stored = read_share(engine, agreement.id, list(SHARED_COLUMNS), pid)
            assert _rows(stored) == _rows(share), (pid, agreement.id)
            assert not any(share_violations(published, stored, agreement).values())
            mine = expected["xref"][expected["xref"]["source"].isin(agreement.sources)
                                    & expected["xref"]["registry_id"].isin(
                                        share["registry_id"])]
            records = read_shared_cross_reference(engine, agreement.id, agreement.sources,
                                                  pid)
            assert _rows(records) == _rows(mine, XREF), (pid, agreement.id)
    _check_export(store, made, tmp_path)
    if engine.dialect.name == "postgresql":
        _check_views(engine, made[kept[0].publication_id])


def _check_export(store: RegistryStore, made: dict[int, dict[str, Any]],
                  tmp_path: Path) -> None:
    """`ubr export --publication N` of the wcb share writes the expected rows and columns."""
    url = store.engine.url.render_as_string(hide_password=False)
    for publication in list_publications(store.engine):
        pid, expected = publication.publication_id, made[publication.publication_id]
        if "wcb" not in expected["shares"]:
            continue
        folder = tmp_path / f"export_{pid}"
        result = CliRunner().invoke(app, [
            "export", "--ministry", "wcb", "--publication", str(pid), "--format", "parquet",
            "--out", str(folder), "--database-url", url], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        exported = pd.read_parquet(folder / f"wcb_businesses_{pid}.parquet")
        columns = expected["sharing"].get("wcb").visible_columns()
        assert list(exported.columns) == columns
        assert _rows(exported) == _rows(expected["shares"]["wcb"], columns), pid


def _check_views(engine: sa.Engine, expected: dict[str, Any]) -> None:
    """Each ministry's PostgreSQL views show the current publication's expected rows."""
    with engine.connect() as connection:
        for agreement in expected["sharing"].agreements:
            schema = agreement.schema_name()
            view = pd.DataFrame(connection.execute(sa.text(
                f'SELECT * FROM "{schema}".businesses')).mappings().all(),
                columns=agreement.visible_columns())
            assert _rows(view) == _rows(expected["shares"][agreement.id],
                                        agreement.visible_columns()), agreement.id
            records = connection.execute(sa.text(
                f'SELECT source, source_record_id, registry_id FROM "{schema}".cross_reference'
            )).all()
            share_ids = set(expected["shares"][agreement.id]["registry_id"])
            xref = expected["xref"]
            mine = xref[xref["source"].isin(agreement.sources) & xref["registry_id"].isin(
                share_ids)]
            assert sorted(tuple(r) for r in records) == _rows(mine, XREF), agreement.id


def _written_by(engine: sa.Engine, publication_id: int) -> dict[str, int]:
    """Rows each snapshot table opened or closed at a publication."""
    with engine.connect() as connection:
        return {table.name: int(connection.scalar(sa.select(sa.func.count()).select_from(
            table).where(sa.or_(table.c.valid_from == publication_id,
                                table.c.valid_until == publication_id))) or 0)
                for table in SNAPSHOTS}


@pytest.fixture
def store(database_url):
    with RegistryStore(database_url) as opened:
        opened.migrate()
        yield opened


def test_each_kept_publication_reads_as_its_full_copy(store, monkeypatch, tmp_path):
    registry, sharing, made = Registry(store, 40), load_sharing(), {}

    def publish(current: SharingFile) -> int:
        run_id = registry.write()
        publication = publish_registry(store, run_id, current, sharing_hash(), keep=KEEP)
        made[publication.publication_id] = registry.expected(current)
        _check(store, made, tmp_path)
        assert publication.written == _written_by(store.engine, publication.publication_id)
        return publication.publication_id

    first = publish(sharing)
    registry.retire(7, into=8)  # already retired before the first change run
    second = publish(sharing)
    unchanged = publish(sharing)
    assert _written_by(store.engine, unchanged) == dict.fromkeys(
        (t.name for t in SNAPSHOTS), 0)  # nothing changed, nothing written
    registry.add(41, 42, 43)
    registry.set(3, legal_name="Business 3 Renamed Limited", phone=None)
    registry.set(4, phone="+19025550000", email=None)
    registry.set(10, owner_name="New Owner 10")  # a sole proprietor's personal field
    registry.retire(12, into=13)
    registry.xref = registry.xref[registry.xref["source_record_id"] != "RT20"]  # removed
    changed = publish(sharing)
    with store.engine.connect() as connection:
        opened = connection.scalar(sa.select(sa.func.count()).select_from(
            published_businesses).where(published_businesses.c.valid_from == changed))
    # 3 new; 3, 4, 10, 12 changed; 13 and 20 by their member counts
    assert opened == 9
    monkeypatch.setenv("UBR_SHARING_SECRET_RJSC", "test-only-a-rotated-rjsc-key-00000000000")
    registry.set(3, legal_name="Business 3 Limited")  # back as it was two runs ago
    publish(_edited(sharing))  # wcb edited, rjsc's key rotated: both shares rewritten whole
    registry.golden = registry.golden[registry.golden["registry_id"] != registry.ids(41)[0]]
    registry.xref = registry.xref[registry.xref["registry_id"] != registry.ids(41)[0]]
    registry.set(9, city="Dartmouth")
    publish(_without(_edited(sharing), "permits"))  # permits no longer shares
    for pruned in (first, second):  # gone: read as nothing, not as their leftovers
        assert pruned not in {p.publication_id for p in list_publications(store.engine)}
        with store.engine.connect() as connection:
            assert read_published(connection, pruned).empty
        assert read_share(store.engine, "rjsc", ["registry_id"], pruned)[1].empty
    with store.engine.connect() as connection:
        permits = connection.scalar(sa.text(
            "SELECT count(*) FROM shared_businesses WHERE ministry = 'permits' "
            "AND valid_until IS NULL"))
    assert permits == 0
