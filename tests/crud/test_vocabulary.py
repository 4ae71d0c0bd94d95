"""One name per operation: the canonical names of every repository, and the old names in compat.

Each repository's public methods are exactly the canonical list below, so an alias cannot
come back unnoticed; every old name in ``crud.compat`` answers what its canonical call
answers, on both dialects; ``crud`` exposes the repositories, their classes and ``compat``,
and a module-like name (``crud.faces``) is an AttributeError naming the repository.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

import pictallion_sql.crud
from pictallion_sql import crud
from pictallion_sql.errors import ValidationError
from tests.conftest import FixedClock
from tests.library import load_library, uid

# Every test here that runs statements asserts their results by value.
pytestmark = pytest.mark.pins

GENERIC = [
    "count",
    "create",
    "create_many",
    "exists",
    "get",
    "get_all",
    "get_multi",
    "get_multi_page",
    "import_rows",
    "insert_values",
    "remove",
    "stream_all",
    "update",
    "update_values",
]
"""The calls every repository has (``get_all`` only where the table has a listing order).

A ``*_page`` call is the keyset twin of the listing of the same name: ``after`` (a cursor)
and ``limit``, returning a ``Page`` (docs/pagination.md)."""

CANONICAL: dict[str, list[str]] = {
    "ai_prompt": [
        "ensure_defaults",
        "get_active",
        "get_by_category",
        "get_by_provider",
        "reset_to_defaults",
    ],
    "asset_history": ["get_by_asset", "get_history", "get_recent"],
    "collection": [
        "add_photo_to_smart_collection",
        "add_photos_to_smart_collection",
        "create_smart_collection",
        "delete_smart_collection",
        "get_all_with_stats",
        "get_by_name",
        "get_photos_for_smart_collections",
        "get_smart_collection",
        "get_smart_collection_photo_count",
        "get_smart_collection_photos",
        "get_smart_collections",
        "preview_smart_rules",
        "refresh_all_smart",
        "refresh_smart",
        "toggle_smart_collection",
        "update_smart_collection",
    ],
    "collection_photo": [
        "add",
        "add_many",
        "get_by_collection",
        "get_by_collection_page",
        "get_entry",
        "get_photos",
        "remove_all",
        "remove_photo",
    ],
    "event": ["get_by_type", "get_enabled"],
    "face": [
        "assign_many",
        "assign_to_person",
        "get_by_person",
        "get_by_person_page",
        "get_by_photo",
        "get_ignored",
        "get_many",
        "get_unassigned",
        "get_unassigned_page",
        "ignore",
        "ignore_many",
        "unignore",
        "unignore_many",
    ],
    "file_version": [
        "delete_faces",
        "find_similar",
        "get_all_page",
        "get_all_with_assets",
        "get_all_with_assets_page",
        "get_by_asset",
        "get_by_hash",
        "get_by_tier",
        "get_by_tier_page",
        "get_collection_stats",
        "get_photos_by_tag",
        "get_photos_by_tag_page",
        "get_photos_count",
        "get_photos_with_events",
        "get_photos_without_events",
        "get_recent_photos",
        "get_sibling_versions",
        "get_with_details",
        "ingest_photo",
        "list_by_tier",
        "list_by_tier_page",
        "list_photos",
        "list_photos_page",
        "list_unprocessed",
        "list_unprocessed_page",
        "scan_photos_count",
        "search",
        "search_photos",
        "update_perceptual_hash",
    ],
    "global_tag": [
        "add_tag_to_library",
        "delete_tag",
        "get_all_tags",
        "get_by_tag",
        "list_library",
        "upsert_tag",
        "upsert_tags",
    ],
    "location": ["create_from_coordinates", "find_hotspots", "get_stats"],
    "media_asset": ["get_by_filename", "get_recent", "update_photo"],
    "person": [
        "get_all_page",
        "get_by_name",
        "get_people_with_counts",
        "get_photos",
        "get_photos_page",
        "search_by_name",
        "set_thumbnail",
        "update_face_count",
        "update_representative_face",
    ],
    "relationship": ["get_by_person"],
    "setting": [
        "delete_by_key",
        "get_by_category",
        "get_by_key",
        "get_value",
        "set_value",
        "update_value",
    ],
    "user": ["get_by_username"],
}
"""Each repository's own calls, besides the generic ones."""

