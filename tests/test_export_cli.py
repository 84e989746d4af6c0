"""`ubr export`, `ubr publications`, `ubr access-log`, and the independent share audit."""

import pandas as pd
import pytest
import sqlalchemy as sa
from test_golden_helpers import bakery, canonical, fake_link, publish
from typer.testing import CliRunner

from registry.golden_store import GoldenStore
from registry.publication import current_publication_id, publish_registry, read_published
from registry.publication_schema import shared_businesses
from registry.sharing_agreement import load_sharing, sharing_hash
from registry.sharing_audit import share_violations
from registry.sharing_policy import SHARED_COLUMNS, shared_rows
from registry.store import RegistryStore
from ubr_cli.main import app

runner = CliRunner()


@pytest.fixture
def published(sqlite_url):
    """Five bakeries and one sole proprietorship, published once."""
    rows = sum((bakery(i) for i in range(1, 6)), [])
    rows.append({"source": "rjsc", "source_record_id": "R9", "business_type":
                 "sole_proprietorship", "legal_name": "Jean Dupuis", "status": "active",
                 "owner_name": "Jean Dupuis", "address_line": "1 Elm St", "city": "Truro"})
    rows.append({"source": "permits", "source_record_id": "P-9", "legal_name": "Jean Dupuis",
                 "address_line": "1 Elm St", "city": "Truro"})
    records = canonical(rows)
    groups = [sorted(records.loc[records["source_record_id"].str.endswith(str(i)),
                                 "record_key"]) for i in range(1, 6)]
    groups.append(["permits:P-9", "rjsc:R9"])
    with RegistryStore(sqlite_url) as store:
        store.migrate()
        golden = GoldenStore(store)
        run_id, _ = publish(golden, records, fake_link(records, groups))
        publish_registry(store, run_id, load_sharing(), sharing_hash())
        yield sqlite_url, store


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_export_writes_the_ministrys_share_and_logs_the_access(published, tmp_path, form):
    url, store = published
    result = _invoke("export", "--ministry", "permits", "--format", form, "--out",
                     str(tmp_path), "--user", "analyst.permits", "--database-url", url)
    assert result.exit_code == 0, result.output
    read = pd.read_csv if form == "csv" else pd.read_parquet
    businesses = read(tmp_path / f"permits_businesses_1.{form}", dtype=str) \
        if form == "csv" else read(tmp_path / f"permits_businesses_1.{form}")
    xref = read(tmp_path / f"permits_cross_reference_1.{form}")
    agreement = load_sharing().get("permits")
    assert list(businesses.columns) == agreement.visible_columns()
    assert "owner_name" not in businesses.columns and "registration_date" not in businesses
    assert len(businesses) == 5  # the sole proprietorship is excluded
    assert not businesses["legal_name"].str.contains("Dupuis").any()
    assert set(xref["source"]) == {"permits"}
    assert "P-9" not in set(xref["source_record_id"])  # nor reachable through its own record
    assert len(xref) == 5
    log = _invoke("access-log", "--database-url", url)
    assert "analyst" in log.output and "export" in log.output and "permits" in log.output
    with store.engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT who, ministry, purpose, action, publication_id, row_count FROM access_log"
        )).one()
    assert row == ("analyst.permits", "permits", agreement.purpose, "export", 1, 5)


def test_export_refuses_unknown_ministry_and_missing_publication(published, sqlite_url,
                                                                 tmp_path):
    url, _ = published
    unknown = runner.invoke(app, ["export", "--ministry", "fisheries", "--database-url", url])
    assert unknown.exit_code == 1
    assert "fisheries" in unknown.output and "wcb" in unknown.output
    missing = runner.invoke(app, ["export", "--ministry", "wcb", "--publication", "7",
                                  "--database-url", url, "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "publication 7" in missing.output
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    nothing = runner.invoke(app, ["export", "--ministry", "wcb", "--database-url", empty])
    assert nothing.exit_code == 1 and "nothing has been published" in nothing.output
    assert "Traceback" not in unknown.output + missing.output + nothing.output


def test_publications_lists_the_current_publication(published):
    url, _ = published
    result = _invoke("publications", "--database-url", url)
    assert result.exit_code == 0
    assert "permits 5" in result.output and "revenue 6" in result.output


def test_share_audit_passes_on_what_was_published_and_counts_tampering(published):
    _, store = published
    sharing = load_sharing()
    with store.engine.connect() as connection:
        publication_id = current_publication_id(connection)
        rows = read_published(connection, publication_id)
    for agreement in sharing.agreements:
        share = shared_rows(rows, agreement, b"any-key")
        assert not any(share_violations(rows, share, agreement).values()), agreement.id
    wcb = sharing.get("wcb")
    share = shared_rows(rows, wcb, b"k")
    leaked = share.copy()
    leaked["owner_name"] = rows["owner_name"].to_numpy()  # a withheld field filled in
    leaked.loc[0, "business_number"] = rows.loc[0, "business_number"]  # a pseudonym in clear
    owner = rows.index[rows["business_type"] == "sole_proprietorship"][0]
    leaked.loc[owner, "legal_name"] = rows.loc[owner, "legal_name"]  # an owner's name
    counts = share_violations(rows, leaked.iloc[1:].reset_index(drop=True), wcb)
    assert counts["rows_missing"] == 1
    assert counts["withheld_values"] == int(rows["owner_name"].iloc[1:].notna().sum()) > 0
    assert counts["owner_names_shown"] == (1 if owner != 0 else 0)
    extra = pd.concat([share, share.iloc[:1].assign(registry_id="UBR-99999999-9")])
    assert share_violations(rows, extra, wcb)["rows_not_allowed"] == 1
    permits = sharing.get("permits")
    tampered = shared_rows(rows, permits, b"k").assign(
        legal_name=lambda f: f["legal_name"].str.upper())
    assert share_violations(rows, tampered, permits)["clear_values_changed"] == 5


def test_stored_shares_hold_no_withheld_value(published):
    _, store = published
    with store.engine.connect() as connection:
        stored = pd.DataFrame(connection.execute(sa.select(shared_businesses)).mappings().all())
    for agreement in load_sharing().agreements:
        mine = stored[stored["ministry"] == agreement.id]
        withheld = [c for c in SHARED_COLUMNS if c not in agreement.visible_columns()]
        assert mine[withheld].isna().all().all(), agreement.id
