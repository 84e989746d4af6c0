"""Resources: the source catalogue (configuration + data directory) and the registry store.

Each resource holds its settings as values (`run_resources(settings)`); none reads an
environment variable while a run is going. A resource built with an empty value falls back to
the environment's default, for code that builds one by hand.
"""

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import PrivateAttr

from canonical.paths import (
    DEFAULT_DATA_DIR,
    DEFAULT_SOURCES_CONFIG,
    PROJECT_ROOT,
    sources_config_path,
)
from pipelines.settings import RunSettings
from registry.sharing_agreement import DEFAULT_SHARING_CONFIG, sharing_config_path
from sources.config import SourcesFile, load_sources

if TYPE_CHECKING:
    from registry.run_lock import RegistryLock
    from registry.sharing_agreement import SharingFile
    from registry.store import RegistryStore
    from sources.ingest import SourceBatch


class SourceCatalog(dg.ConfigurableResource):
    """Where the ministry registers are described (YAML) and where their files are."""

    config_path: str = str(DEFAULT_SOURCES_CONFIG)
    data_dir: str = str(DEFAULT_DATA_DIR)

    def load(self) -> SourcesFile:
        return load_sources(self.config_path)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()


class SharingConfig(dg.ConfigurableResource):
    """The data-sharing agreements file (config/sharing.yaml or the one given)."""

    config_path: str = ""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Refuse to start a run whose pseudonym keys are missing or weak, before any work."""
        from registry.sharing_policy import SharingError, require_sharing_secrets

        try:
            require_sharing_secrets(self.load().agreements)
        except SharingError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None

    def path(self) -> Path | None:
        return Path(self.config_path) if self.config_path else None

    def load(self) -> "SharingFile":
        from registry.sharing_agreement import load_sharing

        return load_sharing(self.path())

    def file_hash(self) -> str:
        from registry.sharing_agreement import sharing_hash

        return sharing_hash(self.path())


class RegistryStoreResource(dg.ConfigurableResource):
    """The published store (SQLite by default, PostgreSQL in production), the folder for its
    run artefacts, and the configuration files a run's registry record is hashed over."""

    database_url: str = ""
    home_dir: str = ""  # empty: beside an SQLite store, else ./.ubr (registry.database.store_home)
    sources_config: str = ""
    sharing_config: str = ""
    _lock: "RegistryLock | None" = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Hold the registry's run lock for the whole Dagster run: one run at a time.

        Once per run with the job's in-process executor; released in teardown, or by the OS
        or the server if the process dies. Sensors and schedules build this resource outside
        any run (no `dagster_run`): they take no lock.
        """
        if context.dagster_run is None:
            return
        from registry.run_lock import RegistryBusyError, RegistryLock

        lock = RegistryLock(self.open())
        try:
            abandoned = lock.acquire(dagster_run_id=context.dagster_run.run_id)
        except RegistryBusyError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        self._lock = lock
        if abandoned and context.log is not None:
            context.log.warning(f"marked {len(abandoned)} abandoned registry run(s) failed "
                                f"(their process died holding the registry): "
                                f"{', '.join(abandoned)}")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def url(self) -> str:
        from registry.database import database_url

        return self.database_url or database_url()

    def home(self) -> Path:
        """Folder for run artefacts (stage files, data docs, models, match states, lineage
        events): the home given, else beside an SQLite store, else ./.ubr."""
        from registry.database import store_home

        return store_home(self.url(), self.home_dir or None)

    def config_hash(self) -> str:
        """The hash of the configuration files this store's runs use."""
        return config_hash(sources_config_path(self.sources_config or None),
                           sharing_config_path(self.sharing_config or None))

    def open(self) -> "RegistryStore":
        """The store, its schema brought up to date once per process."""
        return _open_store(self.url())

    def run_id(self, dagster_run_id: str) -> str:
        """The registry run for this Dagster run, started on first use (and named as the
        run lock's holder)."""
        run_id = self.open().run_for_dagster_run(dagster_run_id, self.config_hash())
        if self._lock is not None:
            self._lock.record_run(run_id)
        return run_id

    def fail_run(self, dagster_run_id: str, failed_steps: list[str]) -> bool:
        """Close the registry run of a failed Dagster run; False if there was none open."""
        registry = self.open()
        run = registry.find_dagster_run(dagster_run_id)
        if run is None or run["status"] != "running":
            return False
        registry.finish_run(run["run_id"], "failed", {"failed_steps": failed_steps})
        return True

    def record_blocked_batch(self, dagster_run_id: str, batch: "SourceBatch", why: str) -> None:
        """Keep a blocked source's quarantine for triage; its accepted records stay as they were."""
        files = [(f.path, f.sha256, f.size_bytes, f.rows) for f in batch.files]
        self.open().save_source_batch(
            self.run_id(dagster_run_id), batch.source, batch.records, batch.quarantine, files,
            batch.rows_read, status="blocked", message=why,
        )


@functools.cache
def _open_store(url: str) -> "RegistryStore":
    from registry.store import RegistryStore

    store = RegistryStore(url)
    store.migrate()
    return store


def config_hash(sources_config: Path, sharing_config: Path) -> str:
    """SHA-256 over the configuration files that shape a run's result: the sources and
    agreements files the run was given, and the project's other config/*.yaml (expectations,
    matching, survivorship). Whatever the environment names is not consulted."""
    replaced = {DEFAULT_SOURCES_CONFIG.name, DEFAULT_SHARING_CONFIG.name}
    project = [p for p in sorted((PROJECT_ROOT / "config").glob("*.yaml"))
               if p.name not in replaced]
    digest = hashlib.sha256()
    for role, path in [("sources", Path(sources_config)), ("sharing", Path(sharing_config)),
                       *((p.name, p) for p in project)]:
        if path.is_file():
            content = path.read_bytes()
            digest.update(f"{role}\0{len(content)}\0".encode() + content)
    return digest.hexdigest()


def run_resources(settings: RunSettings) -> dict[str, dg.ConfigurableResource]:
    """The catalogue, store and agreements resources of a run, holding its settings."""
    return {
        "catalog": SourceCatalog(config_path=str(settings.sources_config),
                                 data_dir=str(settings.data_dir)),
        "store": RegistryStoreResource(
            database_url=settings.database_url, home_dir=str(settings.home or ""),
            sources_config=str(settings.sources_config),
            sharing_config=str(settings.sharing_config)),
        "sharing": SharingConfig(config_path=str(settings.sharing_config)),
    }
