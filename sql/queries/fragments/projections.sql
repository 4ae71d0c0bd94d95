-- Select lists that several queries share, each named after the record it decodes into.

-- fragment: file_version_with_asset
-- A FileVersionWithAsset: the version's columns (fv) and its media asset (ma, left-joined on
-- ma.id = fv.media_asset_id) nested as a JSON object, NULL when the asset is missing.
fv.id, fv.media_asset_id, fv.tier, fv.file_path,
fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
fv.is_reviewed, fv.rating, fv.keywords, fv.location,
fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
fv.processing_state, fv.created_at,
CASE WHEN ma.id IS NULL THEN NULL
     ELSE {{json_object}}('id', ma.id,
                            'original_filename', ma.original_filename,
                            'created_at', ma.created_at)
END AS media_asset
