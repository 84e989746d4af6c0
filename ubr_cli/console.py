"""Output helpers for the command line: stage lines, tables, and errors as sentences."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error as a sentence (no traceback) and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def shorten(text: str, width: int = 40) -> str:
    """Long prose (a purpose) on one short line for a table cell; the full text is stored."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def table(title: str, columns: list[str], rows: list[list[object]]) -> None:
    view = Table(title=title, title_justify="left")
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*["" if v is None else str(v) for v in row])
    console.print(view)


class _LineHandler(logging.Handler):
    """Hands each formatted record to `write` (a progress bar prints it above itself)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        super().__init__()
        self.write = write

    def emit(self, record: logging.LogRecord) -> None:
        self.write(self.format(record))


def print_plain(line: str) -> None:
    """A line as is: counts, ids and file names are not read as markup."""
    console.print(line, markup=False, highlight=False, emoji=False)


@contextmanager
def stage_lines(logger_name: str = "ubr.progress",
                write: Callable[[str], None] = print_plain) -> Iterator[None]:
    """Print the pipeline's stage lines (counts, rates) while a run executes in process."""
    handler = _LineHandler(write)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
