"""A small, fixed photo library with the awkward cases real data has.

Every id and timestamp is fixed, so the same library loaded into SQLite and into
PostgreSQL must answer every read identically. It includes NULLs in every nullable
column, timestamp ties, a legacy ``processing_state``, duplicate collection rows,
the three shapes of ``smart_rules``, non-ASCII and LIKE-special names, and text that
sorts differently under case-insensitive collations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from pictallion_sql.drivers.base import Executor
from pictallion_sql.models import ROW_TYPES
from pictallion_sql.query.dynamic import insert_query

T0 = datetime(2026, 7, 1, 12, 0, 0, 123456)


def at(minutes: float) -> datetime:
    """A timestamp ``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


def uid(kind: str, n: int) -> str:
    """A fixed, valid-looking UUID string: the kind's letter code and a number."""
    code = {
        "asset": "a",
        "fv": "f",
        "hist": "b",
        "coll": "c",
        "cp": "d",
        "person": "e",
        "face": "0",
        "setting": "1",
        "prompt": "2",
        "event": "3",
        "loc": "4",
        "tag": "5",
        "rel": "6",
        "user": "7",
    }[kind]
    return f"{code * 8}-0000-4000-8000-{n:012d}"


EXIF_GPS = {
    "camera": "Canon EOS R5",
    "gpsLatitude": 48.8584,
    "gpsLongitude": 2.2945,
    "dateTimeOriginal": "2026:06:30 18:01:02",
}
AI_FULL = {
    "aiTags": ["beach", "Sunset", "people"],
    "shortDescription": "Two people at sunset",
    "longDescription": "A long description",
    "detectedObjects": [{"name": "person", "confidence": 0.97, "boundingBox": [1, 2, 30, 40]}],
    "aiConfidenceScores": {"tags": 0.9},
    "placeName": "Paris",
    "gpsCoordinates": {"latitude": 48.8584, "longitude": 2.2945},
}

MEDIA_ASSETS = [
    {"id": uid("asset", 1), "original_filename": "IMG_0001.jpg", "created_at": at(0)},
    {"id": uid("asset", 2), "original_filename": "IMG_0002.jpg", "created_at": at(10)},
    {"id": uid("asset", 3), "original_filename": "burst_0003.jpg", "created_at": at(20)},
    {"id": uid("asset", 4), "original_filename": "Élodie à la plage.png", "created_at": at(20)},
    {"id": uid("asset", 5), "original_filename": "IMG_0005.heic", "created_at": at(30)},
    {"id": uid("asset", 6), "original_filename": "IMG_0006.jpg", "created_at": at(40)},
]


def _fv(n: int, asset: int, tier: str, minutes: float, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uid("fv", n),
        "media_asset_id": uid("asset", asset),
        "tier": tier,
        "file_path": f"media/{tier}/2026/07/photo_{n}.jpg",
        "file_hash": f"hash{asset:02d}",
        "file_size": 1000 * n,
        "mime_type": "image/jpeg",
        "created_at": at(minutes),
    }
    row.update(extra)
    return row


FILE_VERSIONS = [
    _fv(
        1,
        1,
        "silver",
        1,
        rating=3,
        keywords=["beach"],
        perceptual_hash="ffee0011",
        metadata={"exif": EXIF_GPS, "ai": AI_FULL},
        is_reviewed=False,
    ),
    _fv(
        2,
        1,
        "gold",
        5,
        rating=5,
        keywords=["beach", "sunset"],
        perceptual_hash="ffee0011",
        metadata={"exif": EXIF_GPS, "ai": AI_FULL},
        is_reviewed=True,
        event_type="holiday",
        event_name="Summer trip",
        location="48.8584,2.2945",
    ),
    _fv(
        3,
        2,
        "silver",
        11,
        rating=None,
        keywords=None,
        is_reviewed=None,
        processing_state=None,
        metadata=None,
        perceptual_hash="ffee0012",
    ),
    _fv(
        4,
        3,
        "bronze",
        21,
        processing_state="unprocessed",
        perceptual_hash="00000000",
        metadata={
            "ai": None,
            "faceDetection": {"attempted": True, "method": None, "failed": False, "error": None},
        },
    ),
    _fv(
        5,
        3,
        "silver",
        21,
        rating=1,
        keywords=[],
        perceptual_hash="abc",
        event_type="birthday",
        event_name="Élodie's birthday",
    ),
    _fv(
        6,
        4,
        "gold",
        25,
        rating=4,
        keywords=["plage", "famille"],
        location="Nice",
        ai_short_description="Famille à la plage",
        processing_state="promoted",
    ),
    _fv(
        7,
        5,
        "silver",
        31,
        rating=0,
        keywords=["100%_sale"],
        event_type="custom",
        location=None,
        perceptual_hash=None,
    ),
    _fv(8, 6, "silver", 41, rating=2, processing_state="rejected"),
    _fv(9, 6, "gold", 45, rating=2, metadata={"exif": {"camera": "Pixel 9"}}),
    _fv(10, 6, "silver", 41, rating=3),
]

