"""Every API call in the registry's access log (who, what, purpose), written in batches.

A row per call written in its own transaction would cost each request a database write; the
recorder queues them and a background thread appends what has queued every fraction of a
second, and on shutdown. Details are ids and counts, never a record value.
"""

import queue
import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from registry.access_log import record_accesses

FLUSH_SECONDS = 0.25


class AccessRecorder:
    def __init__(self, engine: sa.Engine, say=print) -> None:  # noqa: ANN001 - a print-alike
        self.engine = engine
        self.say = say
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ubr-access-log", daemon=True)
        self._thread.start()

    def record(self, *, who: str, ministry: str | None, purpose: str, action: str,
               row_count: int, detail: dict[str, Any]) -> None:
        self._queue.put({"at": datetime.now(UTC), "who": who, "ministry": ministry,
                         "purpose": purpose, "action": action, "row_count": row_count,
                         "detail": detail})

    def flush(self) -> int:
        """Write what has queued; returns how many accesses were written."""
        batch: list[dict[str, Any]] = []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        try:
            return record_accesses(self.engine, batch)
        except Exception as exc:  # never lose them: put them back and say so
            for access in batch:
                self._queue.put(access)
            self.say(f"the access log could not be written ({type(exc).__name__}); "
                     f"{len(batch)} accesses kept for the next try")
            return 0

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()
