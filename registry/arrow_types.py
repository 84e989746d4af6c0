"""Arrow types of selected columns, shared by the bulk readers (rows in chunks, PostgreSQL COPY).

Integers read as int64 and text as Arrow strings, so a million-row read never holds Python
objects per cell.
"""

from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

PANDAS_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype()}


def arrow_types(statement: sa.Select[Any]) -> list[pa.DataType | None]:
    """Arrow type per selected column: int64 for integers, string for text, None otherwise."""
    kinds: list[pa.DataType | None] = []
    for column in statement.selected_columns:
        if isinstance(column.type, sa.Integer):
            kinds.append(pa.int64())
        elif isinstance(column.type, sa.String):
            kinds.append(pa.string())
        else:
            kinds.append(None)
    return kinds
