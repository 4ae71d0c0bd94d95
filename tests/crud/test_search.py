"""Photo search with filters, sort and facets: both dialects against the Python reference.

Hypothesis generates small libraries (NULLs and empty values in every optional column,
timestamp ties, non-ASCII and SQL-special text, faces and collection membership) plus
filter combinations, sorts and pages; SQLite and PostgreSQL must return identical pages,
totals and facets, equal to tests/search_reference.py. Text is drawn from letters that
Python's str.lower() and PostgreSQL's lower() (C.UTF-8) fold alike: final-sigma and
dotted-I rules differ between the two and are left out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.catalog.search import PhotoFilters, PhotoSort, plan_search
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import FileVersion
from pictallion_sql.query.registry import make_query
from pictallion_sql.records.composites.photos import PhotoSearchPage
from tests.search_reference import Library
from tests.search_reference import search as reference_search

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

EPOCH = datetime(2026, 3, 1, 9, 30, 0, 250000)
TIERS = ("bronze", "silver", "gold")
MIME_TYPES = ("image/jpeg", "image/png", "video/mp4", "")
EVENT_TYPES = ("wedding", "Holiday", "birthday", "")
PEOPLE = ("person-1", "person-2", "person-3")
COLLECTIONS = ("coll-1", "coll-2")
TABLES = ("faces", "collection_photos", "collections", "people", "file_versions", "media_assets")
# Letters both foldings agree on, and the characters LIKE, quoting and escaping treat specially.
ALPHABET = "aAbBéÉßẞøØ %_'\"\\;"
INJECTIONS = ("'; DROP TABLE file_versions; --", "%", "_", "' OR '1'='1")

_DELETE = {
    t: make_query(f"test.search.delete_{t}", "none", None, f"DELETE FROM {t}") for t in TABLES
}
_COUNT = {
    t: make_query(f"test.search.count_{t}", "scalar", None, f"SELECT count(*) FROM {t}")
    for t in TABLES
}
# The columns the generated libraries set; the others keep their defaults.
_VERSION_COLUMNS = tuple(
    c
    for c in FileVersion.__struct_fields__
    if c not in ("perceptual_hash", "ai_short_description", "processing_state")
)


def _insert(table: str, columns: tuple[str, ...]) -> Any:
    names = ", ".join(columns)
    params = ", ".join(f":{c}" for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({params})"
    return make_query(f"test.search.insert_{table}", "none", None, sql)


_INSERT_ASSET = _insert("media_assets", ("id", "original_filename", "created_at"))
_INSERT_VERSION = _insert("file_versions", _VERSION_COLUMNS)
_INSERT_PERSON = _insert("people", ("id", "name"))
_INSERT_COLLECTION = _insert("collections", ("id", "name"))
_INSERT_FACE = _insert("faces", ("id", "photo_id", "person_id", "bounding_box", "confidence"))
_INSERT_MEMBER = _insert("collection_photos", ("id", "collection_id", "photo_id"))


@pytest.fixture(scope="module")
def pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The module's writable (sqlite_db, postgres_db)."""
    return writable_pair


async def load(db: Any, lib: Library) -> None:
    """Replace every row of the search's tables with ``lib``, in one transaction."""
    async with db.transaction() as tx:
        for table in TABLES:
            await tx.run(_DELETE[table])
        for asset_id, filename in lib.asset_names.items():
            await tx.run(_INSERT_ASSET, id=asset_id, original_filename=filename, created_at=EPOCH)
        for person in PEOPLE:
            await tx.run(_INSERT_PERSON, id=person, name=person)
        for collection in COLLECTIONS:
            await tx.run(_INSERT_COLLECTION, id=collection, name=collection)
        for v in lib.versions:
            await tx.run(_INSERT_VERSION, **{c: v[c] for c in _VERSION_COLUMNS})
        for n, (photo, face_person) in enumerate(lib.faces):
            await tx.run(
                _INSERT_FACE,
                id=f"face-{n}",
                photo_id=photo,
                person_id=face_person,
                bounding_box=[1, 2, 3, 4],
                confidence=90,
            )
        for n, (collection, photo) in enumerate(lib.members):
            await tx.run(_INSERT_MEMBER, id=f"member-{n}", collection_id=collection, photo_id=photo)


