"""Ministry roles on PostgreSQL: each logs in and reads its own views, and nothing else.

Roles are cluster-wide, so every test makes roles with a unique prefix and drops them after.
Rows are written straight into the publication tables (not through registry.publication), so
these tests prove the views and grants, not the publishing.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from registry.golden_schema import GOLDEN_COLUMNS
from registry.ministry_access import MinistryAccessError, provision_ministry_access
from registry.publication_schema import (
    publications,
    published_cross_reference,
    shared_businesses,
)
from registry.sharing_agreement import SharingFile
from registry.store import RegistryStore

WCB_FIELDS = {"legal_name": "clear", "city": "clear", "phone": {"treatment": "masked"},
              "owner_name": "withheld"}


def _sharing(tag: str, wcb_fields: dict[str, Any] | None = None,
             with_revenue: bool = True) -> SharingFile:
    agreements = [{
        "id": "wcb", "ministry": "Workers' Compensation Board", "purpose": "Employer coverage",
        "sources": ["wcb_employers"], "fields": wcb_fields or WCB_FIELDS,
        "personal_information": "withheld", "role": f"ubr_t{tag}_wcb",
    }]
    if with_revenue:
        agreements.append({
            "id": "revenue", "ministry": "Revenue", "purpose": "Tax accounts",
            "sources": ["revenue_accounts"], "fields": {"legal_name": "clear",
                                                        "business_number": "clear"},
            "personal_information": "withheld", "role": f"ubr_t{tag}_revenue",
        })
    return SharingFile.model_validate({"version": 1, "agreements": agreements})


class Pg:
    """A migrated test database, its admin engine, and logins as the test's roles."""

    def __init__(self, url: str, tag: str) -> None:
        self.url = sa.make_url(url)
        self.tag = tag
        self.store = RegistryStore(url)
        self.store.migrate()
        self.admin = self.store.engine
        self._logins: list[sa.Engine] = []

    def role(self, ministry: str) -> str:
        return f"ubr_t{self.tag}_{ministry}"

    def provision(self, sharing: SharingFile) -> dict[str, Any]:
        with self.admin.begin() as connection:
            return provision_ministry_access(connection, sharing)

    def login(self, ministry: str) -> sa.Engine:
        """An engine connected AS the ministry's role (made LOGIN for the test only)."""
        role = self.role(ministry)
        with self.admin.begin() as connection:
            connection.execute(sa.text(f'ALTER ROLE "{role}" LOGIN'))
        engine = sa.create_engine(self.url.set(username=role, password=None))
        self._logins.append(engine)
        return engine

    def publish(self, rows: list[dict[str, Any]], xref: list[dict[str, Any]]) -> int:
        """Insert one publication with its shared rows and cross-reference; returns its id."""
        run_id = self.store.start_run("test")
        with self.admin.begin() as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(publications))
            at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=count.scalar_one())
            publication_id = connection.execute(publications.insert().values(
                run_id=run_id, published_at=at, business_count=len(rows),
                record_count=len(xref), sharing_hash="0" * 64, shares={},
            ).returning(publications.c.publication_id)).scalar_one()
            for table in (shared_businesses, published_cross_reference):  # versioned rows
                connection.execute(table.update().where(table.c.valid_until.is_(None)).values(
                    valid_until=publication_id))
            connection.execute(shared_businesses.insert(), [
                {"valid_from": publication_id, "status": "active", "retired_into": None,
                 **dict.fromkeys(GOLDEN_COLUMNS), **row} for row in rows])
            connection.execute(published_cross_reference.insert(), [
                {"valid_from": publication_id, **row} for row in xref])
        return publication_id

    def drop_roles(self) -> None:
        for engine in self._logins:
            engine.dispose()
        with self.admin.begin() as connection:
            roles = connection.execute(sa.text(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                {"p": f"ubr\\_t{self.tag}\\_%"}).scalars().all()
            for role in roles:
                connection.execute(sa.text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
                connection.execute(sa.text(f'DROP OWNED BY "{role}"'))
                connection.execute(sa.text(f'DROP ROLE "{role}"'))
        self.store.close()


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Pg]:
    database = Pg(postgres_url, uuid.uuid4().hex[:8])
    try:
        yield database
    finally:
        database.drop_roles()


def _seed(pg: Pg) -> tuple[int, int]:
    """Two publications; the second (current) changes wcb's rows and adds a record."""
    old = pg.publish(
        [{"ministry": "wcb", "registry_id": "UBR-OLD-1", "legal_name": "Old Co",
          "owner_name": None},
         {"ministry": "revenue", "registry_id": "UBR-OLD-1", "legal_name": "Old Co"}],
        [{"source": "wcb_employers", "source_record_id": "W0", "registry_id": "UBR-OLD-1"}])
    new = pg.publish(
        [{"ministry": "wcb", "registry_id": "UBR-A", "legal_name": "Alpha Ltd",
          "city": "Regina", "phone": "******1234"},
         {"ministry": "wcb", "registry_id": "UBR-B", "legal_name": "Beta Inc", "city": "Moose Jaw"},
         {"ministry": "revenue", "registry_id": "UBR-A", "legal_name": "Alpha Ltd",
          "business_number": "123456789"}],
        [{"source": "wcb_employers", "source_record_id": "W1", "registry_id": "UBR-A"},
         {"source": "wcb_employers", "source_record_id": "W2", "registry_id": "UBR-B"},
         {"source": "revenue_accounts", "source_record_id": "R1", "registry_id": "UBR-A"}])
    return old, new


def _denied(engine: sa.Engine, statement: str) -> None:
    with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError) as caught:
        connection.execute(sa.text(statement))
    assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege), statement


