"""`ubr export`, `ubr publications`, `ubr access-log`: what a ministry receives, and who read what.

An export reads the ministry's share of a publication, the rows and values its sharing
agreement allows (treatments applied when the registry was published), and writes the
access log in the same breath. The same share backs the ministry's PostgreSQL views.
"""

import time
from enum import StrEnum
from pathlib import Path

import typer

from ubr_cli.console import console, fail, shorten, table
from ubr_cli.progress import progress_bar
from ubr_cli.settings import (
    DATABASE_URL_OPTION,
    SHARING_CONFIG_OPTION,
    USER_OPTION,
    open_store,
)


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


FORMAT_OPTION = typer.Option(ExportFormat.CSV, "--format", "-f", help="File format.")
OUT_OPTION = typer.Option(Path("exports"), "--out", "-o", help="Folder to write into.")


def export(
    ministry: str = typer.Option(..., "--ministry", "-m", help="The agreement's id "
                                 "(`ubr sharing check` lists them)."),
    format: ExportFormat = FORMAT_OPTION,  # noqa: A002 - the option's name
    out: Path = OUT_OPTION,
    publication: int | None = typer.Option(None, help="A kept publication id (default: the "
                                           "newest; `ubr publications` lists them)."),
    purpose: str | None = typer.Option(None, help="Why, for the access log (default: the "
                                       "agreement's purpose)."),
    user: str | None = USER_OPTION,
    sharing_config: Path | None = SHARING_CONFIG_OPTION,
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Export what a ministry's data-sharing agreement allows it to see, as CSV or Parquet.

    Writes `<ministry>_businesses_<publication>.<ext>` (the ministry's view of the golden
    registry) and `<ministry>_cross_reference_<publication>.<ext>` (its own records' registry
    ids), and records the export in the access log.
    """
    from registry.access_log import record_access
    from registry.csv_safety import write_safe_csv
    from registry.publication import publication_exists, read_share, read_shared_cross_reference
    from registry.sharing_agreement import load_sharing
    from sources.config import ConfigError

    try:
        agreement = load_sharing(sharing_config).get(ministry)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    started = time.perf_counter()
    store = open_store(database_url)
    if publication is not None and not publication_exists(store.engine, publication):
        raise fail(f"publication {publication} is not kept in {store.url}; "
                   "`ubr publications` lists the kept ones")
    with progress_bar(f"reading {agreement.id}'s share", total=4) as steps:
        chosen, frame = read_share(store.engine, agreement.id, agreement.visible_columns(),
                                   publication)
        if chosen is None:
            raise fail(f"nothing has been published in {store.url} yet; run `ubr run` first")
        steps.advance()
        steps.doing(f"reading {agreement.id}'s cross-reference")
        xref = read_shared_cross_reference(store.engine, agreement.id, agreement.sources, chosen)
        steps.advance()
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, part in (("businesses", frame), ("cross_reference", xref)):
            path = out / f"{agreement.id}_{name}_{chosen}.{format.value}"
            steps.doing(f"writing {path.name}")
            if format is ExportFormat.CSV:
                write_safe_csv(part, path)  # formula-like cells made inert (docs/publication.md)
            else:
                part.to_parquet(path, index=False)
            written.append(path)
            steps.advance()
    record_access(store.engine, action="export", purpose=purpose or agreement.purpose,
                  row_count=len(frame), who=user, ministry=agreement.id, publication_id=chosen,
                  detail={"format": format.value, "businesses": len(frame),
                          "cross_reference": len(xref), "files": [p.name for p in written]})
    console.print(f"Exported publication {chosen} for {agreement.ministry} ({agreement.id}): "
                  f"{len(frame):,} businesses, {len(xref):,} of its records' registry ids, "
                  f"{len(agreement.visible_columns())} columns, in "
                  f"{time.perf_counter() - started:.1f} s.")
    for path in written:
        console.print(f"  {path}")


def publications(database_url: str | None = DATABASE_URL_OPTION) -> None:
    """The kept publications, newest first: what consumers read is the first one."""
    from registry.publication import list_publications

    kept = list_publications(open_store(database_url).engine)
    if not kept:
        console.print("Nothing has been published yet: `ubr run` publishes the registry.")
        return
    table("Publications (newest is current)",
          ["publication", "run", "published at (UTC)", "businesses", "records", "shares"],
          [[p.publication_id, p.run_id, f"{p.published_at:%Y-%m-%d %H:%M:%S}",
            f"{p.business_count:,}", f"{p.record_count:,}",
            ", ".join(f"{k} {v:,}" for k, v in sorted(p.shares.items()))] for p in kept])


def access_log(
    ministry: str | None = typer.Option(None, help="Only this ministry's reads."),
    limit: int = typer.Option(50, min=1, help="At most this many, newest first."),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Who read the registry through `ubr`: when, for which ministry, why, and how much."""
    from registry.access_log import read_access_log

    frame = read_access_log(open_store(database_url).engine, ministry, limit)
    if frame.empty:
        console.print("The access log is empty.")
        return
    table("Access log (newest first)",
          ["at (UTC)", "who", "ministry", "action", "purpose", "publication", "rows"],
          [[f"{row.at:%Y-%m-%d %H:%M:%S}", row.who, row.ministry or "-", row.action,
            shorten(row.purpose), row.publication_id if row.publication_id is not None else "-",
            f"{row.row_count:,}"] for row in frame.itertuples()])
