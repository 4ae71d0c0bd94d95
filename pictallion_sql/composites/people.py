"""Composite records of the people queries."""

from __future__ import annotations

__all__ = ["RECORDS"]

RECORDS: tuple[type, ...] = ()
