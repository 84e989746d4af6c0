"""Options shared by several commands, with the environment variables that set them."""


import typer

from canonical.paths import DEFAULT_DATA_DIR, DEFAULT_SOURCES_CONFIG

SOURCES_CONFIG_OPTION = typer.Option(
    DEFAULT_SOURCES_CONFIG, "--config", envvar="UBR_SOURCES_CONFIG",
    help="The source configuration file (YAML).",
)
DATA_DIR_OPTION = typer.Option(
    DEFAULT_DATA_DIR, "--data-dir", envvar="UBR_DATA_DIR",
    help="Directory that source locations are relative to.",
)
SHARING_CONFIG_OPTION = typer.Option(
    None, "--config", envvar="UBR_SHARING_CONFIG",
    help="The data-sharing agreements file (YAML). Default: config/sharing.yaml.",
)
USER_OPTION = typer.Option(
    None, "--user", help="Who is reading, for the access log. Default: UBR_USER, else your login.")
DATABASE_URL_OPTION = typer.Option(
    None, "--database-url", envvar="UBR_DATABASE_URL",
    help="Registry database URL (SQLAlchemy). Default: SQLite file .ubr/registry.sqlite.",
)
HOME_OPTION = typer.Option(
    None, "--home", envvar="UBR_HOME",
    help="Folder for the run's artefacts (stage files, data docs, models, match states, "
    "lineage events) and the default SQLite store. Default: beside an SQLite store, else .ubr.",
)
RUN_SHARING_CONFIG_OPTION = typer.Option(
    None, "--sharing-config", envvar="UBR_SHARING_CONFIG",
    help="The data-sharing agreements file (YAML) to publish under. "
    "Default: config/sharing.yaml.",
)


def open_store(database_url: str | None):  # noqa: ANN201 - RegistryStore, imported lazily
    """The registry store at `database_url` (default: UBR_DATABASE_URL or SQLite), migrated."""
    from registry.database import database_url as default_url
    from registry.store import RegistryStore

    store = RegistryStore(database_url or default_url())
    store.migrate()
    return store
