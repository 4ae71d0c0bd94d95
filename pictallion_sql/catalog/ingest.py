"""The upload flow: a media asset, its first version, its faces and an INGESTED entry.

``crud.file_version.ingest_photo`` documents it; everything is checked before the one
transaction that writes it, so a failure part-way writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import (
    AssetHistory,
    Face,
    FileVersion,
    InsertAssetHistory,
    InsertFace,
    InsertFileVersion,
    InsertMediaAsset,
    MediaAsset,
    provided_fields,
    validate,
)
from pictallion_sql.query.dynamic import insert_query
from pictallion_sql.records.composites.photos import IngestedPhoto

__all__ = ["ingest"]


async def ingest(
    db: Executor,
    *,
    original_filename: str,
    version: InsertFileVersion | Mapping[str, Any],
    faces: Sequence[Mapping[str, Any]],
    details: str | None,
) -> IngestedPhoto:
    """Check every row, then write them in one transaction; the rows written."""
    asset_in = validate(InsertMediaAsset, {"original_filename": original_filename})
    if isinstance(version, InsertFileVersion):
        version_values = provided_fields(version)
    elif isinstance(version, Mapping):
        version_values = {"tier": "silver", **version}
    else:
        raise ValidationError("version must be a mapping", field="version")
    # Validated with a stand-in asset id; the real one is known after the insert.
    version_values["media_asset_id"] = ""
    version_values = provided_fields(validate(InsertFileVersion, version_values))
    if isinstance(faces, str | bytes | Mapping) or not isinstance(faces, Sequence):
        raise ValidationError("faces must be a list", field="faces")
    face_values: list[dict[str, Any]] = []
    for index, face in enumerate(faces):
        if not isinstance(face, Mapping):
            raise ValidationError(f"faces[{index}] must be a mapping", field="faces")
        try:
            face_in = validate(InsertFace, {**face, "photo_id": ""})
        except ValidationError as exc:
            raise ValidationError(f"faces[{index}]: {exc}", field=exc.field) from None
        face_values.append(provided_fields(face_in))
    history_in = validate(
        InsertAssetHistory, {"media_asset_id": "", "action": "INGESTED", "details": details}
    )
    history_values = provided_fields(history_in)

    async with db.transaction() as conn:
        values = provided_fields(asset_in)
        asset = await conn.run(insert_query("media_assets", MediaAsset, tuple(values)), **values)
        version_values["media_asset_id"] = asset.id
        created = await conn.run(
            insert_query("file_versions", FileVersion, tuple(version_values)),
            **version_values,
        )
        new_faces: list[Face] = []
        for values in face_values:
            values["photo_id"] = created.id
            query = insert_query("faces", Face, tuple(values))
            new_faces.append(await conn.run(query, **values))
        history_values["media_asset_id"] = asset.id
        entry = await conn.run(
            insert_query("asset_history", AssetHistory, tuple(history_values)),
            **history_values,
        )
    return IngestedPhoto(asset, created, new_faces, entry)
