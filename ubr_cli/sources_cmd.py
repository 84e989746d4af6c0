"""`ubr sources`: what is configured, where its files are, and whether they changed."""

from pathlib import Path

import typer

from sources.config import ConfigError, SourceFormat, load_sources
from sources.ingest import fingerprint_source
from sources.readers import SourceIngestError
from ubr_cli.console import errors, fail, table
from ubr_cli.settings import DATA_DIR_OPTION, SOURCES_CONFIG_OPTION


def sources(
    config: Path = SOURCES_CONFIG_OPTION,
    data_dir: Path = DATA_DIR_OPTION,
) -> None:
    """List the configured ministry registers, check the configuration, and show each
    source's files with their SHA-256 checksums (what the sensor compares to notice changes)."""
    try:
        catalog = load_sources(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    rows = []
    problems = []
    for source in catalog.sources:
        where = source.url if source.format is SourceFormat.SQL else source.location
        try:
            prints = fingerprint_source(source, data_dir)
            found = "; ".join(f"{Path(p.path).name} {p.sha256[:12]}" for p in prints)
        except (SourceIngestError, ConfigError) as exc:
            found = "not readable (see below)"
            problems.append(str(exc))
        rows.append([source.id, source.ministry, source.format.value, where, found])
    table(f"Sources in {config} (data directory {data_dir})",
          ["id", "ministry", "format", "location", "files (sha256)"], rows)
    for problem in problems:
        errors.print(f"[bold red]problem:[/] {problem}")
    if problems:
        raise typer.Exit(1)
