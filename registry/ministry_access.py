"""Per-ministry access on PostgreSQL: a schema and a group role per agreement, SELECT on views.

Each consuming ministry reads its share straight from the database, so the database itself
must enforce the agreement: the role gets USAGE on its schema and SELECT on three views there,
nothing else. The views are owned by the provisioning (admin) user and read
`shared_businesses`, `published_cross_reference` and `publications` with its privileges, so
the role never needs, and never gets, a privilege on a base table. They are security barrier
views: a ministry's own functions in its WHERE clause cannot see rows the view filters out.
Everything happens in the caller's transaction (PostgreSQL DDL and CREATE ROLE are
transactional), and a final check of effective privileges rolls it all back if a role could
read more than its views. Roles are never dropped here: a DBA grants and removes people.
"""

import re
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa

from registry.batches import StoreError
from registry.publication_schema import shared_businesses, visible_in

MANAGED_COMMENT = "ubr managed"
VIEW_NAMES: tuple[str, ...] = ("businesses", "cross_reference", "publication")
_LOCK_KEY = 0x55425201  # pg_advisory_xact_lock: one provisioning at a time per database
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESERVED_ROLES = frozenset({"public", "none", "current_user", "session_user", "current_role"})
_RESERVED_SCHEMAS = frozenset({"public", "information_schema"})
_TABLE_PRIVILEGES = "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER"
_COLUMN_PRIVILEGES = "SELECT,INSERT,UPDATE,REFERENCES"  # a grant on some columns only


class MinistryAccessError(StoreError):
    """Ministry access cannot be provisioned as configured; the message says what to change."""


class Agreement(Protocol):
    """What provisioning needs of a SharingAgreement (registry.sharing_agreement)."""

    id: str
    sources: list[str]

    def schema_name(self) -> str: ...
    def role_name(self) -> str: ...
    def visible_columns(self) -> list[str]: ...


class Sharing(Protocol):
    agreements: list[Any]


def provision_ministry_access(connection: sa.Connection, sharing: Sharing) -> dict[str, Any]:
    """Create or update every agreement's role, schema and views; drop stale UBR views.

    Idempotent; runs in the caller's transaction, which the caller commits. Returns names
    only: ministries (schema, role, views, role_created), views, grants, dropped views and
    schemas, roles no longer used (for the DBA to drop) and warnings.
    """
    require_postgresql(connection)
    agreements: list[Agreement] = list(sharing.agreements)
    _check_names(agreements)
    sql = _Sql(connection)
    sql.run("SELECT pg_advisory_xact_lock(:key)", key=_LOCK_KEY)
    store = _store_schema(sql)
    existing = {row.nspname: row.comment or "" for row in sql.rows(
        "SELECT nspname, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace")}
    configured_roles = {a.role_name() for a in agreements}
    summary: dict[str, Any] = {"ministries": [], "views": [], "grants": [], "dropped_views": [],
                               "dropped_schemas": [], "stale_roles": [], "warnings": []}
    stale_roles: set[str] = set()

    _harden_store_schema(sql, store, sorted(configured_roles))
    for agreement in agreements:
        schema, role = agreement.schema_name(), agreement.role_name()
        if schema == store:
            raise MinistryAccessError(
                f"agreement {agreement.id!r}: its schema {schema!r} is the schema of the store "
                "tables; give it a schema of its own (key `schema`)")
        comment = existing.get(schema)
        if comment is not None and not comment.startswith(MANAGED_COMMENT):
            raise MinistryAccessError(
                f"agreement {agreement.id!r}: schema {schema!r} already exists and is not "
                f"managed by UBR (its comment is not {MANAGED_COMMENT!r}); drop it or give "
                "the agreement another schema (key `schema`)")
        previous_role = _comment_role(comment or "")
        if previous_role and previous_role not in configured_roles:
            stale_roles.add(previous_role)
        created = _ensure_role(sql, agreement.id, role)
        views = _provision_schema(sql, agreement, store, schema, role, summary)
        summary["ministries"].append({"ministry": agreement.id, "schema": schema, "role": role,
                                      "views": views, "role_created": created})

    configured_schemas = {a.schema_name() for a in agreements}
    for schema, comment in sorted(existing.items()):
        if comment.startswith(MANAGED_COMMENT) and schema not in configured_schemas:
            old_role = _comment_role(comment)
            if old_role and old_role not in configured_roles:
                stale_roles.add(old_role)
            _drop_stale_schema(sql, schema, summary)

    summary["stale_roles"] = sorted(r for r in stale_roles if _role_exists(sql, r))
    summary["warnings"] += _default_privilege_warnings(sql, store, sorted(configured_roles))
    _verify(sql, agreements, store)
    return summary


