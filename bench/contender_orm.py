"""The SQLAlchemy 2.x async ORM, written as the earlier Python layer used it.

Declarative mapped classes over the same (migrated) tables, one ``AsyncSession`` per
operation as a request handler opens one, ``select()`` with joined eager loading for the
nested asset, ``session.add_all`` per batch for ingest. Needs the ``bench`` extra.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    DateTime,
    FetchedValue,
    ForeignKey,
    Integer,
    String,
    Text,
    case,
    event,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    aliased,
    contains_eager,
    mapped_column,
    relationship,
)
from workload import INGEST_BATCH, VERSION_COLUMNS, Workload, display_filename

# The stored forms the schema documents: on SQLite timestamps are ISO text with a "T"
# and microseconds, keywords and documents JSON text; on PostgreSQL text[] and jsonb.
Stamp = DateTime().with_variant(
    sqlite.DATETIME(
        storage_format="%(year)04d-%(month)02d-%(day)02dT%(hour)02d:%(minute)02d:"
        "%(second)02d.%(microsecond)06d"
    ),
    "sqlite",
)
Document = JSON().with_variant(postgresql.JSONB(), "postgresql")
Keywords = ARRAY(Text).with_variant(JSON(), "sqlite")


class Base(DeclarativeBase):
    """The mapped classes below, each over a table the migrations created."""


class MediaAssetRow(Base):
    __tablename__ = "media_assets"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    original_filename: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, server_default=FetchedValue())


class FileVersionRow(Base):
    __tablename__ = "file_versions"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    media_asset_id: Mapped[str] = mapped_column(ForeignKey("media_assets.id"))
    tier: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str] = mapped_column(Text)
    file_size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Document)
    is_reviewed: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    keywords: Mapped[list[str] | None] = mapped_column(Keywords)
    location: Mapped[str | None] = mapped_column(Text)
    event_type: Mapped[str | None] = mapped_column(Text)
    event_name: Mapped[str | None] = mapped_column(Text)
    perceptual_hash: Mapped[str | None] = mapped_column(Text)
    ai_short_description: Mapped[str | None] = mapped_column(Text)
    processing_state: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, server_default=FetchedValue())
    media_asset: Mapped[MediaAssetRow | None] = relationship(lazy="raise")


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    birthdate: Mapped[datetime | None] = mapped_column(Stamp)
    face_count: Mapped[int | None] = mapped_column(Integer)
    representative_face: Mapped[str | None] = mapped_column(Text)
    selected_thumbnail_face_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, server_default=FetchedValue())


class FaceRow(Base):
    __tablename__ = "faces"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    photo_id: Mapped[str] = mapped_column(ForeignKey("file_versions.id"))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    bounding_box: Mapped[list[float]] = mapped_column(Document)
    confidence: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[list[float] | None] = mapped_column(Document)
    ignored: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Stamp, server_default=FetchedValue())


class SettingRow(Base):
    __tablename__ = "settings"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    value: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


V_FIELDS = ("id", *VERSION_COLUMNS, "created_at")
P_FIELDS = (
    "id",
    "name",
    "notes",
    "birthdate",
    "face_count",
    "representative_face",
    "selected_thumbnail_face_id",
    "created_at",
)
F_FIELDS = ("id", "photo_id", "person_id", "bounding_box", "confidence", "embedding", "ignored")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _new_id() -> str:
    return str(uuid.uuid4())


class OrmContender:
    """Each operation opens a session, runs ORM statements, and closes it."""

    name = "orm"

    def __init__(self, dialect: str, url: str) -> None:
        self.dialect = dialect
        if dialect == "postgres":
            self.url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
        else:
            self.url = url.replace("sqlite:///", "sqlite+aiosqlite:///", 1)

    async def open(self) -> None:
        """The engine and the session factory."""
        self.engine = create_async_engine(self.url)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.session = async_sessionmaker(self.engine, expire_on_commit=False)
        pg = self.dialect == "postgres"
        self.name_order = PersonRow.name.collate("C") if pg else PersonRow.name
        # A keyword matches inside one element: the elements joined by a separator no
        # keyword contains (PostgreSQL), or the JSON text, whose quotes play that part.
        self.keywords_text = (
            func.array_to_string(FileVersionRow.keywords, "\x1f")
            if pg
            else type_coerce(FileVersionRow.keywords, Text)
        )
        self.id_order = FileVersionRow.id.collate("C").desc() if pg else FileVersionRow.id.desc()
        self.camera = FileVersionRow.metadata_[("exif", "camera")].as_string()

    async def close(self) -> None:
        """Dispose of the engine's pool."""
        await self.engine.dispose()

    async def ingest(self, w: Workload) -> dict[str, list[str]]:
        """Mapped objects added with ``add_all``, one session and commit per batch."""
        assets = [_new_id() for _ in w.assets]
        await self._add(
            MediaAssetRow(id=i, original_filename=a["original_filename"])
            for i, a in zip(assets, w.assets, strict=True)
        )
        versions = [_new_id() for _ in w.versions]
        await self._add(
            FileVersionRow(
                id=vid,
                media_asset_id=assets[a],
                **{("metadata_" if k == "metadata" else k): value for k, value in v.items()},
            )
            for vid, a, v in zip(versions, w.version_asset, w.versions, strict=True)
        )
        people = [_new_id() for _ in w.people]
        await self._add(PersonRow(id=i, **p) for i, p in zip(people, w.people, strict=True))
        faces = [_new_id() for _ in w.faces]
        await self._add(
            FaceRow(id=fid, photo_id=versions[v], person_id=None if p is None else people[p], **f)
            for fid, v, p, f in zip(faces, w.face_version, w.face_person, w.faces, strict=True)
        )
        now = _now()
        await self._add(
            SettingRow(id=_new_id(), created_at=now, updated_at=now, **s) for s in w.settings
        )
        return {"assets": assets, "versions": versions, "people": people, "faces": faces}

    async def _add(self, objects: Any) -> None:
        batch: list[Base] = []
        for obj in objects:
            batch.append(obj)
            if len(batch) == INGEST_BATCH:
                await self._commit(batch)
                batch = []
        if batch:
            await self._commit(batch)

    async def _commit(self, batch: list[Base]) -> None:
        async with self.session() as s:
            s.add_all(batch)
            await s.commit()

    async def get_version(self, id: str) -> Any:
        """One version by id."""
        async with self.session() as s:
            return await s.get(FileVersionRow, id)

    async def get_person(self, id: str) -> Any:
        """One person by id."""
        async with self.session() as s:
            return await s.get(PersonRow, id)

    async def tier_page(self, tier: str, skip: int) -> Any:
        """A page of 50 versions of one tier, newest first."""
        stmt = (
            select(FileVersionRow)
            .where(FileVersionRow.tier == tier)
            .order_by(FileVersionRow.created_at.desc(), FileVersionRow.id.desc())
            .limit(50)
            .offset(skip)
        )
        async with self.session() as s:
            return (await s.scalars(stmt)).all()

    async def people_search(self, text: str) -> Any:
        """People whose name contains ``text``, ignoring case."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = (
            select(PersonRow)
            .where(PersonRow.name.ilike(pattern, escape="\\"))
            .order_by(self.name_order, PersonRow.id)
            .limit(10)
        )
        async with self.session() as s:
            return (await s.scalars(stmt)).all()

    async def unassigned_faces(self, limit: int) -> Any:
        """Faces of nobody, not ignored."""
        stmt = (
            select(FaceRow)
            .where(FaceRow.person_id.is_(None), FaceRow.ignored.is_(False))
            .order_by(FaceRow.created_at, FaceRow.id)
            .limit(limit)
        )
        async with self.session() as s:
            return (await s.scalars(stmt)).all()

    async def upsert_setting(self, key: str, value: str, category: str) -> Any:
        """Load the setting by key; change it or add a new one; commit."""
        now = _now()
        async with self.session() as s:
            row = await s.scalar(select(SettingRow).where(SettingRow.key == key))
            if row is None:
                row = SettingRow(
                    id=_new_id(),
                    key=key,
                    value=value,
                    category=category,
                    description=None,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
            else:
                row.value = value
                row.updated_at = now
            await s.commit()
            return row

    async def get_setting(self, key: str) -> Any:
        """One setting by key."""
        async with self.session() as s:
            return await s.scalar(select(SettingRow).where(SettingRow.key == key))

    async def person_photos(self, person_id: str) -> Any:
        """The versions showing a person, each with its asset."""
        fv = FileVersionRow
        stmt = (
            select(fv)
            .outerjoin(fv.media_asset)
            .options(contains_eager(fv.media_asset))
            .where(fv.id.in_(select(FaceRow.photo_id).where(FaceRow.person_id == person_id)))
            .order_by(fv.created_at.desc(), fv.id.desc())
        )
        async with self.session() as s:
            return (await s.scalars(stmt)).all()

    async def photo_listing(self, skip: int) -> Any:
        """A page of 50 of the photo listing (each asset's best version)."""
        fv, v = FileVersionRow, aliased(FileVersionRow)
        best = (
            select(
                v.id.label("id"),
                func.row_number()
                .over(
                    partition_by=v.media_asset_id,
                    order_by=(
                        case((v.tier == "gold", 0), else_=1),
                        v.created_at.desc(),
                        v.id.desc(),
                    ),
                )
                .label("pick"),
            )
            .where(v.tier.in_(("gold", "silver")))
            .subquery()
        )
        stmt = (
            select(fv)
            .join(best, best.c.id == fv.id)
            .join(fv.media_asset)
            .options(contains_eager(fv.media_asset))
            .where(best.c.pick == 1)
            .order_by(
                fv.created_at.desc(), MediaAssetRow.created_at.desc(), MediaAssetRow.id.desc()
            )
            .limit(50)
            .offset(skip)
        )
        async with self.session() as s:
            return (await s.scalars(stmt)).all()

    async def search(
        self, keyword: str, tier: str, rating_min: int, start: datetime, end: datetime
    ) -> Any:
        """A page of 50 matches, then the total and each facet by its own GROUP BY."""
        fv = FileVersionRow
        conditions = (
            fv.tier == tier,
            func.coalesce(fv.rating, 0) >= rating_min,
            func.lower(self.keywords_text).contains(keyword.lower()),
            fv.created_at >= start,
            fv.created_at <= end,
        )
        page = (
            select(fv)
            .outerjoin(fv.media_asset)
            .options(contains_eager(fv.media_asset))
            .where(*conditions)
            .order_by(fv.created_at.desc(), self.id_order)
            .limit(50)
            .offset(0)
        )
        rating = func.coalesce(fv.rating, 0)
        grouped = {
            "tiers": fv.tier,
            "ratings": rating,
            "event_types": fv.event_type,
            "mime_types": fv.mime_type,
            "cameras": self.camera,
        }
        facets: dict[str, dict[Any, int]] = {}
        async with self.session() as s:
            photos = (await s.scalars(page)).all()
            for name, column in grouped.items():
                stmt = select(column, func.count()).where(*conditions).group_by(column)
                if name not in ("tiers", "ratings"):
                    stmt = stmt.where(column.is_not(None), column != "")
                facets[name] = {key: count for key, count in (await s.execute(stmt)).all()}
            # Keywords are counted once per photo, from the matching rows' arrays.
            keyword_counts: Counter[str] = Counter()
            for (words,) in (await s.execute(select(fv.keywords).where(*conditions))).all():
                keyword_counts.update({w for w in words or () if w})
        facets["keywords"] = dict(keyword_counts)
        ordered = {
            name: dict(sorted(c.items(), key=lambda item: (-item[1], item[0])))
            for name, c in facets.items()
        }
        return photos, ordered

    def to_plain(self, phase: str, results: list[Any]) -> Any:
        """The mapped objects as the plain values the other contenders give."""
        if phase == "search":
            return [
                {
                    "photos": [_version(p, nested=True) for p in photos],
                    "total_count": sum(facets["tiers"].values()),
                    "facets": facets,
                }
                for photos, facets in results
            ]
        if phase == "photo_listing":
            return [[_version(p, nested=True, display=True) for p in page] for page in results]
        if phase == "person_photos":
            return [[_version(p, nested=True) for p in page] for page in results]
        return [_plain(r) for r in results]


def _plain(obj: Any) -> Any:
    if obj is None:
        return None
    if isinstance(obj, list | tuple):
        return [_plain(o) for o in obj]
    if isinstance(obj, FileVersionRow):
        return _version(obj)
    if isinstance(obj, PersonRow):
        return {f: getattr(obj, f) for f in P_FIELDS}
    if isinstance(obj, FaceRow):
        return {**{f: getattr(obj, f) for f in F_FIELDS}, "created_at": obj.created_at}
    if isinstance(obj, SettingRow):
        return {f: getattr(obj, f) for f in ("key", "value", "category", "description")}
    raise TypeError(f"no plain form for {type(obj).__name__}")


def _version(v: FileVersionRow, nested: bool = False, display: bool = False) -> dict[str, Any]:
    row = {f: getattr(v, "metadata_" if f == "metadata" else f) for f in V_FIELDS}
    if nested:
        asset = v.media_asset
        row["media_asset"] = (
            None
            if asset is None
            else {
                "id": asset.id,
                "original_filename": asset.original_filename,
                "created_at": asset.created_at,
            }
        )
        if display and asset is not None:
            row["media_asset"]["display_filename"] = display_filename(v.file_path)
    return row


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The connection settings the library and the raw contender use.
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