async def counts(db: Any) -> dict[str, int]:
    """Rows per table of the search."""
    return {t: int(await db.run(_COUNT[t])) for t in TABLES}


def summary(page: PhotoSearchPage) -> tuple[list[str], int, dict[str, dict[Any, int]]]:
    """What the reference computes: ids of the page, the total, the facets (in order)."""
    f = page.facets
    facets: dict[str, dict[Any, int]] = {
        "tiers": f.tiers,
        "ratings": f.ratings,
        "event_types": f.event_types,
        "mime_types": f.mime_types,
        "cameras": f.cameras,
        "keywords": f.keywords,
    }
    return [p.id for p in page.photos], page.total_count, facets


def ordered_items(
    s: tuple[list[str], int, dict[str, dict[Any, int]]],
) -> tuple[list[str], int, dict[str, list[tuple[Any, int]]]]:
    """``s`` with each facet as its list of items, so that the order is compared too."""
    ids, total, facets = s
    return ids, total, {k: list(v.items()) for k, v in facets.items()}


async def check_both(
    pair: tuple[Any, Any],
    lib: Library,
    filters: Any,
    sort: Any = None,
    limit: int = 50,
    offset: int = 0,
) -> list[str]:
    """Search both dialects; assert they agree with each other and with the reference."""
    plain = filters
    if isinstance(filters, PhotoFilters):
        plain = {k: v for k, v in msgspec.structs.asdict(filters).items() if v is not msgspec.UNSET}
    plain_sort = msgspec.structs.asdict(sort) if isinstance(sort, PhotoSort) else sort
    expected = ordered_items(reference_search(lib, plain, plain_sort, limit, offset))
    pages = []
    for db in pair:
        page = await crud.file_version.search(
            db, filters=filters, sort=sort, skip=offset, limit=limit
        )
        assert ordered_items(summary(page)) == expected
        pages.append(page)
    assert pages[0] == pages[1]
    return expected[0]


# ---- generated libraries ---------------------------------------------------------------

# Words that differ only in case, accents, ß, or carry SQL specials, and random text.
WORDS: tuple[str, ...] = (
    "beach",
    "Beach",
    "été",
    "Été",
    "straße",
    "STRASSE",
    "100%",
    "a_b",
    "it's",
    'say "hi"',
)
WORDS += ("back\\slash", "semi;colon", "zebra", "Zebra", "øre", "ẞ", "")
TEXT = st.one_of(st.sampled_from(WORDS), st.text(alphabet=ALPHABET, max_size=6))
NEEDLE = st.one_of(
    st.sampled_from(("bea", "BEA", "é", "É", "ß", "ẞ", "%", "_", "'", '"', "\\", ";", "z", "")),
    st.text(alphabet=ALPHABET, max_size=2),
)


# Ties, and the first and last microsecond of days (the edges of a date-only range).
MIDNIGHT = datetime(EPOCH.year, EPOCH.month, EPOCH.day)
CREATED = st.sampled_from(
    [
        EPOCH,
        EPOCH + timedelta(minutes=1),
        EPOCH + timedelta(days=1),
        MIDNIGHT + timedelta(days=1),
        MIDNIGHT + timedelta(days=1, microseconds=-1),
        MIDNIGHT + timedelta(days=2),
    ]
)


