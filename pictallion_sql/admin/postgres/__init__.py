"""The PostgreSQL side of administration: what only PostgreSQL needs."""
