"""The `ubr` command line: one face over sources, validation, matching and the registry.

Commands live in their own modules in this package and are registered here, so that the
domain packages never depend on the command line.
"""

import typer

app = typer.Typer(
    name="ubr",
    help="Unified Business Registry: ingest ministry registers, validate, match, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