@st.composite
def libraries(draw: st.DrawFn) -> Library:
    """A library of up to 12 versions over up to 3 assets, with faces and collections."""
    assets = {f"asset-{n}": draw(TEXT) for n in range(draw(st.integers(1, 3)))}
    count = draw(st.integers(0, 12))
    # Ids in an order unrelated to creation, so the tie-break is visible.
    ids = draw(st.permutations([f"fv-{chr(97 + n)}" for n in range(count)]))
    versions = []
    for n, version_id in enumerate(ids):
        exif = draw(st.fixed_dictionaries({}, optional={"camera": TEXT, "lens": TEXT}))
        ai = draw(
            st.fixed_dictionaries({}, optional={"shortDescription": TEXT, "longDescription": TEXT})
        )
        metadata = draw(
            st.one_of(
                st.none(),
                st.just({"exif": exif, "ai": ai}),
                st.just({"exif": exif, "ai": None}),
                st.just({}),
            )
        )
        versions.append(
            {
                "id": version_id,
                "media_asset_id": draw(st.sampled_from(sorted(assets))),
                "tier": draw(st.sampled_from(TIERS)),
                "file_path": f"media/{draw(TEXT)}.jpg",
                "file_hash": f"h{n}",
                "file_size": draw(st.integers(0, 3)),
                "mime_type": draw(st.sampled_from(MIME_TYPES)),
                "metadata": metadata,
                "is_reviewed": draw(st.sampled_from([None, True, False])),
                "rating": draw(st.one_of(st.none(), st.integers(0, 5))),
                "keywords": draw(st.one_of(st.none(), st.lists(TEXT, max_size=3))),
                "location": draw(st.one_of(st.none(), st.just(""), TEXT)),
                "event_type": draw(st.one_of(st.none(), st.sampled_from(EVENT_TYPES))),
                "event_name": draw(st.one_of(st.none(), TEXT)),
                "created_at": draw(CREATED),
            }
        )
    faces = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from([*PEOPLE, None])), max_size=4)
        if ids
        else st.just([])
    )
    members = draw(
        st.lists(st.tuples(st.sampled_from(COLLECTIONS), st.sampled_from(ids)), max_size=4)
        if ids
        else st.just([])
    )
    return Library(versions, assets, faces, members)


DAYS = st.integers(-1, 3).map(lambda d: (EPOCH + timedelta(days=d)).date())
MOMENTS = st.one_of(
    DAYS,
    DAYS.map(date.isoformat),
    st.integers(-60, 4000).map(lambda m: EPOCH + timedelta(minutes=m)),
    st.integers(-60, 4000).map(lambda m: (EPOCH + timedelta(minutes=m)).isoformat() + "Z"),
)
FILTER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "query": NEEDLE,
    "tier": st.sampled_from(TIERS),
    "tiers": st.lists(st.sampled_from(TIERS), max_size=2),
    "rating_min": st.integers(-1, 6),
    "rating_max": st.integers(-1, 6),
    "mime_types": st.lists(st.sampled_from(MIME_TYPES), max_size=2),
    "location": NEEDLE,
    "event_name": NEEDLE,
    "event_types": st.lists(st.sampled_from(EVENT_TYPES), max_size=2),
    "keywords": st.lists(NEEDLE, max_size=2),
    "is_reviewed": st.booleans(),
    "has_gps": st.booleans(),
    "created_from": MOMENTS,
    "created_to": MOMENTS,
    "camera": NEEDLE,
    "lens": NEEDLE,
    "people_ids": st.lists(st.sampled_from([*PEOPLE, "nobody"]), max_size=2),
    "collection_ids": st.lists(st.sampled_from([*COLLECTIONS, "none"]), max_size=2),
}


