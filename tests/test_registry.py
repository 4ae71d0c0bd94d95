"""The named-query registry: parsing, compiling, and refusing malformed files."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from pictallion_sql.errors import QueryFileError
from pictallion_sql.query.registry import (
    Registry,
    compile_sql,
    find_params,
    make_query,
    name_comment,
    without_name_comment,
)


class Thing(msgspec.Struct):
    id: str


TYPES = {"Thing": Thing}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_postgres_numbers_each_name_once_and_sqlite_repeats_placeholders() -> None:
    sql = "SELECT id FROM t WHERE a = :a OR b = :b OR a2 = :a"
    pg = compile_sql(sql, "postgres")
    lite = compile_sql(sql, "sqlite")
    assert pg.text == "SELECT id FROM t WHERE a = $1 OR b = $2 OR a2 = $1"
    assert pg.arg_names == ("a", "b")
    assert lite.text == "SELECT id FROM t WHERE a = ? OR b = ? OR a2 = ?"
    assert lite.arg_names == ("a", "b", "a")


def test_casts_literals_identifiers_and_comments_are_not_parameters() -> None:
    sql = (
        "SELECT x::text, ':no' AS \"col:umn\", 'it''s :no' -- :comment\n"
        "FROM t /* :block */ WHERE y = :yes AND z = CAST(:z AS integer)"
    )
    assert [name for name, _, _ in find_params(sql)] == ["yes", "z"]
    compiled = compile_sql(sql, "postgres")
    assert "x::text" in compiled.text and "':no'" in compiled.text
    assert compiled.text.endswith("y = $1 AND z = CAST($2 AS integer)")


def test_load_reads_headers_and_dialect_overrides(tmp_path: Path) -> None:
    write(
        tmp_path,
        "things.sql",
        """
-- name: things.get
-- returns: one Thing
-- params: id
-- A description line is allowed.
SELECT id FROM things WHERE id = :id;

-- name: things.count
-- returns: scalar int
SELECT count(*) FROM things;
""",
    )
    write(
        tmp_path,
        "sqlite/things.sql",
        """
-- name: things.count
-- returns: scalar int
SELECT count(id) FROM things;
""",
    )
    registry = Registry.load(tmp_path, TYPES)
    assert sorted(registry) == ["things.count", "things.get"]
    get = registry["things.get"]
    assert (get.returns, get.record, get.params) == ("one", Thing, frozenset({"id"}))
    assert get.postgres.text == "SELECT id FROM things WHERE id = $1\n/* pictallion:things.get */"
    count = registry["things.count"]
    assert count.postgres.text == "SELECT count(*) FROM things\n/* pictallion:things.count */"
    assert count.sqlite.text == "SELECT count(id) FROM things\n/* pictallion:things.count */"
    assert count.record is int


def test_shared_bodies_get_each_dialects_spelling_of_a_placeholder(tmp_path: Path) -> None:
    write(
        tmp_path,
        "things.sql",
        """
