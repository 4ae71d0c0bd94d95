"""The photo-service workload every contender runs: seeded data, fixed operations, digests.

Everything here is deterministic for a given (versions, seed): each contender process
builds the same rows and the same operation arguments. Ids are the one thing the
contenders cannot share (the library assigns them inside ``create_many``), so results
are compared after replacing every id with the logical name of its row ("v17", "p3").
Creation times are likewise stamped after the ingest (untimed, same statement for all),
so that listings ordered by ``created_at`` have no ties and equal answers everywhere.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

SETTINGS_PHASE = "settings_upsert_read"

# The columns of a file version that the workload gives; id and created_at come later.
VERSION_COLUMNS = (
    "media_asset_id",
    "tier",
    "file_path",
    "file_hash",
    "file_size",
    "mime_type",
    "metadata",
    "is_reviewed",
    "rating",
    "keywords",
    "location",
    "event_type",
    "event_name",
    "perceptual_hash",
    "ai_short_description",
    "processing_state",
)

# Rows per bulk call: a photo import arrives in batches, and a batch bounds memory.
INGEST_BATCH = 2000

FIRST = [
    "Ada",
    "Alan",
    "Alice",
    "Amir",
    "Anna",
    "Ben",
    "Bruno",
    "Carla",
    "Chen",
    "Clara",
    "Dmitri",
    "Elena",
    "Emil",
    "Eva",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jonas",
    "Julia",
    "Kai",
    "Lea",
    "Luca",
    "Maya",
    "Mila",
    "Nina",
    "Noah",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sami",
    "Sofia",
    "Tariq",
    "Uma",
    "Vera",
    "Yuki",
    "Zoe",
]
LAST = [
    "Abbott",
    "Berger",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quint",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zeller",
]
TAGS = [
    "beach",
    "sunset",
    "mountain",
    "forest",
    "city",
    "night",
    "portrait",
    "family",
    "dog",
    "cat",
    "snow",
    "lake",
    "river",
    "bridge",
    "street",
    "food",
    "party",
    "wedding",
    "birthday",
    "garden",
    "flowers",
    "car",
    "bicycle",
    "train",
    "museum",
    "concert",
    "stadium",
    "desert",
    "island",
    "harbor",
    "boat",
    "castle",
    "church",
    "market",
    "kids",
    "friends",
    "hiking",
]
PLACES = [
    "Paris",
    "Lisbon",
    "Berlin",
    "Kyoto",
    "Oslo",
    "Vienna",
    "Prague",
    "Porto",
    "Seville",
    "Bergen",
    "Lyon",
    "Munich",
    "Nice",
    "Bruges",
]
CAMERAS = ("Canon EOS R5", "Nikon Z6 II", "Sony A7 IV", "Fujifilm X-T4", "iPhone 14 Pro")
LENSES = ("RF 24-105mm F4", "Z 50mm f/1.8 S", "FE 35mm F1.8", "XF 23mm F2", "Main Camera")
EVENTS = (("holiday", "Summer holiday"), ("birthday", "Birthday party"), ("wedding", "Wedding"))
BASE_TIME = datetime(2019, 3, 1, 8, 0, 0)


@dataclass
class Workload:
    """The rows to ingest and the arguments of every timed operation."""

    assets: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    version_asset: list[int] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    faces: list[dict[str, Any]] = field(default_factory=list)
    face_version: list[int] = field(default_factory=list)
    face_person: list[int | None] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)
    asset_times: list[datetime] = field(default_factory=list)
    version_times: list[datetime] = field(default_factory=list)
    person_times: list[datetime] = field(default_factory=list)
    face_times: list[datetime] = field(default_factory=list)
    ops: dict[str, list[Any]] = field(default_factory=dict)


def _metadata(rng: random.Random, tags: list[str], place: str, taken: datetime) -> dict[str, Any]:
    lat, lon = round(rng.uniform(35, 60), 6), round(rng.uniform(-9, 25), 6)
    objects = [
        {
            "name": rng.choice(TAGS),
            "confidence": round(rng.uniform(0.5, 1), 3),
            "boundingBox": [float(rng.randrange(0, 3000)) for _ in range(4)],
        }
        for _ in range(rng.randrange(1, 4))
    ]
    return {
        "exif": {
            "camera": rng.choice(CAMERAS),
            "lens": rng.choice(LENSES),
            "aperture": f"f/{rng.choice(('1.8', '2.8', '4', '5.6', '8'))}",
            "shutter": f"1/{rng.choice((60, 125, 250, 500, 1000))}",
            "iso": str(rng.choice((100, 200, 400, 800, 1600))),
            "focalLength": f"{rng.choice((23, 35, 50, 85, 105))}mm",
            "dateTime": taken.strftime("%Y:%m:%d %H:%M:%S"),
            "gpsLatitude": lat,
            "gpsLongitude": lon,
            "software": "Pictallion 1.4",
        },
        "ai": {
            "aiTags": tags,
            "shortDescription": f"{tags[0].capitalize()} in {place}",
            "longDescription": f"A photo of {', '.join(tags)} taken in {place}.",
            "detectedObjects": objects,
            "placeName": place,
            "gpsCoordinates": {"latitude": lat, "longitude": lon},
            "aiConfidenceScores": {"tags": round(rng.uniform(0.6, 1), 3), "objects": 0.8},
        },
        "faceDetection": {"attempted": True, "timestamp": taken.isoformat(), "method": "face-api"},
    }


def _unique_times(rng: random.Random, count: int, start: datetime, step_s: int) -> list[datetime]:
    # A shuffled, strictly distinct clock: listings ordered by time never tie.
    slots = list(range(count))
    rng.shuffle(slots)
    return [start + timedelta(seconds=s * step_s, microseconds=1 + s % 999_983) for s in slots]


def build(versions: int, seed: int) -> Workload:
    """The whole data set and operation list for ``versions`` file versions."""
    rng = random.Random(seed)
    w = Workload()
    asset = 0
    while len(w.versions) < versions:
        place = rng.choice(PLACES)
        w.assets.append({"original_filename": f"IMG_{asset:06d}.jpg"})
        file_hash = f"{rng.getrandbits(128):032x}"
        tiers = ("silver", "gold") if asset % 3 == 0 else ("silver",)
        for tier in tiers:
            if len(w.versions) == versions:
                break
            tags = rng.sample(TAGS, rng.randrange(2, 6))
            taken = BASE_TIME + timedelta(minutes=rng.randrange(0, 2_000_000))
            event = rng.choice(EVENTS) if rng.random() < 0.2 else (None, None)
            w.versions.append(
                {
                    "tier": tier,
                    "file_path": f"media/{tier}/{taken.year}/IMG_{asset:06d}_{tier}.jpg",
                    "file_hash": file_hash,
                    "file_size": rng.randrange(800_000, 12_000_000),
                    "mime_type": "image/jpeg",
                    "metadata": _metadata(rng, tags, place, taken),
                    "is_reviewed": rng.random() < 0.5,
                    "rating": rng.randrange(0, 6),
                    "keywords": tags,
                    "location": place,
                    "event_type": event[0],
                    "event_name": event[1],
                    "perceptual_hash": f"{rng.getrandbits(64):016x}",
                    "ai_short_description": f"{tags[0].capitalize()} in {place}",
                    "processing_state": "promoted"
                    if tier == "silver" and tiers[-1] == "gold"
                    else "processed",
                }
            )
            w.version_asset.append(asset)
        asset += 1

    names: set[str] = set()
    for i in range(max(20, versions // 20)):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        while name in names:
            name = f"{name} {i}"
        names.add(name)
        w.people.append({"name": name, "notes": f"Met in {rng.choice(PLACES)}", "face_count": 0})

    for i in range(versions // 2):
        assigned = rng.random() < 0.7
        w.face_version.append(rng.randrange(len(w.versions)))
        w.face_person.append(rng.randrange(len(w.people)) if assigned else None)
        w.faces.append(
            {
                "bounding_box": [float(rng.randrange(0, 4000)) for _ in range(4)],
                "confidence": rng.randrange(60, 100),
                # "or 0.0": no negative zero, which PostgreSQL's numeric cannot keep.
                "embedding": [round(rng.uniform(-1, 1), 4) or 0.0 for _ in range(128)],
                "ignored": (not assigned) and i % 10 == 0,
            }
        )

    for i in range(50):
        w.settings.append(
            {
                "key": f"app.option_{i:02d}",
                "value": str(rng.randrange(1000)),
                "category": rng.choice(("general", "ai", "storage", "display")),
                "description": f"Option {i}",
            }
        )

    w.asset_times = _unique_times(rng, len(w.assets), BASE_TIME, 600)
    # Every version is newer than any asset's creation: a version follows its asset.
    later = max(w.asset_times) + timedelta(days=1)
    w.version_times = _unique_times(rng, len(w.versions), later, 300)
    w.person_times = _unique_times(rng, len(w.people), BASE_TIME, 3600)
    w.face_times = _unique_times(rng, len(w.faces), later, 300)
    w.ops = _operations(rng, w)
    return w


def _operations(rng: random.Random, w: Workload) -> dict[str, list[Any]]:
    # Counts chosen so that every phase lasts a few hundred milliseconds or more at the
    # default size: shorter phases measure the machine's noise more than the code.
    per_tier = {t: sum(1 for v in w.versions if v["tier"] == t) for t in ("silver", "gold")}
    people = len(w.people)
    assigned = sorted({p for p in w.face_person if p is not None})

    def search_text(name: str) -> str:
        start = rng.randrange(0, max(1, len(name) - 3))
        part = name[start : start + rng.randrange(3, 6)]
        return part.upper() if rng.random() < 0.5 else part.lower()

    ops: dict[str, list[Any]] = {
        "get_version": [rng.randrange(len(w.versions)) for _ in range(2000)],
        "get_person": [rng.randrange(people) for _ in range(500)],
        "tier_page": [],
        "people_search": [search_text(rng.choice(w.people)["name"]) for _ in range(1000)],
        "unassigned_faces": [100] * 200,
        "settings": [],
        "person_photos": [rng.choice(assigned) for _ in range(500)] if assigned else [],
        "photo_listing": [(k % 20) * 50 for k in range(20)],
        "search": [],
    }
    for k in range(200):
        tier = ("silver", "gold")[k % 2]
        pages = max(1, min(20, per_tier[tier] // 50))
        ops["tier_page"].append((tier, (k * 7 % pages) * 50))
    for k in range(500):
        key = f"app.option_{rng.randrange(100):02d}"
        ops["settings"].append((key, f"value-{k}", "general"))
    first, last = min(w.version_times), max(w.version_times)
    for k in range(100):
        # A window over about half of the library's time span, at a random place.
        start = first + (last - first) * rng.uniform(0, 0.5)
        end = start + (last - first) / 2
        tier = ("silver", "gold")[k % 2]
        ops["search"].append((rng.choice(TAGS), tier, rng.randrange(0, 4), start, end))
    return ops


# ---- comparing answers --------------------------------------------------------------------


def id_names(ids: dict[str, list[str]]) -> dict[str, str]:
    """Every generated id mapped to its row's logical name ("a3", "v17", "p2", "f9")."""
    names: dict[str, str] = {}
    for prefix, table in (("a", "assets"), ("v", "versions"), ("p", "people"), ("f", "faces")):
        for index, row_id in enumerate(ids[table]):
            names[row_id] = f"{prefix}{index}"
    return names


def _rename(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_rename(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, names) for k, v in value.items()}
    return value


def digest(phase: str, plain: Any, names: dict[str, str]) -> str:
    """sha256 of a phase's answers: plain values, ids renamed, keys sorted."""
    plain = msgspec.to_builtins(plain, str_keys=True)
    if phase == SETTINGS_PHASE:
        # Settings rows carry the clock (updated_at) and server-made ids: compare content.
        keep = ("key", "value", "category", "description")
        plain = [None if row is None else {k: row[k] for k in keep} for row in plain]
    encoded = msgspec.json.encode(_rename(plain, names), order="sorted")
    return hashlib.sha256(encoded).hexdigest()


def display_filename(file_path: str) -> str:
    """The basename the photo listing shows (what the listing query computes in SQL)."""
    return file_path.rstrip("/").rsplit("/", 1)[-1]
