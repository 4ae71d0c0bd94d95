"""Queries on ``ai_prompts``."""

from __future__ import annotations

from ..models import AIPrompt, InsertAIPrompt, UpdateAIPrompt
from ._base import Repository

__all__ = ["AIPromptRepository", "ai_prompt"]


class AIPromptRepository(Repository[AIPrompt, InsertAIPrompt, UpdateAIPrompt]):
    """``ai_prompts`` rows."""

    def __init__(self) -> None:
        super().__init__(AIPrompt, InsertAIPrompt, UpdateAIPrompt)


ai_prompt = AIPromptRepository()
