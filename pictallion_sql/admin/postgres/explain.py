"""PostgreSQL's EXPLAIN (FORMAT JSON) plan as an indented tree, close to its text format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["render_postgres_plan"]


def render_postgres_plan(plan: Any) -> str:
    """The nodes of ``plan`` (EXPLAIN's JSON document), one line each, with their conditions."""
    lines: list[str] = []
    for item in plan:
        _pg_node(item["Plan"], 0, lines)
    return "\n".join(lines)


# The keys of a PostgreSQL plan node worth a line of their own, in the order EXPLAIN prints them.
_PG_DETAILS = (
    "Sort Key",
    "Group Key",
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Filter",
    "One-Time Filter",
)


# How EXPLAIN's text format names an Aggregate node by its strategy.
_PG_AGGREGATES = {
    "Plain": "Aggregate",
    "Sorted": "GroupAggregate",
    "Hashed": "HashAggregate",
    "Mixed": "MixedAggregate",
}


def _pg_node(node: Mapping[str, Any], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    title = node["Node Type"]
    if title == "Aggregate":
        title = _PG_AGGREGATES.get(node.get("Strategy", "Plain"), title)
    elif title == "ModifyTable" and "Operation" in node:
        title = node["Operation"]
    joins = ("Hash Join", "Merge Join", "Nested Loop")
    if node["Node Type"] in joins and node.get("Join Type", "Inner") != "Inner":
        title += f" ({node['Join Type']})"
    if "Index Name" in node:
        title += f" using {node['Index Name']}"
    if "Relation Name" in node:
        title += f" on {node['Relation Name']}"
        if node.get("Alias") and node["Alias"] != node["Relation Name"]:
            title += f" {node['Alias']}"
    elif "CTE Name" in node:
        title += f" on {node['CTE Name']}"
    cost = f"(cost={node['Startup Cost']:.2f}..{node['Total Cost']:.2f} rows={node['Plan Rows']})"
    lines.append(f"{pad}{'-> ' if depth else ''}{title}  {cost}")
    for key in _PG_DETAILS:
        if key in node:
            value = node[key]
            shown = ", ".join(value) if isinstance(value, list) else value
            lines.append(f"{pad}     {key}: {shown}")
    for child in node.get("Plans", ()):
        _pg_node(child, depth + 1, lines)
