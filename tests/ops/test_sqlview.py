"""The SQL for review: what ``pictallion-db sql`` prints is what the library runs, and
``pictallion-db explain`` plans it on the database without running it."""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.admin import sqlview
from pictallion_sql.errors import ValidationError
from pictallion_sql.query.named import queries
from tests.ops.conftest import count, ok, run_cli

BEACH = {"keywords": ["beach"], "rating_min": 4}
RATING_RULE = {
    "rules": [{"field": "rating", "operator": "greater_than", "value": 4}],
    "operator": "AND",
}


def ran(db: Any) -> list[str]:
    """The names of the statements ``db`` runs from now on."""
    names: list[str] = []
    db.add_query_observer(lambda finished: names.append(finished.name))
    return names


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_named_query_prints_as_the_driver_receives_it(dialect: str) -> None:
    query = queries["file_versions.get_by_tier"]
    text = sqlview.render(sqlview.named("file_versions.get_by_tier"), dialect)  # type: ignore[arg-type]
    compiled = query.sql_for(dialect)
    assert text.startswith("-- file_versions.get_by_tier (")
    assert compiled.text.strip().rstrip(";") in text
    first = "$1" if dialect == "postgres" else "?"
    assert f"-- {first}: {compiled.arg_names[0]}\n" in text


def test_an_unknown_query_name_is_refused_with_close_names() -> None:
    with pytest.raises(ValidationError, match=r"did you mean file_versions\.get_by_tier"):
        sqlview.named("file_versions.get_by_teir")


async def test_the_search_printed_is_the_search_run(db: Any) -> None:
    shown = sqlview.search(BEACH, {"field": "rating"}, limit=10)
    names = ran(db)
    await crud.file_version.search(db, filters=BEACH, sort={"field": "rating"}, limit=10)
    assert names == [shown.query.name]
    assert shown.values == {
        "keywords": ["beach"],
        "rating_min": 4,
        "count_limit": 1_000,
        "limit": 10,
        "offset": 0,
    }
    text = sqlview.render(shown, db.dialect)
    assert "-- $1: rating_min = 4" in text or "-- ?: rating_min = 4" in text
    exact = sqlview.search(BEACH, {"field": "rating"}, limit=10, exact_total=True)
    names.clear()
    await crud.file_version.search(
        db, filters=BEACH, sort={"field": "rating"}, limit=10, exact_total=True
    )
    assert names == [exact.query.name]
    assert "count_limit" not in exact.values


async def test_the_insert_and_update_printed_are_those_run(db: Any) -> None:
    # Columns given in any order print in the order the repository sends them.
    insert = sqlview.insert("locations", ["longitude", "description", "name", "latitude"])
    update = sqlview.update("locations", ["description"])
    names = ran(db)
    place = await crud.location.create(
        db, obj_in={"name": "Quay", "description": "A", "latitude": "1.5", "longitude": "2.5"}
    )
    await crud.location.update(db, db_obj=place, obj_in={"description": "B"})
    assert insert.query.name == "locations.insert[name,description,latitude,longitude]"
    # updated_at is set by every update of a table that has it.
    assert update.query.name == "locations.update[description,updated_at]"
    assert names == [insert.query.name, update.query.name]


def test_an_unknown_table_or_column_is_refused() -> None:
    with pytest.raises(ValidationError, match="no table 'photos'; the tables are ai_prompts"):
        sqlview.insert("photos", ["id"])
    with pytest.raises(ValidationError, match="no field 'colour'") as caught:
        sqlview.update("locations", ["colour"])
    assert caught.value.field == "columns"
    with pytest.raises(ValidationError, match="at least one column"):
        sqlview.update("locations", [])


async def test_the_smart_rule_statements_are_those_a_refresh_runs(db: Any) -> None:
    select, refresh = sqlview.smart_rules(RATING_RULE)
    collection = await crud.collection.create_smart_collection(db, name="Best", rules=RATING_RULE)
    names = ran(db)
    await crud.collection.refresh_smart(db, collection_id=collection.id)
    assert refresh.query.name in names
    assert select.query.name.startswith("smart_rules.match[AND:")
    assert select.values == refresh.values == {"r0_0": 4.0}


