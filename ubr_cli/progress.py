"""A rich progress bar for the long commands (`ubr run`, `ubr dedupe`, `ubr demo-data`,
`ubr export`), with the command's own stage lines printed above it.

The bar is drawn on a terminal only and vanishes when the work ends, so piped output, logs and
tests get the same lines (and the closing summary) as before, without animation frames.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ubr_cli.console import console, print_plain


@dataclass
class Steps:
    """The running bar: print lines above it, name the current step, count steps done."""

    progress: Progress
    task: TaskID

    def say(self, line: str) -> None:
        """A stage line above the bar (the bar shares the command's console)."""
        print_plain(line)

    def doing(self, what: str) -> None:
        self.progress.update(self.task, description=what)

    def advance(self, steps: int = 1) -> None:
        self.progress.advance(self.task, steps)


@contextmanager
def progress_bar(what: str, total: int | None = None) -> Iterator[Steps]:
    """A bar for `what`: `total` steps (done / total shown), or a pulsing bar when the number
    of steps is not known beforehand; elapsed time either way."""
    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}",
                                                                 markup=False), BarColumn()]
    if total is not None:
        columns.append(MofNCompleteColumn())
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        yield Steps(progress, progress.add_task(what, total=total))
