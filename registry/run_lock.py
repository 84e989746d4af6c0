"""One run at a time per registry: a lock the operating system or the server releases on death.

Two runs writing one registry at once race (duplicate keys, half-replaced batches). A run
therefore holds, for its whole duration, a lock that dies with its process:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection kept
  open for the run; the server drops it when that connection goes, whatever killed it.
- SQLite file: `flock(LOCK_EX | LOCK_NB)` on `<database>.lock` beside the database file,
  kept open for the run; the kernel drops it when the process dies.
- SQLite in memory: the database lives in this process only, so a lock in this process.

Beside the lock, the `registry_lock` table records who holds it (run ids, host, pid, since
when) so a second run can say whom it waits for. A row left there while nobody holds the lock
is a run that died: the next holder marks its registry run `failed` with reason `abandoned`.
"""

import os
import socket
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from registry.batches import StoreError
from registry.database import is_postgresql, is_sqlite, write_transaction
from registry.schema import registry_lock, runs, source_batches
from registry.store import RegistryStore

__all__ = ["ABANDONED_REASON", "LockHolder", "RegistryBusyError", "RegistryLock", "check_free"]

LOCK_NAME = "registry"
ABANDONED_REASON = "abandoned"
# Arbitrary constant key for pg_try_advisory_lock: "UBR" + "RUNL" in ASCII. Advisory locks
# are scoped to one database, so each PostgreSQL registry has its own.
_ADVISORY_LOCK_KEY = 0x554252_52554E4C & 0x7FFFFFFFFFFFFFFF


class RegistryBusyError(StoreError):
    """Another run holds the registry; the message names it and says what to do."""


@dataclass(frozen=True)
class LockHolder:
    """The recorded holder of a registry's run lock (no personal value: ids, host, pid)."""

    run_id: str | None
    dagster_run_id: str | None
    host: str
    pid: int
    acquired_at: datetime

    def describe(self) -> str:
        """'run R (Dagster run D), process P, since T UTC' for messages."""
        who = f"run {self.run_id}" if self.run_id else "a run"
        if self.dagster_run_id:
            who += f" (Dagster run {self.dagster_run_id})"
        where = "" if self.host == socket.gethostname() else " on another machine"
        since = self.acquired_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        return f"{who}, process {self.pid}{where}, since {since} UTC"


class _Guard(Protocol):
    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...


class _AdvisoryGuard:
    """A session advisory lock on a connection held open until release (PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        connection = self._engine.connect()
        try:
            got = bool(connection.scalar(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}))
            connection.commit()  # the session lock outlives the transaction; no idle txn
        except BaseException:
            connection.invalidate()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"),
                              {"key": _ADVISORY_LOCK_KEY})
            connection.commit()
            connection.close()
        except Exception:
            connection.invalidate()  # closing the session releases the lock for certain


class _FileGuard:
    """An exclusive flock on a file beside the SQLite database, held open until release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor drops the flock


_PROCESS_LOCKS: "weakref.WeakKeyDictionary[sa.Engine, threading.Lock]" = (
    weakref.WeakKeyDictionary())
_PROCESS_LOCKS_GUARD = threading.Lock()


class _ProcessGuard:
    """A lock in this process, for an in-memory SQLite database no other process can see."""

    def __init__(self, engine: sa.Engine) -> None:
        with _PROCESS_LOCKS_GUARD:
            self._lock = _PROCESS_LOCKS.setdefault(engine, threading.Lock())
        self._held = False

    def try_acquire(self) -> bool:
        self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


def _sqlite_lock_file(engine: sa.Engine) -> Path | None:
    """`<database>.lock` beside an SQLite file; None for an in-memory database."""
    database = engine.url.database or ""
    if database.startswith("file:"):  # URI filename: file:path?mode=...
        path, _, query = database[5:].partition("?")
        if "mode=memory" in query:
            return None
        database = path
    if database in ("", ":memory:"):
        return None
    file = Path(database).expanduser().resolve()
    return file.with_name(file.name + ".lock")


def _guard_for(engine: sa.Engine) -> _Guard:
    if is_postgresql(engine):
        return _AdvisoryGuard(engine)
    if is_sqlite(engine):
        path = _sqlite_lock_file(engine)
        return _ProcessGuard(engine) if path is None else _FileGuard(path)
    raise StoreError(f"the run lock supports SQLite and PostgreSQL registries, not "
                     f"{engine.dialect.name}; one run at a time cannot be guaranteed there")


