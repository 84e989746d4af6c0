"""PostgreSQL COPY in and out, with the text built and parsed by Arrow, not Python loops.

`COPY ... FROM STDIN` in text format wants one line per row, tab-separated, `\\N` for null
and backslash escapes for backslash, tab, newline and carriage return. Arrow's compute
kernels do the escaping and joining column-wise in C++, so a chunk of rows becomes one
buffer with no Python object per value. Reading uses `COPY (SELECT ...) TO STDOUT` as CSV,
streamed into Arrow's CSV reader. This module is only imported for PostgreSQL.
"""

import io
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from psycopg import sql as pgsql

from registry.arrow_types import PANDAS_TYPES, arrow_types

NULL = "\\N"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
READ_BLOCK_BYTES = 32 << 20


def _escape(text: pa.Array) -> pa.Array:
    if not pc.any(pc.match_substring_regex(text, r"[\\\t\n\r]")).as_py():
        return text  # the usual case: one scan instead of four replacements
    for old, new in _ESCAPES:
        text = pc.replace_substring(text, old, new)
    return text


def _text_column(series: pd.Series) -> pa.Array:
    """One column as COPY text (escaped, `\\N` for null), Arrow string type."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        days = series.to_numpy().astype("datetime64[D]")
        text = pa.array(days, mask=series.isna().to_numpy(), type=pa.date32()).cast(pa.string())
    elif pd.api.types.is_bool_dtype(series.dtype):
        text = pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.bool_())
        text = pc.if_else(text, "t", "f")
    elif pd.api.types.is_numeric_dtype(series.dtype):
        text = pa.array(series.array).cast(pa.string())
    else:
        text = _escape(pa.array(series.astype("string").array).cast(pa.string()))
    return pc.fill_null(text, NULL)


def _constant_text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    for old, new in _ESCAPES:
        text = text.replace(old, new)
    return text


def copy_payload(part: pd.DataFrame, columns: Sequence[str], constants: Sequence[str]) -> Any:
    """The COPY text of `part` (plus constant columns) as one contiguous Arrow buffer."""
    texts: list[Any] = [_text_column(part[name]) for name in columns]
    texts.extend(pa.scalar(value, pa.string()) for value in constants)
    lines = pc.binary_join_element_wise(*texts, "\t") if len(texts) > 1 else texts[0]
    lines = pc.binary_join_element_wise(lines, pa.scalar(""), "\n")  # line + "\n"
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return lines.buffers()[2][start:end]


def copy_frame(
    connection: sa.Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    constants: Mapping[str, Any],
    chunk_rows: int,
    send: Callable[[Any, Any], None],
) -> int:
    """COPY `frame` (+ constant columns) into `table` inside the caller's transaction."""
    driver_connection = connection.connection.driver_connection
    if driver_connection.info.encoding != "utf-8":
        raise RuntimeError("COPY expects client_encoding UTF8")
    columns = [name for name in frame.columns if name not in constants]
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table.name),
        pgsql.SQL(", ").join(map(pgsql.Identifier, [*columns, *constants])),
    )
    constant_texts = [_constant_text(value) for value in constants.values()]
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for start in range(0, len(frame), chunk_rows):
                part = frame.iloc[start : start + chunk_rows]
                send(copy, copy_payload(part, columns, constant_texts))
    except psycopg.Error as exc:
        # Same exception classes as other statements (sa.exc.IntegrityError...), no values.
        raise sa.exc.DBAPIError.instance(
            f"COPY {table.name}", None, exc, psycopg.Error, hide_parameters=True,
            dialect=connection.dialect,
        ) from exc
    return len(frame)


class _CopyStream(io.RawIOBase):
    """A readable file over the chunks of a `COPY ... TO STDOUT`, for Arrow's CSV reader."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` as far as possible: PostgreSQL sends one message per row, and a
        short read would make Arrow cut a record batch per row."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if not self._pending:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk).cast("B")
            size = min(len(view) - filled, len(self._pending))
            view[filled : filled + size] = self._pending[:size]
            self._pending = self._pending[size:]
            filled += size
        return filled


def read_frames(
    connection: sa.Connection,
    statement: sa.Select[Any],
    convert: Callable[[pd.DataFrame], pd.DataFrame],
) -> list[pd.DataFrame]:
    """Stream `statement`'s rows through COPY TO STDOUT (CSV), converting block by block.

    Integer columns arrive as int64, everything else as text (cast dates to text in the
    SELECT); a value equal to `\\N` comes quoted from PostgreSQL and stays a string.
    """
    names = list(statement.selected_columns.keys())
    types = {name: kind or pa.string()
             for name, kind in zip(names, arrow_types(statement), strict=True)}
    query = str(statement.compile(dialect=connection.dialect,
                                  compile_kwargs={"literal_binds": True}))
    copy_sql = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"
    parts: list[pd.DataFrame] = []
    connection.exec_driver_sql("SET LOCAL datestyle TO 'ISO, YMD'")  # dates as YYYY-MM-DD
    driver_connection = connection.connection.driver_connection
    with driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        chunks = iter(copy)
        first = next(chunks, None)
        if first is None:  # no rows: Arrow refuses an empty CSV
            return parts
        reader = pacsv.open_csv(
            _CopyStream(itertools.chain([first], chunks)),
            read_options=pacsv.ReadOptions(column_names=names, block_size=READ_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[NULL], strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            frame = batch.to_pandas(types_mapper=PANDAS_TYPES.get)
            parts.append(convert(frame))
    return parts
