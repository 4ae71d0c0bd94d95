"""The vocabularies and bounded types of the Pictallion schema, and the input rules of a table.

``InputRules`` completes the row records of ``tables.py`` (the one declaration of each
table) with what the input types generated from them need to know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

from msgspec import Meta

__all__ = [
    "INT4_MAX",
    "INT4_MIN",
    "AICategory",
    "AIProvider",
    "Confidence",
    "EventType",
    "InputRules",
    "Int4",
    "JsonNumber",
    "ProcessingState",
    "Rating",
    "RecurringType",
    "RelationshipType",
    "StoredProcessingState",
    "Tier",
]

# ---------------------------------------------------------------------------------------------
# Vocabularies. The database has no CHECK constraints for these (the enums only ever lived in the
# application's TypeScript/Zod layer), so they are enforced on input only.
# ---------------------------------------------------------------------------------------------

Tier: TypeAlias = Literal["bronze", "silver", "gold"]
ProcessingState: TypeAlias = Literal["processed", "promoted", "rejected"]
# Rows written before the state vocabulary was narrowed may still say 'unprocessed'; reading them
# must not fail, but new writes may not use it.
StoredProcessingState: TypeAlias = ProcessingState | Literal["unprocessed"]
AICategory: TypeAlias = Literal["analysis", "naming", "description"]
AIProvider: TypeAlias = Literal["openai", "ollama", "both"]
EventType: TypeAlias = Literal["holiday", "birthday", "custom"]
RecurringType: TypeAlias = Literal["yearly", "monthly", "weekly"]
RelationshipType: TypeAlias = Literal[
    "spouse", "partner", "sibling", "parent", "child", "friend", "relative"
]

INT4_MIN = -2_147_483_648
INT4_MAX = 2_147_483_647

# Bounded integer inputs; msgspec enforces the Meta bounds on decode, __post_init__ on construction.
Int4: TypeAlias = Annotated[int, Meta(ge=INT4_MIN, le=INT4_MAX)]
Rating: TypeAlias = Annotated[int, Meta(ge=0, le=5)]
Confidence: TypeAlias = Annotated[int, Meta(ge=0, le=100)]

# A number in a JSON list column (face boxes, embeddings): an integer input stays an integer.
JsonNumber: TypeAlias = int | float


class InputRules:
    """What a table's insert and update types need beyond its row record's column types.

    ``generated``: columns the database fills in (ids, creation and update times), never
    an input. ``defaulted``: NOT NULL columns with a database default, optional on insert.
    ``narrowed``: the narrower type a column accepts on input (a range, a smaller vocabulary).
    Read by ``generate_inputs.py`` from the source of ``tables.py``.
    """

    __slots__ = ("defaulted", "generated", "narrowed")

    def __init__(
        self,
        *,
        generated: tuple[str, ...],
        defaulted: tuple[str, ...] = (),
        narrowed: Mapping[str, Any] | None = None,
    ) -> None:
        self.generated = generated
        self.defaulted = defaulted
        self.narrowed = dict(narrowed or {})