ASSET_HISTORY = [
    {
        "id": uid("hist", 1),
        "media_asset_id": uid("asset", 1),
        "action": "INGESTED",
        "details": "uploaded",
        "timestamp": at(1),
    },
    {
        "id": uid("hist", 2),
        "media_asset_id": uid("asset", 1),
        "action": "PROMOTED",
        "details": None,
        "timestamp": at(5),
    },
    {
        "id": uid("hist", 3),
        "media_asset_id": uid("asset", 2),
        "action": "INGESTED",
        "details": None,
        "timestamp": at(11),
    },
    {
        "id": uid("hist", 4),
        "media_asset_id": uid("asset", 6),
        "action": "INGESTED",
        "details": "x",
        "timestamp": at(41),
    },
    {
        "id": uid("hist", 5),
        "media_asset_id": uid("asset", 6),
        "action": "AI_PROCESSED",
        "details": "y",
        "timestamp": at(41),
    },
]

COLLECTIONS = [
    {
        "id": uid("coll", 1),
        "name": "Holidays",
        "description": "Trips",
        "is_public": True,
        "cover_photo": None,
        "is_smart_collection": False,
        "smart_rules": None,
        "created_at": at(50),
        "updated_at": at(50),
    },
    {
        "id": uid("coll", 2),
        "name": "Best rated",
        "is_smart_collection": True,
        "smart_rules": {
            "rules": [{"field": "rating", "operator": "greater_than", "value": 4}],
            "operator": "AND",
        },
        "created_at": at(51),
        "updated_at": at(51),
    },
    {
        "id": uid("coll", 3),
        "name": "UI rules",
        "is_smart_collection": True,
        "smart_rules": [
            {"id": "r1", "field": "aiTags", "operator": "contains", "value": "beach", "weight": 1}
        ],
        "created_at": at(52),
        "updated_at": at(52),
    },
    {
        "id": uid("coll", 4),
        "name": "empty rules",
        "is_smart_collection": True,
        "smart_rules": {},
        "is_public": None,
        "created_at": at(52),
        "updated_at": at(53),
    },
    {
        "id": uid("coll", 5),
        "name": "Nothing yet",
        "is_public": None,
        "is_smart_collection": None,
        "created_at": at(54),
        "updated_at": at(54),
    },
]

COLLECTION_PHOTOS = [
    {
        "id": uid("cp", 1),
        "collection_id": uid("coll", 1),
        "photo_id": uid("fv", 2),
        "added_at": at(60),
    },
    {
        "id": uid("cp", 2),
        "collection_id": uid("coll", 1),
        "photo_id": uid("fv", 6),
        "added_at": at(61),
    },
    {
        "id": uid("cp", 3),
        "collection_id": uid("coll", 1),
        "photo_id": uid("fv", 2),
        "added_at": at(61),
    },
    {
        "id": uid("cp", 4),
        "collection_id": uid("coll", 2),
        "photo_id": uid("fv", 2),
        "added_at": at(62),
    },
]

PEOPLE = [
    {
        "id": uid("person", 1),
        "name": "Élodie Martin",
        "notes": "sister",
        "birthdate": datetime(1990, 7, 2),
        "face_count": 0,
        "representative_face": None,
        "selected_thumbnail_face_id": uid("face", 2),
        "created_at": at(70),
    },
    {
        "id": uid("person", 2),
        "name": "John Smith",
        "birthdate": None,
        "face_count": None,
        "created_at": at(71),
    },
    {"id": uid("person", 3), "name": "100% Real_Name\\x", "created_at": at(71)},
    {
        "id": uid("person", 4),
        "name": "johnny",
        "birthdate": datetime(2001, 1, 1),
        "created_at": at(72),
    },
]

