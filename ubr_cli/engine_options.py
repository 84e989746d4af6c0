"""The `--engine` and `--scheduler` options shared by `ubr dedupe` and `ubr run`."""

from enum import StrEnum
from typing import Annotated

import typer


class Engine(StrEnum):
    """Where the matching engine's heavy stages run (matching/executors.py)."""

    local = "local"  # forked processes on this machine
    dask = "dask"  # a Dask cluster: --scheduler's, or a LocalCluster of --workers processes


EngineOption = Annotated[Engine, typer.Option(
    "--engine", help="Where standardising, comparing and scoring run: 'local' (processes on "
    "this machine) or 'dask' (a Dask cluster: the one at --scheduler, or a local cluster of "
    "--workers processes). Same answer either way (docs/scale-out.md).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", metavar="ADDRESS", help="Address of a running Dask scheduler, e.g. "
    "tcp://10.0.0.5:8786 (with --engine dask; without it a local cluster is started).",
    show_default=False)]


def check_engine(engine: Engine, scheduler: str | None) -> str | None:
    """A sentence when the options contradict each other, else None."""
    if scheduler and engine is not Engine.dask:
        return "--scheduler names a Dask scheduler: use it with --engine dask"
    return None
