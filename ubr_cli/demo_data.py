"""`ubr demo-data`: write the four demo ministry registers and their answer key.

A thin face over sources.demo.generate_demo_registers: parse options, print each stage with its
counts and rate (under a progress bar on a terminal), then a short summary. No generation logic
lives here.
"""

from pathlib import Path
from typing import Annotated

import typer

from sources.demo import generate_demo_registers
from ubr_cli.progress import progress_bar


def demo_data(
    businesses: Annotated[int, typer.Option(
        "--businesses", "-n", min=1,
        help="How many businesses the shared population has (each register sees a share).",
    )] = 5000,
    seed: Annotated[int, typer.Option(
        "--seed", help="Random seed: the same seed and size always give the same files.",
    )] = 42,
    out: Annotated[Path, typer.Option(
        "--out", "-o", file_okay=False, dir_okay=True, writable=True,
        help="Directory to write into; use it as UBR_DATA_DIR for `ubr run`.",
    )] = Path("data/demo"),
) -> None:
    """Generate demo registers of one seeded population of Nova Scotia businesses.

    Four registers, each with its ministry's own format, ids, habits and errors,
    laid out as config/sources.yaml expects (OUT is the data directory):
    rjsc/companies.csv (joint stock companies, CSV);
    wcb/employers.sqlite (employer accounts, SQLite table employer_accounts);
    revenue/registrants.jsonl (tax registrants, JSON Lines in Latin-1);
    permits/permis.xlsx (permits, French headers; a ';' CSV when large).

    Also answer_key.csv (source, source_record_id, business_id): which records
    are the same business, for measuring match quality; the pipeline never
    reads it. And manifest.json (seed, size, row counts, file checksums).

    1,000,000 businesses take about 100 s of CPU and 2.5 GiB; see
    docs/demo-data.md.
    """
    typer.echo(f"Generating demo registers: {businesses:,} businesses, seed {seed}, into {out}")
    with progress_bar(f"generating {businesses:,} businesses") as steps:
        summary = generate_demo_registers(out, businesses=businesses, seed=seed,
                                          progress=lambda line: steps.say(f"  {line}"))
    rate = summary.total_rows / max(summary.elapsed_seconds, 1e-9)
    counts = ", ".join(f"{source} {rows:,}" for source, rows in summary.rows.items())
    typer.echo(f"Done in {summary.elapsed_seconds:.1f}s ({summary.cpu_seconds:.1f}s CPU): "
               f"{summary.total_rows:,} register rows ({rate:,.0f} rows/s): {counts}")
    typer.echo(f"Answer key: {summary.answer_key}  Manifest: {summary.manifest}")
    typer.echo(f"Next: UBR_DATA_DIR={out} ubr run")
