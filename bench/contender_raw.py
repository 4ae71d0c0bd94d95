"""The floor: the library's SQL written straight against asyncpg / aiosqlite.

What a careful engineer writes by hand: one held connection (the workload is sequential),
asyncpg's prepared-statement cache, COPY for bulk ingest on PostgreSQL and one
``executemany`` per batch on SQLite, and rows decoded by msgspec into Structs shaped like
the library's records (so both produce the same values; nothing is left undecoded).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
import msgspec
from workload import INGEST_BATCH, VERSION_COLUMNS, Workload

# ---- records ----------------------------------------------------------------------------


class Exif(msgspec.Struct, rename="camel", gc=False):
    camera: str
    lens: str
    aperture: str
    shutter: str
    iso: str
    focal_length: str
    date_time: str
    gps_latitude: float
    gps_longitude: float
    software: str


class DetectedObject(msgspec.Struct, rename="camel", gc=False):
    name: str
    confidence: float
    bounding_box: list[float]


class Gps(msgspec.Struct, gc=False):
    latitude: float
    longitude: float


class Ai(msgspec.Struct, rename="camel", gc=False):
    ai_tags: list[str]
    short_description: str
    long_description: str
    detected_objects: list[DetectedObject]
    place_name: str
    gps_coordinates: Gps
    ai_confidence_scores: dict[str, float]


class FaceDetection(msgspec.Struct, gc=False):
    attempted: bool
    timestamp: str
    method: str


class Metadata(msgspec.Struct, rename="camel", gc=False):
    exif: Exif
    ai: Ai
    face_detection: FaceDetection


class Asset(msgspec.Struct, frozen=True, gc=False):
    id: str
    original_filename: str
    created_at: datetime


class DisplayAsset(Asset, frozen=True, gc=False):
    display_filename: str


class Version(msgspec.Struct, frozen=True, gc=False):
    id: str
    media_asset_id: str
    tier: str
    file_path: str
    file_hash: str
    file_size: int
    mime_type: str
    metadata: Metadata | None
    is_reviewed: bool | None
    rating: int | None
    keywords: list[str] | None
    location: str | None
    event_type: str | None
    event_name: str | None
    perceptual_hash: str | None
    ai_short_description: str | None
    processing_state: str | None
    created_at: datetime


class VersionWithAsset(Version, frozen=True, gc=False):
    media_asset: Asset | None


class VersionWithDisplayAsset(Version, frozen=True, gc=False):
    media_asset: DisplayAsset | None


class Facets(msgspec.Struct, frozen=True, gc=False):
    tiers: dict[str, int]
    ratings: dict[int, int]
    event_types: dict[str, int]
    mime_types: dict[str, int]
    cameras: dict[str, int]
    keywords: dict[str, int]


class SearchPage(msgspec.Struct, frozen=True, gc=False):
    photos: list[VersionWithAsset]
    total_count: int
    facets: Facets


class Person(msgspec.Struct, frozen=True, gc=False):
    id: str
    name: str
    notes: str | None
    birthdate: datetime | None
    face_count: int | None
    representative_face: str | None
    selected_thumbnail_face_id: str | None
    created_at: datetime


class Face(msgspec.Struct, frozen=True, gc=False):
    id: str
    photo_id: str
    person_id: str | None
    bounding_box: list[float]
    confidence: int
    embedding: list[float] | None
    ignored: bool
    created_at: datetime


class Setting(msgspec.Struct, frozen=True, gc=False):
    id: str
    key: str
    value: str
    category: str
    description: str | None
    created_at: datetime
    updated_at: datetime


_metadata = msgspec.json.Decoder(Metadata).decode
_asset = msgspec.json.Decoder(Asset).decode
_display_asset = msgspec.json.Decoder(DisplayAsset).decode
_floats = msgspec.json.Decoder(list[float]).decode
_strings = msgspec.json.Decoder(list[str]).decode
_json = msgspec.json.encode
_iso = datetime.fromisoformat

# ---- SQL (the library's statements, with the driver's placeholders) ----------------------

V_COLS = (
    "id, media_asset_id, tier, file_path, file_hash, file_size, mime_type, metadata, "
    "is_reviewed, rating, keywords, location, event_type, event_name, perceptual_hash, "
    "ai_short_description, processing_state, created_at"
)
FV_COLS = ", ".join(f"fv.{c}" for c in V_COLS.split(", "))
P_COLS = (
    "id, name, notes, birthdate, face_count, representative_face, selected_thumbnail_face_id, "
    "created_at"
)
F_COLS = "id, photo_id, person_id, bounding_box, confidence, embedding, ignored, created_at"
S_COLS = 'id, "key", "value", category, description, created_at, updated_at'


def _statements(dialect: str, obj: str, lower: str, name_order: str) -> dict[str, str]:
    # ``lower`` folds the text put in its braces, as the library does on each dialect.
    # The library's statements with its :name parameters; each dialect's placeholders are
    # filled in below.
    return {
        "get_version": f"SELECT {V_COLS} FROM file_versions WHERE id = :id",
        "get_person": f"SELECT {P_COLS} FROM people WHERE id = :id",
        "tier_page": f"SELECT {V_COLS} FROM file_versions WHERE tier = :tier "
        "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :skip",
        "people_search": f"SELECT {P_COLS} FROM people "
        f"WHERE {lower.format('name')} LIKE {lower.format('CAST(:pattern AS text)')} ESCAPE '\\' "
        f"ORDER BY {name_order}, id LIMIT :limit",
        "unassigned": f"SELECT {F_COLS} FROM faces WHERE person_id IS NULL AND ignored = FALSE "
        "ORDER BY created_at, id LIMIT :limit",
        "set_value": 'INSERT INTO settings ("key", "value", category, created_at, updated_at) '
        'VALUES (:key, :value, :category, :now, :now) ON CONFLICT ("key") DO UPDATE '
        'SET "value" = excluded."value", updated_at = excluded.updated_at '
        f"RETURNING {S_COLS}",
        "get_setting": f'SELECT {S_COLS} FROM settings WHERE "key" = :key',
        "person_photos": f"SELECT {FV_COLS}, CASE WHEN ma.id IS NULL THEN NULL ELSE "
        f"{obj}('id', ma.id, 'original_filename', ma.original_filename, "
        "'created_at', ma.created_at) END AS media_asset "
        "FROM file_versions AS fv LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id "
        "WHERE fv.id IN (SELECT f.photo_id FROM faces AS f WHERE f.person_id = :person_id) "
        "ORDER BY fv.created_at DESC, fv.id DESC",
        "photo_listing": f"SELECT {FV_COLS}, {obj}('id', ma.id, "
        "'original_filename', ma.original_filename, "
        "'created_at', ma.created_at, 'display_filename', substr(rtrim(fv.file_path, '/'), "
        "length(rtrim(rtrim(fv.file_path, '/'), replace(rtrim(fv.file_path, '/'), '/', ''))) "
        "+ 1)) AS media_asset FROM file_versions AS fv "
        "CROSS JOIN media_assets AS ma "
        "WHERE ma.id = fv.media_asset_id "
        "AND fv.tier IN ('gold', 'silver') AND NOT EXISTS (SELECT 1 FROM file_versions "
        "AS better WHERE better.media_asset_id = fv.media_asset_id AND better.id <> fv.id "
        "AND ((better.tier = 'gold' AND fv.tier = 'silver') OR (better.tier = fv.tier "
        "AND (better.created_at > fv.created_at OR (better.created_at = fv.created_at "
        "AND better.id > fv.id))))) "
        "ORDER BY fv.created_at DESC, ma.created_at DESC, ma.id DESC LIMIT :limit OFFSET :skip",
        "search": _filtered_search(dialect),
    }


def _filtered_search(dialect: str) -> str:
    """The search with tier, minimum rating, a keyword and a time window, with facets.

    One statement: the page's photos, then one row per facet value, counted over every
    match (the library's statement for this set of filters, sorted by created_at DESC).
    """
    pg = dialect == "postgres"
    q = '"'

    def col(table: str, name: str) -> str:
        return f"{q}{table}{q}.{q}{name}{q}"

    if pg:
        camera = (
            "(CASE WHEN jsonb_typeof(\"fv\".\"metadata\" #> '{exif,camera}') = 'string' "
            'THEN "fv"."metadata" #>> \'{exif,camera}\' END)'
        )
        keyword_match = (
            'EXISTS (SELECT 1 FROM unnest("fv"."keywords") AS kw(value), '
            "unnest(CAST(:keywords AS text[])) AS wanted(value) "
            'WHERE strpos(lower(kw.value COLLATE "und-x-icu"), '
            'lower(CAST(wanted.value AS text) COLLATE "und-x-icu")) > 0)'
        )
        conditions = (
            '"fv"."tier" = CAST(:tier AS text)',
            'COALESCE("fv"."rating", 0) >= CAST(:rating_min AS integer)',
            keyword_match,
            '"fv"."created_at" >= CAST(:created_from AS timestamp)',
            '"fv"."created_at" <= CAST(:created_to AS timestamp)',
        )
        id_order, obj, keywords = (
            '"m"."id" COLLATE "C" DESC',
            "json_build_object",
            ('unnest("m"."keywords") AS kw(value)'),
        )
    else:
        camera = (
            "(CASE WHEN json_type(\"fv\".\"metadata\", '$.exif.camera') = 'text' "
            'THEN json_extract("fv"."metadata", \'$.exif.camera\') END)'
        )
        keyword_match = (
            'EXISTS (SELECT 1 FROM json_each("fv"."keywords") AS kw, json_each(:keywords) '
            "AS wanted WHERE instr(pictallion_lower(kw.value), pictallion_lower(wanted.value)) > 0)"
        )
        conditions = (
            '"fv"."tier" = :tier',
            'COALESCE("fv"."rating", 0) >= :rating_min',
            keyword_match,
            '"fv"."created_at" >= :created_from',
            '"fv"."created_at" <= :created_to',
        )
        id_order, obj, keywords = '"m"."id" DESC', "json_object", 'json_each("m"."keywords") AS kw'
    where = " AND ".join(f"({c})" for c in conditions)
    matched = ", ".join(
        col("fv", c) for c in ("id", "tier", "rating", "event_type", "mime_type", "keywords")
    )
    photo_cols = ", ".join(col("fv", c) for c in V_COLS.split(", "))
    nulls = ", ".join(["NULL"] * 20)

    def facet(name: str, value: str, count: str = "count(*)", source: str = '"m"') -> str:
        skip = "" if name in ("tier", "rating") else f" WHERE {value} IS NOT NULL AND {value} <> ''"
        return (
            f" UNION ALL SELECT {nulls}, '{name}', {value}, {count} FROM {source}{skip} "
            f"GROUP BY {value}"
        )

    rating = 'CAST(COALESCE("m"."rating", 0) AS TEXT)'
    return (
        f'WITH "m" AS (SELECT {matched},{camera} "camera","fv"."created_at" "sort_key" '
        'FROM "file_versions" "fv" LEFT JOIN "media_assets" "ma" '
        'ON "ma"."id"="fv"."media_asset_id" '
        f'WHERE {where}), "page" AS (SELECT "id",row_number() OVER (ORDER BY "m"."sort_key" DESC, '
        f'{id_order}) "search_position" FROM "m" ORDER BY "m"."sort_key" DESC,{id_order} '
        f'LIMIT :limit OFFSET :offset) SELECT {photo_cols}, CASE WHEN "ma"."id" IS NULL THEN NULL '
        f'ELSE {obj}(\'id\', "ma"."id", \'original_filename\', "ma"."original_filename", '
        '\'created_at\', "ma"."created_at") END AS "media_asset", '
        '"page"."search_position" AS "search_position", NULL AS "facet", NULL AS "value", '
        'NULL AS "count" FROM "page" JOIN "file_versions" AS "fv" ON "fv"."id" = "page"."id" '
        'LEFT JOIN "media_assets" AS "ma" ON "ma"."id" = "fv"."media_asset_id"'
        + facet("tier", '"m"."tier"')
        + facet("rating", rating)
        + facet("event_type", '"m"."event_type"')
        + facet("mime_type", '"m"."mime_type"')
        + facet("camera", '"m"."camera"')
        + facet("keyword", '"kw"."value"', 'count(DISTINCT "m"."id")', f'"m", {keywords}')
        + ' ORDER BY "search_position"'
    )


_PARAM = re.compile(r"(?<![:\w]):([a-z_]+)")


def _postgres(sql: str) -> str:
    """``:name`` as ``$n``, numbered by first appearance."""
    numbers: dict[str, int] = {}
    return _PARAM.sub(lambda m: f"${numbers.setdefault(m.group(1), len(numbers) + 1)}", sql)


def _sqlite(sql: str) -> tuple[str, tuple[int, ...] | None]:
    """``:name`` as ``?``, and which argument each ``?`` takes (None: one each, in order)."""
    names = _PARAM.findall(sql)
    distinct = list(dict.fromkeys(names))
    order = tuple(distinct.index(n) for n in names)
    return _PARAM.sub("?", sql), None if order == tuple(range(len(distinct))) else order


PG = {
    name: _postgres(sql)
    for name, sql in _statements(
        "postgres", "json_build_object", 'lower({} COLLATE "und-x-icu")', 'name COLLATE "C"'
    ).items()
}
LITE = {
    name: _sqlite(sql)
    for name, sql in _statements("sqlite", "json_object", "pictallion_lower({})", "name").items()
}

V_INSERT = VERSION_COLUMNS


def escape_like(text: str) -> str:
    """``text`` escaped for LIKE ... ESCAPE '\\' (what the library does)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_FACETS = {
    "tier": "tiers",
    "rating": "ratings",
    "event_type": "event_types",
    "mime_type": "mime_types",
    "camera": "cameras",
    "keyword": "keywords",
}


def _by_count(counts: dict[Any, int]) -> dict[Any, int]:
    """Facet counts by count descending, then key (as the library orders them)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class RawContender:
    """Hand-written driver calls for one dialect."""

    name = "raw"

    def __init__(self, dialect: str, url: str) -> None:
        self.dialect = dialect
        self.url = url
        self.pg: Any = None
        self.lite: Any = None
        self.pool: Any = None

    async def open(self) -> None:
        """A pool with one connection held for the run (PostgreSQL), or one aiosqlite."""
        if self.dialect == "postgres":
            self.pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=1, init=_init_pg, server_settings={"timezone": "UTC"}
            )
            self.pg = await self.pool.acquire()
            return
        path = self.url.removeprefix("sqlite:///")
        self.lite = await aiosqlite.connect(path, isolation_level=None)
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
            await self.lite.execute(f"PRAGMA {pragma}")
        await self.lite.create_function("pictallion_lower", 1, _lower, deterministic=True)

    async def close(self) -> None:
        """Give the connection back and close."""
        if self.pool is not None:
            await self.pool.release(self.pg)
            await self.pool.close()
        if self.lite is not None:
            await self.lite.close()

    # ---- ingest ---------------------------------------------------------------------------

    async def ingest(self, w: Workload) -> dict[str, list[str]]:
        """Every table in batches: COPY on PostgreSQL, executemany on SQLite."""
        assets = [str(uuid.uuid4()) for _ in w.assets]
        await self._load(
            "media_assets",
            ("id", "original_filename"),
            [(i, a["original_filename"]) for i, a in zip(assets, w.assets, strict=True)],
        )
        versions = [str(uuid.uuid4()) for _ in w.versions]
        await self._load(
            "file_versions",
            ("id", *V_INSERT),
            [
                (vid, assets[a], *(v[c] for c in V_INSERT[1:]))
                for vid, a, v in zip(versions, w.version_asset, w.versions, strict=True)
            ],
        )
        people = [str(uuid.uuid4()) for _ in w.people]
        await self._load(
            "people",
            ("id", "name", "notes", "face_count"),
            [
                (i, p["name"], p["notes"], p["face_count"])
                for i, p in zip(people, w.people, strict=True)
            ],
        )
        faces = [str(uuid.uuid4()) for _ in w.faces]
        await self._load(
            "faces",
            ("id", "photo_id", "person_id", "bounding_box", "confidence", "embedding", "ignored"),
            [
                (
                    fid,
                    versions[v],
                    None if p is None else people[p],
                    f["bounding_box"],
                    f["confidence"],
                    f["embedding"],
                    f["ignored"],
                )
                for fid, v, p, f in zip(faces, w.face_version, w.face_person, w.faces, strict=True)
            ],
        )
        await self._load(
            "settings",
            ("id", "key", "value", "category", "description"),
            [
                (str(uuid.uuid4()), s["key"], s["value"], s["category"], s["description"])
                for s in w.settings
            ],
        )
        return {"assets": assets, "versions": versions, "people": people, "faces": faces}

    async def _load(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        for start in range(0, len(rows), INGEST_BATCH):
            batch = rows[start : start + INGEST_BATCH]
            if self.pg is not None:
                async with self.pg.transaction():
                    await self.pg.copy_records_to_table(table, records=batch, columns=columns)
                continue
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            encoded = [tuple(_lite_value(v) for v in row) for row in batch]
            await self.lite.execute("BEGIN IMMEDIATE")
            await self.lite.executemany(sql, encoded)
            await self.lite.execute("COMMIT")

    # ---- reads ----------------------------------------------------------------------------

    async def _rows(self, name: str, *args: Any) -> list[Any]:
        # ``args``: the statement's parameters in the order they first appear.
        if self.pg is not None:
            return list(await self.pg.fetch(PG[name], *args))
        sql, order = LITE[name]
        bound = args if order is None else [args[i] for i in order]
        return list(await self.lite.execute_fetchall(sql, bound))

    async def _row(self, name: str, *args: Any) -> Any:
        if self.pg is not None:
            return await self.pg.fetchrow(PG[name], *args)
        rows = await self._rows(name, *args)
        return rows[0] if rows else None

    async def get_version(self, id: str) -> Any:
        """One version by id."""
        row = await self._row("get_version", id)
        return None if row is None else self._version(row)

    async def get_person(self, id: str) -> Any:
        """One person by id."""
        row = await self._row("get_person", id)
        return None if row is None else self._person(row)

    async def tier_page(self, tier: str, skip: int) -> Any:
        """A page of 50 versions of one tier, newest first."""
        version = self._version
        return [version(r) for r in await self._rows("tier_page", tier, 50, skip)]

    async def people_search(self, text: str) -> Any:
        """People whose name contains ``text``, ignoring case."""
        person = self._person
        pattern = f"%{escape_like(text)}%"
        return [person(r) for r in await self._rows("people_search", pattern, 10)]

    async def unassigned_faces(self, limit: int) -> Any:
        """Faces of nobody, not ignored."""
        face = self._face
        return [face(r) for r in await self._rows("unassigned", limit)]

    async def upsert_setting(self, key: str, value: str, category: str) -> Any:
        """Insert or update one setting."""
        now: Any = _now()
        if self.lite is not None:
            now = now.isoformat(timespec="microseconds")
        return self._setting(await self._row("set_value", key, value, category, now))

    async def get_setting(self, key: str) -> Any:
        """One setting by key."""
        row = await self._row("get_setting", key)
        return None if row is None else self._setting(row)

    async def person_photos(self, person_id: str) -> Any:
        """The versions showing a person, each with its asset."""
        nested = self._nested
        return [
            nested(VersionWithAsset, _asset, r)
            for r in await self._rows("person_photos", person_id)
        ]

    async def photo_listing(self, skip: int) -> Any:
        """A page of 50 of the photo listing (each asset's best version)."""
        nested = self._nested
        rows = await self._rows("photo_listing", 50, skip)
        return [nested(VersionWithDisplayAsset, _display_asset, r) for r in rows]

    async def search(
        self, keyword: str, tier: str, rating_min: int, start: datetime, end: datetime
    ) -> Any:
        """A page of 50 matches of several filters, newest first, with total and facets."""
        if self.pg is not None:
            args: tuple[Any, ...] = (tier, rating_min, [keyword], start, end, 50, 0)
        else:
            stamps = (
                start.isoformat(timespec="microseconds"),
                end.isoformat(timespec="microseconds"),
            )
            args = (tier, rating_min, _json([keyword]).decode(), *stamps, 50, 0)
        photos: list[VersionWithAsset] = []
        counts: dict[str, dict[Any, int]] = {name: {} for name in _FACETS.values()}
        nested = self._nested
        for r in await self._rows("search", *args):
            facet = r[20]
            if facet is None:
                photos.append(nested(VersionWithAsset, _asset, r))
            elif facet == "rating":
                counts["ratings"][int(r[21])] = r[22]
            else:
                counts[_FACETS[facet]][r[21]] = r[22]
        ordered = {name: _by_count(c) for name, c in counts.items()}
        return SearchPage(photos, sum(ordered["tiers"].values()), Facets(**ordered))

    def to_plain(self, phase: str, results: list[Any]) -> Any:
        """The answers as plain values (Structs already)."""
        return results

    # ---- row decoding ---------------------------------------------------------------------

    def _version_args(self, r: Any) -> tuple[Any, ...]:
        v = tuple(r)
        meta = v[7]
        if self.pg is not None:
            return (*v[:7], None if meta is None else _metadata(meta), *v[8:18])
        keywords = v[10]
        return (
            *v[:7],
            None if meta is None else _metadata(meta),
            None if v[8] is None else bool(v[8]),
            v[9],
            None if keywords is None else _strings(keywords),
            *v[11:17],
            _iso(v[17]),
        )

    def _version(self, r: Any) -> Version:
        return Version(*self._version_args(r))

    def _nested(self, kind: Any, decode_asset: Any, r: Any) -> Any:
        asset = r[18]
        return kind(*self._version_args(r), None if asset is None else decode_asset(asset))

    def _person(self, r: Any) -> Person:
        if self.pg is not None:
            return Person(*r)
        v = tuple(r)
        return Person(*v[:3], None if v[3] is None else _iso(v[3]), *v[4:7], _iso(v[7]))

    def _face(self, r: Any) -> Face:
        v = tuple(r)
        if self.pg is not None:
            return Face(
                *v[:3], _floats(v[3]), v[4], None if v[5] is None else _floats(v[5]), *v[6:]
            )
        return Face(
            *v[:3],
            _floats(v[3]),
            v[4],
            None if v[5] is None else _floats(v[5]),
            bool(v[6]),
            _iso(v[7]),
        )

    def _setting(self, r: Any) -> Setting:
        if self.pg is not None:
            return Setting(*r)
        v = tuple(r)
        return Setting(*v[:5], _iso(v[5]), _iso(v[6]))


async def _init_pg(conn: Any) -> None:
    # jsonb travels in binary (a version byte, then JSON text): bytes straight to msgspec.
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda value: b"\x01" + _json(value),
        decoder=lambda data: data[1:],
        format="binary",
    )
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_json, decoder=bytes, format="binary"
    )


def _lite_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return _json(value).decode()
    return value