# Repositories whose table has no listing order of its own: no get_all.
_WITHOUT_GET_ALL = {"asset_history", "collection_photo", "global_tag", "relationship", "user"}

REPOSITORIES = sorted(name for name in crud.__all__ if name[0].islower())


def _public_methods(obj: object) -> list[str]:
    kind = type(obj)
    return sorted(n for n in dir(kind) if not n.startswith("_") and callable(getattr(kind, n)))


def _expected(repo: str) -> list[str]:
    generic = [n for n in GENERIC if not (n == "get_all" and repo in _WITHOUT_GET_ALL)]
    return sorted([*generic, *CANONICAL[repo]])


def test_every_repository_is_listed() -> None:
    assert sorted(CANONICAL) == REPOSITORIES


@pytest.mark.parametrize("repo", REPOSITORIES)
def test_a_repository_has_exactly_its_canonical_names(repo: str) -> None:
    assert _public_methods(getattr(crud, repo)) == _expected(repo)


@pytest.mark.parametrize("repo", REPOSITORIES)
def test_canonical_calls_take_keyword_arguments_and_page_with_skip(repo: str) -> None:
    repository = getattr(crud, repo)
    for name in _public_methods(repository):
        if name in ("insert_values", "update_values"):
            continue  # validation helpers, not database calls: one input, no db
        parameters = list(inspect.signature(getattr(repository, name)).parameters.values())
        assert parameters[0].name == "db", (repo, name)
        after_db = [p for p in parameters[1:] if p.kind is not p.KEYWORD_ONLY]
        assert after_db == [], (repo, name, after_db)
        names = {p.name for p in parameters}
        assert not names & {"offset", "show_superseded"}, (repo, name)
        if "skip" in names:
            assert "limit" in names, (repo, name)


@pytest.mark.parametrize("repo", REPOSITORIES)
def test_each_page_call_is_the_keyset_twin_of_a_listing(repo: str) -> None:
    repository = getattr(crud, repo)
    names = _public_methods(repository)
    twins = [n for n in names if n.endswith("_page")]
    assert "get_multi_page" in twins
    for name in twins:
        assert name.removesuffix("_page") in names, (repo, name)
        signature = inspect.signature(getattr(repository, name))
        parameters = signature.parameters
        assert parameters["after"].default is None, (repo, name)
        assert parameters["limit"].default == 100, (repo, name)
        assert "skip" not in parameters, (repo, name)
        assert str(signature.return_annotation).startswith("Page["), (repo, name)


def test_no_compat_name_is_a_canonical_name_of_its_repository() -> None:
    for repo in _compat_repositories():
        canonical = set(_public_methods(getattr(crud, repo)))
        old = set(_public_methods(getattr(crud.compat, repo)))
        # The few names kept in both differ only by their old parameter names.
        assert canonical & old <= {"search", "search_photos", "get_photos_count"}, repo


# ---- the crud namespace ---------------------------------------------------------------------


def test_crud_exposes_the_repositories_their_classes_and_compat() -> None:
    public = {n for n in vars(pictallion_sql.crud) if not n.startswith("_")}
    assert public == {*crud.__all__, "compat"}
    assert sorted(dir(crud)) == sorted({*crud.__all__, "compat"})
    for name in crud.__all__:
        value = getattr(crud, name)
        assert type(value).__name__.endswith("Repository") or value.__name__.endswith(
            "Repository"
        ), name


MODULE_NAMES = {
    "ai_prompts": "ai_prompt",
    "collection_photos": "collection_photo",
    "collections": "collection",
    "events": "event",
    "faces": "face",
    "file_versions": "file_version",
    "global_tags": "global_tag",
    "locations": "location",
    "media_assets": "media_asset",
    "people": "person",
    "relationships": "relationship",
    "settings": "setting",
    "users": "user",
}


@pytest.mark.parametrize(("module", "repo"), sorted(MODULE_NAMES.items()))
def test_a_module_name_is_an_attribute_error_naming_the_repository(module: str, repo: str) -> None:
    with pytest.raises(AttributeError) as raised:
        getattr(crud, module)
    assert f"did you mean crud.{repo}?" in str(raised.value)
    assert raised.value.name == module
    assert not hasattr(crud, module)
    assert hasattr(crud, repo)


def test_an_unknown_name_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError) as raised:
        crud.nothing_like_a_table  # noqa: B018
    assert "did you mean" not in str(raised.value)
    assert "nothing_like_a_table" in str(raised.value)


