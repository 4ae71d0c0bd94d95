"""Queries on ``people``."""

from __future__ import annotations

from ..models import InsertPerson, Person, UpdatePerson
from ._base import Repository

__all__ = ["PersonRepository", "person"]


class PersonRepository(Repository[Person, InsertPerson, UpdatePerson]):
    """``people`` rows."""

    def __init__(self) -> None:
        super().__init__(Person, InsertPerson, UpdatePerson)


person = PersonRepository()
