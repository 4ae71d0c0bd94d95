"""The insert and update types are generated from the row records, and the file is fresh."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pictallion_sql.records import generate_inputs


def test_inputs_file_is_what_the_generator_writes() -> None:
    expected = generate_inputs.render(generate_inputs.TABLES.read_text(encoding="utf-8"))
    assert generate_inputs.INPUTS.read_text(encoding="utf-8") == expected, (
        "pictallion_sql/records/inputs.py is stale: run `make generate`"
    )


def test_check_mode_passes_on_the_committed_file() -> None:
    fresh = subprocess.run(
        [sys.executable, "-m", "pictallion_sql.records.generate_inputs", "--check"],
        capture_output=True,
        text=True,
    )
    assert fresh.returncode == 0, fresh.stderr


def test_input_rules_decide_required_optional_and_left_out() -> None:
    source = """
class Sample(msgspec.Struct):
    __table__: ClassVar[str] = "samples"
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at"), defaulted=("kind",), narrowed={"size": Int4}
    )

    id: str
    name: str
    note: str | None
    kind: str
    size: int
    created_at: datetime
"""
    text = generate_inputs.render(source)
    insert = text.split("class InsertSample")[1].split("@validated")[0]
    update = text.split("class UpdateSample")[1].split("INSERT_TYPES")[0]
    assert "    name: str\n" in insert
    assert "    note: str | UnsetType | None = UNSET\n" in insert
    assert "    kind: str | UnsetType = UNSET\n" in insert
    assert "    size: Int4\n" in insert
    assert "id:" not in insert and "created_at" not in insert
    assert "    name: str | UnsetType = UNSET\n" in update
    assert "    size: Int4 | UnsetType = UNSET\n" in update


def test_a_rule_naming_no_column_is_refused() -> None:
    source = """
class Sample(msgspec.Struct):
    __table__: ClassVar[str] = "samples"
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "creatd_at"))

    id: str
    created_at: datetime
"""
    with pytest.raises(ValueError, match=r"Sample.__inputs__ names no column \['creatd_at'\]"):
        generate_inputs.render(source)
