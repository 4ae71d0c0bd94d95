"""The SQL mutator of ``make mutate`` generates the mutants it documents and puts queries back.

``make mutate`` stays out of CI; this keeps its SQL mutator from rotting unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pictallion_sql.query.registry import Registry, compile_sql, named_sql
from tests.mutation.sql_mutants import applied, body_mutations, generate, mask

SAMPLE = """SELECT id, 'a = b AND c' AS note -- ORDER BY x < y
FROM photos
WHERE owner = :owner AND taken BETWEEN :start AND :stop AND (rating >= 3 AND x <> 1)
ORDER BY taken_at DESC NULLS LAST, id
LIMIT :limit OFFSET :skip"""


def _expect(old: str, new: str) -> str:
    assert SAMPLE.count(old) == 1, old
    return SAMPLE.replace(old, new)


def test_mask_blanks_literals_and_comments_only() -> None:
    masked = mask(SAMPLE)
    assert len(masked) == len(SAMPLE)
    assert "a = b" not in masked
    assert "x < y" not in masked
    assert "WHERE owner = :owner" in masked


def test_sample_query_gives_exactly_the_documented_mutants() -> None:
    got = [(kind, mutated) for kind, _, mutated in body_mutations(SAMPLE)]
    assert got == [
        ("order", _expect("taken_at DESC NULLS", "taken_at ASC NULLS")),
        ("order", _expect("LAST, id\n", "LAST, id DESC\n")),
        ("nulls", _expect("NULLS LAST", "NULLS FIRST")),
        ("compare", _expect("owner = :owner", "owner <> :owner")),
        ("compare", _expect("rating >= 3", "rating > 3")),
        ("compare", _expect("x <> 1", "x = 1")),
        ("limit", _expect("LIMIT :limit", "LIMIT :limit + 1")),
        ("offset", _expect("OFFSET :skip", "OFFSET :skip + 1")),
        # BETWEEN's AND does not split; the parenthesised AND is one conjunct of the top level.
        ("where", _expect("owner = :owner AND taken", "taken")),
        ("where", _expect("taken BETWEEN :start AND :stop AND (", "(")),
        ("where", _expect(" AND (rating >= 3 AND x <> 1)", "")),
    ]


def test_assignments_are_no_comparisons() -> None:
    sql = "UPDATE photos SET rating = :rating, note = 'x' WHERE id = :id"
    got = [mutated for kind, _, mutated in body_mutations(sql) if kind == "compare"]
    assert got == ["UPDATE photos SET rating = :rating, note = 'x' WHERE id <> :id"]


def _write(folder: Path, relative: str, text: str) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def query_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "queries"
    _write(
        folder,
        "photos.sql",
        "-- name: photos.count_rated\n-- returns: scalar int\n-- params: low\n"
        "-- Photos rated at least low.\nSELECT count(*)\nFROM photos\nWHERE rating >= :low;\n\n"
        "-- name: photos.newest\n-- returns: scalar int\n"
        "SELECT id FROM photos ORDER BY id DESC LIMIT 1;\n",
    )
    _write(
        folder,
        "sqlite/photos.sql",
        "-- name: photos.newest\n-- returns: scalar int\n"
        "SELECT rowid FROM photos ORDER BY rowid DESC LIMIT 1;\n",
    )
    return folder


def test_mutants_name_their_line_and_the_dialects_their_body_serves(query_folder: Path) -> None:
    found = {(m.query, m.kind, m.line, m.dialects) for m in generate(query_folder)}
    assert found == {
        ("photos.count_rated", "compare", 7, ("postgres", "sqlite")),
        ("photos.newest", "order", 11, ("postgres",)),
        ("photos.newest", "limit", 11, ("postgres",)),
        ("photos.newest", "order", 3, ("sqlite",)),
        ("photos.newest", "limit", 3, ("sqlite",)),
    }


def test_applied_mutant_is_put_back_even_when_the_run_fails(query_folder: Path) -> None:
    registry = Registry.load(query_folder, {})
    query = registry["photos.newest"]
    before = (query.postgres, query.sqlite)
    mutant = next(
        m
        for m in generate(query_folder)
        if m.key.endswith("sqlite/photos.sql:photos.newest:order1")
    )
    with pytest.raises(RuntimeError, match="the tests crashed"), applied(mutant, registry):
        assert query.sqlite == named_sql(
            compile_sql("SELECT rowid FROM photos ORDER BY rowid ASC LIMIT 1;", "sqlite"),
            "photos.newest",
        )
        assert query.postgres is before[0]  # the other dialect's body is not this one
        raise RuntimeError("the tests crashed")
    assert (query.postgres, query.sqlite) == before
    assert "DESC" in query.sqlite.text


def test_applied_mutant_of_a_shared_body_spells_its_placeholders_per_dialect(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "queries"
    _write(
        folder,
        "photos.sql",
        "-- name: photos.as_json\n-- returns: rows Photo\n"
        "SELECT {{json_object}}('id', id) AS doc FROM photos ORDER BY id DESC;\n",
    )
    registry = Registry.load(folder, {"Photo": dict})
    query = registry["photos.as_json"]
    (mutant,) = generate(folder)
    assert mutant.dialects == ("postgres", "sqlite")
    with applied(mutant, registry):
        assert query.postgres.text == (
            "SELECT json_build_object('id', id) AS doc FROM photos ORDER BY id ASC"
            "\n/* pictallion:photos.as_json */"
        )
        assert query.sqlite.text == (
            "SELECT json_object('id', id) AS doc FROM photos ORDER BY id ASC"
            "\n/* pictallion:photos.as_json */"
        )
    assert query.postgres.text.endswith("ORDER BY id DESC\n/* pictallion:photos.as_json */")
