"""Import types: a whole row kept as it is (id and timestamps included), to move a library
between databases.

Built from the insert types, so every column an application may write is checked by the
same rules; the columns only the database writes (``id``, ``created_at`` ...) are added:
``id`` is required, timestamps take the column default when not given.
"""

from __future__ import annotations

from typing import Any, get_type_hints

import msgspec
from msgspec import UNSET, UnsetType

from pictallion_sql.records.checks import InputRecord, table_or_name, validated
from pictallion_sql.records.inputs import INSERT_TYPES
from pictallion_sql.records.tables import ROW_TYPES
from pictallion_sql.records.types import StoredProcessingState

__all__ = ["IMPORT_TYPES"]

# Stored values wider than what new writes may use: an imported row may still hold them.
_STORED_VOCABULARIES: dict[tuple[str, str], Any] = {
    ("file_versions", "processing_state"): StoredProcessingState | UnsetType | None,
}


def _import_type(row: type[msgspec.Struct], insert: type[msgspec.Struct]) -> type[InputRecord]:
    table = table_or_name(row)
    insert_hints = get_type_hints(insert, include_extras=True)
    row_hints = get_type_hints(row, include_extras=True)
    required = {f.name for f in msgspec.structs.fields(insert) if f.required}
    fields: list[Any] = []
    for name in row.__struct_fields__:
        if name == "id":
            fields.append(("id", str))
        elif name in required:
            fields.append((name, insert_hints[name]))
        elif name in insert_hints:
            fields.append(
                (name, _STORED_VOCABULARIES.get((table, name), insert_hints[name]), UNSET)
            )
        else:  # written by the database only: created_at, updated_at, added_at, timestamp
            fields.append((name, row_hints[name] | UnsetType, UNSET))
    cls: type[InputRecord] = msgspec.defstruct(  # type: ignore[assignment]
        "Import" + row.__name__, fields, bases=(InputRecord,), kw_only=True, module=__name__
    )
    cls.__table__ = table
    cls.__doc__ = f"A whole ``{table}`` row to import, its id and timestamps kept."
    return validated(cls)


IMPORT_TYPES: dict[str, type[msgspec.Struct]] = {
    table: _import_type(row, INSERT_TYPES[table]) for table, row in ROW_TYPES.items()
}
"""Table name → import struct: a whole row, its ``id`` and timestamps kept (``import_rows``)."""
