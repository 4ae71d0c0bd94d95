"""FastAPI integration (the optional ``fastapi`` extra: ``pip install pictallion-sql[fastapi]``).

- :func:`database_lifespan`: opens the database when the application starts (migrating it
  first if asked) and closes it when it stops.
- :func:`get_db` and :func:`get_db_transaction`: ``Depends`` dependencies, a pooled
  connection or a transaction per request; ``Db`` and ``Transaction`` are the annotated
  forms (the transaction commits before the response is sent).
- :class:`RecordResponse` and :func:`record_responses`: records encoded by msgspec, with
  timestamps in UTC, and their OpenAPI response schemas taken from msgspec's JSON Schema.
- :func:`install`: the exception handlers turning the library's errors into HTTP statuses
  (422, 404, 409, 503), and the records' schemas in the OpenAPI document.
- :func:`get_or_404`: a row by id, or a 404.

docs/fastapi.md is the guide.
"""

from pictallion_sql.fastapi.dependencies import Db, Transaction, get_db, get_db_transaction
from pictallion_sql.fastapi.errors import ErrorBody, error_response, install
from pictallion_sql.fastapi.lifespan import database_lifespan
from pictallion_sql.fastapi.responses import RecordResponse, get_or_404, record_responses

__all__ = [
    "Db",
    "ErrorBody",
    "RecordResponse",
    "Transaction",
    "database_lifespan",
    "error_response",
    "get_db",
    "get_db_transaction",
    "get_or_404",
    "install",
    "record_responses",
]
