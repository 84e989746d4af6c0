"""`ubr sharing provision`: a PostgreSQL schema and role per ministry, SELECT on its views only.

Register in ubr_cli/main.py:  `sharing_app.command("provision")(provision)`.
Run by a database administrator (it creates roles); one transaction, so a refusal changes
nothing. Prints names only: schemas, roles, views, grants.
"""

from pathlib import Path

from rich.markup import escape

from ubr_cli.console import console, errors, fail, table
from ubr_cli.settings import DATABASE_URL_OPTION, SHARING_CONFIG_OPTION


def provision(
    database_url: str | None = DATABASE_URL_OPTION,
    config: Path | None = SHARING_CONFIG_OPTION,
) -> None:
    """Create or update each ministry's PostgreSQL schema (ubr_share_ID), group role (ubr_ID)
    and views (businesses, cross_reference, publication of the newest publication), grant the
    role SELECT on those views only, and drop the views of agreements no longer configured.
    Give a person access afterwards with `GRANT ubr_ID TO person` (as the DBA)."""
    import sqlalchemy as sa

    from registry.database import database_url as default_url
    from registry.ministry_access import (
        MinistryAccessError,
        provision_ministry_access,
        require_postgresql,
    )
    from registry.sharing_agreement import ConfigError, load_sharing
    from registry.store import RegistryStore

    try:
        sharing = load_sharing(config)
    except ConfigError as exc:
        raise fail(escape(str(exc))) from None
    store = RegistryStore(database_url or default_url())
    try:
        require_postgresql(store.engine)
        store.migrate()
        with store.engine.begin() as connection:
            summary = provision_ministry_access(connection, sharing)
    except MinistryAccessError as exc:
        raise fail(escape(str(exc))) from None
    except sa.exc.OperationalError as exc:
        raise fail(escape(f"cannot reach the registry database {store.url()}: "
                          f"{_first_line(exc)}")) from None
    except sa.exc.DBAPIError as exc:
        raise fail(escape(f"PostgreSQL refused the provisioning, nothing was changed: "
                          f"{_first_line(exc)} (it needs a user that may create roles and "
                          "owns or may read the store tables)")) from None
    finally:
        store.close()

    table("Ministry access on PostgreSQL", ["ministry", "schema", "role", "views"],
          [[m["ministry"], m["schema"], m["role"] + (" (created)" if m["role_created"] else ""),
            ", ".join(v.split(".", 1)[1] for v in m["views"])] for m in summary["ministries"]])
    console.print(f"{len(summary['grants'])} grants: USAGE on each schema and SELECT on its "
                  "views, to its role only.")
    for view in summary["dropped_views"]:
        console.print(f"Dropped view {view} (its agreement is no longer configured).")
    for schema in summary["dropped_schemas"]:
        console.print(f"Dropped schema {schema}.")
    if summary["stale_roles"]:
        console.print("Roles no agreement uses any more (kept; drop them when nobody needs "
                      f"them): {', '.join(summary['stale_roles'])}.")
    for warning in summary["warnings"]:
        errors.print(f"[yellow]warning:[/] {escape(warning)}")
    example = summary["ministries"][0]
    console.print(f"Give a person access: GRANT {example['role']} TO person; they then read "
                  f"SELECT * FROM {example['schema']}.businesses")


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
