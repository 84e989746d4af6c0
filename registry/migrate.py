"""Schema migrations, run from code: `upgrade(url)` brings any registry database to head.

Alembic's script directory ships inside the package (`registry/migrations`), so no
alembic.ini is needed where the store is used. Upgrading is idempotent and serialised
(a PostgreSQL advisory lock, an SQLite write lock), so every run may call it first.

Developers: `python -m registry.migrate revision -m "add golden records"` autogenerates a
new revision against `registry.schema.metadata`; `python -m registry.migrate current`.
"""

import argparse
import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from registry.database import create_engine, database_url, is_postgresql, write_transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant key for pg_advisory_xact_lock: "UBR" + "MIGR" in ASCII.
_ADVISORY_LOCK_KEY = 0x554252_4D49_4752 & 0x7FFFFFFFFFFFFFFF


def alembic_config(url: str | None = None) -> Config:
    """An in-memory Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def full_metadata() -> sa.MetaData:
    """`registry.schema.metadata` with every table module (`registry/*schema.py`) imported.

    Tables live in several modules sharing one MetaData; Alembic autogenerate and the schema
    test must see all of them, whichever the caller happened to import.
    """
    import registry
    from registry.schema import metadata

    for module in pkgutil.iter_modules(registry.__path__):
        if module.name.endswith("schema"):
            importlib.import_module(f"registry.{module.name}")
    return metadata


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "registry/migrations has no revisions"
    return head


def current_revision(bind: sa.Engine | str | None = None) -> str | None:
    """The revision the database is at (None for an empty database)."""
    engine, owned = _engine(bind)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def upgrade(bind: sa.Engine | str | None = None, revision: str = "head") -> str:
    """Migrate the database at `bind` (engine or URL; default `database_url()`) to `revision`.

    Runs in one transaction: a failed migration leaves the schema as it was. Returns the
    revision the database is at afterwards.
    """
    engine, owned = _engine(bind)
    try:
        with write_transaction(engine) as connection:
            if is_postgresql(connection):
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                )
            current = MigrationContext.configure(connection).get_current_revision()
            if revision == "head" and current == head_revision():
                return current  # already there: the common case on every run start
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() or ""
    finally:
        if owned:
            engine.dispose()


def _engine(bind: sa.Engine | str | None) -> tuple[sa.Engine, bool]:
    if isinstance(bind, sa.Engine):
        return bind, False
    return create_engine(bind or database_url()), True


def main(argv: list[str] | None = None) -> None:
    """Developer entry point: upgrade, current, or autogenerate a revision."""
    parser = argparse.ArgumentParser(prog="python -m registry.migrate")
    parser.add_argument("--url", default=None, help="database URL (default UBR_DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade")
    sub.add_parser("current")
    revision = sub.add_parser("revision")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    url = args.url or database_url()
    if args.command == "upgrade":
        print(upgrade(url))
    elif args.command == "current":
        print(current_revision(url))
    else:
        upgrade(url)
        command.revision(alembic_config(url), message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