async def test_explain_plans_without_running(db: Any, migrated_url: str) -> None:
    plan = await sqlview.explain(
        migrated_url,
        sqlview.named("file_versions.get_by_tier"),
        {"tier": "gold", "limit": 10, "skip": 0},
    )
    text = sqlview.render_plan(plan, db.dialect)
    if db.dialect == "postgres":
        assert isinstance(plan, list) and "Node Type" in plan[0]["Plan"]
        assert text.startswith("Limit  (cost=")
    else:
        assert text.splitlines()[0] == "QUERY PLAN"
        assert "USING INDEX idx_file_versions_tier_created_at" in text
    # An explained insert writes nothing (EXPLAIN without ANALYZE).
    await sqlview.explain(
        migrated_url,
        sqlview.insert("media_assets", ["original_filename"]),
        {"original_filename": "x"},
    )
    assert await crud.media_asset.count(db) == 0


async def test_explain_refuses_an_unknown_parameter(migrated_url: str) -> None:
    with pytest.raises(ValidationError, match="takes no parameter colour"):
        await sqlview.explain(migrated_url, sqlview.named("file_versions.get"), {"colour": 1})


# --- the command line ---------------------------------------------------------------------


@pytest.mark.slow
def test_sql_and_explain_commands(migrated_url: str, dialect: str) -> None:
    other = "sqlite" if dialect == "postgres" else "postgres"
    named = ok(migrated_url, "sql", "file_versions.get_by_tier", "--dialect", other).stdout
    assert named.startswith(f"-- file_versions.get_by_tier ({other};")
    search = ok(migrated_url, "sql", "--search", '{"keywords": ["beach"]}', "--json").json
    (statement,) = search["statements"]
    assert statement["dialect"] == dialect
    assert {"placeholder": statement["parameters"][0]["placeholder"], "name": "keywords",
            "value": ["beach"]} == statement["parameters"][0]  # fmt: skip
    insert = ok(migrated_url, "sql", "--insert", "faces", "--columns", "photo_id,confidence")
    assert 'INSERT INTO "faces" ("photo_id","confidence")' in insert.stdout
    smart = ok(migrated_url, "sql", "--smart-rule", '{"rules": [], "operator": "OR"}').stdout
    assert "smart_rules.match[OR:]" in smart and "smart_rules.refresh[OR:]" in smart

    plan = ok(migrated_url, "explain", "--search", '{"keywords": ["beach"]}', "--json").json
    assert plan["statements"][0]["name"] == statement["name"] and plan["statements"][0]["plan"]
    human = ok(migrated_url, "explain", "--update", "people", "--columns", "name").stdout
    assert "people.update[name]" in human
    assert count(migrated_url, "people") == 0

    for args, message in [
        ((), "give one of NAME, --search"),
        (("file_versions.get", "--search", "{}"), "(got NAME, --search)"),
        (("--search", "{not json"), "--search is not valid JSON"),
        (("--insert", "faces", "--columns", "nope"), "no field 'nope'"),
        (("--search", '{"colour": 1}'), "colour"),
    ]:
        for command in ("sql", "explain"):
            failed = run_cli(migrated_url, command, *args, "--json")
            assert failed.code == 2, failed.output
            assert message in failed.json["error"] and failed.json["exit_code"] == 2
            assert failed.stderr.startswith("pictallion-db: error: ")


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_reindenting_changes_whitespace_only(dialect: str) -> None:
    shown = sqlview.search(BEACH)
    plain = sqlview.render(shown, dialect)  # type: ignore[arg-type]
    laid_out = sqlview.render(shown, dialect, reindent=True)  # type: ignore[arg-type]
    assert laid_out.count("\n") > plain.count("\n") + 20
    assert "".join(laid_out.split()) == "".join(plain.split())


async def test_every_named_query_can_be_explained(db: Any) -> None:
    """Each query plans on a migrated database with NULL parameters; utilities are refused."""
    refused = []
    for name in sorted(queries):
        selection = sqlview.named(name)
        if sqlview.statement_verb(selection.query) in ("VACUUM", "ANALYZE", "LOCK"):
            with pytest.raises(ValidationError, match="which EXPLAIN does not take"):
                await sqlview.explain(db, selection)
            refused.append(name)
            continue
        plan = await sqlview.explain(db, selection)
        assert sqlview.render_plan(plan, db.dialect)
    assert refused == ["ai_prompts.lock_for_seeding", "ops.analyze", "ops.vacuum"]