FACES = [
    {
        "id": uid("face", 1),
        "photo_id": uid("fv", 2),
        "person_id": uid("person", 1),
        "bounding_box": [10, 20, 100, 120],
        "confidence": 98,
        "embedding": [0.1, 0.2, 0.3],
        "ignored": False,
        "created_at": at(80),
    },
    {
        "id": uid("face", 2),
        "photo_id": uid("fv", 6),
        "person_id": uid("person", 1),
        "bounding_box": [1.5, 2.5, 30, 40],
        "confidence": 90,
        "embedding": None,
        "ignored": False,
        "created_at": at(81),
    },
    {
        "id": uid("face", 3),
        "photo_id": uid("fv", 6),
        "person_id": uid("person", 2),
        "bounding_box": [5, 5, 50, 50],
        "confidence": 75,
        "embedding": [0.5, 0.5],
        "ignored": True,
        "created_at": at(81),
    },
    {
        "id": uid("face", 4),
        "photo_id": uid("fv", 3),
        "person_id": None,
        "bounding_box": [0, 0, 10, 10],
        "confidence": 60,
        "ignored": False,
        "created_at": at(82),
    },
    {
        "id": uid("face", 5),
        "photo_id": uid("fv", 3),
        "person_id": None,
        "bounding_box": [20, 0, 10, 10],
        "confidence": 55,
        "ignored": True,
        "created_at": at(83),
    },
    {
        "id": uid("face", 6),
        "photo_id": uid("fv", 2),
        "person_id": uid("person", 1),
        "bounding_box": [200, 20, 100, 120],
        "confidence": 91,
        "ignored": False,
        "created_at": at(84),
    },
]

SETTINGS = [
    {
        "id": uid("setting", 1),
        "key": "theme",
        "value": "dark",
        "category": "general",
        "description": None,
        "created_at": at(90),
        "updated_at": at(90),
    },
    {
        "id": uid("setting", 2),
        "key": "enabled_holidays",
        "value": '["US"]',
        "category": "events",
        "description": "Holiday calendars",
        "created_at": at(91),
        "updated_at": at(91),
    },
    {
        "id": uid("setting", 3),
        "key": "Gold_naming_pattern",
        "value": "datetime",
        "category": "Naming",
        "created_at": at(92),
        "updated_at": at(92),
    },
    {
        "id": uid("setting", 4),
        "key": "custom_naming_pattern",
        "value": "",
        "category": "naming",
        "created_at": at(92),
        "updated_at": at(93),
    },
]

AI_PROMPTS = [
    {
        "id": uid("prompt", 1),
        "name": "Image Analysis",
        "category": "analysis",
        "provider": "both",
        "system_prompt": "s1",
        "user_prompt": "u1",
        "is_default": True,
        "is_active": True,
        "created_at": at(100),
        "updated_at": at(100),
    },
    {
        "id": uid("prompt", 2),
        "name": "File Naming",
        "category": "naming",
        "provider": "both",
        "system_prompt": "s2",
        "user_prompt": "u2",
        "is_default": True,
        "is_active": True,
        "created_at": at(100),
        "updated_at": at(100),
    },
    {
        "id": uid("prompt", 3),
        "name": "family Description Generator",
        "category": "description",
        "provider": "openai",
        "system_prompt": "s3",
        "user_prompt": "u3",
        "is_default": None,
        "is_active": False,
        "description": "d",
        "created_at": at(101),
        "updated_at": at(101),
    },
    {
        "id": uid("prompt", 4),
        "name": "Alt analysis",
        "category": "analysis",
        "provider": "ollama",
        "system_prompt": "s4",
        "user_prompt": "u4",
        "is_default": False,
        "is_active": None,
        "created_at": at(102),
        "updated_at": at(102),
    },
]

