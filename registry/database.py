"""Where the registry lives and how to connect to it.

SQLite is the embedded default so that a fresh machine can run the demo with no server;
PostgreSQL (psycopg 3) is the production store. Both get the same engine guarantees:
real transactions (SQLite's driver otherwise autocommits DDL and starts no transaction
for SELECT), foreign keys enforced, and writers that wait instead of failing at once.
"""

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from registry.private_files import private_dir

DATABASE_URL_ENV = "UBR_DATABASE_URL"
HOME_ENV = "UBR_HOME"
SQLITE_FILE = "registry.sqlite"

# Execution option naming the SQLite BEGIN mode of a transaction. Writers ask for IMMEDIATE
# so that two writers queue on the lock instead of one failing when it upgrades a read lock.
SQLITE_BEGIN_OPTION = "ubr_sqlite_begin"
SQLITE_BUSY_TIMEOUT_S = 60


def ubr_home() -> Path:
    """`UBR_HOME`, else `./.ubr`, absolute, created and owner-only: the store and run artefacts."""
    home = Path(os.environ.get(HOME_ENV, "").strip() or Path.cwd() / ".ubr").expanduser()
    return private_dir(home.resolve())


def database_url() -> str:
    """The registry URL: `UBR_DATABASE_URL`, else an SQLite file under `UBR_HOME` or `./.ubr`.

    The default path is made absolute (and its folder created) so that a process started
    from another working directory still finds the same registry.
    """
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    return f"sqlite:///{ubr_home() / SQLITE_FILE}"


def is_sqlite(bind: sa.Engine | sa.Connection) -> bool:
    return bind.dialect.name == "sqlite"


def is_postgresql(bind: sa.Engine | sa.Connection) -> bool:
    return bind.dialect.name == "postgresql"


def create_engine(url: str | sa.URL | None = None, **kwargs: Any) -> sa.Engine:
    """An engine for `url` (default `database_url()`) with the store's connection settings.

    SQLite: WAL journal (readers do not block the writer), foreign keys on, a busy timeout,
    and SQLAlchemy-emitted BEGIN so transactions (DDL included) are atomic.
    PostgreSQL: a bare `postgresql://` URL is routed to psycopg 3.
    """
    parsed = sa.make_url(url or database_url())
    # Parameters are record values (possibly personal): never in logs or exception messages.
    kwargs.setdefault("hide_parameters", True)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)

    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    """Take transaction control away from the sqlite3 module and set the pragmas we rely on."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk writes touch big B-trees
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"{SQLITE_BEGIN_OPTION} must be DEFERRED, IMMEDIATE or EXCLUSIVE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def write_transaction(engine: sa.Engine) -> Any:
    """`engine.begin()` for a writer: on SQLite take the write lock up front (BEGIN IMMEDIATE)."""
    if is_sqlite(engine):
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}).begin()
    return engine.begin()
