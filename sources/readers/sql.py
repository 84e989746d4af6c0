"""SQL tables and queries, read through SQLAlchemy so that any database URL works."""

import re
from pathlib import Path

import sqlalchemy as sa

from sources.config import SourceConfig
from sources.readers.raw import RawFile, SourceIngestError, string_frame
from sources.readers.screen import screen_control_characters

# Quoted text in a database's error message may be a value ("invalid input syntax for type
# integer: \"Jean\"", SQLite's "Could not decode to UTF-8 column 'x' with text '...'").
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|'[^']*$|\"[^\"]*$")


def database_error(exc: BaseException) -> str:
    """A database error in words without data: its class and first line, quotes blanked."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines() or [""]
    first = _QUOTED.sub("'…'", lines[0])[:300]
    return f"{type(original).__name__}: {first}" if first else type(original).__name__


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def read_sql(config: SourceConfig, url: str) -> RawFile:
    """Read the table or query; row numbers are 1-based positions in the result."""
    where = describe_url(url)
    database_file = sqlite_file(url)
    if database_file is not None and not database_file.is_file():
        # SQLite would silently create an empty database here.
        raise SourceIngestError(
            f"source '{config.id}': database file {database_file} not found (key 'url')"
        )
    label = f"{where} table {config.table}" if config.table else f"{where} query"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if config.table:
                inspector = sa.inspect(connection)
                if not inspector.has_table(config.table):
                    raise SourceIngestError(
                        f"source '{config.id}': table '{config.table}' not found in {where}"
                    )
                statement = sa.select(sa.table(config.table, *[
                    sa.column(c["name"]) for c in inspector.get_columns(config.table)
                ]))
            else:
                statement = sa.text(config.query or "")
            result = connection.execute(statement)
            header = list(map(str, result.keys()))
            records = [
                [None if v is None or (isinstance(v, str) and not v.strip()) else str(v)
                 for v in row]
                for row in result
            ]
    except (sa.exc.SQLAlchemyError, UnicodeError) as exc:
        raise SourceIngestError(
            f"source '{config.id}': cannot read {label}: {database_error(exc)}"
        ) from None
    finally:
        engine.dispose()
    lines = list(range(1, len(records) + 1))
    raw = RawFile(config.id, label, string_frame(records, header, lines), header)
    return screen_control_characters(raw, config)