@pytest.mark.postgres
def test_role_reads_its_own_view_of_the_current_publication(pg: Pg) -> None:
    _, current = _seed(pg)
    summary = pg.provision(_sharing(pg.tag))
    assert {m["ministry"]: m["role"] for m in summary["ministries"]} == {
        "wcb": pg.role("wcb"), "revenue": pg.role("revenue")}
    assert all(m["role_created"] for m in summary["ministries"])
    assert "ubr_share_wcb.businesses" in summary["views"]

    wcb = pg.login("wcb")
    with wcb.connect() as connection:
        result = connection.execute(sa.text(
            "SELECT * FROM ubr_share_wcb.businesses ORDER BY registry_id"))
        assert list(result.keys()) == ["registry_id", "status", "retired_into", "legal_name",
                                       "city", "phone"]
        assert [tuple(r) for r in result] == [
            ("UBR-A", "active", None, "Alpha Ltd", "Regina", "******1234"),
            ("UBR-B", "active", None, "Beta Inc", "Moose Jaw", None)]
        xref = connection.execute(sa.text(
            "SELECT * FROM ubr_share_wcb.cross_reference ORDER BY source_record_id")).all()
        assert [tuple(r) for r in xref] == [("wcb_employers", "W1", "UBR-A"),
                                            ("wcb_employers", "W2", "UBR-B")]
        publication = connection.execute(sa.text(
            "SELECT * FROM ubr_share_wcb.publication")).one()
        assert publication.publication_id == current


@pytest.mark.postgres
def test_role_cannot_read_base_tables_or_other_ministries(pg: Pg) -> None:
    _seed(pg)
    pg.provision(_sharing(pg.tag))
    wcb = pg.login("wcb")
    for table in ("businesses", "shared_businesses", "published_businesses",
                  "published_cross_reference", "publications", "source_records",
                  "access_log", "cross_reference", "field_provenance"):
        _denied(wcb, f"SELECT * FROM public.{table}")
    for view in ("businesses", "cross_reference", "publication"):
        _denied(wcb, f"SELECT * FROM ubr_share_revenue.{view}")
    _denied(wcb, "CREATE TABLE ubr_share_wcb.mine (x int)")
    _denied(wcb, "CREATE TABLE public.mine (x int)")
    _denied(wcb, "CREATE VIEW ubr_share_wcb.mine AS SELECT 1 AS x")
    _denied(wcb, "DELETE FROM ubr_share_wcb.businesses")
    _denied(wcb, "UPDATE ubr_share_wcb.businesses SET legal_name = 'x'")
    # The other ministry reads its own share only.
    revenue = pg.login("revenue")
    with revenue.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM ubr_share_revenue.businesses")).all()
        assert [tuple(r) for r in rows] == [("UBR-A", "active", None, "Alpha Ltd", "123456789")]
    _denied(revenue, "SELECT * FROM ubr_share_wcb.businesses")


