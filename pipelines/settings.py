"""The settings of a run, resolved once before it starts and handed to the resources.

A run used to find its configuration file, data directory and store by reading environment
variables in the middle of its steps, so `ubr run` had to write its options into os.environ
and two sets of definitions in one process shared one of each. Here the values given win and
the environment is only the default, read in this one place: by the code location's
`defs = build_definitions()` (for `dagster dev` and the UI) and by the command line, whose
options bind the same variables.
"""

from dataclasses import dataclass
from pathlib import Path

from canonical.paths import data_dir as resolve_data_dir
from canonical.paths import sources_config_path
from registry.database import configured_home, store_home
from registry.database import database_url as resolve_database_url
from registry.sharing_agreement import sharing_config_path


@dataclass(frozen=True)
class RunSettings:
    """Every setting a run reads, as concrete values (no environment lookup left to do)."""

    sources_config: Path  # config/sources.yaml or the file given
    data_dir: Path  # where source locations are relative to; absolute
    database_url: str  # the registry store
    sharing_config: Path  # the data-sharing agreements
    home: Path | None  # the home chosen (option or UBR_HOME); None: see `artefacts`

    @classmethod
    def resolve(
        cls,
        config_path: str | Path | None = None,
        data_dir: str | Path | None = None,
        database_url: str | None = None,
        sharing_config: str | Path | None = None,
        home: str | Path | None = None,
    ) -> "RunSettings":
        """The values given; each one not given from its environment variable, else its
        default (UBR_SOURCES_CONFIG, UBR_DATA_DIR, UBR_DATABASE_URL, UBR_SHARING_CONFIG,
        UBR_HOME). Nothing is created: a run creates its folders when it starts."""
        chosen_home = configured_home(home)
        return cls(
            sources_config=sources_config_path(config_path),
            data_dir=resolve_data_dir(data_dir),
            database_url=resolve_database_url(database_url, chosen_home, create=False),
            sharing_config=sharing_config_path(sharing_config),
            home=chosen_home,
        )

    @property
    def artefacts(self) -> Path:
        """Where the run's artefacts go: the home chosen, else beside an SQLite store, else
        ./.ubr (registry.database.store_home); not created here."""
        return store_home(self.database_url, self.home, create=False)