# ---- every old name answers what its canonical call answers ---------------------------------

FV1, FV3, FV8 = uid("fv", 1), uid("fv", 3), uid("fv", 8)
ASSET1, ASSET3 = uid("asset", 1), uid("asset", 3)
C1, C2 = uid("coll", 1), uid("coll", 2)
Call = Callable[[Any], Awaitable[Any]]
C = crud.compat

# (compat repository, old name, the old call, the canonical call, rows made afresh)
# "Afresh": the call inserts rows, whose generated id and database timestamps differ.
CASES: list[tuple[str, str, Call, Call, bool]] = [
    (
        "file_version",
        "create_file_version",
        lambda db: C.file_version.create_file_version(db, obj_in=_version()),
        lambda db: crud.file_version.create(db, obj_in=_version()),
        True,
    ),
    (
        "file_version",
        "get_file_version",
        lambda db: C.file_version.get_file_version(db, id=FV3),
        lambda db: crud.file_version.get(db, id=FV3),
        False,
    ),
    (
        "file_version",
        "update_file_version",
        lambda db: C.file_version.update_file_version(db, db_obj=FV3, obj_in={"rating": 2}),
        lambda db: crud.file_version.update(db, db_obj=FV3, obj_in={"rating": 2}),
        False,
    ),
    (
        "file_version",
        "get_file_versions_by_asset",
        lambda db: C.file_version.get_file_versions_by_asset(db, media_asset_id=ASSET3),
        lambda db: crud.file_version.get_by_asset(db, media_asset_id=ASSET3),
        False,
    ),
    (
        "file_version",
        "get_by_media_asset",
        lambda db: C.file_version.get_by_media_asset(db, media_asset_id=ASSET1),
        lambda db: crud.file_version.get_by_asset(db, media_asset_id=ASSET1),
        False,
    ),
    (
        "file_version",
        "get_file_by_hash",
        lambda db: C.file_version.get_file_by_hash(db, file_hash="hash01"),
        lambda db: crud.file_version.get_by_hash(db, file_hash="hash01"),
        False,
    ),
    (
        "file_version",
        "delete_faces_by_photo",
        lambda db: C.file_version.delete_faces_by_photo(db, photo_id=FV3),
        lambda db: crud.file_version.delete_faces(db, photo_id=FV3),
        False,
    ),
    (
        "file_version",
        "find_similar_photos",
        lambda db: C.file_version.find_similar_photos(db, id=FV1, threshold=0, limit=3),
        lambda db: crud.file_version.find_similar(db, id=FV1, threshold=0, limit=3),
        False,
    ),
    (
        "file_version",
        "get_all_file_versions_with_assets",
        lambda db: C.file_version.get_all_file_versions_with_assets(db, skip=1, limit=3),
        lambda db: crud.file_version.get_all_with_assets(db, skip=1, limit=3),
        False,
    ),
    (
        "file_version",
        "get_all_file_versions",
        lambda db: C.file_version.get_all_file_versions(db, limit=3, offset=2),
        lambda db: crud.file_version.get_all(db, skip=2, limit=3),
        False,
    ),
    (
        "file_version",
        "get_highest_tier_photos",
        lambda db: C.file_version.get_highest_tier_photos(db, limit=2, offset=1),
        lambda db: crud.file_version.list_photos(db, skip=1, limit=2),
        False,
    ),
    (
        "file_version",
        "get_unprocessed_photos",
        lambda db: C.file_version.get_unprocessed_photos(db, limit=1, offset=1),
        lambda db: crud.file_version.list_unprocessed(db, skip=1, limit=1),
        False,
    ),
    (
        "file_version",
        "get_photos_by_tier",
        lambda db: C.file_version.get_photos_by_tier(
            db, tier="silver", show_superseded=True, limit=3, offset=1
        ),
        lambda db: crud.file_version.list_by_tier(
            db, tier="silver", show_all_versions=True, skip=1, limit=3
        ),
        False,
    ),
    (
        "file_version",
        "get_photos_count",
        lambda db: C.file_version.get_photos_count(db, tier="silver", show_superseded=True),
        lambda db: crud.file_version.get_photos_count(db, tier="silver", show_all_versions=True),
        False,
    ),
    (
        "file_version",
        "search_photos",
        lambda db: C.file_version.search_photos(db, tier=None, limit=2, offset=1),
        lambda db: crud.file_version.search_photos(db, tier=None, skip=1, limit=2),
        False,
    ),
    (
        "file_version",
        "search",
        lambda db: C.file_version.search(db, {"tiers": ["silver"]}, limit=2, offset=1),
        lambda db: crud.file_version.search(db, filters={"tiers": ["silver"]}, skip=1, limit=2),
        False,
    ),
    (
        "media_asset",
        "create_media_asset",
        lambda db: C.media_asset.create_media_asset(db, obj_in={"original_filename": "n.jpg"}),
        lambda db: crud.media_asset.create(db, obj_in={"original_filename": "n.jpg"}),
        True,
    ),
    (
        "media_asset",
        "get_media_asset",
        lambda db: C.media_asset.get_media_asset(db, id=ASSET3),
        lambda db: crud.media_asset.get(db, id=ASSET3),
        False,
    ),
    (
        "media_asset",
        "update_media_asset",
        lambda db: C.media_asset.update_media_asset(
            db, db_obj=ASSET3, obj_in={"original_filename": "r.jpg"}
        ),
        lambda db: crud.media_asset.update(
            db, db_obj=ASSET3, obj_in={"original_filename": "r.jpg"}
        ),
        False,
    ),
    (
        "asset_history",
        "create_asset_history",
        lambda db: C.asset_history.create_asset_history(
            db, obj_in={"media_asset_id": ASSET1, "action": "X"}
        ),
        lambda db: crud.asset_history.create(db, obj_in={"media_asset_id": ASSET1, "action": "X"}),
        True,
    ),
    (
        "asset_history",
        "get_asset_history",
        lambda db: C.asset_history.get_asset_history(db, media_asset_id=ASSET1),
        lambda db: crud.asset_history.get_by_asset(db, media_asset_id=ASSET1),
        False,
    ),
    (
        "asset_history",
        "get_recent_activity",
        lambda db: C.asset_history.get_recent_activity(db, limit=2),
        lambda db: crud.asset_history.get_recent(db, limit=2),
        False,
    ),
    (
        "collection",
        "get_collections",
        lambda db: C.collection.get_collections(db),
        lambda db: crud.collection.get_all(db),
        False,
    ),
    (
        "collection",
        "get_collection",
        lambda db: C.collection.get_collection(db, C1),
        lambda db: crud.collection.get(db, id=C1),
        False,
    ),
    (
        "collection",
        "create_collection",
        lambda db: C.collection.create_collection(db, {"name": "New"}),
        lambda db: crud.collection.create(db, obj_in={"name": "New"}),
        True,
    ),
    (
        "collection",
        "update_collection",
        lambda db: C.collection.update_collection(db, C1, {"description": "d"}),
        lambda db: crud.collection.update(db, db_obj=C1, obj_in={"description": "d"}),
        False,
    ),
    (
        "collection",
        "delete",
        lambda db: C.collection.delete(db, id=C1),
        lambda db: crud.collection.remove(db, id=C1),
        False,
    ),
    (
        "collection",
        "delete_collection",
        lambda db: C.collection.delete_collection(db, C1),
        lambda db: crud.collection.remove(db, id=C1),
        False,
    ),
    (
        "collection",
        "add_photo",
        lambda db: C.collection.add_photo(db, collection_id=C1, photo_id=FV8),
        lambda db: crud.collection_photo.add(db, collection_id=C1, photo_id=FV8),
        True,
    ),
    (
        "collection",
        "add_photo_to_collection",
        lambda db: C.collection.add_photo_to_collection(db, C1, FV8),
        lambda db: crud.collection_photo.add(db, collection_id=C1, photo_id=FV8),
        True,
    ),
    (
        "collection",
        "get_photos",
        lambda db: C.collection.get_photos(db, collection_id=C1),
        lambda db: crud.collection_photo.get_photos(db, collection_id=C1),
        False,
    ),
    (
        "collection",
        "get_collection_photos",
        lambda db: C.collection.get_collection_photos(db, C1),
        lambda db: crud.collection_photo.get_photos(db, collection_id=C1),
        False,
    ),
    (
        "collection",
        "get_collection_photo",
        lambda db: C.collection.get_collection_photo(db, C1, uid("fv", 2)),
        lambda db: crud.collection_photo.get_entry(db, collection_id=C1, photo_id=uid("fv", 2)),
        False,
    ),
    (
        "collection",
        "remove_photo_from_collection",
        lambda db: C.collection.remove_photo_from_collection(db, C1, uid("fv", 2)),
        lambda db: crud.collection_photo.remove_photo(db, collection_id=C1, photo_id=uid("fv", 2)),
        False,
    ),
    (
        "collection",
        "evaluate_smart_collection",
        lambda db: C.collection.evaluate_smart_collection(db, collection_id=C2),
        lambda db: crud.collection.refresh_smart(db, collection_id=C2),
        False,
    ),
    (
        "collection",
        "update_smart_collections",
        lambda db: C.collection.update_smart_collections(db),
        lambda db: crud.collection.refresh_all_smart(db),
        False,
    ),
    (
        "event",
        "create_event",
        lambda db: C.event.create_event(db, _event()),
        lambda db: crud.event.create(db, obj_in=_event()),
        True,
    ),
    (
        "event",
        "get_events",
        lambda db: C.event.get_events(db),
        lambda db: crud.event.get_all(db),
        False,
    ),
    (
        "event",
        "get_event",
        lambda db: C.event.get_event(db, uid("event", 1)),
        lambda db: crud.event.get(db, id=uid("event", 1)),
        False,
    ),
    (
        "event",
        "update_event",
        lambda db: C.event.update_event(db, uid("event", 1), {"name": "n"}),
        lambda db: crud.event.update(db, db_obj=uid("event", 1), obj_in={"name": "n"}),
        False,
    ),
    (
        "event",
        "delete_event",
        lambda db: C.event.delete_event(db, uid("event", 1)),
        lambda db: crud.event.remove(db, id=uid("event", 1)),
        False,
    ),
    (
        "event",
        "get_events_by_type",
        lambda db: C.event.get_events_by_type(db, "holiday"),
        lambda db: crud.event.get_by_type(db, type="holiday"),
        False,
    ),
    (
        "ai_prompt",
        "get_all_ai_prompts",
        lambda db: C.ai_prompt.get_all_ai_prompts(db),
        lambda db: crud.ai_prompt.get_all(db),
        False,
    ),
    (
        "ai_prompt",
        "get_ai_prompt",
        lambda db: C.ai_prompt.get_ai_prompt(db, uid("prompt", 1)),
        lambda db: crud.ai_prompt.get(db, id=uid("prompt", 1)),
        False,
    ),
    (
        "ai_prompt",
        "get_ai_prompts_by_category",
        lambda db: C.ai_prompt.get_ai_prompts_by_category(db, "analysis"),
        lambda db: crud.ai_prompt.get_by_category(db, category="analysis"),
        False,
    ),
    (
        "ai_prompt",
        "get_ai_prompts_by_provider",
        lambda db: C.ai_prompt.get_ai_prompts_by_provider(db, "ollama"),
        lambda db: crud.ai_prompt.get_by_provider(db, provider="ollama"),
        False,
    ),
    (
        "ai_prompt",
        "create_ai_prompt",
        lambda db: C.ai_prompt.create_ai_prompt(db, _prompt()),
        lambda db: crud.ai_prompt.create(db, obj_in=_prompt()),
        True,
    ),
    (
        "ai_prompt",
        "update_ai_prompt",
        lambda db: C.ai_prompt.update_ai_prompt(db, uid("prompt", 1), {"is_active": False}),
        lambda db: crud.ai_prompt.update(db, db_obj=uid("prompt", 1), obj_in={"is_active": False}),
        False,
    ),
    (
        "ai_prompt",
        "delete_ai_prompt",
        lambda db: C.ai_prompt.delete_ai_prompt(db, uid("prompt", 1)),
        lambda db: crud.ai_prompt.remove(db, id=uid("prompt", 1)),
        False,
    ),
    (
        "ai_prompt",
        "get_active_ai_prompts",
        lambda db: C.ai_prompt.get_active_ai_prompts(db),
        lambda db: crud.ai_prompt.get_active(db),
        False,
    ),
    (
        "ai_prompt",
        "reset_ai_prompts_to_defaults",
        lambda db: C.ai_prompt.reset_ai_prompts_to_defaults(db),
        lambda db: crud.ai_prompt.reset_to_defaults(db),
        True,
    ),
    (
        "global_tag",
        "get_tag_library",
        lambda db: C.global_tag.get_tag_library(db),
        lambda db: crud.global_tag.list_library(db),
        False,
    ),
    (
        "location",
        "delete",
        lambda db: C.location.delete(db, id=uid("loc", 1)),
        lambda db: _removed(crud.location.remove(db, id=uid("loc", 1))),
        False,
    ),
    (
        "person",
        "delete",
        lambda db: C.person.delete(db, id=uid("person", 1)),
        lambda db: crud.person.remove(db, id=uid("person", 1)),
        False,
    ),
    (
        "person",
        "get_people",
        lambda db: C.person.get_people(db, skip=1, limit=2),
        lambda db: crud.person.get_all(db, skip=1, limit=2),
        False,
    ),
    (
        "setting",
        "get_setting_value",
        lambda db: C.setting.get_setting_value(db, "theme", "light"),
        lambda db: crud.setting.get_value(db, key="theme", default="light"),
        False,
    ),
]