def require_postgresql(bind: sa.Engine | sa.Connection) -> None:
    """Ministry roles and views exist only on PostgreSQL; say what serves SQLite instead."""
    if bind.dialect.name != "postgresql":
        raise MinistryAccessError(
            f"ministry views and roles are PostgreSQL-only (this database is "
            f"{bind.dialect.name}); on SQLite serve a ministry with "
            "`ubr export --ministry M --format csv|parquet`")


class _Sql:
    """Statements on one connection with identifiers and literals quoted by the dialect."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._preparer = connection.dialect.identifier_preparer

    def ident(self, *names: str) -> str:
        return ".".join(self._preparer.quote_identifier(name) for name in names)

    def literal(self, value: str) -> str:
        return str(sa.literal(value, sa.Text).compile(
            dialect=self.connection.dialect, compile_kwargs={"literal_binds": True}))

    def compiled(self, statement: sa.Select) -> str:
        return str(statement.compile(dialect=self.connection.dialect,
                                     compile_kwargs={"literal_binds": True}))

    def run(self, statement: str, **params: Any) -> None:
        self.connection.execute(sa.text(statement), params)

    def rows(self, statement: str, **params: Any) -> Sequence[sa.Row]:
        return self.connection.execute(sa.text(statement), params).all()


def _check_names(agreements: Sequence[Agreement]) -> None:
    """Valid, distinct PostgreSQL names: a shared schema or role would leak one share to another."""
    seen: dict[str, str] = {}
    for agreement in agreements:
        for kind, name in (("schema", agreement.schema_name()), ("role", agreement.role_name())):
            if not _NAME.fullmatch(name) or name.startswith("pg_"):
                raise MinistryAccessError(
                    f"agreement {agreement.id!r}: {kind} name {name!r} is not a plain "
                    "PostgreSQL name (lower-case letters, digits and _, at most 63, "
                    "not starting with a digit or pg_)")
            if name in (_RESERVED_ROLES if kind == "role" else _RESERVED_SCHEMAS):
                raise MinistryAccessError(
                    f"agreement {agreement.id!r}: {kind} name {name!r} is reserved")
            owner = seen.setdefault(f"{kind}:{name}", agreement.id)
            if owner != agreement.id:
                raise MinistryAccessError(
                    f"agreements {owner!r} and {agreement.id!r} both use {kind} {name!r}; "
                    f"each ministry needs a {kind} of its own")
        unknown = [c for c in agreement.visible_columns() if c not in shared_businesses.c]
        if unknown:
            raise MinistryAccessError(
                f"agreement {agreement.id!r}: field(s) {unknown} have no column in "
                "shared_businesses, so its view cannot show them")


def _store_schema(sql: _Sql) -> str:
    """The schema holding the store tables (public unless the search_path says otherwise)."""
    found = {row.relname: row.nspname for row in sql.rows(
        "SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.oid IN (to_regclass('shared_businesses'), "
        "to_regclass('published_cross_reference'), to_regclass('publications'))")}
    if len(found) != 3 or len(set(found.values())) != 1:
        raise MinistryAccessError(
            "the store has no publication tables (publications, shared_businesses, "
            "published_cross_reference) in one schema: migrate it first (`python -m "
            "registry.migrate`)")
    return next(iter(found.values()))


def _comment_role(comment: str) -> str | None:
    match = re.search(r"\brole ([a-z_][a-z0-9_]*)", comment)
    return match.group(1) if match else None


def _role_exists(sql: _Sql, role: str) -> bool:
    return bool(sql.rows("SELECT 1 FROM pg_roles WHERE rolname = :r", r=role))


def _ensure_role(sql: _Sql, ministry: str, role: str) -> bool:
    """CREATE ROLE ... NOLOGIN when missing; refuse a role that would see everything anyway."""
    found = sql.rows("SELECT rolsuper, rolbypassrls, rolname = current_user AS is_me "
                     "FROM pg_roles WHERE rolname = :r", r=role)
    if not found:
        sql.run(f"CREATE ROLE {sql.ident(role)} NOLOGIN")
        return True
    if found[0].rolsuper or found[0].rolbypassrls or found[0].is_me:
        raise MinistryAccessError(
            f"agreement {ministry!r}: role {role!r} is a superuser, bypasses row security or "
            "is the provisioning user; a ministry needs a plain role of its own (key `role`)")
    return False


def _harden_store_schema(sql: _Sql, store: str, roles: list[str]) -> None:
    """No base table, sequence or CREATE in the store schema for PUBLIC or a ministry role."""
    schema = sql.ident(store)
    grantees = ", ".join(["PUBLIC", *(sql.ident(r) for r in roles if _role_exists(sql, r))])
    sql.run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantees}")
    sql.run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantees}")
    sql.run(f"REVOKE CREATE ON SCHEMA {schema} FROM {grantees}")


def _view_statements(sql: _Sql, agreement: Agreement,
                     store: str) -> dict[str, tuple[list[str], str]]:
    """Each view's columns and SELECT, with the agreement's values as quoted literals."""
    shared = sa.table("shared_businesses", *(sa.column(c.name) for c in shared_businesses.c),
                      schema=store)
    xref = sa.table("published_cross_reference", sa.column("valid_from"),
                    sa.column("valid_until"), sa.column("source"), sa.column("source_record_id"),
                    sa.column("registry_id"), schema=store)
    pubs = sa.table("publications", sa.column("publication_id"), sa.column("published_at"),
                    schema=store)
    current = sa.select(sa.func.max(pubs.c.publication_id)).scalar_subquery()
    columns = list(agreement.visible_columns())
    sources = sorted(set(agreement.sources))
    xref_columns = ["source", "source_record_id", "registry_id"]
    statements = {
        "businesses": sa.select(*(shared.c[c] for c in columns)).where(
            shared.c.ministry == agreement.id, visible_in(shared, current)),
        # Only records of businesses in the ministry's share: a row filter (active only,
        # no sole proprietors) must not be undone through the cross-reference.
        "cross_reference": sa.select(*(xref.c[c] for c in xref_columns)).where(
            visible_in(xref, current),
            xref.c.source.in_(sources) if sources else sa.false(),
            xref.c.registry_id.in_(sa.select(shared.c.registry_id).where(
                shared.c.ministry == agreement.id, visible_in(shared, current)))),
        "publication": sa.select(pubs.c.publication_id, pubs.c.published_at).where(
            pubs.c.publication_id == current),
    }
    names = {"businesses": columns, "cross_reference": xref_columns,
             "publication": ["publication_id", "published_at"]}
    return {view: (names[view], sql.compiled(statement))
            for view, statement in statements.items()}


def _provision_schema(sql: _Sql, agreement: Agreement, store: str, schema: str, role: str,
                      summary: dict[str, Any]) -> list[str]:
    """Schema, comment, views and exactly the grants the agreement allows."""
    sql.run(f"CREATE SCHEMA IF NOT EXISTS {sql.ident(schema)}")
    comment = f"{MANAGED_COMMENT}; ministry {agreement.id}; role {role}"
    sql.run(f"COMMENT ON SCHEMA {sql.ident(schema)} IS {sql.literal(comment)}")
    _revoke_others(sql, "SCHEMA", sql.ident(schema), role, sql.rows(
        "SELECT a.grantee, pg_get_userbyid(a.grantee) AS name, n.nspowner AS owner "
        "FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = :s", s=schema))
    sql.run(f"REVOKE ALL ON SCHEMA {sql.ident(schema)} FROM PUBLIC, {sql.ident(role)}")
    sql.run(f"GRANT USAGE ON SCHEMA {sql.ident(schema)} TO {sql.ident(role)}")
    summary["grants"].append(f"USAGE ON SCHEMA {schema} TO {role}")
    made = []
    for view, (columns, select) in _view_statements(sql, agreement, store).items():
        qualified = sql.ident(schema, view)
        found = sql.rows("SELECT c.relkind, c.relowner FROM pg_class c JOIN pg_namespace n "
                         "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relname = :v",
                         s=schema, v=view)
        if found and found[0].relkind != "v":
            raise MinistryAccessError(
                f"agreement {agreement.id!r}: {schema}.{view} exists and is not a view; "
                "remove it so UBR can create the view")
        if found and _view_columns(sql, schema, view) != columns:
            sql.run(f"DROP VIEW {qualified}")  # RESTRICT: a view built on it stops us here
        sql.run(f"CREATE OR REPLACE VIEW {qualified} WITH (security_barrier = true) "
                f"AS {select}")
        sql.run(f"COMMENT ON VIEW {qualified} IS " + sql.literal(
            f"UBR: {view} of the newest publication shared with {agreement.id} under its "
            "data-sharing agreement"))
        _revoke_others(sql, "TABLE", qualified, role, sql.rows(
            "SELECT a.grantee, pg_get_userbyid(a.grantee) AS name, c.relowner AS owner "
            "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = to_regclass(:q)",
            q=qualified))
        sql.run(f"REVOKE ALL ON TABLE {qualified} FROM PUBLIC, {sql.ident(role)}")
        sql.run(f"GRANT SELECT ON TABLE {qualified} TO {sql.ident(role)}")
        summary["grants"].append(f"SELECT ON {schema}.{view} TO {role}")
        summary["views"].append(f"{schema}.{view}")
        made.append(f"{schema}.{view}")
    return made


def _view_columns(sql: _Sql, schema: str, view: str) -> list[str]:
    return [row.attname for row in sql.rows(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:q) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", q=sql.ident(schema, view))]


def _revoke_others(sql: _Sql, kind: str, target: str, role: str, acl: Sequence[sa.Row]) -> None:
    """Revoke whatever anyone but the owner and the ministry's role holds (an old role, say)."""
    for entry in acl:
        if entry.grantee != 0 and entry.grantee != entry.owner and entry.name != role:
            sql.run(f"REVOKE ALL ON {kind} {target} FROM {sql.ident(entry.name)}")


