"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests need the server at UBR_TEST_POSTGRES_URL (default 127.0.0.1:5432). Locally an
unreachable server skips them; with CI=true it fails them, so CI can never go green without them.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get(
    "UBR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_admin_engine() -> sa.Engine:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return engine


# At least 32 bytes each: shorter keys are refused (registry.sharing_policy.MIN_SECRET_BYTES).
TEST_SHARING_SECRETS = {
    "UBR_SHARING_SECRET_RJSC": "test-only-not-secret-rjsc-00000000000",
    "UBR_SHARING_SECRET_WCB": "test-only-not-secret-wcb-000000000000",
    "UBR_SHARING_SECRET_PERMITS": "test-only-not-secret-permits-0000000",
}


@pytest.fixture(autouse=True)
def sharing_secrets(monkeypatch) -> dict[str, str]:
    """The pseudonym keys of config/sharing.yaml, as an operator would set them."""
    for name, value in TEST_SHARING_SECRETS.items():
        monkeypatch.setenv(name, value)
    return TEST_SHARING_SECRETS


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    admin = _postgres_admin_engine()
    name = f"ubr_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a new, empty SQLite file."""
    return f"sqlite:///{tmp_path / 'ubr.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """A fresh database URL; tests using it run once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def environment(monkeypatch, tmp_path, demo_dir, database_url) -> str:
    """The job's settings for a test module's `demo_dir` registers and a fresh database."""
    monkeypatch.setenv("UBR_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("UBR_DATABASE_URL", database_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    return database_url


@pytest.fixture
def golden(database_url):
    """A GoldenStore over a fresh, migrated database (SQLite and PostgreSQL)."""
    from registry.golden_store import GoldenStore
    from registry.store import RegistryStore

    with RegistryStore(database_url) as store:
        store.migrate()
        yield GoldenStore(store)
