"""CSV cells a spreadsheet would run as a formula, made inert before UBR writes them.

A register's text reaches ministries' spreadsheets: a legal name `=HYPERLINK("http://evil",
"click")` opened in Excel or LibreOffice is a live formula (CSV injection). Following OWASP's
guidance, every text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
single quote in front, which spreadsheets read as "this is text" (the value stays visible).

One deliberate exception: a text cell that is a plain number with a sign (`-12`, `+19025551234`,
`-1.5`) cannot run anything, and prefixing it would change every E.164 phone number a ministry
receives; it is written as it is. Numeric columns are never touched (a score of -1.5 stays a
number). Column names are UBR's own and are not changed.

Lines end in CRLF (RFC 4180) so that a carriage return inside a value is quoted like a newline
is; with bare LF line ends Python's csv writer leaves it bare and it splits the row on reading.
"""

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_START", "LINE_END", "PREFIX", "neutralise_formulas", "write_safe_csv"]

# The characters OWASP lists as starting a formula (or a DDE payload) in a spreadsheet cell.
FORMULA_START = r"[=+\-@\t\r]"
# A signed decimal number, ASCII digits only: inert in every spreadsheet, left as it is.
_PLAIN_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"
PREFIX = "'"
LINE_END = "\r\n"


def write_safe_csv(frame: pd.DataFrame, path: Path | None = None, **options: Any) -> str | None:
    """Write `frame` as CSV for a user (no index, UTF-8, CRLF), formula-like cells neutralised.

    Returns the text when `path` is None, like `DataFrame.to_csv`; `options` go to `to_csv`
    (e.g. `date_format`).
    """
    return neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8",
                                             lineterminator=LINE_END, **options)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose formula-like text cells start with `'`; other cells unchanged.

    Vectorised per column (`.str.match`); only text columns (str, object, category) are read.
    Call it on every frame just before it is written as CSV for a user.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        safe = _neutralise_column(column)
        if safe is not column:
            out.isetitem(position, safe)
    return out


def _neutralise_column(column: pd.Series) -> pd.Series:
    """The column with formula-like text cells prefixed, or the column itself if none are."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    elif not (pd.api.types.is_string_dtype(column.dtype) or column.dtype == object):
        return column  # numbers, dates, booleans: a spreadsheet reads them as values
    try:
        text = column.str
    except AttributeError:  # an object column holding no text at all (ints, dicts, None)
        return column
    risky = text.match(FORMULA_START).eq(True) & ~text.fullmatch(_PLAIN_NUMBER).eq(True)
    if not risky.any():
        return column
    safe = column.copy()
    safe[risky] = PREFIX + column[risky].astype(str)
    return safe