-- name: things.as_json
-- returns: rows Thing
-- params: id
SELECT {{json_object}}('id', id, 'tag', '{{json_object}}', "{{json_object}}"::text) AS doc
FROM things -- {{unknown}} in a comment stays
WHERE id = :id;
""",
    )
    query = Registry.load(tmp_path, TYPES)["things.as_json"]
    literals = "'{{json_object}}', \"{{json_object}}\"::text) AS doc"
    comment = "FROM things -- {{unknown}} in a comment stays"
    assert query.postgres.text == (
        f"SELECT json_build_object('id', id, 'tag', {literals}\n{comment}\nWHERE id = $1"
        "\n/* pictallion:things.as_json */"
    )
    assert query.sqlite.text == (
        f"SELECT json_object('id', id, 'tag', {literals}\n{comment}\nWHERE id = ?"
        "\n/* pictallion:things.as_json */"
    )
    assert query.postgres.arg_names == query.sqlite.arg_names == ("id",)


def block(*lines: str) -> str:
    return "\n".join(lines) + "\n"


DELETE_Q = block("-- name: q", "-- returns: none", "DELETE FROM t;")
WITH_A = block("-- name: q", "-- returns: none", "-- params: a", "DELETE FROM t WHERE a = :a;")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"a.sql": DELETE_Q + DELETE_Q},
            r"a\.sql:4: duplicate query name 'q' \(first defined at .*a\.sql:1\)",
        ),
        (
            {
                "a.sql": block(
                    "-- name: q",
                    "-- returns: none",
                    "-- params: a",
                    "DELETE FROM t WHERE a = :a AND b = :b;",
                )
            },
            r"a\.sql:1: query 'q' uses undeclared parameter\(s\) :b",
        ),
        (
            {
                "a.sql": block(
                    "-- name: q",
                    "-- returns: none",
                    "-- params: a, b",
                    "DELETE FROM t WHERE a = :a;",
                )
            },
            r"a\.sql:1: query 'q' declares unused parameter\(s\) b",
        ),
        ({"postgres/a.sql": DELETE_Q}, r"a\.sql:1: query 'q' has no body for sqlite"),
        (
            {"a.sql": block("-- name: q", "-- returns: rows Nothing", "SELECT 1;")},
            r"a\.sql:2: unknown record type 'Nothing'",
        ),
        (
            {"a.sql": block("-- name: q", "SELECT 1;")},
            r"a\.sql:1: query 'q' lacks a '-- returns:' header",
        ),
        (
            {"a.sql": block("-- name: q", "-- returns: many Thing", "SELECT 1;")},
            r"a\.sql:2: bad '-- returns: many Thing'",
        ),
        ({"a.sql": "SELECT 1;\n"}, r"a\.sql:1: SQL before the first '-- name:' header"),
        (
            {"a.sql": WITH_A, "sqlite/a.sql": DELETE_Q},
            r"sqlite/a\.sql:1: query 'q' takes different parameters",
        ),
        (
            {
                "a.sql": block("-- name: q", "-- returns: one Thing", "SELECT id FROM t;"),
                "postgres/a.sql": block(
                    "-- name: q", "-- returns: rows Thing", "SELECT id FROM t;"
                ),
            },
            r"a\.sql:1: query 'q' returns differently",
        ),
        (
            {
                "a.sql": block(
                    "-- name: q",
                    "-- returns: none",
                    "-- A comment line before the body.",
                    "",
                    "SELECT {{json_object}}('a', 1),",
                    "       {{json_agg}}(x) FROM t;",
                )
            },
            r"a\.sql:6: query 'q' uses unknown dialect placeholder '\{\{json_agg\}\}'",
        ),
        (
            {
                "a.sql": DELETE_Q,
                "postgres/a.sql": block(
                    "-- name: q", "-- returns: none", "SELECT {{ json_object }}('a', 1);"
                ),
            },
            r"postgres/a\.sql:3: query 'q' uses unknown dialect placeholder",
        ),
    ],
)
def test_malformed_files_fail_naming_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(QueryFileError, match=message):
        Registry.load(tmp_path, TYPES)


def test_unknown_query_name_is_a_clear_key_error(tmp_path: Path) -> None:
    registry = Registry.load(tmp_path, TYPES)
    with pytest.raises(KeyError, match="no named query 'nope'"):
        registry["nope"]


def test_make_query_compiles_both_dialects_and_checks_their_parameters() -> None:
    query = make_query("t.x", "none", None, "UPDATE t SET a = :a", "UPDATE t SET a = :a")
    assert query.postgres.text == "UPDATE t SET a = $1\n/* pictallion:t.x */"
    assert query.sqlite.arg_names == ("a",)
    with pytest.raises(ValueError, match="different parameters"):
        make_query("t.y", "none", None, "UPDATE t SET a = :a", "UPDATE t SET b = :b")


def test_the_shipped_query_files_load() -> None:
    from pictallion_sql.query.named import queries

    assert len(queries) >= 14 * 5
    assert queries["file_versions.get"].record.__name__ == "FileVersion"  # type: ignore[union-attr]


def test_every_statement_ends_with_a_comment_naming_its_query(tmp_path: Path) -> None:
    write(
        tmp_path,
        "things.sql",
        """
-- name: things.noted
-- returns: scalar int
SELECT count(*) FROM things; -- a trailing line comment cannot swallow the name
""",
    )
    noted = Registry.load(tmp_path, TYPES)["things.noted"]
    for compiled in (noted.postgres, noted.sqlite):
        assert compiled.text.endswith("swallow the name\n/* pictallion:things.noted */")
    built = make_query("t.odd*/name", "none", None, "UPDATE t SET a = :a;")
    assert built.sqlite.text == "UPDATE t SET a = ?\n/* pictallion:t.odd* /name */"
    assert name_comment("file_versions.get_by_tier") == "/* pictallion:file_versions.get_by_tier */"
    assert without_name_comment(built.postgres.text) == "UPDATE t SET a = $1"
    assert without_name_comment("SELECT 1 /* other */") == "SELECT 1 /* other */"


def test_a_fragment_stands_where_its_placeholder_is_indented_to_its_column(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "fragments/things.sql",
        """
-- fragment: things_columns
id, name,
{{json_object}}('n', name) AS doc
-- a comment after the fragment introduces what follows, and is not part of it
-- fragment: things_all
SELECT {{things_columns}} FROM things
""",
    )
    write(
        tmp_path,
        "things.sql",
        """
-- name: things.get
-- returns: one Thing
-- params: id
SELECT {{things_columns}}
FROM things WHERE id = :id;

