"""Composite records of the collections queries."""

from __future__ import annotations

__all__ = ["RECORDS"]

RECORDS: tuple[type, ...] = ()
