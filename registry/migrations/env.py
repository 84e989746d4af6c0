"""Alembic environment for the registry store, run programmatically by `registry.migrate`.

The caller hands over an open connection (inside its transaction) in
`config.attributes["connection"]`, so migrations run on the store's own engine settings
(SQLite pragmas, psycopg 3) and under the caller's lock. Without one, an engine is built
from the `sqlalchemy.url` main option or `UBR_DATABASE_URL`.
"""

from alembic import context

from registry.database import create_engine, database_url
from registry.migrate import full_metadata

config = context.config
target_metadata = full_metadata()


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )


def run_migrations_online() -> None:
    """Run the migrations on the shared connection, or on a new engine's connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.begin() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL for a DBA to review instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
