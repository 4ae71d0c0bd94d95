"""Least-privilege roles on PostgreSQL: ``pictallion-db roles`` and the drift ``check`` reports.

Three roles (names configurable):

* the owner (``pictallion_owner``) owns every table of the schema and may create more:
  migrations and maintenance (VACUUM, ANALYZE) run as it;
* the application (``pictallion_app``) may SELECT, INSERT, UPDATE and DELETE the rows of
  the 14 tables (and use their sequences, if any), and nothing else: no DDL, no TRUNCATE,
  no access to the migration bookkeeping;
* the read-only role (``pictallion_readonly``) may SELECT the 14 tables.

``plan`` lists the statements that create missing roles (``LOGIN``, no password: set one
with ``ALTER ROLE ... PASSWORD`` or use certificates) and bring the privileges of existing
ones to exactly this; ``apply`` runs them in one transaction. It needs a superuser, or a
role with CREATEROLE that owns the tables. A table added by a later migration gets its
grants when ``roles`` runs again; until then ``check`` reports it.
"""

from __future__ import annotations

from typing import Any

import msgspec
import psycopg
from psycopg import sql

from pictallion_sql.admin.common import KEPT_TABLES, TABLES
from pictallion_sql.config import mask_url
from pictallion_sql.errors import PermissionDeniedError

__all__ = [
    "APP_PRIVILEGES",
    "READ_PRIVILEGES",
    "RoleNames",
    "apply_plan",
    "plan",
    "privilege_drift",
    "require_owner",
]

APP_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# The kept counts' tables are written by triggers running as the role that writes
# file_versions, so the application role needs them as it needs the 14 tables.
_GRANTED: tuple[str, ...] = (*TABLES, *KEPT_TABLES)
READ_PRIVILEGES = ("SELECT",)
_ALL_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

Conn = psycopg.Connection[tuple[Any, ...]]


class RoleNames(msgspec.Struct, frozen=True):
    """The three roles' names."""

    owner: str = "pictallion_owner"
    app: str = "pictallion_app"
    readonly: str = "pictallion_readonly"


def _schema_objects(conn: Conn) -> list[tuple[str, str, str]]:
    """(name, kind 'table' or 'sequence', owner) of every table and sequence in the schema."""
    rows = conn.execute(
        "SELECT c.relname, CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, "
        "pg_get_userbyid(c.relowner) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') "
        "ORDER BY c.relname"
    ).fetchall()
    return [(str(name), str(kind), str(owner)) for name, kind, owner in rows]


def _table_sequences(conn: Conn) -> list[str]:
    """Sequences owned by a column of one of the 14 tables (serial or identity)."""
    rows = conn.execute(
        "SELECT s.relname FROM pg_class s "
        "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_namespace n ON n.oid = s.relnamespace "
        "WHERE s.relkind = 'S' AND n.nspname = current_schema() AND t.relname = ANY(%s) "
        "ORDER BY s.relname",
        (list(_GRANTED),),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _existing_roles(conn: Conn, names: RoleNames) -> set[str]:
    wanted = [names.owner, names.app, names.readonly]
    rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (wanted,))
    return {str(row[0]) for row in rows.fetchall()}


