"""Queries on ``ai_prompts``: the system/user prompt pairs the AI services use.

Lists are ordered by category, then name, both in byte order (UTF-8 code points; the same
on SQLite and PostgreSQL whatever the database collation), then id. ``update`` sets
``updated_at``. The default prompts (docs/storage-mapping.md #84) are :data:`DEFAULT_PROMPTS`;
:meth:`AIPromptRepository.reset_to_defaults` and :meth:`AIPromptRepository.ensure_defaults`
write them in one transaction each, serialised against each other (see their docstrings).
"""

from __future__ import annotations

from typing import Any, get_args

import msgspec

from pictallion_sql.catalog.base import Repository
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import AICategory, AIPrompt, AIProvider, InsertAIPrompt, UpdateAIPrompt
from pictallion_sql.query.named import queries

__all__ = ["DEFAULT_PROMPTS", "AIPromptRepository", "ai_prompt"]

_ALL = queries.rows("ai_prompts.get_all", AIPrompt)
_BY_CATEGORY = queries.rows("ai_prompts.get_by_category", AIPrompt)
_BY_PROVIDER = queries.rows("ai_prompts.get_by_provider", AIPrompt)
_ACTIVE = queries.rows("ai_prompts.get_active", AIPrompt)
_LOCK = queries.command("ai_prompts.lock_for_seeding")
_REMOVE_ALL = queries.command("ai_prompts.remove_all")
_INSERT_IF_EMPTY = queries.rows("ai_prompts.insert_if_empty", AIPrompt)

_CATEGORIES: tuple[str, ...] = get_args(AICategory)
_PROVIDERS: tuple[str, ...] = get_args(AIProvider)

DEFAULT_PROMPTS: tuple[InsertAIPrompt, ...] = (
    InsertAIPrompt(
        name="Image Analysis",
        description="Describes a photo and extracts tags, objects, people and events.",
        category="analysis",
        provider="both",
        system_prompt=(
            "You are a careful photo analyst for a family photo library. Look at the image "
            "and describe only what is visible; do not guess names, places or dates you "
            "cannot see. Answer with JSON only, using these keys: aiTags (5 to 15 short "
            "lowercase tags), shortDescription (one sentence, at most 100 characters), "
            "longDescription (two to four sentences), detectedObjects (a list of {name, "
            "confidence} with confidence between 0 and 1), detectedEvents (a list of "
            "{eventType, eventName, confidence} for occasions such as birthdays, weddings or "
            "holidays, empty when none is evident), and placeName (a recognisable landmark or "
            "kind of place, omitted when unknown)."
        ),
        user_prompt=(
            "Analyse this photo and reply with the JSON object described above. Treat any "
            "camera data supplied with it as context, not as something to describe."
        ),
        is_default=True,
        is_active=True,
    ),
    InsertAIPrompt(
        name="File Naming",
        description="Suggests a short, descriptive file name for a photo.",
        category="naming",
        provider="both",
        system_prompt=(
            "You name photo files. Describe the main subject or scene of the photo in two or "
            "three words written together in PascalCase, for example BeachSunset or "
            "GrandmaBirthday, with no date, no extension, no spaces and no punctuation. "
            'Reply with JSON only: {"description": "<the words>"}.'
        ),
        user_prompt="Suggest a short PascalCase name for this photo, to be used in its file name.",
        is_default=True,
        is_active=True,
    ),
    InsertAIPrompt(
        name="Family Description Generator",
        description="Writes a warm caption that mentions the people recognised in a photo.",
        category="description",
        provider="both",
        system_prompt=(
            "You write captions for a family photo album. Write warm, natural and factual "
            "text about the moment the photo shows, in plain conversational language. "
            "Mention the people by the names you are given, and their ages or relationships "
            "when those are given; never invent names, ages, relationships or occasions. "
            "Keep a caption to one sentence of at most 150 characters unless a longer "
            "description is asked for. Reply with the text only."
        ),
        user_prompt=(
            "Write a family album caption for this photo, using the information about the "
            "people in it that comes with this request."
        ),
        is_default=True,
        is_active=True,
    ),
)
"""The three defaults (docs/storage-mapping.md #84): both providers, default and active."""

_DEFAULT_DOCUMENTS: list[dict[str, Any]] = [msgspec.to_builtins(p) for p in DEFAULT_PROMPTS]


def _listing_key(row: AIPrompt) -> tuple[str, str, str]:
    # Python compares str by code point, which is UTF-8 byte order: the queries' order.
    return (row.category, row.name, row.id)


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{name} must be one of {', '.join(allowed)}, got {shown(value)}", field=name
        )


class AIPromptRepository(Repository[AIPrompt, InsertAIPrompt, UpdateAIPrompt]):
    """``ai_prompts`` rows."""

    def __init__(self) -> None:
        super().__init__(AIPrompt, InsertAIPrompt, UpdateAIPrompt)

    async def get_all(self, db: Executor) -> list[AIPrompt]:
        """Every prompt: category, then name (byte order), then id (docs/storage-mapping.md #68)."""
        return await db.run(_ALL)

    async def get_by_category(self, db: Executor, *, category: str) -> list[AIPrompt]:
        """Prompts of one category, inactive ones too: by name (byte order), then id (#70)."""
        _check_choice("category", category, _CATEGORIES)
        return await db.run(_BY_CATEGORY, category=category)

    async def get_by_provider(self, db: Executor, *, provider: str) -> list[AIPrompt]:
        """Prompts for ``provider`` or for 'both', inactive ones too, in list order (#71)."""
        _check_choice("provider", provider, _PROVIDERS)
        return await db.run(_BY_PROVIDER, provider=provider)

    async def get_active(self, db: Executor) -> list[AIPrompt]:
        """Prompts with is_active true (NULL is not active), in list order (#75)."""
        return await db.run(_ACTIVE)

    async def reset_to_defaults(self, db: Executor) -> list[AIPrompt]:
        """Replace every prompt by the three defaults, atomically (#84); the new rows.

        One transaction: lock, delete all, insert the defaults (new ids from the database
        each time). A failure leaves the table as it was. Concurrent calls (and
        ``ensure_defaults``) run one after the other: PostgreSQL waits on a table lock,
        SQLite on the database write lock (up to the busy timeout, then DatabaseError).
        """
        async with db.transaction() as conn:
            await conn.run(_LOCK)
            await conn.run(_REMOVE_ALL)
            rows = await conn.run(_INSERT_IF_EMPTY, prompts=_DEFAULT_DOCUMENTS)
        return sorted(rows, key=_listing_key)

    async def ensure_defaults(self, db: Executor) -> list[AIPrompt]:
        """Insert the three defaults if the table is empty (startup seeding, 2.5.7).

        Returns the rows inserted, or [] when the table already had prompts. One
        transaction holding the same lock as ``reset_to_defaults``, then a single
        INSERT ... SELECT ... WHERE NOT EXISTS. Two concurrent callers never seed twice:
        on PostgreSQL the second waits for the first's table lock, then sees its rows and
        inserts nothing; on SQLite the second waits for the write lock (busy timeout) and
        likewise gets [].
        """
        async with db.transaction() as conn:
            await conn.run(_LOCK)
            rows = await conn.run(_INSERT_IF_EMPTY, prompts=_DEFAULT_DOCUMENTS)
        return sorted(rows, key=_listing_key)


ai_prompt = AIPromptRepository()
