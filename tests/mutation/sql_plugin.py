"""pytest plugin of the SQL mutation run (``-p tests.mutation.sql_plugin``).

While the suite runs normally it records which named queries each test executes (the
adapters bind the arguments of every statement through ``bind_args``), and whether a query
ran inside a fixture shared by several tests. After the normal run, every mutant listed in
``PICTALLION_SQL_MUTANTS`` is applied in turn and the tests that executed its query run
again in the same session, fastest first, until one fails. Results, with the
query -> tests map, go to ``PICTALLION_SQL_MUTANT_RESULTS``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from tests.mutation.sql_mutants import Mutant, applied, mask

_current_test: list[str] = []
_shared_fixtures: list[bool] = []  # one entry per fixture being set up: wider than a test?
_tests_by_query: defaultdict[str, set[str]] = defaultdict(set)
_queries_in_shared_fixtures: set[str] = set()
_duration: defaultdict[str, float] = defaultdict(float)
_failed: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    import pictallion_sql.drivers.postgres as postgres_adapter
    import pictallion_sql.drivers.sqlite as sqlite_adapter

    for module in (postgres_adapter, sqlite_adapter):
        original = module.bind_args

        def recording(query: Any, compiled: Any, params: Any, *, _original: Any = original) -> Any:
            if _current_test:
                _tests_by_query[query.name].add(_current_test[-1])
                if any(_shared_fixtures):
                    _queries_in_shared_fixtures.add(query.name)
            return _original(query, compiled, params)

        module.bind_args = recording  # type: ignore[assignment]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    _current_test.append(item.nodeid)
    try:
        return (yield)
    finally:
        _current_test.pop()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, Any, Any]:
    _shared_fixtures.append(fixturedef.scope != "function")
    try:
        return (yield)
    finally:
        _shared_fixtures.pop()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _duration[report.nodeid] += report.duration
    if report.failed:
        _failed.add(report.nodeid)


_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _writes(sql: str) -> bool:
    return _WRITE.search(mask(sql)) is not None


class _Above:
    """Stands for ``item``'s parent as the next item: teardown keeps only what they share."""

    def __init__(self, item: pytest.Item) -> None:
        self._chain = item.listchain()[:-1]

    def listchain(self) -> list[Any]:
        return self._chain


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    result = yield
    plan_path = os.environ.get("PICTALLION_SQL_MUTANTS")
    tests_by_query = {
        name: sorted(tests - _failed, key=lambda t: (_duration[t], t))
        for name, tests in sorted(_tests_by_query.items())
    }
    if plan_path:
        _run_mutants(session, json.loads(Path(plan_path).read_text()), tests_by_query)
    return result


def _run_mutants(
    session: pytest.Session, plan: list[dict[str, Any]], tests_by_query: dict[str, list[str]]
) -> None:
    items = {item.nodeid: item for item in session.items}
    setup_state = session._setupstate
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    outcomes: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    cap = int(os.environ.get("MUTATE_SQL_MAX_TESTS", "0")) or None
    for number, fields in enumerate(plan, start=1):
        mutant = Mutant(**{**fields, "dialects": tuple(fields["dialects"])})
        tests = [items[t] for t in tests_by_query.get(mutant.query, []) if t in items][:cap]
        if not tests:
            outcomes[mutant.key] = {"status": "no test", "tests": 0}
            continue
        # Shared fixtures are built again under the mutant when they run its query, and
        # after a mutant that writes: a wrong UPDATE or DELETE may have changed the shared
        # library that later mutants' tests read.
        fresh = mutant.query in _queries_in_shared_fixtures or _writes(mutant.original)
        if fresh:
            setup_state.teardown_exact(None)
        status, ran, killer, error = "survived", 0, None, None
        try:
            with applied(mutant):
                for index, item in enumerate(tests):
                    following = tests[index + 1] if index + 1 < len(tests) else None
                    nextitem: Any = (
                        None if fresh and following is None else _Above(following or item)
                    )
                    reports = runtestprotocol(item, nextitem=nextitem, log=False)
                    ran += 1
                    if any(r.failed for r in reports):
                        status, killer = "killed", item.nodeid
                        setup_state.teardown_exact(None if fresh else _Above(item))
                        break
        except Exception as exc:  # the mutant broke the session itself: note it, go on
            status, error = "errored", f"{type(exc).__name__}: {exc}"
            setup_state.teardown_exact(None)
        outcomes[mutant.key] = {"status": status, "tests": ran, "killer": killer, "error": error}
        if reporter is not None:
            reporter.write_line(
                f"[{number}/{len(plan)} {time.monotonic() - started:.0f}s] {status}: "
                f"{mutant.key} ({ran} tests)"
            )
    setup_state.teardown_exact(None)
    results_path = os.environ["PICTALLION_SQL_MUTANT_RESULTS"]
    Path(results_path).write_text(
        json.dumps(
            {
                "tests": len(items),
                "queries": len(tests_by_query),
                "mutants": outcomes,
                "tests_by_query": tests_by_query,
                "queries_in_shared_fixtures": sorted(_queries_in_shared_fixtures),
            }
        )
    )