def _drop_stale_schema(sql: _Sql, schema: str, summary: dict[str, Any]) -> None:
    """Drop UBR's views of an agreement no longer configured, then its schema if now empty."""
    for view in VIEW_NAMES:
        if sql.rows("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relname = :v AND c.relkind = 'v'",
                    s=schema, v=view):
            sql.run(f"DROP VIEW {sql.ident(schema, view)}")
            summary["dropped_views"].append(f"{schema}.{view}")
    try:
        with sql.connection.begin_nested():
            sql.run(f"DROP SCHEMA {sql.ident(schema)} RESTRICT")
        summary["dropped_schemas"].append(schema)
    except sa.exc.DBAPIError:
        sql.run(f"REVOKE ALL ON SCHEMA {sql.ident(schema)} FROM PUBLIC")
        summary["warnings"].append(
            f"schema {schema} belongs to no agreement any more but holds objects UBR did not "
            "make; its UBR views were dropped, the schema was kept")


def _default_privilege_warnings(sql: _Sql, store: str, roles: list[str]) -> list[str]:
    """Default privileges that would hand future store tables to PUBLIC or a ministry role."""
    rows = sql.rows(
        "SELECT DISTINCT pg_get_userbyid(d.defaclrole) AS grantor, n.nspname, "
        "CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee "
        "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, "
        "aclexplode(d.defaclacl) a WHERE d.defaclobjtype IN ('r', 'S') "
        "AND (d.defaclnamespace = 0 OR n.nspname = :store) "
        "AND (a.grantee = 0 OR pg_get_userbyid(a.grantee) = ANY(:roles)) ORDER BY 1, 2, 3",
        store=store, roles=roles)
    return [f"default privileges of role {r.grantor} give {r.grantee} access to new tables"
            f"{' in schema ' + r.nspname if r.nspname else ''}; run ALTER DEFAULT PRIVILEGES "
            f"FOR ROLE {r.grantor} REVOKE ALL ON TABLES FROM {r.grantee}" for r in rows]


