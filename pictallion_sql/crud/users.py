"""Queries on ``users``."""

from __future__ import annotations

from ..models import InsertUser, UpdateUser, User
from ._base import Repository

__all__ = ["UserRepository", "user"]


class UserRepository(Repository[User, InsertUser, UpdateUser]):
    """``users`` rows."""

    def __init__(self) -> None:
        super().__init__(User, InsertUser, UpdateUser)


user = UserRepository()
