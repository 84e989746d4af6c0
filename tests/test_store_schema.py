"""The store's schema: migrations build it from empty, repeat harmlessly, match schema.py."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from registry import create_engine, database_url, upgrade
from registry.migrate import current_revision, full_metadata, head_revision
from registry.store import RegistryStore

TABLES = {"runs", "source_files", "source_batches", "source_records", "quarantine"}


def test_upgrade_from_empty_creates_every_table(database_url):
    assert current_revision(database_url) is None
    assert upgrade(database_url) == head_revision()
    engine = create_engine(database_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url):
    first = upgrade(database_url)
    with RegistryStore(database_url) as store:
        assert store.migrate() == first
        assert store.migrate() == first
    assert current_revision(database_url) == head_revision()


def test_migrations_match_schema_module(database_url):
    """schema.py (what the code queries) and the migrations (what builds the DB) agree."""
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, full_metadata()) == []
    finally:
        engine.dispose()


def test_sqlite_engine_has_wal_and_foreign_keys(sqlite_url):
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_transactions_cover_ddl(sqlite_url):
    """DDL rolls back with its transaction (the sqlite3 driver alone would autocommit it)."""
    engine = create_engine(sqlite_url)
    try:
        connection = engine.connect()
        transaction = connection.begin()
        connection.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        transaction.rollback()
        connection.close()
        assert "scratch" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("UBR_DATABASE_URL", "postgresql+psycopg://u@h:5432/db")
    assert database_url() == "postgresql+psycopg://u@h:5432/db"
    monkeypatch.delenv("UBR_DATABASE_URL")
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    assert database_url() == f"sqlite:///{tmp_path / 'home' / 'registry.sqlite'}"
    assert (tmp_path / "home").is_dir()
    monkeypatch.delenv("UBR_HOME")
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path.resolve() / '.ubr' / 'registry.sqlite'}"


def test_plain_postgresql_url_uses_psycopg3():
    engine = create_engine("postgresql://u@127.0.0.1:1/db")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()
