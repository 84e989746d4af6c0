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


def default_home(home: str | Path | None = None) -> Path:
    """`home`, else `UBR_HOME`, else `./.ubr`, made absolute; nothing is created."""
    chosen = home or os.environ.get(HOME_ENV, "").strip() or Path.cwd() / ".ubr"
    return Path(chosen).expanduser().resolve()


def configured_home(home: str | Path | None = None) -> Path | None:
    """`home`, else `UBR_HOME`, else None: the home an operator chose, if any."""
    chosen = home or os.environ.get(HOME_ENV, "").strip()
    return default_home(chosen) if chosen else None


def ubr_home(home: str | Path | None = None) -> Path:
    """`default_home(home)`, created and owner-only: the default store's folder.

    A value passed in wins: the environment is the default for callers (the CLI, the code
    location) that were given none.
    """
    return private_dir(default_home(home))


def database_url(
    url: str | None = None, home: str | Path | None = None, *, create: bool = True
) -> str:
    """The registry URL: `url`, else `UBR_DATABASE_URL`, else an SQLite file in the home.

    The default path is made absolute (and, with `create`, its folder created owner-only) so
    that a process started from another working directory still finds the same registry.
    """
    chosen = (url or "").strip() or os.environ.get(DATABASE_URL_ENV, "").strip()
    if chosen:
        return chosen
    folder = ubr_home(home) if create else default_home(home)
    return f"sqlite:///{folder / SQLITE_FILE}"


def store_home(url: str, home: str | Path | None = None, *, create: bool = True) -> Path:
    """Where the run artefacts of the registry at `url` go (stage files, data docs, models,
    match states, lineage events): `home` if given, else the folder of an SQLite registry file
    (beside the store), else `./.ubr`. No environment variable is read: callers pass
    `configured_home()` as `home`.

    With `create` the folder is created. A home given, or ./.ubr, is made owner-only; an SQLite
    file's existing folder is used as it is (it may be shared, such as /tmp). What goes inside
    is owner-only anyway: UBR processes create files with umask 077 and stage folders 0700.
    """
    if home:
        return ubr_home(home) if create else default_home(home)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().resolve().parent
        if create:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder
    default = Path.cwd() / ".ubr"
    return ubr_home(default) if create else default_home(default)


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