-- name: things.remove
-- returns: one Thing
-- params: id
DELETE FROM things WHERE id = :id
RETURNING {{things_columns}};
""",
    )
    registry = Registry.load(tmp_path, TYPES)
    get, remove = registry["things.get"], registry["things.remove"]
    assert get.postgres.text == (
        "SELECT id, name,\n       json_build_object('n', name) AS doc\nFROM things WHERE id = $1"
        "\n/* pictallion:things.get */"
    )
    assert remove.postgres.text == (
        "DELETE FROM things WHERE id = $1\nRETURNING id, name,\n"
        "          json_build_object('n', name) AS doc\n/* pictallion:things.remove */"
    )
    assert get.sqlite.text == (
        "SELECT id, name,\n       json_object('n', name) AS doc\nFROM things WHERE id = ?"
        "\n/* pictallion:things.get */"
    )
    assert registry.fragments["things_columns"] == "id, name,\n{{json_object}}('n', name) AS doc"
    # A fragment may use fragments; what tools compile again is filled in the same way.
    assert registry.fill("WITH a AS ({{things_all}}) SELECT 1", "sqlite") == (
        "WITH a AS (SELECT id, name,\n"
        + " " * len("WITH a AS (SELECT ")
        + "json_object('n', name) AS doc FROM things)"
        " SELECT 1"
    )


def test_a_generic_line_gives_the_templates_queries_for_its_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        "templates/generic.sql",
        """
-- name: {{table_name}}.get_multi
-- returns: rows {{record}}
-- params: skip, limit
SELECT {{columns}}
FROM {{table_name}}
ORDER BY {{order_by}}, id
LIMIT :limit OFFSET :skip;
""",
    )
    write(
        tmp_path,
        "things.sql",
        """
-- generic: things Thing
-- generic: others Thing name
""",
    )
    write(tmp_path, "fragments/columns.sql", "-- fragment: things_columns\nid, name\n")
    write(tmp_path, "fragments/more.sql", "-- fragment: others_columns\nid\n")
    registry = Registry.load(tmp_path, TYPES)
    things, others = registry["things.get_multi"], registry["others.get_multi"]
    assert things.record is Thing and things.params == frozenset({"skip", "limit"})
    assert things.postgres.text == (
        "SELECT id, name\nFROM things\nORDER BY created_at, id\nLIMIT $1 OFFSET $2"
        "\n/* pictallion:things.get_multi */"
    )
    assert others.sqlite.text == (
        "SELECT id\nFROM others\nORDER BY name, id\nLIMIT ? OFFSET ?"
        "\n/* pictallion:others.get_multi */"
    )
    # Its source names the line that asked for it, and the template's.
    assert things.source.endswith(
        "things.sql:2 (" + str(tmp_path / "templates/generic.sql") + ":2)"
    )
    assert sorted(registry) == ["others.get_multi", "things.get_multi"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"fragments/f.sql": block("-- fragment: cols", "id"),
             "a.sql": block("-- name: q", "-- returns: none", "SELECT {{cols}}, {{colz}} FROM t;")},
            r"a\.sql:3: query 'q' uses unknown dialect placeholder '\{\{colz\}\}' "
            r"\(known: json_object; fragments: cols\)",
        ),
        (
            {"fragments/f.sql": block("-- fragment: json_object", "id")},
            r"f\.sql:1: bad fragment name 'json_object'",
        ),
        (
            {"fragments/f.sql": block("-- fragment: cols", "-- returns: none", "id")},
            r"f\.sql:2: fragment 'cols' takes no '-- returns:' header",
        ),
        (
            {"fragments/f.sql": block("-- fragment: cols", "-- only a comment")},
            r"f\.sql:1: fragment 'cols' is empty",
        ),
        (
            {"fragments/f.sql": DELETE_Q},
            r"f\.sql:1: fragments/ holds fragments only",
        ),
        (
            {"postgres/a.sql": block("-- fragment: cols", "id")},
            r"postgres/a\.sql:1: fragment 'cols' belongs in fragments/",
        ),
        (
            {"fragments/f.sql": block("-- fragment: a", "{{b}}", "-- fragment: b", "{{a}}"),
             "a.sql": block("-- name: q", "-- returns: none", "SELECT {{a}} FROM t;")},
            r"a\.sql:3: query 'q' uses unknown dialect placeholder "
            r"'\{\{[ab]\}\}, nested over 8 deep: a cycle'",
        ),
        (
            {"a.sql": block("-- generic: things")},
            r"a\.sql:1: bad '-- generic: things'",
        ),
        (
            {"a.sql": block("-- generic: things Thing")},
            r"a\.sql:1: '-- generic:' needs templates/generic\.sql",
        ),
        (
            {"a.sql": block("-- generic: things Thing", "SELECT 1;"),
             "templates/generic.sql": DELETE_Q},
            r"a\.sql:2: SQL after a '-- generic:' line",
        ),
    ],
)  # fmt: skip
def test_malformed_fragments_and_generic_lines_fail_naming_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(QueryFileError, match=message):
        Registry.load(tmp_path, TYPES)