@st.composite
def filter_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Up to three filters at once, so that results are rarely empty."""
    names = draw(st.lists(st.sampled_from(sorted(FILTER_VALUES)), max_size=3, unique=True))
    return {name: draw(FILTER_VALUES[name]) for name in names}


SORT_FIELDS = st.sampled_from(["created_at", "rating", "file_size", "event_name"])
DIRECTIONS = st.sampled_from(["asc", "desc"])
FULL_SORTS = st.fixed_dictionaries({"field": SORT_FIELDS, "direction": DIRECTIONS})
SORTS = st.one_of(
    st.none(),
    FULL_SORTS,
    st.fixed_dictionaries({}, optional={"field": SORT_FIELDS, "direction": DIRECTIONS}),
)


@given(
    lib=libraries(),
    singles=st.fixed_dictionaries(FILTER_VALUES),
    filters=st.lists(filter_sets(), min_size=1, max_size=4),
    sort=SORTS,
    limit=st.integers(0, 6),
    offset=st.integers(0, 8),
)
@pytest.mark.slow
async def test_search_matches_the_reference_on_both_dialects(
    pair: tuple[Any, Any],
    lib: Library,
    singles: dict[str, Any],
    filters: list[dict[str, Any]],
    sort: dict[str, Any] | None,
    limit: int,
    offset: int,
) -> None:
    for db in pair:
        await load(db, lib)
    # Every filter alone (on the whole page), then combinations with the drawn sort and page.
    for name, value in singles.items():
        await check_both(pair, lib, {name: value}, sort)
    for f in filters:
        await check_both(pair, lib, f, sort, limit, offset)


@given(lib=libraries(), sort=FULL_SORTS, size=st.integers(1, 4))
@pytest.mark.slow
async def test_pages_never_overlap_or_skip(
    pair: tuple[Any, Any], lib: Library, sort: dict[str, Any] | None, size: int
) -> None:
    for db in pair:
        await load(db, lib)
    whole = await check_both(pair, lib, None, sort, limit=len(lib.versions))
    paged: list[str] = []
    for offset in range(0, len(lib.versions) + size, size):
        paged += await check_both(pair, lib, None, sort, limit=size, offset=offset)
    assert paged == whole
    assert sorted(whole) == sorted(v["id"] for v in lib.versions)


# ---- a fixed library for the examples ------------------------------------------------------


def _version(n: int, **columns: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"fv-{n}",
        "media_asset_id": "asset-0",
        "tier": "silver",
        "file_path": f"media/{n}.jpg",
        "file_hash": f"h{n}",
        "file_size": n,
        "mime_type": "image/jpeg",
        "metadata": None,
        "is_reviewed": None,
        "rating": None,
        "keywords": None,
        "location": None,
        "event_type": None,
        "event_name": None,
        "created_at": EPOCH + timedelta(hours=n),
    }
    return {**base, **columns}


FIXED = Library(
    versions=[
        _version(
            1,
            tier="gold",
            rating=5,
            keywords=["Beach", "sunset"],
            location="Nice, Côte d'Azur",
            event_type="Holiday",
            event_name="Été 2026",
            is_reviewed=True,
            metadata={
                "exif": {"camera": "Canon EOS R5", "lens": "RF 24-70mm"},
                "ai": {"shortDescription": "Two people at sunset", "longDescription": "A beach"},
            },
        ),
        _version(2, rating=3, keywords=["beach"], location="", mime_type="image/png"),
        _version(
            3,
            tier="bronze",
            keywords=[],
            event_type="wedding",
            event_name="Straße 100% _x_",
            is_reviewed=False,
            file_size=10,
            metadata={"exif": {"camera": "Nikon Z6"}, "ai": None},
        ),
        _version(
            4,
            media_asset_id="asset-1",
            rating=0,
            location="Paris",
            mime_type="video/mp4",
            created_at=EPOCH + timedelta(days=1),
        ),
    ],
    asset_names={"asset-0": "IMG_0001.JPG", "asset-1": "Élodie à la plage.png"},
    faces=[("fv-1", "person-1"), ("fv-1", "person-1"), ("fv-3", None), ("fv-4", "person-2")],
    members=[("coll-1", "fv-2"), ("coll-1", "fv-2"), ("coll-2", "fv-4")],
)

# (filters, ids expected in the default order: newest first)
EXAMPLES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["fv-4", "fv-3", "fv-2", "fv-1"]),
    ({"query": "beach"}, ["fv-2", "fv-1"]),  # keyword "Beach"/"beach" and ai.longDescription
    ({"query": "élodie"}, ["fv-4"]),  # the asset's original filename, non-ASCII folded
    ({"query": "beach sunset"}, ["fv-1"]),  # keywords joined with spaces
    ({"query": "two PEOPLE"}, ["fv-1"]),  # ai.shortDescription
    ({"query": "100%"}, ["fv-3"]),  # % is literal
    ({"query": "_x_"}, ["fv-3"]),  # _ is literal
    ({"query": "media/2"}, ["fv-2"]),  # file_path
    ({"query": ""}, ["fv-4", "fv-3", "fv-2", "fv-1"]),  # empty: not given
    ({"tier": "gold"}, ["fv-1"]),
    ({"tiers": ["gold", "bronze"]}, ["fv-3", "fv-1"]),
    ({"rating_min": 3}, ["fv-2", "fv-1"]),
    ({"rating_max": 0}, ["fv-4", "fv-3"]),  # NULL counts as 0
    ({"rating_min": 1, "rating_max": 4}, ["fv-2"]),
    ({"mime_types": ["image/png", "video/mp4"]}, ["fv-4", "fv-2"]),
    ({"mime_types": []}, ["fv-4", "fv-3", "fv-2", "fv-1"]),  # empty list: not given
    ({"location": "CÔTE"}, ["fv-1"]),
    ({"event_name": "STRASSE"}, []),  # lower() folds, it does not expand ß
    ({"event_name": "straße"}, ["fv-3"]),
    ({"event_types": ["wedding", "Holiday"]}, ["fv-3", "fv-1"]),
    ({"event_types": ["holiday"]}, []),  # exact values
    ({"keywords": ["EAC"]}, ["fv-2", "fv-1"]),  # substring of any keyword
    ({"keywords": ["sun", "zzz"]}, ["fv-1"]),
    ({"is_reviewed": False}, ["fv-3"]),  # NULL never matches
    ({"is_reviewed": True}, ["fv-1"]),
    ({"has_gps": True}, ["fv-4", "fv-1"]),
    ({"has_gps": False}, ["fv-3", "fv-2"]),  # NULL or empty location
    ({"created_from": EPOCH + timedelta(hours=2)}, ["fv-4", "fv-3", "fv-2"]),
    ({"created_to": EPOCH + timedelta(hours=2)}, ["fv-2", "fv-1"]),  # inclusive
    ({"created_to": EPOCH.date().isoformat()}, ["fv-3", "fv-2", "fv-1"]),  # the whole day
    ({"created_from": EPOCH.date() + timedelta(days=1)}, ["fv-4"]),  # midnight UTC
    (
        {"created_from": "2026-03-01T10:30:00.25+01:00", "created_to": "2026-03-01T10:30:00.25Z"},
        ["fv-1"],
    ),  # offsets are converted to UTC
    ({"camera": "eos"}, ["fv-1"]),
    ({"lens": "rf 24"}, ["fv-1"]),
    ({"people_ids": ["person-1", "person-2"]}, ["fv-4", "fv-1"]),
    ({"people_ids": ["person-3"]}, []),
    ({"collection_ids": ["coll-1"]}, ["fv-2"]),
    ({"query": "beach", "tier": "silver", "collection_ids": ["coll-1", "coll-2"]}, ["fv-2"]),
    ({"query": None, "tier": None}, ["fv-4", "fv-3", "fv-2", "fv-1"]),  # None: not given
]


@pytest.fixture(scope="module")
async def fixed(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """The pair loaded with the fixed library."""
    for db in pair:
        await load(db, FIXED)
    return pair


@pytest.mark.parametrize(("filters", "expected"), EXAMPLES)
async def test_each_filter(
    fixed: tuple[Any, Any], filters: dict[str, Any], expected: list[str]
) -> None:
    for db in fixed:
        await load(db, FIXED)  # the property tests above share the databases
    assert await check_both(fixed, FIXED, filters) == expected
    assert await check_both(fixed, FIXED, PhotoFilters(**filters)) == expected


async def test_sorts_and_facets(fixed: tuple[Any, Any]) -> None:
    for db in fixed:
        await load(db, FIXED)
    by_rating = await check_both(fixed, FIXED, None, PhotoSort(field="rating", direction="desc"))
    assert by_rating == ["fv-1", "fv-2", "fv-4", "fv-3"]  # 5, 3, then 0 and NULL by id desc
    by_name = await check_both(fixed, FIXED, None, {"field": "event_name", "direction": "asc"})
    assert by_name == ["fv-2", "fv-4", "fv-3", "fv-1"]  # '' '' 'S...' 'É...' (bytes)
    by_size = await check_both(fixed, FIXED, None, {"field": "file_size"}, limit=2, offset=1)
    assert by_size == ["fv-4", "fv-2"]
    page = await crud.file_version.search(fixed[1], filters={"query": "beach"}, limit=0)
    assert page.photos == [] and page.total_count == 2
    assert page.facets.tiers == {"gold": 1, "silver": 1}
    assert page.facets.ratings == {3: 1, 5: 1}
    assert page.facets.keywords == {"beach": 1, "Beach": 1, "sunset": 1}
    assert page.facets.cameras == {"Canon EOS R5": 1}
    assert page.facets.mime_types == {"image/jpeg": 1, "image/png": 1}
    assert page.facets.event_types == {"Holiday": 1}


async def test_the_page_carries_the_version_and_its_asset(fixed: tuple[Any, Any]) -> None:
    for db in fixed:
        await load(db, FIXED)
    pages = [await crud.file_version.search(db, filters={"query": "élodie"}) for db in fixed]
    assert pages[0] == pages[1]
    (photo,) = pages[0].photos
    assert photo.media_asset is not None
    assert photo.media_asset.original_filename == "Élodie à la plage.png"
    assert photo.location == "Paris" and photo.created_at == EPOCH + timedelta(days=1)


@pytest.mark.parametrize("payload", INJECTIONS)
async def test_injection_text_is_only_ever_a_value(fixed: tuple[Any, Any], payload: str) -> None:
    for db in fixed:
        await load(db, FIXED)
    before = [await counts(db) for db in fixed]
    for name in ("query", "location", "event_name", "camera", "lens"):
        await check_both(fixed, FIXED, {name: payload})
    for name in ("keywords", "mime_types", "event_types", "people_ids", "collection_ids"):
        await check_both(fixed, FIXED, {name: [payload]})
    await check_both(fixed, FIXED, {"query": payload}, {"field": "event_name"})
    assert [await counts(db) for db in fixed] == before


async def test_a_non_string_camera_is_neither_matched_nor_counted(
    fixed: tuple[Any, Any],
) -> None:
    odd = Library(
        [_version(1, metadata={"exif": {"camera": 123, "lens": ["x"]}}), _version(2)],
        {"asset-0": "a.jpg"},
    )
    for db in fixed:
        await load(db, odd)
        for camera in ("1", "123"):
            page = await crud.file_version.search(db, filters={"camera": camera})
            assert page.total_count == 0
        page = await crud.file_version.search(db, filters={"lens": "x"}, limit=0)
        assert page.total_count == 0
        page = await crud.file_version.search(db, filters=None, limit=0)
        assert page.total_count == 2 and page.facets.cameras == {}


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"filters": {"tier": "platinum"}}, "tier"),
    ({"filters": {"tiers": ["gold", "x"]}}, "tiers"),
    ({"filters": {"rating_min": "3"}}, "rating_min"),
    ({"filters": {"rating_max": 2**40}}, "rating_max"),
    ({"filters": {"is_reviewed": 1}}, "is_reviewed"),
    ({"filters": {"keywords": "beach"}}, "keywords"),
    ({"filters": {"query": "a\x00b"}}, "query"),
    ({"filters": {"location": "\ud800"}}, "location"),
    ({"filters": {"created_from": "yesterday"}}, "created_from"),
    ({"filters": {"created_to": "2026-02-30"}}, "created_to"),
    ({"filters": {"mimeType": ["image/png"]}}, "mimeType"),
    ({"filters": ["tier"]}, "filters"),
    ({"filters": PhotoFilters(rating_min="3")}, "rating_min"),  # type: ignore[arg-type]
    ({"sort": {"field": "name"}}, "field"),
    ({"sort": {"direction": "up"}}, "direction"),
    ({"sort": {"order": "asc"}}, "order"),
    ({"sort": "rating"}, "sort"),
    ({"limit": -1}, "limit"),
    ({"limit": 2**63}, "limit"),
    ({"offset": 1.5}, "offset"),
]


@pytest.mark.parametrize(("arguments", "field"), BAD_INPUT)
async def test_bad_input_is_a_validation_error_naming_the_field(
    pair: tuple[Any, Any], arguments: dict[str, Any], field: str
) -> None:
    errors = []
    for db in pair:
        with pytest.raises(ValidationError) as caught:
            await crud.compat.file_version.search(db, **arguments)
        assert caught.value.field == field
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert field in errors[0]


def test_the_statement_is_compiled_once_per_shape_and_values_stay_parameters() -> None:
    payload = INJECTIONS[0]
    short = plan_search({"keywords": ["a"], "query": payload}, {"field": "rating"})
    long = plan_search({"query": "b", "keywords": ["x", "y", "z"]}, PhotoSort(field="rating"))
    assert short.query is long.query  # list lengths and values are not part of the shape
    assert short.params == {"query": payload, "keywords": ["a"]}
    for sql in (short.query.postgres.text, short.query.sqlite.text):
        assert payload not in sql
    other = plan_search({"query": "b"}, {"field": "rating"})
    assert other.query is not short.query
    assert plan_search(None, None).query is plan_search({"query": ""}, {}).query