EVENTS = [
    {
        "id": uid("event", 1),
        "name": "Christmas",
        "type": "holiday",
        "date": datetime(2000, 12, 25),
        "is_recurring": True,
        "recurring_type": "yearly",
        "country": "US",
        "region": None,
        "person_id": None,
        "is_enabled": True,
        "created_at": at(110),
    },
    {
        "id": uid("event", 2),
        "name": "Élodie's birthday",
        "type": "birthday",
        "date": datetime(1990, 7, 2),
        "is_recurring": True,
        "recurring_type": "yearly",
        "person_id": uid("person", 1),
        "is_enabled": None,
        "created_at": at(111),
    },
    {
        "id": uid("event", 3),
        "name": "Team offsite",
        "type": "custom",
        "date": datetime(2026, 7, 1, 9, 30),
        "is_recurring": False,
        "recurring_type": None,
        "is_enabled": False,
        "description": "x",
        "created_at": at(111),
    },
    {
        "id": uid("event", 4),
        "name": "Boxing Day",
        "type": "holiday",
        "date": datetime(2000, 12, 25),
        "is_recurring": None,
        "country": "UK",
        "created_at": at(112),
    },
]

LOCATIONS = [
    {
        "id": uid("loc", 1),
        "name": "Eiffel Tower",
        "latitude": "48.8584",
        "longitude": "2.2945",
        "radius": 200,
        "is_user_defined": True,
        "photo_count": 5,
        "place_type": "landmark",
        "created_at": at(120),
        "updated_at": at(120),
    },
    {
        "id": uid("loc", 2),
        "name": "home",
        "latitude": "43.7",
        "longitude": "7.26",
        "radius": None,
        "is_user_defined": None,
        "photo_count": None,
        "created_at": at(121),
        "updated_at": at(121),
    },
    {
        "id": uid("loc", 3),
        "name": "Beach",
        "latitude": "43.69",
        "longitude": "7.27",
        "photo_count": 0,
        "created_at": at(122),
        "updated_at": at(122),
    },
    {
        "id": uid("loc", 4),
        "name": "Office",
        "latitude": "0",
        "longitude": "0",
        "photo_count": 5,
        "place_name": "HQ",
        "created_at": at(122),
        "updated_at": at(123),
    },
]

GLOBAL_TAGS = [
    {"id": uid("tag", 1), "tag": "beach", "usage_count": 3, "created_at": at(130)},
    {"id": uid("tag", 2), "tag": "Beach", "usage_count": 3, "created_at": at(130)},
    {"id": uid("tag", 3), "tag": "sunset", "usage_count": 1, "created_at": at(131)},
    {"id": uid("tag", 4), "tag": "élan", "usage_count": 2, "created_at": at(132)},
]

RELATIONSHIPS = [
    {
        "id": uid("rel", 1),
        "person1_id": uid("person", 1),
        "person2_id": uid("person", 2),
        "relationship_type": "sibling",
        "notes": None,
        "created_at": at(140),
    },
    {
        "id": uid("rel", 2),
        "person1_id": uid("person", 4),
        "person2_id": uid("person", 1),
        "relationship_type": "friend",
        "notes": "school",
        "created_at": at(141),
    },
    {
        "id": uid("rel", 3),
        "person1_id": uid("person", 2),
        "person2_id": uid("person", 4),
        "relationship_type": "parent",
        "created_at": at(141),
    },
]

USERS = [
    {"id": uid("user", 1), "username": "admin", "password": "x"},
    {"id": uid("user", 2), "username": "Élodie", "password": "y"},
]

LIBRARY: dict[str, list[dict[str, Any]]] = {
    "users": USERS,
    "media_assets": MEDIA_ASSETS,
    "file_versions": FILE_VERSIONS,
    "asset_history": ASSET_HISTORY,
    "collections": COLLECTIONS,
    "collection_photos": COLLECTION_PHOTOS,
    "people": PEOPLE,
    "faces": FACES,
    "settings": SETTINGS,
    "ai_prompts": AI_PROMPTS,
    "events": EVENTS,
    "locations": LOCATIONS,
    "global_tag_library": GLOBAL_TAGS,
    "relationships": RELATIONSHIPS,
}


async def load_library(db: Executor) -> None:
    """Insert the whole library, parents before children, in one transaction."""
    async with db.transaction() as conn:
        for table, rows in LIBRARY.items():
            record = ROW_TYPES[table]
            for row in rows:
                values = {k: _plain(v) for k, v in row.items()}
                await conn.run(insert_query(table, record, tuple(values)), **values)


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value) if isinstance(value, msgspec.Struct) else value
