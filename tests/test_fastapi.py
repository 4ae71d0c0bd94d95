"""The FastAPI integration: a real application, served to httpx, on both dialects."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request

from pictallion_sql import Connection, config, crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.fastapi import (
    Db,
    RecordResponse,
    Transaction,
    database_lifespan,
    get_db_transaction,
    get_or_404,
    install,
    record_responses,
)
from pictallion_sql.models import FileVersion, MediaAsset
from pictallion_sql.records.wire import to_json
from tests.asgi import serve
from tests.conftest import pg_execute

README = Path(__file__).resolve().parent.parent / "README.md"
UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def readme_service() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return next(b for b in blocks if "pictallion_sql.fastapi" in b)


@pytest.fixture
def configured(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The process-wide settings point at a new, unmigrated database of the dialect."""
    monkeypatch.setattr(config.settings, "database_url", empty_url)
    monkeypatch.setattr(config.settings, "db_type", None)
    yield empty_url


def _version(asset_id: str) -> dict[str, Any]:
    return {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": "media/silver/IMG_0001.jpg",
        "file_hash": "9e107d9d372bb6826bd81d3542a419d6",
        "file_size": 2_345_678,
        "mime_type": "image/jpeg",
        "keywords": ["beach"],
        "metadata": {"exif": {"camera": "X100", "iso": "200"}, "custom": {"kept": True}},
    }


async def test_the_readme_service_runs_as_written(configured: str) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_service(), "README.md", "exec"), namespace)
    app = namespace["app"]
    async with serve(app) as client:  # the lifespan migrates the new database
        created = await client.post("/api/assets", json={"original_filename": "IMG_0001.jpg"})
        assert created.status_code == 201, created.text
        asset = created.json()
        assert asset["original_filename"] == "IMG_0001.jpg"
        assert UTC_TIMESTAMP.match(asset["created_at"]), asset

        missing = await client.get("/api/photos/unknown")
        assert (missing.status_code, missing.json()) == (
            404,
            {"detail": "file_versions 'unknown' does not exist"},
        )

        refused = await client.post("/api/assets", json={"original_filename": 7})
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "original_filename"
        assert "query" not in refused.text and "insert[" not in refused.text

        db = await connect(configured)
        try:
            version = await crud.file_version.create(db, obj_in=_version(asset["id"]))
            history = await crud.asset_history.get_multi(db)
            assert await crud.media_asset.count(db) == 1  # the refused request wrote nothing
        finally:
            await db.close()
        assert [(h.media_asset_id, h.action) for h in history] == [(asset["id"], "UPLOADED")]

        photo = await client.get(f"/api/photos/{version.id}")
        assert photo.status_code == 200, photo.text
        body = photo.json()
        assert body["id"] == version.id and body["keywords"] == ["beach"]
        assert body["metadata"] == {
            "exif": {"camera": "X100", "iso": "200"},
            "custom": {"kept": True},
        }
        assert body["created_at"] == version.created_at.isoformat() + "Z"
        assert datetime.fromisoformat(body["created_at"]) == version.created_at.replace(tzinfo=UTC)
    text = README.read_text(encoding="utf-8")
    assert 'answers `404 {"detail": "file_versions \'unknown\' does not exist"}`' in text


async def test_the_openapi_document_describes_the_records(configured: str) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_service(), "README.md", "exec"), namespace)
    async with serve(namespace["app"]) as client:
        document = (await client.get("/openapi.json")).json()
    photo = document["paths"]["/api/photos/{photo_id}"]["get"]["responses"]
    assert photo["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FileVersion"
    }
    assert photo["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    created = document["paths"]["/api/assets"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MediaAsset"
    }
    assert {"409", "422"} <= created.keys()
    schemas = document["components"]["schemas"]
    version = schemas["FileVersion"]
    assert set(version["required"]) >= {"id", "media_asset_id", "tier", "created_at"}
    assert version["properties"]["created_at"] == {"type": "string", "format": "date-time"}
    assert sorted(version["properties"]["tier"]["enum"]) == ["bronze", "gold", "silver"]
    metadata = schemas["CombinedMetadataSchema"]["properties"]
    assert "exif" in metadata and "ai" in metadata
    # Every reference in the document resolves.
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(document).replace("'", '"')))
    assert refs and refs <= schemas.keys(), refs - schemas.keys()


def _app(url: str, **settings: Any) -> FastAPI:
    """An application of its own database (not the process-wide one), errors installed."""
    app = install(FastAPI(lifespan=database_lifespan(url, config=Settings(**settings))))

    @app.post("/users")
    async def add_user(user: dict[str, Any], tx: Transaction) -> RecordResponse:
        return RecordResponse(await crud.user.create(tx, obj_in=user), status_code=201)

    @app.post("/versions")
    async def add_version(version: dict[str, Any], db: Db) -> RecordResponse:
        return RecordResponse(await crud.file_version.create(db, obj_in=version))

    @app.delete("/assets/{asset_id}")
    async def remove_asset(asset_id: str, db: Db) -> RecordResponse:
        return RecordResponse(await crud.media_asset.remove(db, id=asset_id))

    @app.post("/two-assets")
    async def two_assets(
        names: list[str],
        tx: Connection = Depends(get_db_transaction),  # noqa: B008
    ) -> RecordResponse:
        # The plain Depends form: one transaction, rolled back when the second is refused.
        first = await crud.media_asset.create(tx, obj_in={"original_filename": names[0]})
        await crud.media_asset.create(tx, obj_in={"original_filename": names[1]})
        return RecordResponse([first])

    @app.get("/busy")
    async def busy(request: Request, db: Db) -> RecordResponse:
        # The request holds the pool's only connection and asks the pool for another.
        return RecordResponse(await crud.user.count(request.state.database))

    @app.get("/assets", responses=record_responses(list[MediaAsset]))
    async def assets(db: Db) -> RecordResponse:
        return RecordResponse(await crud.media_asset.get_multi(db))

    return app


