"""The benchmark runs end to end on a small library, and refuses answers that differ."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_module(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: msgspec resolves the module's annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run_bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``bench/<script> ARGS`` to its end; it must succeed."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_bench_runs_on_both_dialects_and_writes_the_report(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """A 50-version run of the library and the floor: equal answers, a table per dialect."""
    results = tmp_path / "results"
    done = _run_bench(
        "run.py",
        *("--versions", "50", "--repeats", "1", "--contenders", "library,raw"),
        *("--postgres-url", pg_admin_url, "--ingest-compare", "--per-row-sample", "20"),
        *("--streaming-rows", "1000", "--results-dir", str(results)),
    )
    latest = (results / "latest.md").read_text()
    assert latest.strip() == done.stdout.strip()
    assert [p.name for p in results.iterdir() if p.name.endswith("-N50.md")]
    assert "Every contender returned the same records" in latest
    for heading in ("## SQLite", "## PostgreSQL"):
        table = latest.split(heading, 1)[1].split("\n## ", 1)[0]
        for phase in ("ingest", "get by id", "photo listing", "search", "**total**"):
            row = next(line for line in table.splitlines() if line.startswith(f"| {phase} |"))
            library_ms, raw_ms = row.split("|")[3:5]
            assert float(library_ms.replace(",", "")) > 0
            assert float(raw_ms.replace(",", "")) > 0
    assert "| create_many(returning=False), batches of 2,000 |" in latest
    assert "extrapolated to 50" in latest
    assert "pypika / yoyo in `sys.modules` after the import: []" in latest


def test_differing_answers_fail_naming_phase_and_contender() -> None:
    """Two contenders whose digests differ in one phase stop the run with both names."""
    run = _bench_module("run")

    def result(digest: str) -> dict[str, object]:
        return {"digests": {"get_by_id": "same", "search": digest}}

    answers = {"sqlite": {"library": [result("aaa")], "raw": [result("bbb")]}}
    with pytest.raises(run.DigestMismatch, match=r"sqlite: phase 'search': contender 'raw'"):
        run.check_digests(answers)
    run.check_digests({"sqlite": {"library": [result("aaa")], "raw": [result("aaa")]}})


def test_the_floor_runs_the_library_statements() -> None:
    """The raw contender's SQL is the library's named query text, on both dialects."""
    raw = _bench_module("contender_raw")
    from pictallion_sql.catalog.search import PhotoFilters, plan_search
    from pictallion_sql.query.named import queries

    names = {
        "get_version": "file_versions.get",
        "get_person": "people.get",
        "tier_page": "file_versions.get_by_tier",
        "people_search": "people.search_by_name",
        "unassigned": "faces.get_unassigned",
        "set_value": "settings.set_value",
        "get_setting": "settings.get_by_key",
        "person_photos": "people.get_photos",
        "photo_listing": "file_versions.highest_tier",
    }

    def normal(sql: str) -> str:
        # The raw statements leave out the comment naming the query: the bench measures it.
        sql = re.sub(r"/\* pictallion:[^*]*\*/", "", sql)
        spaced = re.sub(r"\s*([(),])\s*", r"\1", sql)
        return re.sub(r"\s+", " ", spaced).strip().rstrip(";").lower()

    assert {*names, "search"} == set(raw.PG) == set(raw.LITE)
    for statement, query in names.items():
        assert normal(raw.PG[statement]) == normal(queries[query].postgres.text), statement
        assert normal(raw.LITE[statement][0]) == normal(queries[query].sqlite.text), statement
    # The search statement is planned per set of filters: the bench's set, newest first.
    filters = PhotoFilters(
        tier="gold",
        rating_min=1,
        keywords=["beach"],
        created_from=datetime(2020, 1, 1),
        created_to=datetime(2021, 1, 1),
    )
    planned = plan_search(filters, None).query
    assert normal(raw.PG["search"]) == normal(planned.postgres.text)
    assert normal(raw.LITE["search"][0]) == normal(planned.sqlite.text)


@pytest.mark.slow
def test_bench_scale_compares_two_sizes_on_both_dialects(pg_admin_url: str, tmp_path: Path) -> None:
    """A tiny run of bench/scale.py: one table per dialect, a row per hot call, saved."""
    results = tmp_path / "results"
    done = _run_bench(
        "scale.py",
        *("--versions", "600", "--small", "300", "--runs", "2"),
        *("--postgres-url", pg_admin_url, "--results-dir", str(results)),
    )
    (saved,) = [p for p in results.iterdir() if p.name.endswith("-scale-N600.md")]
    report = saved.read_text()
    assert report.strip() in done.stdout
    scale = _bench_module("scale")
    for heading in ("### sqlite", "### postgres"):
        table = report.split(heading, 1)[1].split("\n### ", 1)[0]
        # The first table of the section: one row per hot call (more tables may follow).
        lines = table.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("| "))
        end = next(
            (i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines)
        )
        rows = [line for line in lines[start:end] if "---" not in line]
        assert [row.split(" | ")[0].removeprefix("| ") for row in rows[1:]] == list(scale.HOT)
        for row in rows[1:]:
            p50_small, _, p50_large, _, ratio = row.split(" | ")[1:6]
            assert float(p50_small.replace(",", "")) > 0 < float(p50_large.replace(",", ""))
            assert float(ratio) > 0
