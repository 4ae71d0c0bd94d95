"""Python mutation run of ``make mutate``: mutmut over the package, then a per-module report.

mutmut (configured under ``[tool.mutmut]`` in pyproject.toml) copies the package to
``mutants/``, records which tests call each function, and runs only those tests against
each mutant. By default only ``crud/``, ``search.py`` and ``smart_rules.py`` are mutated;
``MUTATE_PATHS="pictallion_sql/*"`` (space-separated globs) widens or narrows that.
``MUTATE_BUDGET`` (seconds, default 3600) stops the run; mutmut keeps what it finished and
the next run continues from there.

    python -m tests.mutation.python_mutants [--report-only | --retest-survivors]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.mutation.common import RESULTS, ROOT, postgres_for_tests, rate

# mutmut's statuses, folded into the outcomes the report counts; anything else (not
# checked yet, interrupted, suspicious) is "not run".
_KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def _runs_only_at_import(source: str, name: str) -> bool:
    """The constructor of a repository: ``crud`` builds one instance of each at import.

    mutmut forks its workers from a process that has imported the package, so such a
    mutant never runs: it can be neither killed nor survive, and is left out of the rate.
    """
    return source.startswith("pictallion_sql/catalog/") and "\u01c1__init____mutmut_" in name


def _run_mutmut_inside(paths: list[str], jobs: int, names: list[str]) -> None:
    """Run mutmut in this process with ``only_mutate`` replaced by ``paths``.

    ``names``: mutants to test again even though they have a result (survivors after new
    tests); mutmut otherwise keeps every result it has.
    """
    import mutmut.__main__ as mutmut_main
    import mutmut.configuration as mutmut_config

    config = mutmut_config.config()
    if paths:
        config.only_mutate = paths
    mutmut_main.cli(["run", "--max-children", str(jobs), *names], standalone_mode=False)


def _only_a_cast_changed(source: str, name: str, functions: dict[str, str]) -> bool:
    """Whether the mutant differs from the original only in the type given to ``cast``.

    ``typing.cast`` returns its value unchanged at run time, so such a mutant (mutmut turns
    ``cast(list[X], v)`` into ``cast(None, v)``) is equivalent: mypy --strict catches it.
    """
    function = name.rsplit(".", 1)[-1]
    original = function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    if function not in functions or original not in functions:
        return False
    return functions[function] == functions[original]


def _function_shapes(path: Path) -> dict[str, str]:
    """Each function of a mutmut-generated file, its name and the cast types blanked out."""
    import ast

    shapes: dict[str, str] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "cast"
                and call.args
            ):
                call.args[0] = ast.Constant(None)
        name = node.name
        node.name = ""
        shapes[name] = ast.dump(node)
    return shapes


def run(paths: list[str], budget: float, jobs: int, names: list[str]) -> None:
    """Run mutmut under a time budget; an interrupted run keeps its finished mutants."""
    command = [sys.executable, "-m", "tests.mutation.python_mutants", "--inside", str(jobs)]
    command += [f"--path={path}" for path in paths] + names
    # mutmut keeps which tests call what between runs and lists the tests again to find
    # new ones; that listing (collect-only, in a forked child) fails on this suite, so each
    # run records it afresh: one more run of the suite, and the tests added since are seen.
    (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    with postgres_for_tests():
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
        try:
            process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            print(f"mutmut: time budget of {budget:.0f} s spent; stopping (results so far kept)")
            # mutmut's workers outlive SIGINT; every finished mutant is already saved.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        print(f"mutmut ran {time.monotonic() - started:.0f} s, exit code {process.returncode}")


def collect(paths: list[str]) -> dict[str, dict[str, int | list[str]]]:
    """Per module: mutants, killed, survived, no tests, not run, and the surviving names."""
    from fnmatch import fnmatch

    from mutmut.stats import status_by_exit_code

    per_module: dict[str, dict[str, int | list[str]]] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(ROOT / "mutants").with_suffix("").as_posix()
        if paths and not any(fnmatch(source, pattern) for pattern in paths):
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        functions = _function_shapes(meta.with_suffix(""))
        counts: Counter[str] = Counter()
        survivors: list[str] = []
        for name, code in sorted(codes.items()):
            status = status_by_exit_code[code]
            if _runs_only_at_import(source, name):
                counts["import time"] += 1
            elif status in _KILLED:
                counts["killed"] += 1
            elif status == "survived" and _only_a_cast_changed(source, name, functions):
                counts["equivalent"] += 1
            elif status == "survived":
                counts["survived"] += 1
                survivors.append(name)
            elif status == "no tests":
                counts["no tests"] += 1
                survivors.append(name + " (no test runs it)")
            else:
                counts["not run"] += 1
        per_module[source] = {
            "mutants": len(codes),
            "killed": counts["killed"],
            "survived": counts["survived"],
            "no tests": counts["no tests"],
            "not run": counts["not run"],
            "import time": counts["import time"],
            "equivalent": counts["equivalent"],
            "survivors": survivors,
        }
    return per_module


def report(per_module: dict[str, dict[str, int | list[str]]]) -> str:
    """The Markdown report: one row per module, a total, then the survivors."""
    lines = [
        "# Python mutation report (mutmut)",
        "",
        "Rate = (survived + no test) / tested mutants; `not run` are left for the next run;",
        "`import time`: mutants of the repositories' constructors, which run once at import,",
        "before mutmut picks a mutant, so no test can see them (left out of the rate);",
        "`equivalent`: survivors that differ only in the type given to `typing.cast`, a no-op",
        "at run time (left out of the rate).",
        "",
        "| module | mutants | killed | survived | no test | equivalent | import time | not run "
        "| surviving |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals: Counter[str] = Counter()
    for module, row in per_module.items():
        tested = int(row["killed"]) + int(row["survived"]) + int(row["no tests"])
        lost = int(row["survived"]) + int(row["no tests"])
        for key in (
            "mutants",
            "killed",
            "survived",
            "no tests",
            "equivalent",
            "import time",
            "not run",
        ):
            totals[key] += int(row[key])  # type: ignore[call-overload]
        lines.append(
            f"| {module} | {row['mutants']} | {row['killed']} | {row['survived']} | "
            f"{row['no tests']} | {row['equivalent']} | {row['import time']} | {row['not run']} "
            f"| {rate(lost, tested)} |"
        )
    tested = totals["killed"] + totals["survived"] + totals["no tests"]
    lines.append(
        f"| **total** | {totals['mutants']} | {totals['killed']} | {totals['survived']} | "
        f"{totals['no tests']} | {totals['equivalent']} | {totals['import time']} | "
        f"{totals['not run']} | "
        f"{rate(totals['survived'] + totals['no tests'], tested)} |"
    )
    lines += ["", "## Surviving mutants", ""]
    lines += ["`mutmut show <name>` prints the diff of one.", ""]
    for module, row in per_module.items():
        for name in row["survivors"]:  # type: ignore[union-attr]
            lines.append(f"- {module}: `{name}`")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--retest-survivors",
        action="store_true",
        help="test the surviving mutants again (after adding tests) instead of new ones",
    )
    parser.add_argument("--inside", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inside is not None:
        _run_mutmut_inside(options.path, options.inside, options.names)
        return
    paths = os.environ.get("MUTATE_PATHS", "").split()
    if not options.report_only:
        budget = float(os.environ.get("MUTATE_BUDGET", "3600"))
        jobs = int(os.environ.get("MUTATE_JOBS", "2"))
        names: list[str] = []
        if options.retest_survivors:
            per_module = collect(paths or _configured_paths())
            names = [
                name.removesuffix(" (no test runs it)")
                for row in per_module.values()
                for name in row["survivors"]  # type: ignore[union-attr]
            ]
            if not names:
                sys.exit("no surviving mutants to test again")
        run(paths, budget, jobs, names)
    if not (ROOT / "mutants").is_dir():
        sys.exit("no mutmut results (mutants/ is missing): run without --report-only first")
    text = report(collect(paths or _configured_paths()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mutation-python.md").write_text(text)
    print(text)


def _configured_paths() -> list[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(config["tool"]["mutmut"]["only_mutate"])


if __name__ == "__main__":
    main()
