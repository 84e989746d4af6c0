"""Options shared by several commands, with the environment variables that set them."""


import typer

from sources.defaults import DEFAULT_DATA_DIR, DEFAULT_SOURCES_CONFIG

SOURCES_CONFIG_OPTION = typer.Option(
    DEFAULT_SOURCES_CONFIG, "--config", envvar="UBR_SOURCES_CONFIG",
    help="The source configuration file (YAML).",
)
DATA_DIR_OPTION = typer.Option(
    DEFAULT_DATA_DIR, "--data-dir", envvar="UBR_DATA_DIR",
    help="Directory that source locations are relative to.",
)
DATABASE_URL_OPTION = typer.Option(
    None, "--database-url", envvar="UBR_DATABASE_URL",
    help="Registry database URL (SQLAlchemy). Default: SQLite file .ubr/registry.sqlite.",
)
