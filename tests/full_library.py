"""A generated library with every column of every table filled, and awkward JSON documents.

``full_library(n)`` gives, per table, rows as mappings for ``import_rows``: fixed ids and
timestamps (some of them time-zone aware), no NULL anywhere, and documents with keys
the application does not know, integers next to floats (``1`` and ``1.0``), nested lists,
empty objects and lists, JSON nulls and booleans, large integers and non-ASCII text. About
``12 * n`` rows in all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

T0 = datetime(2025, 3, 30, 1, 59, 58, 999_999)
PARIS = timezone(timedelta(hours=2))
# Greek with a combining accent, é precomposed and decomposed, and letters outside the BMP.
UNICODE = "Ωμέγα\u0301 \u00e9 e\u0301 " + (
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522"
)


def _id(code: str, n: int) -> str:
    return f"{code * 8}-1111-4111-8111-{n:012d}"


def _at(i: int, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=i, seconds=seconds)


def _document(i: int) -> dict[str, Any]:
    return {
        "exif": {
            "camera": f"Fujifilm X-T{i % 5} «édition» 写真",
            "iso": str(100 * (i % 7 + 1)),
            "aperture": "f/2.8",
            "shutterSpeed": "1/250",
            "gpsLatitude": 43.5 + i / 1000,
            "gpsLongitude": -1.0,
            "dateTimeOriginal": "2025:03:30 03:59:58",
            "makerNotes": {"lensSerial": 123456789012345, "count": 3, "ratio": 3.0},
            "flags": [True, False, None],
        },
        "ai": {
            "aiTags": ["mer", "coucher de soleil", "🌅"],
            "shortDescription": f"photo {i} — l'été",
            "detectedObjects": [
                {"name": "bateau", "confidence": 0.91, "boundingBox": [1, 2.5, 30, 40.0]}
            ],
            "aiConfidenceScores": {"tags": 1, "objects": 1.0, "faces": 0.333333333333},
            "futureModel": {"version": [2, 0, "b"], "scores": [[0.1, 0.2], [1, 2]], "empty": {}},
        },
        "faceDetection": {"attempted": True, "method": "blazeface", "failed": False, "error": None},
        "unknownTopLevel": {
            "nested": [[], {}, [[1]], {"deep": {"deeper": ["ü", 9007199254740993]}}]
        },
        "unicode": UNICODE,
        "tiny": 1e-7,
        "negative": -12.5,
    }


def _smart_rules(i: int) -> Any:
    if i % 2:
        return {
            "rules": [
                {"field": "keywords", "operator": "contains", "value": "mer", "extra": [1, 1.5]}
            ],
            "operator": "AND",
            "unknownKey": {"a": None},
        }
    return [
        {"id": f"r{i}", "field": "rating", "operator": ">=", "value": 4, "weight": 0.5},
        {"field": "keywords", "operator": "contains", "value": "été", "weight": 2},
    ]


def full_library(n: int) -> dict[str, list[dict[str, Any]]]:
    """``n`` media assets and their rows in every table, every column filled."""
    library: dict[str, list[dict[str, Any]]] = {table: [] for table in _ORDER}
    for i in range(n):
        asset, silver, gold = _id("a", i), _id("f", 2 * i), _id("f", 2 * i + 1)
        library["users"].append(
            {"id": _id("7", i), "username": f"user{i}-ñ", "password": f"$argon2id$v=19${i}"}
        )
        library["media_assets"].append(
            {"id": asset, "original_filename": f"IMG_{i:04d} été.jpg", "created_at": _at(i)}
        )
        for fv, tier, offset in ((silver, "silver", 1), (gold, "gold", 2)):
            library["file_versions"].append(
                {
                    "id": fv,
                    "media_asset_id": asset,
                    "tier": tier,
                    "file_path": f"media/{tier}/2025/03/IMG_{i:04d}.jpg",
                    "file_hash": f"{i:064x}",
                    "file_size": 2_000_000 + i,
                    "mime_type": "image/jpeg",
                    "metadata": _document(i),
                    "is_reviewed": bool(i % 2),
                    "rating": i % 6,
                    "keywords": ["mer", "été", f"k{i}"],
                    "location": "43.5,-1.0",
                    "event_type": "holiday",
                    "event_name": "Vacances d'été",
                    "perceptual_hash": f"{i:016x}",
                    "ai_short_description": "Un coucher de soleil — 🌅",
                    "processing_state": "unprocessed" if i % 3 == 0 else "promoted",
                    # An aware timestamp is stored as naive UTC.
                    "created_at": _at(i, offset).replace(tzinfo=UTC).astimezone(PARIS),
                }
            )
        library["asset_history"].append(
            {
                "id": _id("b", i),
                "media_asset_id": asset,
                "action": "PROMOTED",
                "details": '{"from": "silver"}',
                "timestamp": _at(i, 3),
            }
        )
        library["people"].append(
            {
                "id": _id("e", i),
                "name": f"Zoë {i}",
                "notes": "née à Séoul 서울",
                "birthdate": datetime(1990, 1, 1) + timedelta(days=i),
                "face_count": i,
                "representative_face": _id("0", i),
                "selected_thumbnail_face_id": _id("0", i),
                "created_at": _at(i, 4),
            }
        )
        library["faces"].append(
            {
                "id": _id("0", i),
                "photo_id": gold,
                "person_id": _id("e", i),
                "bounding_box": [10, 20.5, 30, 40.25] if i % 2 else [1.0, 2.0, 3.0, 4.0],
                "confidence": i % 101,
                "embedding": [0.1, -0.2, 3, 1e-5, 123456.789],
                "ignored": bool(i % 2),
                "created_at": _at(i, 5),
            }
        )
        library["collections"].append(
            {
                "id": _id("c", i),
                "name": f"Collection {i} 🎞",
                "description": "smart",
                "is_public": bool(i % 2),
                "cover_photo": gold,
                "is_smart_collection": True,
                "smart_rules": _smart_rules(i),
                "created_at": _at(i, 6),
                "updated_at": _at(i, 7),
            }
        )
        library["collection_photos"].append(
            {
                "id": _id("d", i),
                "collection_id": _id("c", i),
                "photo_id": silver,
                "added_at": _at(i, 8),
            }
        )
        library["events"].append(
            {
                "id": _id("3", i),
                "name": f"Anniversaire {i}",
                "type": "birthday",
                "date": datetime(2025, 7, 14, 0, 0) + timedelta(days=i),
                "is_recurring": True,
                "recurring_type": "yearly",
                "country": "FR",
                "region": "Île-de-France",
                "person_id": _id("e", i),
                "is_enabled": bool(i % 2),
                "description": "🎂",
                "created_at": _at(i, 9),
            }
        )
        library["relationships"].append(
            {
                "id": _id("6", i),
                "person1_id": _id("e", i),
                "person2_id": _id("e", (i + 1) % n),
                "relationship_type": "sibling",
                "notes": "jumeaux",
                "created_at": _at(i, 10),
            }
        )
        library["settings"].append(
            {
                "id": _id("1", i),
                "key": f"setting.{i}",
                "value": '{"json": "as text"}',
                "category": "ai",
                "description": "réglage",
                "created_at": _at(i, 11),
                "updated_at": _at(i, 12),
            }
        )
        library["ai_prompts"].append(
            {
                "id": _id("2", i),
                "name": f"prompt {i}",
                "description": "décrire",
                "category": "description",
                "provider": "ollama",
                "system_prompt": "Tu es un assistant.\nRéponds en JSON.",
                "user_prompt": "Décris {{photo}}",
                "is_default": bool(i % 2),
                "is_active": True,
                "created_at": _at(i, 13),
                "updated_at": _at(i, 14),
            }
        )
        library["global_tag_library"].append(
            {
                "id": _id("5", i),
                "tag": f"tag-{i}-été",
                "usage_count": i + 1,
                "created_at": _at(i, 15),
            }
        )
        library["locations"].append(
            {
                "id": _id("4", i),
                "name": f"Plage {i}",
                "description": "sable",
                "latitude": "43.4832",
                "longitude": "-1.5586",
                "radius": 250,
                "is_user_defined": True,
                "photo_count": i,
                "place_name": "Biarritz",
                "place_type": "beach",
                "created_at": _at(i, 16),
                "updated_at": _at(i, 17),
            }
        )
    return library


_ORDER = (
    "users",
    "media_assets",
    "file_versions",
    "asset_history",
    "collections",
    "collection_photos",
    "people",
    "faces",
    "events",
    "relationships",
    "settings",
    "ai_prompts",
    "global_tag_library",
    "locations",
)