def _verify(sql: _Sql, agreements: Sequence[Agreement], store: str) -> None:
    """Fail closed: each role reads its own three views and nothing else, creates nothing."""
    roles = {a.role_name(): a for a in agreements}
    readable = sql.rows(
        "SELECT r.rolname, n.nspname, c.relname FROM pg_roles r CROSS JOIN pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE r.rolname = ANY(:roles) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' "
        f"AND (has_table_privilege(r.oid, c.oid, '{_TABLE_PRIVILEGES}') "
        f"OR has_any_column_privilege(r.oid, c.oid, '{_COLUMN_PRIVILEGES}'))",
        roles=list(roles))
    extra = [f"{r.nspname}.{r.relname} by {r.rolname}" for r in readable
             if not (r.nspname == roles[r.rolname].schema_name() and r.relname in VIEW_NAMES)]
    creators = [f"{r.nspname} by {r.rolname}" for r in sql.rows(
        "SELECT r.rolname, n.nspname FROM pg_roles r CROSS JOIN pg_namespace n "
        "WHERE r.rolname = ANY(:roles) AND n.nspname NOT LIKE 'pg\\_%' "
        "AND has_schema_privilege(r.oid, n.oid, 'CREATE')", roles=list(roles))]
    if extra or creators:
        raise MinistryAccessError(
            "a ministry role could reach more than its own views, through PUBLIC, a role it "
            "belongs to or a grant made outside UBR; nothing was provisioned. Readable: "
            f"{', '.join(extra[:10]) or 'none'}; creatable schemas: "
            f"{', '.join(creators[:10]) or 'none'}. Revoke these and provision again")
