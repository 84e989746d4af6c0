"""Resources: the source catalogue (configuration + data directory) and the registry store."""

from pathlib import Path

import dagster as dg

from sources.config import SourcesFile, load_sources
from sources.defaults import DEFAULT_DATA_DIR, DEFAULT_SOURCES_CONFIG


class SourceCatalog(dg.ConfigurableResource):
    """Where the ministry registers are described (YAML) and where their files are."""

    config_path: str = str(DEFAULT_SOURCES_CONFIG)
    data_dir: str = str(DEFAULT_DATA_DIR)

    def load(self) -> SourcesFile:
        return load_sources(self.config_path)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()


class RegistryStoreResource(dg.ConfigurableResource):
    """The published store: SQLite by default, PostgreSQL when UBR_DATABASE_URL says so."""

    database_url: str = ""

    def url(self) -> str:
        from registry.database import database_url

        return self.database_url or database_url()
