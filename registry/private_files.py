"""Files UBR writes are readable by their owner only.

The registry's files (the SQLite store, stage outputs between pipeline steps, exports,
lineage events, data docs) hold business and personal values. The operating system's
permissions are their first protection, so every process of UBR creates files with
umask 077 (owner read/write only) and the folders it owns are made 0700.
"""

import os
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
OWNER_ONLY_DIR = 0o700


def restrict_new_files() -> int:
    """Make every file this process creates from now on owner-only; returns the old umask.

    Called once at start by the `ubr` command line and the Dagster code location, so files
    written by libraries (SQLite, Dagster's own storage, pyarrow) are covered too.
    """
    old = os.umask(OWNER_ONLY_UMASK)
    os.umask(old | OWNER_ONLY_UMASK)
    return old


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it 0700: only its owner may list it."""
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
    if path.stat().st_mode & 0o777 != OWNER_ONLY_DIR:
        path.chmod(OWNER_ONLY_DIR)
    return path