def plan(conn: Conn, names: RoleNames) -> list[sql.Composed]:
    """The statements that make the database's privileges those of the three roles."""
    owner, app, readonly = (sql.Identifier(n) for n in (names.owner, names.app, names.readonly))
    schema = sql.Identifier(str(conn.execute("SELECT current_schema()").fetchone()[0]))  # type: ignore[index]
    database = sql.Identifier(str(conn.execute("SELECT current_database()").fetchone()[0]))  # type: ignore[index]
    existing = _existing_roles(conn, names)
    steps: list[sql.Composed] = []
    for name, ident in ((names.owner, owner), (names.app, app), (names.readonly, readonly)):
        if name not in existing:
            steps.append(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
    steps.append(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}, {}").format(database, owner, app, readonly)
    )
    steps.append(sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(schema, owner))
    steps.append(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}, {}").format(schema, app, readonly))
    objects = _schema_objects(conn)
    for name, kind, current_owner in objects:
        if current_owner != names.owner:
            keyword = sql.SQL("SEQUENCE" if kind == "sequence" else "TABLE")
            steps.append(
                sql.SQL("ALTER {} {} OWNER TO {}").format(keyword, sql.Identifier(name), owner)
            )
    # Whatever the two other roles held before goes: they get exactly the plan's grants.
    for name, kind, _ in objects:
        keyword = sql.SQL("SEQUENCE" if kind == "sequence" else "TABLE")
        steps.append(
            sql.SQL("REVOKE ALL ON {} {} FROM {}, {}").format(
                keyword, sql.Identifier(name), app, readonly
            )
        )
    present = {name for name, kind, _ in objects if kind == "table"}
    tables = sql.SQL(", ").join(sql.Identifier(t) for t in _GRANTED if t in present)
    if any(t in present for t in _GRANTED):
        steps.append(
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(p) for p in APP_PRIVILEGES), tables, app
            )
        )
        steps.append(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(tables, readonly))
    sequences = _table_sequences(conn)
    if sequences:
        listed = sql.SQL(", ").join(sql.Identifier(s) for s in sequences)
        steps.append(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(listed, app))
        steps.append(sql.SQL("GRANT SELECT ON SEQUENCE {} TO {}").format(listed, readonly))
    return steps


def apply_plan(conn: Conn, steps: list[sql.Composed]) -> None:
    """Run ``steps`` in one transaction: all of them, or none."""
    try:
        with conn.transaction():
            for step in steps:
                conn.execute(step)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PermissionDeniedError(
            f"permission denied: {exc.diag.message_primary}; setting up roles needs a "
            "superuser, or a role with CREATEROLE that owns the tables",
            privilege="CREATEROLE",
        ) from None


def privilege_drift(conn: Conn, names: RoleNames) -> list[str]:
    """How the database's privileges differ from the plan; [] when they match.

    Nothing is reported when none of the three roles exists (roles are not in use).
    """
    existing = _existing_roles(conn, names)
    if not existing:
        return []
    problems = [
        f"role {name} does not exist"
        for name in (names.owner, names.app, names.readonly)
        if name not in existing
    ]
    expected = {names.app: set(APP_PRIVILEGES), names.readonly: set(READ_PRIVILEGES)}
    objects = _schema_objects(conn)
    held: dict[tuple[str, str], set[str]] = {}
    for role in expected:
        if role in existing:
            rows = conn.execute(
                "SELECT c.relname, p.privilege FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "CROSS JOIN unnest(%s::text[]) AS p(privilege) "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                "AND has_table_privilege(%s, c.oid, p.privilege)",
                (list(_ALL_PRIVILEGES), role),
            ).fetchall()
            for table, privilege in rows:
                held.setdefault((role, str(table)), set()).add(str(privilege))
    for name, kind, owner in objects:
        if names.owner in existing and owner != names.owner and name in _GRANTED:
            problems.append(f"table {name} is owned by {owner}, not {names.owner}")
        if kind != "table":
            continue
        for role, wanted in expected.items():
            if role not in existing:
                continue
            has = held.get((role, name), set())
            should = wanted if name in _GRANTED else set()
            extra = sorted(has - should, key=_ALL_PRIVILEGES.index)
            missing = sorted(should - has, key=_ALL_PRIVILEGES.index)
            if extra:
                problems.append(f"table {name}: {role} also has {', '.join(extra)}")
            if missing:
                problems.append(f"table {name}: {role} lacks {', '.join(missing)}")
    return problems


def require_owner(conn: Conn, database_url: str, purpose: str) -> None:
    """Raise PermissionDeniedError unless the connected role owns every table there is.

    VACUUM and ANALYZE skip tables the role does not own with a mere warning, and
    migrations alter tables: both need the owner.
    """
    rows = conn.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = ANY(%s) "
        "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname",
        (list(_GRANTED),),
    ).fetchall()
    if not rows:
        return
    user = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    owners = sorted({str(owner) for _, owner in rows})
    raise PermissionDeniedError(
        f"permission denied: {purpose} needs the owner of the tables ({', '.join(owners)}), "
        f"but {mask_url(database_url)} connects as {user}, which does not own "
        f"{', '.join(str(name) for name, _ in rows)}; connect as the owner role",
        privilege="OWNER",
    )
