"""Servers of the topology tests: a streaming replica of a throwaway primary, pgbouncer."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from pictallion_sql.admin.migrations import apply_migrations
from tests import pgcluster


class Replicated:
    """A migrated database on a throwaway primary and the same database on its standby."""

    def __init__(self, primary_admin: str, standby_admin: str, primary: str, standby: str):
        self.primary_admin = primary_admin
        self.standby_admin = standby_admin
        self.primary = primary
        self.standby = standby

    def port(self, url: str) -> int:
        from urllib.parse import urlsplit

        return int(urlsplit(url).port or 5432)


def wait_for_database(url: str) -> None:
    """Block until ``url`` accepts connections (a standby replays the CREATE DATABASE)."""
    pgcluster.wait_until_ready(url, interval=0.1)


@pytest.fixture(scope="package")
def replicated() -> Iterator[Replicated]:
    """A primary (its own cluster: replication needs its settings) with one streaming
    replica made by ``pg_basebackup -R``; both removed afterwards."""
    with pgcluster.throwaway_cluster() as primary_admin:
        pgcluster.wait_until_ready(primary_admin)
        primary = pgcluster.create_database(primary_admin)
        apply_migrations(primary)
        name = primary.rsplit("/", 1)[1]
        with psycopg.connect(primary_admin, autocommit=True) as conn:
            # The throwaway cluster commits asynchronously for speed; a deployment with
            # replicas commits durably, which is what the replica is measured against.
            conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = on")
        with pgcluster.hot_standby(primary_admin) as standby_admin:
            standby = pgcluster.database_url(standby_admin, name)
            wait_for_database(standby)
            yield Replicated(primary_admin, standby_admin, primary, standby)
