"""Fast bulk movement of DataFrames into and out of the store.

At a million businesses there are ~2.5M source records, so rows are never written one
statement at a time: PostgreSQL gets `COPY ... FROM STDIN` through psycopg 3, SQLite gets one
prepared `executemany` per chunk. Both bypass SQLAlchemy's per-value type processing, so the
frame is converted here, column by column and chunk by chunk (bounded memory), to the values
the drivers expect: `None` for nulls, Python ints, ISO `YYYY-MM-DD` text for dates (which is
also how SQLAlchemy stores `Date` on SQLite).
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from registry.database import is_postgresql

CHUNK_ROWS = 50_000


def bind_value(column: sa.Column[Any], value: Any, dialect: sa.Dialect) -> Any:
    """`value` as the driver wants it for `column` (applies the column type's bind processing)."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def _column_values(series: pd.Series) -> np.ndarray:
    """One column as an object array of driver-ready values (None for null)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.to_numpy().astype("datetime64[D]").astype(str).astype(object)
        values[series.isna().to_numpy()] = None
        return values
    return series.to_numpy(dtype=object, na_value=None)


def row_chunks(
    frame: pd.DataFrame,
    columns: Sequence[str],
    constants: Sequence[Any] = (),
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[list[tuple[Any, ...]]]:
    """Yield lists of row tuples: `frame[columns]` values followed by the `constants`."""
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start : start + chunk_rows]
        arrays = [_column_values(part[name]) for name in columns]
        arrays.extend(repeat(value, len(part)) for value in constants)  # type: ignore[misc]
        yield list(zip(*arrays, strict=False))


def insert_frame(
    connection: sa.Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    constants: Mapping[str, Any] | None = None,
    chunk_rows: int | None = None,
) -> int:
    """Insert every row of `frame` (plus constant columns) into `table` on `connection`.

    Runs inside the caller's transaction, so a failure part-way leaves nothing behind once
    the caller rolls back. `constants` values are Python values, bind-processed here.
    Returns the number of rows written.
    """
    constants = dict(constants or {})
    dialect = connection.dialect
    frame_columns = [name for name in frame.columns if name not in constants]
    names = [*frame_columns, *constants]
    values = [bind_value(table.c[name], value, dialect) for name, value in constants.items()]
    chunks = row_chunks(frame, frame_columns, values, chunk_rows or CHUNK_ROWS)
    if is_postgresql(connection):
        return _copy_rows(connection, table, names, chunks)
    return _executemany_rows(connection, table, names, chunks)


def _executemany_rows(
    connection: sa.Connection,
    table: sa.Table,
    names: Sequence[str],
    chunks: Iterator[list[tuple[Any, ...]]],
) -> int:
    preparer = connection.dialect.identifier_preparer
    column_list = ", ".join(preparer.quote(name) for name in names)
    placeholders = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {preparer.format_table(table)} ({column_list}) VALUES ({placeholders})"
    written = 0
    for rows in chunks:
        write_chunk(connection, sql, rows)
        written += len(rows)
    return written


def write_chunk(connection: sa.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """One executemany round (a seam for tests that inject a failure mid-write)."""
    connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def _copy_rows(
    connection: sa.Connection,
    table: sa.Table,
    names: Sequence[str],
    chunks: Iterator[list[tuple[Any, ...]]],
) -> int:
    import psycopg
    from psycopg import sql as pgsql

    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table.name), pgsql.SQL(", ").join(map(pgsql.Identifier, names))
    )
    driver_connection = connection.connection.driver_connection
    written = 0
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for rows in chunks:
                copy_chunk(copy, rows)
                written += len(rows)
    except psycopg.Error as exc:
        # Same exception classes as every other statement (sa.exc.IntegrityError...), no rows.
        raise sa.exc.DBAPIError.instance(
            f"COPY {table.name}", None, exc, psycopg.Error, hide_parameters=True,
            dialect=connection.dialect,
        ) from exc
    return written


def copy_chunk(copy: Any, rows: list[tuple[Any, ...]]) -> None:
    """Send one chunk of rows into an open COPY (a seam for failure-injection tests)."""
    for row in rows:
        copy.write_row(row)


def read_frame(
    connection: sa.Connection,
    statement: sa.Select[Any],
    convert: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Run `statement` and return its rows as a DataFrame, `convert`ed chunk by chunk.

    Streams with a server-side cursor on PostgreSQL, and converts each chunk (e.g. with
    `sources.canonical.conform`) before the next is fetched, so millions of rows never sit
    in memory as Python objects all at once.
    """
    convert = convert or (lambda frame: frame)
    names = list(statement.selected_columns.keys())
    result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(
        statement
    )
    parts = [
        convert(pd.DataFrame.from_records(rows, columns=names, coerce_float=False))
        for rows in result.partitions()
    ]
    if not parts:
        return convert(pd.DataFrame({name: pd.Series(dtype=object) for name in names}))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
