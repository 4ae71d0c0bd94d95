"""Queries on ``users``."""

from __future__ import annotations

from pictallion_sql.catalog.base import Repository, check_text
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import InsertUser, UpdateUser, User
from pictallion_sql.query.named import queries

__all__ = ["UserRepository", "user"]

_BY_USERNAME = queries.one("users.get_by_username", User)


class UserRepository(Repository[User, InsertUser, UpdateUser]):
    """``users`` rows; ``create`` raises DuplicateKeyError for a username already taken."""

    def __init__(self) -> None:
        super().__init__(User, InsertUser, UpdateUser)

    async def get_by_username(self, db: Executor, *, username: str) -> User | None:
        """The user with exactly this username (case-sensitive), or None (#2)."""
        if type(username) is not str:
            raise ValidationError("username must be a string", field="username")
        check_text("username", username)
        return await db.run(_BY_USERNAME, username=username)


user = UserRepository()
