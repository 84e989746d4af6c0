"""The access log: every read of the registry made through `ubr`, who, for whom, why, how much.

Reads by a ministry's PostgreSQL role straight from its views bypass `ubr`; the database's
own audit (log_statement, pgaudit) covers those (docs/sharing.md). The detail is for ids,
formats and paths: never a record value.
"""

import getpass
import os
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from registry.database import write_transaction
from registry.publication_schema import access_log

USER_ENV = "UBR_USER"
# Columns that may be null: kept as Python objects, so a missing ministry reads None (not NaN)
# and a publication id stays an int (a float column would print 1.0).
_NULLABLE = ("ministry", "publication_id", "detail")


def current_user() -> str:
    """Who is reading: `UBR_USER`, else the operating-system login."""
    named = os.environ.get(USER_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def record_access(
    engine: sa.Engine, *, action: str, purpose: str, row_count: int,
    who: str | None = None, ministry: str | None = None, publication_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one access; returns its access_id."""
    if not purpose.strip():
        raise ValueError("an access needs its purpose")
    with write_transaction(engine) as connection:
        result = connection.execute(access_log.insert().values(
            at=datetime.now(UTC), who=(who or current_user()).strip(), ministry=ministry,
            purpose=purpose.strip(), action=action, publication_id=publication_id,
            row_count=int(row_count), detail=detail))
        return int(result.inserted_primary_key[0])


def record_accesses(engine: sa.Engine, accesses: list[dict[str, Any]]) -> int:
    """Append many accesses in one transaction (the API's log, written every fraction of a
    second rather than once per request); each needs at, who, purpose, action, row_count."""
    if not accesses:
        return 0
    for access in accesses:
        if not str(access.get("purpose", "")).strip():
            raise ValueError("an access needs its purpose")
    with write_transaction(engine) as connection:
        connection.execute(access_log.insert(), [
            {"ministry": None, "publication_id": None, "detail": None, **access}
            for access in accesses])
    return len(accesses)


def read_access_log(engine: sa.Engine, ministry: str | None = None,
                    limit: int = 100) -> pd.DataFrame:
    """The newest accesses first (of one ministry if given); missing values are None."""
    statement = sa.select(access_log).order_by(access_log.c.access_id.desc()).limit(limit)
    if ministry is not None:
        statement = statement.where(access_log.c.ministry == ministry)
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    names = [c.name for c in access_log.c]
    frame = pd.DataFrame(rows, columns=names, dtype=object)  # None stays None, an id an int
    solid = [name for name in names if name not in _NULLABLE]
    frame[solid] = frame[solid].infer_objects()
    return frame
