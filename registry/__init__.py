"""The registry store: runs, source batches, current source records and quarantine.

SQLite (embedded default) or PostgreSQL via `UBR_DATABASE_URL`; schema managed by the
Alembic migrations shipped in `registry/migrations`. See docs/store.md.
"""

from registry.database import create_engine, database_url
from registry.migrate import upgrade
from registry.store import (
    ReconciliationError,
    RegistryStore,
    SourceFile,
    StoreError,
    files_checksum,
)

__all__ = [
    "ReconciliationError",
    "RegistryStore",
    "SourceFile",
    "StoreError",
    "create_engine",
    "database_url",
    "files_checksum",
    "upgrade",
]
