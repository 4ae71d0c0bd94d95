"""The SQLite side of administration: what only SQLite needs."""
