"""The labels the query coverage check (tests/conftest.py) counts statements by."""

from __future__ import annotations

from pictallion_sql.query.named import queries
from tests.conftest import is_generated, required_labels, shape_labels


def test_named_queries_are_their_own_label() -> None:
    assert shape_labels("file_versions.get_multi") == ["file_versions.get_multi"]
    assert not is_generated("file_versions.get_multi")


def test_generated_statements_are_counted_by_shape() -> None:
    assert shape_labels("media_assets.insert[original_filename,created_at]") == [
        "media_assets.insert"
    ]
    assert shape_labels("people.update[name]") == ["people.update"]
    assert shape_labels("file_versions.read_back[keywords]") == ["file_versions.read_back"]
    assert shape_labels("file_versions.search_filtered[tiers,query|rating asc]") == [
        "search.filter[tiers]",
        "search.filter[query]",
        "search.sort[rating asc]",
    ]
    assert shape_labels("file_versions.search_page[query|created_at desc|after]") == [
        "search.filter[query]",
        "search.sort[created_at desc]",
        "search.after",
        "search.page",
    ]
    assert shape_labels("file_versions.search_filtered[|file_size asc|after]") == [
        "search.sort[file_size asc]",
        "search.after",
    ]
    assert shape_labels("smart_rules.refresh[weighted:time_iw,location_eq]") == [
        "smart_rules.refresh[weighted]",
        "smart_rules.refresh[weighted:time_i]",
        "smart_rules.refresh[weighted:time_w]",
        "smart_rules.refresh[weighted:location_eq]",
    ]
    assert shape_labels("smart_rules.match[OR:tier_in,rating_ge]") == [
        "smart_rules.match[OR]",
        "smart_rules.match[object:tier_in]",
        "smart_rules.match[object:rating_ge]",
    ]
    assert all(
        is_generated(label)
        for label in ("users.insert", "search.sort[rating asc]", "smart_rules.match[OR]")
    )


def test_every_named_query_and_table_shape_is_required() -> None:
    required = required_labels()
    assert set(queries) <= required
    assert {"users.insert", "users.update", "relationships.insert"} <= required
    assert {"search.filter[people_ids]", "search.sort[event_name desc]"} <= required
    assert {"search.after", "search.page"} <= required
    assert {"smart_rules.refresh[weighted:time_w]", "smart_rules.match[AND]"} <= required
    assert "smart_rules.match[weighted:time]" not in required  # compiled as time_i / time_w