def _version() -> dict[str, Any]:
    return {
        "media_asset_id": ASSET1,
        "tier": "gold",
        "file_path": "media/n.jpg",
        "file_hash": "n",
        "file_size": 1,
        "mime_type": "image/jpeg",
    }


def _event() -> dict[str, Any]:
    return {"name": "Day", "type": "custom", "date": "2026-12-25T00:00:00Z"}


def _prompt() -> dict[str, Any]:
    return {
        "name": "P",
        "category": "naming",
        "provider": "both",
        "system_prompt": "s",
        "user_prompt": "u",
    }


async def _removed(row: Awaitable[Any]) -> bool:
    return await row is not None


def _compat_repositories() -> list[str]:
    return sorted(n for n in crud.compat.__all__ if n[0].islower())


def test_every_compat_name_has_a_case() -> None:
    listed = sorted((repo, name) for repo, name, *_ in CASES)
    names = [
        (repo, name)
        for repo in _compat_repositories()
        for name in _public_methods(getattr(C, repo))
    ]
    assert listed == sorted(names)


class _Undo(Exception):
    """Raised to roll a case's writes back, so that every case starts from the library."""


_GENERATED = {"id", "created_at", "updated_at", "timestamp", "added_at"}


def _comparable(value: Any, afresh: bool) -> Any:
    plain = msgspec.to_builtins(value)
    return _without_generated(plain) if afresh else plain