@pytest.mark.postgres
def test_provisioning_twice_is_idempotent_and_follows_the_agreement(pg: Pg) -> None:
    _seed(pg)
    first = pg.provision(_sharing(pg.tag))
    second = pg.provision(_sharing(pg.tag))
    assert second["views"] == first["views"] and second["grants"] == first["grants"]
    assert not any(m["role_created"] for m in second["ministries"])
    wcb = pg.login("wcb")
    with wcb.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM ubr_share_wcb.businesses")).scalar_one() == 2

    # A field removed from the agreement leaves the view (drop and recreate, grants kept).
    pg.provision(_sharing(pg.tag, wcb_fields={"legal_name": "clear", "phone": "masked"}))
    with wcb.connect() as connection:
        result = connection.execute(sa.text("SELECT * FROM ubr_share_wcb.businesses"))
        assert list(result.keys()) == ["registry_id", "status", "retired_into", "legal_name",
                                       "phone"]
    with wcb.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="city"):
        connection.execute(sa.text("SELECT city FROM ubr_share_wcb.businesses"))
    _denied(wcb, "SELECT * FROM public.shared_businesses")


@pytest.mark.postgres
def test_an_agreement_removed_loses_its_views_but_not_its_role(pg: Pg) -> None:
    _seed(pg)
    pg.provision(_sharing(pg.tag))
    summary = pg.provision(_sharing(pg.tag, with_revenue=False))
    assert summary["dropped_schemas"] == ["ubr_share_revenue"]
    assert sorted(summary["dropped_views"]) == [
        "ubr_share_revenue.businesses", "ubr_share_revenue.cross_reference",
        "ubr_share_revenue.publication"]
    assert summary["stale_roles"] == [pg.role("revenue")]
    with pg.admin.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM pg_roles WHERE rolname = :r"),
            {"r": pg.role("revenue")}).scalar_one() == 1


@pytest.mark.postgres
def test_a_schema_ubr_did_not_make_is_refused_and_nothing_is_provisioned(pg: Pg) -> None:
    with pg.admin.begin() as connection:
        connection.execute(sa.text("CREATE SCHEMA ubr_share_revenue"))
    with pytest.raises(MinistryAccessError, match="ubr_share_revenue.*not managed by UBR"):
        pg.provision(_sharing(pg.tag))
    with pg.admin.connect() as connection:  # rolled back: wcb's role and schema are not there
        assert connection.execute(sa.text(
            "SELECT count(*) FROM pg_roles WHERE rolname = :r"),
            {"r": pg.role("wcb")}).scalar_one() == 0
        assert connection.execute(sa.text(
            "SELECT to_regnamespace('ubr_share_wcb')")).scalar_one() is None


@pytest.mark.postgres
def test_a_public_grant_on_a_base_table_is_revoked(pg: Pg) -> None:
    _seed(pg)
    with pg.admin.begin() as connection:
        connection.execute(sa.text("GRANT SELECT ON public.businesses TO PUBLIC"))
    pg.provision(_sharing(pg.tag))
    _denied(pg.login("wcb"), "SELECT * FROM public.businesses")


def test_provisioning_on_sqlite_says_views_are_postgresql_only(sqlite_url: str) -> None:
    with RegistryStore(sqlite_url) as store:
        store.migrate()
        with store.engine.begin() as connection, pytest.raises(
                MinistryAccessError, match="PostgreSQL-only.*ubr export"):
            provision_ministry_access(connection, _sharing("x"))