async def test_library_errors_become_http_statuses(migrated_url: str) -> None:
    app = _app(migrated_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    async with serve(app) as client:
        first = await client.post("/users", json={"username": "ada", "password": "x"})
        assert first.status_code == 201, first.text
        again = await client.post("/users", json={"username": "ada", "password": "y"})
        assert (again.status_code, again.json()) == (
            409,
            {"detail": "duplicate key: users.username already exists"},
        )
        orphan = await client.post("/versions", json=_version("no-such-asset"))
        assert orphan.status_code == 409
        assert orphan.json()["detail"] == (
            "foreign key violation: file_versions.media_asset_id refers to a media_assets "
            "row that does not exist"
        )
        unknown = await client.post("/users", json={"username": "bo", "pasword": "x"})
        assert unknown.status_code == 422 and unknown.json()["field"] == "pasword", unknown.text

        listed = await client.post("/two-assets", json=["a.jpg", "b.jpg"])
        assert listed.status_code == 200 and listed.json()[0]["original_filename"] == "a.jpg"
        refused = await client.post("/two-assets", json=["c.jpg", "nul\u0000.jpg"])
        assert refused.status_code == 422 and refused.json()["field"] == "original_filename"
        names = [a["original_filename"] for a in (await client.get("/assets")).json()]
        assert sorted(names) == ["a.jpg", "b.jpg"]  # c.jpg was rolled back

        busy = await client.get("/busy")
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "1"
        assert busy.json() == {"detail": "the database is busy; try again shortly"}


async def test_a_read_only_database_is_503(migrated_url: str, dialect: str) -> None:
    if dialect == "sqlite":
        url = migrated_url + "?mode=ro"
    else:
        name = migrated_url.rsplit("/", 1)[1]
        pg_execute(migrated_url, f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        url = migrated_url
    async with serve(_app(url)) as client:
        assert (await client.get("/assets")).json() == []
        refused = await client.post("/users", json={"username": "ada", "password": "x"})
    assert refused.status_code == 503, refused.text
    assert refused.json()["detail"].startswith("the database is read-only (")


async def test_the_transaction_commits_before_the_response(migrated_url: str) -> None:
    app = _app(migrated_url)
    seen: list[tuple[int, int]] = []

    @app.middleware("http")
    async def count_after(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        # The response exists, not yet sent: what it reports is already committed.
        db = await connect(migrated_url)
        try:
            seen.append((await crud.user.count(db), await crud.media_asset.count(db)))
        finally:
            await db.close()
        return response

    async with serve(app) as client:
        done = await client.post("/users", json={"username": "ada", "password": "x"})
        plain = await client.post("/two-assets", json=["a.jpg", "b.jpg"])
    assert (done.status_code, plain.status_code) == (201, 200)
    # Both the annotated and the plain Depends(get_db_transaction) commit first.
    assert seen == [(1, 0), (1, 2)]


async def test_get_db_without_a_lifespan_uses_the_process_wide_database(
    configured: str,
) -> None:
    from pictallion_sql.database import close_db
    from pictallion_sql.migrations import upgrade_to_head

    await upgrade_to_head(configured)
    app = install(FastAPI())

    @app.get("/count")
    async def count(db: Db) -> RecordResponse:
        return RecordResponse({"assets": await crud.media_asset.count(db)})

    try:
        async with serve(app) as client:
            assert (await client.get("/count")).json() == {"assets": 0}
    finally:
        await close_db()


async def test_a_failed_migration_stops_the_startup(empty_url: str, tmp_path: Path) -> None:
    from pictallion_sql.errors import ConfigurationError

    app = FastAPI(lifespan=database_lifespan("mysql://nowhere/db", migrate=True))
    with pytest.raises(ConfigurationError, match="unsupported scheme"):
        async with serve(app):
            pass


async def test_get_or_404_returns_the_row(db: Any) -> None:
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    assert await get_or_404(crud.media_asset, db, id=asset.id) == asset


def test_timestamps_leave_with_an_explicit_utc_offset() -> None:
    naive = datetime(2026, 12, 6, 16, 47, 36, 186000)
    paris = datetime(2026, 12, 6, 17, 47, 36, tzinfo=timezone(timedelta(hours=1)))
    assert to_json({"at": naive, "list": [naive], "aware": paris}) == (
        b'{"at":"2026-12-06T16:47:36.186000Z","list":["2026-12-06T16:47:36.186000Z"],'
        b'"aware":"2026-12-06T17:47:36+01:00"}'
    )
    asset = MediaAsset(id="a", original_filename="a.jpg", created_at=naive)
    assert b'"created_at":"2026-12-06T16:47:36.186000Z"' in to_json(asset)


def test_record_responses_name_the_type() -> None:
    responses = record_responses(FileVersion, errors=[404, 503])
    assert responses[200]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FileVersion"
    }
    assert sorted(responses) == [200, 404, 503]


async def test_the_lifespan_composes_with_the_applications_own(migrated_url: str) -> None:
    started: list[int] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with database_lifespan(migrated_url)(app) as state:
            started.append(await crud.media_asset.count(state["database"]))
            yield state

    app = install(FastAPI(lifespan=lifespan))

    @app.get("/count")
    async def count(db: Db) -> RecordResponse:
        return RecordResponse(await crud.media_asset.count(db))

    async with serve(app) as client:
        assert (await client.get("/count")).json() == 0
    assert started == [0]