def _without_generated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_generated(v) for k, v in value.items() if k not in _GENERATED}
    if isinstance(value, list):
        return [_without_generated(v) for v in value]
    return value


async def _outcome(db: Any, call: Call, afresh: bool) -> Any:
    """What ``call`` answers on ``db`` (its writes rolled back), or the error it raises."""
    answer: Any = None
    try:
        async with db.transaction() as tx:
            try:
                answer = ("ok", _comparable(await call(tx), afresh))
            except ValidationError as exc:
                answer = ("error", str(exc), exc.field)
            raise _Undo
    except _Undo:
        pass
    return answer


async def test_every_compat_name_answers_as_its_canonical_call(
    db: Any, fixed_clock: FixedClock
) -> None:
    await load_library(db)
    before = await _digest(db)
    for repo, name, old, canonical, afresh in CASES:
        got = await _outcome(db, old, afresh)
        want = await _outcome(db, canonical, afresh)
        assert got == want, (repo, name)
        assert got[0] == "ok" and got[1] not in (None, [], 0), (repo, name, got)
    assert await _digest(db) == before


async def _digest(db: Any) -> list[Any]:
    return [
        _comparable(await repo.get_multi(db, limit=1000), False)
        for repo in (getattr(crud, name) for name in REPOSITORIES)
    ]


async def test_a_renamed_argument_is_named_as_the_caller_passed_it(db: Any) -> None:
    for call, field in [
        (lambda: C.file_version.get_all_file_versions(db, offset=-1), "offset"),
        (lambda: C.file_version.search_photos(db, offset="1"), "offset"),
        (lambda: C.file_version.search(db, None, offset=1.5), "offset"),
        (
            lambda: C.file_version.get_photos_count(db, tier="gold", show_superseded=1),
            "show_superseded",
        ),
        (lambda: crud.file_version.search(db, skip=1.5), "skip"),
        (lambda: crud.file_version.search_photos(db, skip=-1), "skip"),
    ]:
        with pytest.raises(ValidationError) as raised:
            await call()
        assert raised.value.field == field
        assert str(raised.value).startswith(f"{field} must be")