@pytest.mark.postgres
def test_a_role_granted_more_by_hand_stops_provisioning(pg: Pg) -> None:
    _seed(pg)
    pg.provision(_sharing(pg.tag))
    reader = pg.role("reader")
    with pg.admin.begin() as connection:
        connection.execute(sa.text(f'CREATE ROLE "{reader}" NOLOGIN'))
        connection.execute(sa.text(  # one column is enough to leak
            f'GRANT SELECT (source_record_id) ON public.source_records TO "{reader}"'))
        connection.execute(sa.text(f'GRANT "{reader}" TO "{pg.role("wcb")}"'))
    with pytest.raises(MinistryAccessError, match=r"public\.source_records by ubr_t"):
        pg.provision(_sharing(pg.tag))


@pytest.mark.postgres
def test_a_new_role_for_a_ministry_takes_the_old_roles_access_away(pg: Pg) -> None:
    _seed(pg)
    sharing = _sharing(pg.tag)
    pg.provision(sharing)
    old = pg.login("wcb")
    moved = sharing.model_copy(update={"agreements": [
        sharing.agreements[0].model_copy(update={"role": pg.role("wcb2")}),
        sharing.agreements[1]]})
    summary = pg.provision(moved)
    assert summary["stale_roles"] == [pg.role("wcb")]
    _denied(old, "SELECT * FROM ubr_share_wcb.businesses")
    with pg.login("wcb2").connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM ubr_share_wcb.businesses")).scalar_one() == 2


@pytest.mark.postgres
def test_a_leaky_function_sees_no_row_the_view_filters_out(pg: Pg) -> None:
    """Security barrier views: the role's own function in WHERE runs after the view's filter."""
    _seed(pg)
    pg.provision(_sharing(pg.tag))
    notices: list[str] = []
    with pg.login("wcb").connect() as connection:
        raw = connection.connection.driver_connection
        raw.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
        connection.execute(sa.text(
            "CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 "
            "AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$"))
        # As an attacker would: a sequential scan gives the cheap function every row first.
        connection.execute(sa.text("SET enable_indexscan = off; SET enable_bitmapscan = off"))
        connection.execute(sa.text(
            "SELECT * FROM ubr_share_wcb.businesses WHERE pg_temp.leak(legal_name)")).all()
    assert sorted(notices) == ["saw Alpha Ltd", "saw Beta Inc"]


def _cli(args: list[str]) -> Any:
    import typer
    from typer.testing import CliRunner

    from ubr_cli.provision_cmd import provision

    app = typer.Typer()
    app.command()(provision)
    return CliRunner().invoke(app, args)


def _config_file(tmp_path: Any, sharing: SharingFile) -> str:
    import yaml

    path = tmp_path / "sharing.yaml"
    path.write_text(yaml.safe_dump(sharing.model_dump(mode="json", by_alias=True,
                                                      exclude_none=True)))
    return str(path)


@pytest.mark.postgres
def test_cli_provisions_and_names_what_it_made(pg: Pg, tmp_path: Any) -> None:
    config = _config_file(tmp_path, _sharing(pg.tag))
    url = pg.url.render_as_string(hide_password=False)
    result = _cli(["--database-url", url, "--config", config])
    assert result.exit_code == 0, result.output
    assert "8 grants" in result.output  # per ministry: USAGE on its schema, SELECT on 3 views
    assert f"GRANT {pg.role('wcb')} TO person" in result.output
    with pg.admin.connect() as connection:
        views = connection.execute(sa.text(
            "SELECT schemaname || '.' || viewname FROM pg_views "
            "WHERE schemaname LIKE 'ubr_share_%' ORDER BY 1")).scalars().all()
    assert views == [f"ubr_share_{m}.{v}" for m in ("revenue", "wcb")
                     for v in ("businesses", "cross_reference", "publication")]
    again = _cli(["--database-url", url, "--config", config])
    assert again.exit_code == 0 and "8 grants" in again.output


def test_cli_on_sqlite_fails_with_a_sentence(sqlite_url: str, tmp_path: Any) -> None:
    result = _cli(["--database-url", sqlite_url, "--config",
                   _config_file(tmp_path, _sharing("x"))])
    assert result.exit_code == 1
    assert "PostgreSQL-only" in result.output and "Traceback" not in result.output