class RegistryLock:
    """The registry's run lock: `acquire()` at a run's start, `release()` at its end.

    Usable as a context manager. `abandoned` lists the registry runs this acquisition found
    dead and marked failed.
    """

    def __init__(self, store: RegistryStore) -> None:
        self.store = store
        self._guard = _guard_for(store.engine)
        self._holder_id: str | None = None
        self._run_id: str | None = None
        self.abandoned: list[str] = []

    @property
    def held(self) -> bool:
        return self._holder_id is not None

    def acquire(self, dagster_run_id: str | None = None, run_id: str | None = None) -> list[str]:
        """Take the lock or raise RegistryBusyError at once (nothing written); returns the
        ids of registry runs found abandoned and marked failed."""
        if self.held:
            raise StoreError("this registry lock is already held by this process")
        self._take()
        try:
            holder_id = str(uuid.uuid4())
            self.abandoned = self._replace_holder(holder_id, dagster_run_id, run_id)
        except BaseException:
            self._guard.release()
            raise
        self._holder_id, self._run_id = holder_id, run_id
        return self.abandoned

    def record_run(self, run_id: str) -> None:
        """Name the registry run of the holder once it exists (it starts on first write)."""
        if self._holder_id is None or run_id == self._run_id:
            return
        self._run_id = run_id
        with write_transaction(self.store.engine) as connection:
            connection.execute(registry_lock.update().where(
                registry_lock.c.lock_name == LOCK_NAME,
                registry_lock.c.holder_id == self._holder_id).values(run_id=run_id))

    def release(self) -> None:
        """Forget the holder record and drop the lock (idempotent)."""
        holder_id, self._holder_id = self._holder_id, None
        if holder_id is None:
            return
        try:
            with write_transaction(self.store.engine) as connection:
                connection.execute(registry_lock.delete().where(
                    registry_lock.c.lock_name == LOCK_NAME,
                    registry_lock.c.holder_id == holder_id))
        finally:
            self._guard.release()

    def check(self) -> list[str]:
        """Raise RegistryBusyError if a run holds the registry; else close abandoned runs
        (returned) and let go at once, recording no holder."""
        self._take()
        try:
            self.abandoned = self._replace_holder(None, None, None)
        finally:
            self._guard.release()
        return self.abandoned

    def holder(self) -> LockHolder | None:
        """The recorded holder (possibly dead if nobody holds the lock), or None."""
        with self.store.engine.connect() as connection:
            row = connection.execute(
                registry_lock.select().where(registry_lock.c.lock_name == LOCK_NAME)).first()
            if row is None:
                return None
            run_id = row.run_id
            if run_id is None and row.dagster_run_id is not None:
                run_id = connection.scalar(sa.select(runs.c.run_id).where(
                    runs.c.dagster_run_id == row.dagster_run_id).limit(1))
        return LockHolder(run_id, row.dagster_run_id, row.host, row.pid, row.acquired_at)

    def __enter__(self) -> "RegistryLock":
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _take(self) -> None:
        if self._guard.try_acquire():
            return
        holder = self.holder()
        who = holder.describe() if holder else "a run that is just starting"
        raise RegistryBusyError(
            f"another run holds the registry: {who}; wait for it to finish or, if it died, "
            "the next run will mark it abandoned")

    def _replace_holder(self, holder_id: str | None, dagster_run_id: str | None,
                        run_id: str | None) -> list[str]:
        """Under the lock: close the dead holder's runs, then record the new holder."""
        now = datetime.now(UTC)
        with write_transaction(self.store.engine) as connection:
            stale = connection.execute(
                registry_lock.select().where(registry_lock.c.lock_name == LOCK_NAME)).first()
            abandoned: list[str] = []
            if stale is not None:
                abandoned = _mark_abandoned(connection, stale, now)
                connection.execute(
                    registry_lock.delete().where(registry_lock.c.lock_name == LOCK_NAME))
            if holder_id is not None:
                connection.execute(registry_lock.insert().values(
                    lock_name=LOCK_NAME, holder_id=holder_id, run_id=run_id,
                    dagster_run_id=dagster_run_id, host=socket.gethostname(),
                    pid=os.getpid(), acquired_at=now))
        return abandoned


def _mark_abandoned(connection: sa.Connection, stale: Any, now: datetime) -> list[str]:
    """Mark the dead holder's running registry runs failed (reason `abandoned`)."""
    keys = []
    if stale.run_id is not None:
        keys.append(runs.c.run_id == stale.run_id)
    if stale.dagster_run_id is not None:
        keys.append(runs.c.dagster_run_id == stale.dagster_run_id)
    if not keys:
        return []
    dead = list(connection.scalars(sa.select(runs.c.run_id).where(
        runs.c.status == "running", sa.or_(*keys)).order_by(runs.c.started_at)))
    for run_id in dead:  # one per dead holder in practice
        checksums = dict(connection.execute(
            sa.select(source_batches.c.source, source_batches.c.files_checksum)
            .where(source_batches.c.run_id == run_id).order_by(source_batches.c.source)
        ).tuples().all())
        connection.execute(runs.update().where(runs.c.run_id == run_id).values(
            status="failed", finished_at=now, input_checksums=checksums,
            summary={"reason": ABANDONED_REASON}))
    return dead


def check_free(url: str) -> list[str]:
    """For a command about to start a run: raise RegistryBusyError if the registry at `url`
    is held; else close abandoned runs and return their ids."""
    with RegistryStore(url) as store:
        store.migrate()
        return RegistryLock(store).check()
