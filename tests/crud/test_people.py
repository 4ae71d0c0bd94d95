"""People, faces, relationships and users: every repository method on both dialects."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.people import escape_like
from pictallion_sql.errors import (
    DuplicateKeyError,
    ForeignKeyError,
    ValidationError,
)
from pictallion_sql.models import (
    ROW_TYPES,
    InsertFace,
    InsertPerson,
    MediaAsset,
    Person,
    UpdatePerson,
)
from pictallion_sql.query.dynamic import insert_query
from pictallion_sql.query.registry import make_query
from pictallion_sql.records.composites.people import PersonWithCounts
from pictallion_sql.records.composites.photos import FileVersionWithAsset
from tests.conftest import both, statement
from tests.library import FILE_VERSIONS, MEDIA_ASSETS, PEOPLE, T0, at, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

P1, P2, P3, P4 = (uid("person", n) for n in range(1, 5))
F1, F2, F3, F4, F5, F6 = (uid("face", n) for n in range(1, 7))
MISSING = "99999999-0000-4000-8000-000000000000"


# ------------------------------------------------------------------------------------------
# A small world for the tests that write: one asset, two photos, three people, four faces.
# ------------------------------------------------------------------------------------------


@dataclass
class World:
    asset: str
    photo1: str
    photo2: str
    alice: Person
    bob: Person
    carol: Person
    faces: list[str]  # alice on photo1, alice on photo2, bob on photo1, nobody on photo2


async def insert(db: Any, table: str, **values: Any) -> Any:
    """Insert a row with explicit columns (ids, timestamps) the insert structs do not take."""
    return await db.run(insert_query(table, ROW_TYPES[table], tuple(values)), **values)


def new_id() -> str:
    return str(uuid.uuid4())


async def make_world(db: Any) -> World:
    """Rows with explicit, increasing created_at, so orders do not depend on clock ticks."""
    asset = await insert(db, "media_assets", id=new_id(), original_filename="a.jpg", created_at=T0)
    photos = []
    for n in (1, 2):
        fv = await insert(
            db,
            "file_versions",
            id=new_id(),
            media_asset_id=asset.id,
            tier="silver",
            file_path=f"media/silver/p{n}.jpg",
            file_hash=f"h{n}",
            file_size=10,
            mime_type="image/jpeg",
            created_at=at(n),
        )
        photos.append(fv.id)
    people = [
        await insert(db, "people", id=new_id(), name=name, created_at=at(10 + n))
        for n, name in enumerate(("Alice", "Bob", "Carol"))
    ]
    alice, bob, carol = people
    faces = []
    for n, (photo, who) in enumerate(((0, alice.id), (1, alice.id), (0, bob.id), (1, None))):
        created = await insert(
            db,
            "faces",
            id=new_id(),
            photo_id=photos[photo],
            person_id=who,
            bounding_box=[1, 2, 3, 4],
            confidence=80,
            created_at=at(20 + n),
        )
        faces.append(created.id)
    return World(asset.id, photos[0], photos[1], alice, bob, carol, faces)


async def person_ids_of(db: Any, face_ids: list[str]) -> list[str | None]:
    return [(await crud.face.get(db, id=f)).person_id for f in face_ids]  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------
# users (#1-#3)
# ------------------------------------------------------------------------------------------


async def test_user_create_get_and_by_username(db: Any) -> None:
    created = await crud.user.create(db, obj_in={"username": "Élodie", "password": "pw"})
    assert (created.username, created.password) == ("Élodie", "pw")
    assert await crud.user.get(db, id=created.id) == created
    assert await crud.user.get_by_username(db, username="Élodie") == created
    assert await crud.user.get_by_username(db, username="élodie") is None
    assert await crud.user.get(db, id=MISSING) is None


async def test_user_duplicate_username_is_refused(db: Any) -> None:
    await crud.user.create(db, obj_in={"username": "admin", "password": "a"})
    with pytest.raises(DuplicateKeyError) as info:
        await crud.user.create(db, obj_in={"username": "admin", "password": "b"})
    assert info.value.table == "users"
    assert info.value.column == "username"
    assert await crud.user.count(db) == 1
    assert (await crud.user.get_by_username(db, username="admin")).password == "a"  # type: ignore[union-attr]


async def test_user_validation(db: Any) -> None:
    with pytest.raises(ValidationError) as info:
        await crud.user.get_by_username(db, username=3)  # type: ignore[arg-type]
    assert info.value.field == "username"
    with pytest.raises(ValidationError) as info:
        await crud.user.create(db, obj_in={"username": "x"})
    assert info.value.field == "password"


# ------------------------------------------------------------------------------------------
# people: create, update, lists, by name
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("1990-07-02T00:00:00", datetime(1990, 7, 2)),
        ("1990-07-02T10:30:00Z", datetime(1990, 7, 2, 10, 30)),
        ("1990-07-02T10:30:00+02:00", datetime(1990, 7, 2, 8, 30)),
        ("1990-07-02", datetime(1990, 7, 2)),
    ],
)
@pytest.mark.slow
async def test_person_create_converts_a_birthdate_string(
    db: Any, given: str, stored: datetime
) -> None:
    created = await crud.person.create(db, obj_in={"name": "X", "birthdate": given})
    assert created.birthdate == stored
    assert (await crud.person.get(db, id=created.id)).birthdate == stored  # type: ignore[union-attr]
    assert created.face_count == 0  # the column default
    assert created.selected_thumbnail_face_id is None


async def test_person_create_from_struct_and_validation(db: Any) -> None:
    created = await crud.person.create(
        db, obj_in=InsertPerson(name="Y", birthdate=datetime(2001, 1, 1), notes=None)
    )
    assert (created.name, created.birthdate, created.notes) == ("Y", datetime(2001, 1, 1), None)
    with pytest.raises(ValidationError) as info:
        await crud.person.create(db, obj_in={"notes": "no name"})
    assert info.value.field == "name"
    with pytest.raises(ValidationError) as info:
        await crud.person.create(db, obj_in={"name": "Z", "birthdate": "2nd of July"})
    assert info.value.field == "birthdate"
    with pytest.raises(ValidationError):
        InsertPerson(name="Z", birthdate="1990-07-02")  # type: ignore[arg-type]
    assert await crud.person.count(db) == 1


async def test_person_update_raises_instead_of_swallowing(db: Any) -> None:
    created = await crud.person.create(db, obj_in={"name": "A", "notes": "n"})
    updated = await crud.person.update(
        db, db_obj=created.id, obj_in={"birthdate": "2000-02-29", "notes": None}
    )
    assert updated is not None
    assert (updated.name, updated.birthdate, updated.notes) == ("A", datetime(2000, 2, 29), None)
    again = await crud.person.update(db, db_obj=updated, obj_in=UpdatePerson(name="B"))
    assert again is not None and again.name == "B" and again.birthdate == datetime(2000, 2, 29)
    assert await crud.person.update(db, db_obj=MISSING, obj_in={"name": "C"}) is None
    with pytest.raises(ValidationError) as info:
        await crud.person.update(db, db_obj=created.id, obj_in={"name": None})
    assert info.value.field == "name"
    with pytest.raises(ValidationError):
        await crud.person.update(db, db_obj=created.id, obj_in={})
    with pytest.raises(ValidationError) as info:
        await crud.person.update(db, db_obj=created.id, obj_in={"isFavorite": True})
    assert await crud.person.get(db, id=created.id) == again


async def test_person_lists_and_get_by_name(db: Any) -> None:
    first = await insert(db, "people", id=new_id(), name="Twin", created_at=at(1))
    second = await insert(db, "people", id=new_id(), name="Twin", created_at=at(2))
    other = await insert(db, "people", id=new_id(), name="twin", created_at=at(3))
    everyone = await crud.person.get_all(db)
    assert [p.id for p in everyone] == [other.id, second.id, first.id]
    assert await crud.compat.person.get_people(db, skip=1, limit=1) == [everyone[1]]
    assert await crud.compat.person.get_people(db) == everyone
    assert await crud.person.get_by_name(db, name="Twin") == first
    assert await crud.person.get_by_name(db, name="twin") == other
    assert await crud.person.get_by_name(db, name="TWIN") is None
    with pytest.raises(ValidationError) as info:
        await crud.compat.person.get_people(db, limit=-1)
    assert info.value.field == "limit"


async def test_people_list_on_an_empty_database_is_empty(db: Any) -> None:
    assert await crud.person.get_all(db) == []
    assert await crud.person.get_people_with_counts(db) == []
    assert await crud.person.search_by_name(db, name_query="a") == []


# ------------------------------------------------------------------------------------------
# people: search_by_name
# ------------------------------------------------------------------------------------------


def test_escape_like() -> None:
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"
    assert escape_like("plain") == "plain"


async def test_search_by_name_folds_case_and_escapes(db: Any) -> None:
    names = ["Élodie", "ÉLODIE B", "elodie", "50%", "500", "a_b", "axb", "c\\d", "cd", "Ærø"]
    made = {n: (await crud.person.create(db, obj_in={"name": n})).id for n in names}

    async def found(query: str, limit: int = 10) -> list[str]:
        return [p.name for p in await crud.person.search_by_name(db, name_query=query, limit=limit)]

    # Byte order: ASCII capitals, then lower case, then the two-byte letters.
    assert await found("élodie") == ["ÉLODIE B", "Élodie"]
    assert await found("ÉLO") == ["ÉLODIE B", "Élodie"]
    assert await found("lodie") == ["elodie", "ÉLODIE B", "Élodie"]
    assert await found("%") == ["50%"]
    assert await found("0%") == ["50%"]
    assert await found("_") == ["a_b"]
    assert await found("a_b") == ["a_b"]
    assert await found("\\") == ["c\\d"]
    assert await found("c\\d") == ["c\\d"]
    assert await found("ærø") == ["Ærø"]
    assert await found("zzz") == []
    assert await found("lodie", limit=1) == ["elodie"]
    assert await found("lodie", limit=0) == []
    assert len(await found("")) == 10
    assert len(await crud.person.search_by_name(db, name_query="")) == 10  # default limit
    assert made
    with pytest.raises(ValidationError) as info:
        await crud.person.search_by_name(db, name_query=None)  # type: ignore[arg-type]
    assert info.value.field == "name_query"
    with pytest.raises(ValidationError) as info:
        await crud.person.search_by_name(db, name_query="a", limit=-5)
    assert info.value.field == "limit"


# ------------------------------------------------------------------------------------------
# people: thumbnail, face count, representative face
# ------------------------------------------------------------------------------------------


async def test_set_thumbnail_accepts_only_the_persons_faces(db: Any) -> None:
    w = await make_world(db)
    alice_face, bob_face, nobodys_face = w.faces[1], w.faces[2], w.faces[3]
    updated = await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=alice_face)
    assert updated is not None and updated.selected_thumbnail_face_id == alice_face
    for wrong in (bob_face, nobodys_face, MISSING):
        with pytest.raises(ValidationError) as info:
            await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=wrong)
        assert info.value.field == "face_id"
    alice = await crud.person.get(db, id=w.alice.id)
    assert alice is not None and alice.selected_thumbnail_face_id == alice_face
    assert await crud.person.set_thumbnail(db, person_id=MISSING, face_id=alice_face) is None
    cleared = await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=None)
    assert cleared is not None and cleared.selected_thumbnail_face_id is None
    with pytest.raises(ValidationError) as info:
        await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=5)  # type: ignore[arg-type]
    assert info.value.field == "face_id"


async def test_set_thumbnail_inside_a_transaction(db: Any) -> None:
    w = await make_world(db)
    async with db.transaction() as conn:
        updated = await crud.person.set_thumbnail(conn, person_id=w.bob.id, face_id=w.faces[2])
        assert updated is not None
        with pytest.raises(ValidationError):
            await crud.person.set_thumbnail(conn, person_id=w.bob.id, face_id=w.faces[0])
    bob = await crud.person.get(db, id=w.bob.id)
    assert bob is not None and bob.selected_thumbnail_face_id == w.faces[2]


async def test_update_face_count_and_representative_face(db: Any) -> None:
    created = await crud.person.create(db, obj_in={"name": "A", "face_count": None})
    assert created.face_count is None
    counted = await crud.person.update_face_count(db, person_id=created.id, face_count=7)
    assert counted is not None and counted.face_count == 7
    assert await crud.person.update_face_count(db, person_id=MISSING, face_count=1) is None
    for bad in (-1, 2**31, 1.5, True):
        with pytest.raises(ValidationError) as info:
            await crud.person.update_face_count(db, person_id=created.id, face_count=bad)  # type: ignore[arg-type]
        assert info.value.field == "face_count"
    path = "media/gold/2026-07/face.jpg"
    rep = await crud.person.update_representative_face(db, person_id=created.id, file_path=path)
    assert rep is not None and rep.representative_face == path and rep.face_count == 7
    rep = await crud.person.update_representative_face(db, person_id=created.id, file_path=None)
    assert rep is not None and rep.representative_face is None
    assert (
        await crud.person.update_representative_face(db, person_id=MISSING, file_path=path) is None
    )
    with pytest.raises(ValidationError) as info:
        await crud.person.update_representative_face(db, person_id=created.id, file_path=3)  # type: ignore[arg-type]
    assert info.value.field == "file_path"


# ------------------------------------------------------------------------------------------
# people: delete (#33), one transaction
# ------------------------------------------------------------------------------------------


async def _link_everything(db: Any, w: World) -> tuple[str, str, list[str]]:
    birthday = await crud.event.create(
        db,
        obj_in={
            "name": "Alice's birthday",
            "type": "birthday",
            "date": datetime(1990, 1, 1),
            "person_id": w.alice.id,
        },
    )
    other_event = await crud.event.create(
        db,
        obj_in={
            "name": "Bob day",
            "type": "custom",
            "date": datetime(2000, 1, 1),
            "person_id": w.bob.id,
        },
    )
    rels = []
    for a, b in ((w.alice, w.bob), (w.carol, w.alice), (w.bob, w.carol)):
        rel = await crud.relationship.create(
            db, obj_in={"person1_id": a.id, "person2_id": b.id, "relationship_type": "friend"}
        )
        rels.append(rel.id)
    await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=w.faces[0])
    return birthday.id, other_event.id, rels


async def test_delete_person_unassigns_faces_detaches_events_and_drops_relationships(
    db: Any,
) -> None:
    w = await make_world(db)
    birthday, other_event, rels = await _link_everything(db, w)

    deleted = await crud.compat.person.delete(db, id=w.alice.id)

    assert deleted is not None and deleted.id == w.alice.id and deleted.name == "Alice"
    assert await crud.person.get(db, id=w.alice.id) is None
    assert await person_ids_of(db, w.faces) == [None, None, w.bob.id, None]
    assert await crud.face.count(db) == 4
    assert (await crud.event.get(db, id=birthday)).person_id is None  # type: ignore[union-attr]
    assert (await crud.event.get(db, id=other_event)).person_id == w.bob.id  # type: ignore[union-attr]
    assert [await crud.relationship.exists(db, id=r) for r in rels] == [False, False, True]
    assert await crud.person.count(db) == 2
    assert await crud.compat.person.delete(db, id=w.alice.id) is None


async def test_remove_person_is_the_same_whole_delete(db: Any) -> None:
    w = await make_world(db)
    await _link_everything(db, w)
    bob = await crud.person.get(db, id=w.bob.id)
    removed = await crud.person.remove(db, id=w.bob.id)
    assert removed == bob
    assert removed is not None
    assert (removed.id, removed.name, removed.created_at) == (w.bob.id, "Bob", at(11))
    assert await person_ids_of(db, w.faces) == [w.alice.id, w.alice.id, None, None]
    assert await crud.relationship.count(db) == 1  # only carol-alice is left


async def test_delete_person_failure_changes_nothing(db: Any) -> None:
    # A reference the delete does not clear (a table the application does not know about)
    # makes the final DELETE fail after the faces, events and relationships were touched.
    await db.run(
        make_query(
            "test.create_notes",
            "none",
            None,
            "CREATE TABLE person_notes (id varchar PRIMARY KEY, "
            "person_id varchar REFERENCES people (id))",
        )
    )
    w = await make_world(db)
    birthday, _, rels = await _link_everything(db, w)
    await db.run(
        statement(
            "test.insert_note", "INSERT INTO person_notes (id, person_id) VALUES (:id, :person_id)"
        ),
        id="n1",
        person_id=w.alice.id,
    )
    before_faces = await crud.face.get_all(db)

    with pytest.raises(ForeignKeyError):
        await crud.compat.person.delete(db, id=w.alice.id)

    alice = await crud.person.get(db, id=w.alice.id)
    assert alice is not None and alice.selected_thumbnail_face_id == w.faces[0]
    assert await crud.face.get_all(db) == before_faces
    assert await person_ids_of(db, w.faces) == [w.alice.id, w.alice.id, w.bob.id, None]
    assert (await crud.event.get(db, id=birthday)).person_id == w.alice.id  # type: ignore[union-attr]
    assert [await crud.relationship.exists(db, id=r) for r in rels] == [True, True, True]


async def test_delete_person_inside_an_outer_transaction_rolls_back_with_it(db: Any) -> None:
    w = await make_world(db)
    await _link_everything(db, w)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await crud.compat.person.delete(conn, id=w.alice.id) is not None
            assert await crud.person.get(conn, id=w.alice.id) is None
            raise RuntimeError("abort")
    assert await crud.person.get(db, id=w.alice.id) is not None
    assert await crud.relationship.count(db) == 3
    assert await person_ids_of(db, w.faces) == [w.alice.id, w.alice.id, w.bob.id, None]


# ------------------------------------------------------------------------------------------
# people: photos (#51) and people with counts (2.6)
# ------------------------------------------------------------------------------------------


async def test_person_photos_are_distinct_and_include_ignored_faces(db: Any) -> None:
    w = await make_world(db)
    # A second face of alice on photo1, ignored: photo1 must still appear once.
    extra = await insert(
        db,
        "faces",
        id=new_id(),
        photo_id=w.photo1,
        person_id=w.alice.id,
        bounding_box=[0, 0, 1, 1],
        confidence=10,
        ignored=True,
        created_at=at(30),
    )
    photos = await crud.person.get_photos(db, person_id=w.alice.id)
    fv1 = await crud.file_version.get(db, id=w.photo1)
    fv2 = await crud.file_version.get(db, id=w.photo2)
    asset = await crud.media_asset.get(db, id=w.asset)
    assert fv1 is not None and fv2 is not None and asset is not None
    # Newest version first; photo2 was created after photo1.
    assert [p.id for p in photos] == [w.photo2, w.photo1]
    assert photos[1] == FileVersionWithAsset(
        *(getattr(fv1, f) for f in fv1.__struct_fields__), asset
    )
    assert isinstance(photos[0].media_asset, MediaAsset)
    assert photos[0].media_asset == asset
    # Bob's only face ignored: the photo is still his.
    await crud.face.ignore(db, id=w.faces[2])
    assert [p.id for p in await crud.person.get_photos(db, person_id=w.bob.id)] == [w.photo1]
    assert await crud.person.get_photos(db, person_id=w.carol.id) == []
    assert await crud.person.get_photos(db, person_id=MISSING) == []
    assert extra.ignored is True


async def test_people_with_counts_and_cover(db: Any) -> None:
    w = await make_world(db)
    rows = {r.id: r for r in await crud.person.get_people_with_counts(db)}
    assert set(rows) == {w.alice.id, w.bob.id, w.carol.id}
    alice = rows[w.alice.id]
    # No thumbnail selected: the first (oldest) face.
    assert (alice.face_count, alice.photo_count) == (2, 2)
    assert (alice.cover_face_id, alice.cover_photo_path) == (w.faces[0], "media/silver/p1.jpg")
    assert (rows[w.bob.id].face_count, rows[w.bob.id].photo_count) == (1, 1)
    carol = rows[w.carol.id]
    assert (carol.face_count, carol.photo_count, carol.cover_face_id, carol.cover_photo_path) == (
        0,
        0,
        None,
        None,
    )
    assert carol.name == "Carol" and carol.created_at == w.carol.created_at

    # A selected thumbnail that belongs to the person is the cover.
    await crud.person.set_thumbnail(db, person_id=w.alice.id, face_id=w.faces[1])
    alice = next(r for r in await crud.person.get_people_with_counts(db) if r.id == w.alice.id)
    assert (alice.cover_face_id, alice.cover_photo_path) == (w.faces[1], "media/silver/p2.jpg")
    assert alice.selected_thumbnail_face_id == w.faces[1]

    # A stale selection (the face moved to bob) falls back to the first face.
    await crud.face.assign_to_person(db, face_id=w.faces[1], person_id=w.bob.id)
    rows = {r.id: r for r in await crud.person.get_people_with_counts(db)}
    assert (rows[w.alice.id].face_count, rows[w.alice.id].photo_count) == (1, 1)
    assert rows[w.alice.id].cover_face_id == w.faces[0]
    assert (rows[w.bob.id].face_count, rows[w.bob.id].photo_count) == (2, 2)

    # The first face prefers a face that is not ignored.
    await crud.face.ignore(db, id=w.faces[2])
    rows = {r.id: r for r in await crud.person.get_people_with_counts(db)}
    assert rows[w.bob.id].cover_face_id == w.faces[1]
    assert rows[w.bob.id].face_count == 2  # ignored faces still count
    # Counted live, not from the stored column.
    stored = await crud.person.get(db, id=w.bob.id)
    assert stored is not None and stored.face_count == 0


# ------------------------------------------------------------------------------------------
# faces
# ------------------------------------------------------------------------------------------


async def test_face_create_defaults_and_failures(db: Any) -> None:
    w = await make_world(db)
    created = await crud.face.create(
        db,
        obj_in=InsertFace(
            photo_id=w.photo1, bounding_box=[1.5, 2, 3, 4], confidence=100, embedding=[0.25, -1.0]
        ),
    )
    assert (created.person_id, created.ignored, created.bounding_box, created.embedding) == (
        None,
        False,
        [1.5, 2.0, 3.0, 4.0],
        [0.25, -1.0],
    )
    with pytest.raises(ForeignKeyError) as info:
        await crud.face.create(
            db, obj_in={"photo_id": MISSING, "bounding_box": [1, 2, 3, 4], "confidence": 1}
        )
    assert (info.value.table, info.value.column) == ("faces", "photo_id")
    with pytest.raises(ForeignKeyError) as info:
        await crud.face.create(
            db,
            obj_in={
                "photo_id": w.photo1,
                "person_id": MISSING,
                "bounding_box": [1, 2, 3, 4],
                "confidence": 1,
            },
        )
    assert (info.value.table, info.value.column) == ("faces", "person_id")
    with pytest.raises(ValidationError) as info:
        await crud.face.create(
            db, obj_in={"photo_id": w.photo1, "bounding_box": [1, 2, 3, 4], "confidence": 101}
        )
    assert info.value.field == "confidence"
    with pytest.raises(ValidationError) as info:
        await crud.face.create(
            db,
            obj_in={
                "photo_id": w.photo1,
                "bounding_box": [1, 2, 3, 4],
                "confidence": 5,
                "ignored": None,
            },
        )
    assert info.value.field == "ignored"
    assert await crud.face.count(db) == 5


async def test_face_lists(db: Any) -> None:
    w = await make_world(db)
    await crud.face.ignore(db, id=w.faces[0])
    assert [f.id for f in await crud.face.get_all(db)] == w.faces
    assert [f.id for f in await crud.face.get_by_person(db, person_id=w.alice.id)] == w.faces[:2]
    assert await crud.face.get_by_person(db, person_id=w.carol.id) == []
    assert [f.id for f in await crud.face.get_by_photo(db, photo_id=w.photo1)] == [
        w.faces[0],
        w.faces[2],
    ]
    assert [f.id for f in await crud.face.get_ignored(db)] == [w.faces[0]]
    assert [f.id for f in await crud.face.get_unassigned(db)] == [w.faces[3]]
    unassigned = [
        (
            await insert(
                db,
                "faces",
                id=new_id(),
                photo_id=w.photo2,
                bounding_box=[n, 0, 1, 1],
                confidence=n,
                created_at=at(40 + n),
            )
        ).id
        for n in range(3)
    ]
    assert [f.id for f in await crud.face.get_unassigned(db, limit=2)] == [
        w.faces[3],
        unassigned[0],
    ]
    assert [f.id for f in await crud.face.get_unassigned(db, limit=None)] == [
        w.faces[3],
        *unassigned,
    ]
    assert await crud.face.get_unassigned(db, limit=0) == []
    with pytest.raises(ValidationError) as info:
        await crud.face.get_unassigned(db, limit=-1)
    assert info.value.field == "limit"
    got = await crud.face.get_many(db, ids=[w.faces[3], MISSING, w.faces[0]])
    assert [f.id for f in got] == [w.faces[0], w.faces[3]]
    assert await crud.face.get_many(db, ids=[]) == []
    with pytest.raises(ValidationError):
        await crud.face.get_many(db, ids="abc")
    for wrong in ("person_id", "photo_id"):
        with pytest.raises(ValidationError) as info:
            method = crud.face.get_by_person if wrong == "person_id" else crud.face.get_by_photo
            await method(db, **{wrong: None})
        assert info.value.field == wrong


async def test_assign_face_to_person(db: Any) -> None:
    w = await make_world(db)
    nobodys = w.faces[3]
    assert await crud.face.assign_to_person(db, face_id=nobodys, person_id=w.carol.id) is True
    assert await person_ids_of(db, [nobodys]) == [w.carol.id]
    assert await crud.face.assign_to_person(db, face_id=MISSING, person_id=w.carol.id) is False
    with pytest.raises(ForeignKeyError) as info:
        await crud.face.assign_to_person(db, face_id=nobodys, person_id=MISSING)
    assert (info.value.table, info.value.column) == ("faces", "person_id")
    assert await person_ids_of(db, [nobodys]) == [w.carol.id]
    assert await crud.face.assign_to_person(db, face_id=nobodys, person_id=None) is True
    assert await person_ids_of(db, [nobodys]) == [None]
    with pytest.raises(ValidationError) as info:
        await crud.face.assign_to_person(db, face_id=nobodys, person_id=1)  # type: ignore[arg-type]
    assert info.value.field == "person_id"


async def test_assign_many_is_atomic(db: Any) -> None:
    w = await make_world(db)
    n = await crud.face.assign_many(
        db,
        assignments=[
            (w.faces[3], w.carol.id),
            (w.faces[2], w.alice.id),
            (MISSING, w.carol.id),
            (w.faces[2], w.carol.id),  # the last pair for a face wins
        ],
    )
    assert n == 2
    assert await person_ids_of(db, w.faces) == [w.alice.id, w.alice.id, w.carol.id, w.carol.id]
    before = await crud.face.get_all(db)
    with pytest.raises(ForeignKeyError) as info:
        await crud.face.assign_many(
            db, assignments=[(w.faces[0], None), (w.faces[1], w.bob.id), (w.faces[2], MISSING)]
        )
    assert info.value.table == "faces"
    assert await crud.face.get_all(db) == before
    assert await crud.face.assign_many(db, assignments=[]) == 0
    for bad in ([("only one",)], [(w.faces[0], 5)], "xy", [[None, w.bob.id]]):
        with pytest.raises(ValidationError):
            await crud.face.assign_many(db, assignments=bad)  # type: ignore[arg-type]
    assert await crud.face.get_all(db) == before


async def test_ignore_and_unignore(db: Any) -> None:
    w = await make_world(db)
    assert await crud.face.ignore(db, id=w.faces[0]) is True
    assert await crud.face.ignore(db, id=w.faces[0]) is True
    assert await crud.face.ignore(db, id=MISSING) is False
    assert [f.id for f in await crud.face.get_ignored(db)] == [w.faces[0]]
    assert await crud.face.unignore(db, id=w.faces[0]) is True
    assert await crud.face.unignore(db, id=MISSING) is False
    assert await crud.face.get_ignored(db) == []
    assert await crud.face.ignore_many(db, ids=[w.faces[1], w.faces[3], MISSING]) == 2
    assert [f.id for f in await crud.face.get_ignored(db)] == [w.faces[1], w.faces[3]]
    assert await crud.face.get_unassigned(db) == []
    assert await crud.face.unignore_many(db, ids=[w.faces[3]]) == 1
    assert [f.id for f in await crud.face.get_ignored(db)] == [w.faces[1]]
    assert await crud.face.ignore_many(db, ids=[]) == 0
    assert await crud.face.unignore_many(db, ids=list(w.faces)) == 4
    assert await crud.face.get_ignored(db) == []
    with pytest.raises(ValidationError) as info:
        await crud.face.ignore_many(db, ids=[w.faces[0], 3])  # type: ignore[list-item]
    assert info.value.field == "ids"
    assert await crud.face.get_ignored(db) == []
    with pytest.raises(ValidationError) as info:
        await crud.face.ignore(db, id=None)  # type: ignore[arg-type]
    assert info.value.field == "id"


async def test_face_update_and_remove(db: Any) -> None:
    w = await make_world(db)
    updated = await crud.face.update(
        db,
        db_obj=w.faces[0],
        obj_in={"bounding_box": [9, 9, 9, 9], "confidence": 42, "embedding": [1.0]},
    )
    assert updated is not None
    assert (updated.bounding_box, updated.confidence, updated.embedding, updated.person_id) == (
        [9.0, 9.0, 9.0, 9.0],
        42,
        [1.0],
        w.alice.id,
    )
    assert await crud.face.update(db, db_obj=MISSING, obj_in={"confidence": 1}) is None
    removed = await crud.face.remove(db, id=w.faces[3])
    assert removed is not None
    assert (
        removed.id,
        removed.photo_id,
        removed.person_id,
        removed.bounding_box,
        removed.confidence,
        removed.created_at,
    ) == (w.faces[3], w.photo2, None, [1.0, 2.0, 3.0, 4.0], 80, at(23))
    assert await crud.face.remove(db, id=w.faces[3]) is None
    assert [f.id for f in await crud.face.get_all(db)] == w.faces[:3]


async def test_face_create_many(db: Any) -> None:
    w = await make_world(db)
    objs: list[Any] = [
        {
            "photo_id": w.photo2,
            "bounding_box": [n, n, 10, 10],
            "confidence": n,
            "embedding": [n / 4, 0.5],
        }
        for n in range(30)
    ]
    objs[3] = InsertFace(
        photo_id=w.photo1,
        person_id=w.bob.id,
        bounding_box=[1, 1, 1, 1],
        confidence=99,
        ignored=True,
    )
    objs[7] = {
        "photo_id": w.photo1,
        "bounding_box": [7, 7, 7, 7],
        "confidence": 7,
        "embedding": None,
        "person_id": None,
    }
    created = await crud.face.create_many(db, objs=objs)
    assert len(created) == 30
    assert [f.confidence for f in created] == [99 if n == 3 else n for n in range(30)]
    assert len({f.id for f in created}) == 30
    assert (
        created[0].embedding == [0.0, 0.5] and created[29].bounding_box == [29.0] * 2 + [10.0] * 2
    )
    assert (created[3].person_id, created[3].ignored, created[3].embedding) == (
        w.bob.id,
        True,
        None,
    )
    assert (created[7].person_id, created[7].ignored, created[7].embedding) == (None, False, None)
    for face in created:
        assert await crud.face.get(db, id=face.id) == face
    assert await crud.face.count(db) == 34
    assert await crud.face.create_many(db, objs=[]) == []


async def test_face_create_many_inserts_nothing_on_failure(db: Any) -> None:
    w = await make_world(db)
    good = {"photo_id": w.photo1, "bounding_box": [1, 2, 3, 4], "confidence": 5}
    with pytest.raises(ForeignKeyError) as info:
        await crud.face.create_many(db, objs=[good, good, {**good, "person_id": MISSING}, good])
    assert info.value.table == "faces"
    with pytest.raises(ForeignKeyError):
        await crud.face.create_many(db, objs=[good, {**good, "photo_id": MISSING}])
    with pytest.raises(ValidationError) as vinfo:
        await crud.face.create_many(db, objs=[good, {**good, "confidence": -1}])
    assert vinfo.value.field == "confidence"
    assert await crud.face.count(db) == 4


# ------------------------------------------------------------------------------------------
# relationships (#63-#66)
# ------------------------------------------------------------------------------------------


async def test_relationship_crud(db: Any) -> None:
    w = await make_world(db)
    rel = await crud.relationship.create(
        db,
        obj_in={"person1_id": w.alice.id, "person2_id": w.bob.id, "relationship_type": "sibling"},
    )
    assert (rel.relationship_type, rel.notes) == ("sibling", None)
    updated = await crud.relationship.update(
        db, db_obj=rel.id, obj_in={"relationship_type": "spouse", "notes": "since 2010"}
    )
    assert updated is not None and (updated.relationship_type, updated.notes) == (
        "spouse",
        "since 2010",
    )
    assert updated.created_at == rel.created_at
    assert await crud.relationship.update(db, db_obj=MISSING, obj_in={"notes": "x"}) is None
    with pytest.raises(ValidationError) as info:
        await crud.relationship.update(db, db_obj=rel.id, obj_in={"relationship_type": "boss"})
    assert info.value.field == "relationship_type"
    with pytest.raises(ForeignKeyError) as fk:
        await crud.relationship.create(
            db,
            obj_in={"person1_id": w.alice.id, "person2_id": MISSING, "relationship_type": "friend"},
        )
    assert (fk.value.table, fk.value.column) == ("relationships", "person2_id")
    assert await crud.relationship.count(db) == 1
    removed = await crud.relationship.remove(db, id=rel.id)
    assert removed == updated
    assert removed is not None
    assert (removed.id, removed.person1_id, removed.person2_id, removed.notes) == (
        rel.id,
        w.alice.id,
        w.bob.id,
        "since 2010",
    )
    assert await crud.relationship.remove(db, id=rel.id) is None
    assert await crud.relationship.count(db) == 0


async def test_relationships_by_person_nest_both_people(db: Any) -> None:
    w = await make_world(db)
    r1 = await insert(
        db,
        "relationships",
        id=new_id(),
        person1_id=w.alice.id,
        person2_id=w.bob.id,
        relationship_type="friend",
        created_at=at(50),
    )
    r2 = await insert(
        db,
        "relationships",
        id=new_id(),
        person1_id=w.carol.id,
        person2_id=w.alice.id,
        relationship_type="parent",
        notes="n",
        created_at=at(51),
    )
    await crud.person.update(db, db_obj=w.carol.id, obj_in={"birthdate": "1960-03-04"})
    carol = await crud.person.get(db, id=w.carol.id)
    got = await crud.relationship.get_by_person(db, person_id=w.alice.id)
    assert [r.id for r in got] == [r2.id, r1.id]
    assert (got[0].person1, got[0].person2) == (carol, w.alice)
    assert isinstance(got[0].person1, Person)
    assert got[0].person1.birthdate == datetime(1960, 3, 4)
    assert (got[1].person1, got[1].person2) == (w.alice, w.bob)
    assert (got[0].notes, got[0].relationship_type, got[0].created_at) == (
        "n",
        "parent",
        r2.created_at,
    )
    assert [r.id for r in await crud.relationship.get_by_person(db, person_id=w.bob.id)] == [r1.id]
    assert await crud.relationship.get_by_person(db, person_id=MISSING) == []


# ------------------------------------------------------------------------------------------
# The fixed library: expected answers, and equal answers on both dialects
# ------------------------------------------------------------------------------------------


def ids(rows: Any) -> list[str]:
    return [r.id for r in rows]


async def test_library_people_reads_agree(library_pair: tuple[Any, Any]) -> None:
    person = crud.person
    assert ids(await both(library_pair, person.get_all)) == [P4, P3, P2, P1]
    assert ids(await both(library_pair, crud.compat.person.get_people, skip=1, limit=2)) == [P3, P2]
    assert ids(await both(library_pair, person.get_multi)) == [P1, P2, P3, P4]
    for pid in (P1, P2, P3, MISSING):
        got = await both(library_pair, person.get, id=pid)
        assert (got is None) == (pid == MISSING)
        assert await both(library_pair, person.exists, id=pid) == (pid != MISSING)
    elodie = await both(library_pair, person.get, id=P1)
    assert elodie.birthdate == datetime(1990, 7, 2) and elodie.created_at == at(70)
    assert await both(library_pair, person.count) == len(PEOPLE)
    assert (await both(library_pair, person.get_by_name, name="Élodie Martin")).id == P1
    assert (await both(library_pair, person.get_by_name, name="100% Real_Name\\x")).id == P3
    assert await both(library_pair, person.get_by_name, name="élodie martin") is None

    searches = {
        "élodie": [P1],
        "ÉLODIE": [P1],
        "JOHN": [P2, P4],
        "o": [P2, P4, P1],  # byte order: "John Smith" < "johnny" < "Élodie Martin"
        "%": [P3],
        "_": [P3],
        "\\": [P3],
        "l_n": [P3],
        "l%n": [],
        "% r": [P3],
        "": [P3, P2, P4, P1],
        "zzz": [],
    }
    for query, expected in searches.items():
        got = await both(library_pair, person.search_by_name, name_query=query)
        assert ids(got) == expected, query
    assert ids(await both(library_pair, person.search_by_name, name_query="o", limit=2)) == [P2, P4]


async def test_library_people_composites_agree(library_pair: tuple[Any, Any]) -> None:
    photos = await both(library_pair, crud.person.get_photos, person_id=P1)
    assert ids(photos) == [uid("fv", 6), uid("fv", 2)]
    assert photos[0].media_asset.original_filename == "Élodie à la plage.png"
    assert photos[1].metadata is not None and photos[1].keywords == ["beach", "sunset"]
    assert photos[1].is_reviewed is True and photos[1].media_asset.created_at == at(0)
    # P2's only face is ignored: the photo is still listed.
    assert ids(await both(library_pair, crud.person.get_photos, person_id=P2)) == [uid("fv", 6)]
    assert await both(library_pair, crud.person.get_photos, person_id=P3) == []
    assert await both(library_pair, crud.person.get_photos, person_id=MISSING) == []

    counted = await both(library_pair, crud.person.get_people_with_counts)
    assert ids(counted) == [P4, P3, P2, P1]
    by_id = {r.id: r for r in counted}
    path6 = FILE_VERSIONS[5]["file_path"]
    assert by_id[P1] == PersonWithCounts(
        id=P1,
        name="Élodie Martin",
        notes="sister",
        birthdate=datetime(1990, 7, 2),
        face_count=3,
        representative_face=None,
        selected_thumbnail_face_id=F2,
        created_at=at(70),
        photo_count=2,
        cover_face_id=F2,
        cover_photo_path=path6,
    )
    assert (by_id[P2].face_count, by_id[P2].photo_count, by_id[P2].cover_face_id) == (1, 1, F3)
    assert by_id[P2].cover_photo_path == path6
    for empty in (P3, P4):
        row = by_id[empty]
        assert (row.face_count, row.photo_count, row.cover_face_id, row.cover_photo_path) == (
            0,
            0,
            None,
            None,
        )


async def test_library_faces_reads_agree(library_pair: tuple[Any, Any]) -> None:
    face = crud.face
    everything = await both(library_pair, face.get_all)
    assert ids(everything) == [F1, F2, F3, F4, F5, F6]
    assert everything[1].bounding_box == [1.5, 2.5, 30.0, 40.0] and everything[1].embedding is None
    assert everything[2].ignored is True and everything[0].embedding == [0.1, 0.2, 0.3]
    assert ids(await both(library_pair, face.get_multi, skip=2, limit=2)) == [F3, F4]
    assert ids(await both(library_pair, face.get_by_person, person_id=P1)) == [F1, F2, F6]
    assert ids(await both(library_pair, face.get_by_person, person_id=P2)) == [F3]
    assert await both(library_pair, face.get_by_person, person_id=P3) == []
    assert ids(await both(library_pair, face.get_by_photo, photo_id=uid("fv", 2))) == [F1, F6]
    assert ids(await both(library_pair, face.get_by_photo, photo_id=uid("fv", 3))) == [F4, F5]
    assert await both(library_pair, face.get_by_photo, photo_id=uid("fv", 1)) == []
    assert ids(await both(library_pair, face.get_unassigned)) == [F4]
    assert ids(await both(library_pair, face.get_unassigned, limit=None)) == [F4]
    assert await both(library_pair, face.get_unassigned, limit=0) == []
    assert ids(await both(library_pair, face.get_ignored)) == [F3, F5]
    assert ids(await both(library_pair, face.get_many, ids=[F6, MISSING, F2, F3])) == [F2, F3, F6]
    assert await both(library_pair, face.get_many, ids=[MISSING]) == []
    for fid in (F1, F5, MISSING):
        got = await both(library_pair, face.get, id=fid)
        assert (got is None) == (fid == MISSING)
    assert await both(library_pair, face.count) == 6


async def test_library_relationships_and_users_agree(library_pair: tuple[Any, Any]) -> None:
    rel = crud.relationship
    r1, r2, r3 = (uid("rel", n) for n in (1, 2, 3))
    p1_rels = await both(library_pair, rel.get_by_person, person_id=P1)
    assert ids(p1_rels) == [r2, r1]
    assert p1_rels[0].person1.name == "johnny" and p1_rels[0].person2.name == "Élodie Martin"
    assert p1_rels[0].person2.birthdate == datetime(1990, 7, 2)
    assert p1_rels[1].person2.face_count is None and p1_rels[1].notes is None
    assert ids(await both(library_pair, rel.get_by_person, person_id=P2)) == [r3, r1]
    assert ids(await both(library_pair, rel.get_by_person, person_id=P4)) == [r3, r2]
    assert await both(library_pair, rel.get_by_person, person_id=P3) == []
    assert ids(await both(library_pair, rel.get_multi)) == [r1, r2, r3]
    assert (await both(library_pair, rel.get, id=r2)).notes == "school"

    user = crud.user
    admin = await both(library_pair, user.get_by_username, username="admin")
    assert admin.id == uid("user", 1)
    assert (await both(library_pair, user.get_by_username, username="Élodie")).id == uid("user", 2)
    assert await both(library_pair, user.get_by_username, username="ADMIN") is None
    assert (await both(library_pair, user.get, id=uid("user", 2))).username == "Élodie"
    assert ids(await both(library_pair, user.get_multi)) == [uid("user", 1), uid("user", 2)]


def test_library_matches_the_expectations_above() -> None:
    # The expected orders above rely on these fixture facts.
    assert [p["created_at"] for p in PEOPLE] == [at(70), at(71), at(71), at(72)]
    assert MEDIA_ASSETS[3]["original_filename"] == "Élodie à la plage.png"
