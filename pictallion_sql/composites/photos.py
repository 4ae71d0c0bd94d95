"""Composite records of the photos queries."""

from __future__ import annotations

__all__ = ["RECORDS"]

RECORDS: tuple[type, ...] = ()
