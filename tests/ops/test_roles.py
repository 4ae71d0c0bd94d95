"""Least-privilege roles on PostgreSQL: ``pictallion-db roles`` creates the owner, application
and read-only roles in a fresh database; each is then used for real, checking what works
and what is refused; ``check`` reports privilege drift."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from pictallion_sql import crud
from pictallion_sql.admin.cli import main
from pictallion_sql.admin.maintenance import analyze_database, vacuum_database
from pictallion_sql.database import connect
from pictallion_sql.errors import PermissionDeniedError
from tests import pgcluster
from tests.library import load_library, uid


class Roles:
    def __init__(self, url: str) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.url = url
        self.owner = f"pt_owner_{suffix}"
        self.app = f"pt_app_{suffix}"
        self.readonly = f"pt_readonly_{suffix}"

    @property
    def options(self) -> list[str]:
        return ["--owner", self.owner, "--app", self.app, "--readonly", self.readonly]

    def url_as(self, role: str) -> str:
        parts = urlsplit(self.url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture
def roles(pg_admin_url: str, pg_template: str) -> Iterator[Roles]:
    """A migrated database and three role names unique to the test, dropped afterwards."""
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    names = Roles(url)
    try:
        yield names
    finally:
        pgcluster.drop_database(pg_admin_url, url)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            for role in (names.owner, names.app, names.readonly):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _set_up(roles: Roles, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["roles", "--yes", "--json", *roles.options, "--database-url", roles.url])
    out = capsys.readouterr()
    assert code == 0, out.err
    return dict(json.loads(out.out))


def test_roles_shows_its_plan_and_refuses_without_confirmation(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roles", *roles.options, "--database-url", roles.url]) == 2
    out = capsys.readouterr()
    assert f'CREATE ROLE "{roles.app}" LOGIN;' in out.out
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "users"' in out.out
    assert "pass --yes to confirm" in out.err
    with psycopg.connect(roles.url) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)",
            ([roles.owner, roles.app, roles.readonly],),
        ).fetchone()
    assert found == (0,)  # nothing was changed


async def test_the_application_role_runs_every_library_call_and_nothing_more(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    applied = _set_up(roles, capsys)
    assert applied["statements"][:3] == [
        f'CREATE ROLE "{name}" LOGIN' for name in (roles.owner, roles.app, roles.readonly)
    ]
    assert main(["check", "--json", *roles.options, "--database-url", roles.url]) == 0
    assert json.loads(capsys.readouterr().out)["privilege_drift"] == []

    db = await connect(roles.url_as(roles.app))
    try:
        db.settings.audit_trail = True
        await load_library(db)
        assets = await crud.media_asset.create_many(db, objs=[{"original_filename": "n.jpg"}])
        version = (await crud.file_version.get_by_asset(db, media_asset_id=uid("asset", 1)))[0]
        await crud.file_version.update(db, db_obj=version, obj_in={"rating": 4})
        assert await crud.file_version.update_perceptual_hash(
            db, id=version.id, perceptual_hash="ab"
        )
        await crud.file_version.search(db, filters={"query": "beach"}, limit=5)
        async with crud.file_version.stream_all(db) as rows:
            assert [row async for row in rows]
        history = await crud.asset_history.get_history(db, media_asset_id=uid("asset", 1))
        assert [h.action for h in history][-2:] == ["VERSION_UPDATED", "VERSION_UPDATED"]
        assert await crud.media_asset.remove(db, id=assets[0].id) == assets[0]
        await crud.person.get_people_with_counts(db)
        await crud.ai_prompt.get_all(db)
        # Maintenance needs the owner: said at once, instead of VACUUM's silent skipping.
        with pytest.raises(PermissionDeniedError, match=f"needs the owner.*{roles.app}"):
            await vacuum_database(roles.url_as(roles.app))
        with pytest.raises(PermissionDeniedError, match="ANALYZE needs the owner"):
            await analyze_database(roles.url_as(roles.app))
    finally:
        await db.close()

    # Migrations too.
    assert main(["migrate", "--database-url", roles.url_as(roles.app)]) == 2
    assert "migrations run as the owner" in capsys.readouterr().err
    # Nothing but rows: no DDL, no TRUNCATE, no migration bookkeeping.
    with psycopg.connect(roles.url_as(roles.app), autocommit=True) as conn:
        for statement in (
            "TRUNCATE users",
            "ALTER TABLE users ADD COLUMN x int",
            "CREATE TABLE t (a int)",
            "SELECT * FROM _yoyo_migration",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


async def test_the_read_only_role_reads_and_every_write_is_a_permission_error(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_up(roles, capsys)
    writer = await connect(roles.url_as(roles.app))
    try:
        await load_library(writer)
    finally:
        await writer.close()
    db = await connect(roles.url_as(roles.readonly))
    try:
        assert await crud.media_asset.get(db, id=uid("asset", 1)) is not None
        assert await crud.file_version.count(db) > 0
        with pytest.raises(PermissionDeniedError) as refused:
            await crud.media_asset.create(db, obj_in={"original_filename": "x.jpg"})
        assert refused.value.privilege == "INSERT"
        with pytest.raises(PermissionDeniedError):
            await crud.media_asset.update(
                db, db_obj=uid("asset", 1), obj_in={"original_filename": "y.jpg"}
            )
        with pytest.raises(PermissionDeniedError) as refused:
            await crud.setting.delete_by_key(db, key="theme")
        assert refused.value.privilege == "DELETE"
    finally:
        await db.close()


async def test_the_owner_migrates_and_maintains(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_up(roles, capsys)
    owner = roles.url_as(roles.owner)
    assert main(["migrate", "--database-url", owner]) == 0
    assert (await vacuum_database(owner))["operation"] == "vacuum"
    assert (await analyze_database(owner))["operation"] == "analyze"
    capsys.readouterr()


def test_check_reports_privilege_drift_and_roles_repairs_it(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_up(roles, capsys)
    with psycopg.connect(roles.url, autocommit=True) as conn:
        conn.execute(f'GRANT TRUNCATE ON faces TO "{roles.app}"')
        conn.execute(f'REVOKE DELETE ON users FROM "{roles.app}"')
        conn.execute(f'GRANT SELECT ON _yoyo_migration TO "{roles.readonly}"')
        conn.execute(f'ALTER TABLE events OWNER TO "{roles.app}"')
    assert main(["check", *roles.options, "--database-url", roles.url]) == 1
    out = capsys.readouterr().out
    assert f"privilege drift: table faces: {roles.app} also has TRUNCATE" in out
    assert f"privilege drift: table users: {roles.app} lacks DELETE" in out
    assert f"privilege drift: table _yoyo_migration: {roles.readonly} also has SELECT" in out
    assert f"privilege drift: table events is owned by {roles.app}, not {roles.owner}" in out
    assert "NOT OK: privilege drift (run `pictallion-db roles`)" in out

    applied = _set_up(roles, capsys)
    assert not any(s.startswith("CREATE ROLE") for s in applied["statements"])
    assert main(["check", "--json", *roles.options, "--database-url", roles.url]) == 0
    assert json.loads(capsys.readouterr().out)["privilege_drift"] == []


def test_roles_is_refused_on_sqlite(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["roles", "--yes", "--database-url", url]) == 2
    assert "roles are a PostgreSQL feature" in capsys.readouterr().err
