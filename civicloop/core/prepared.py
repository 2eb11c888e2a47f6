# SPDX-License-Identifier: MPL-2.0
"""Statements bound and prepared on the server, for the few hot ones whose text never changes.

Django's psycopg cursors bind on the client: every value is quoted into the statement's text in
Python, and PostgreSQL parses and plans each text anew. For a statement run on every submission
(the insert chain, `core.insert_batch`) that quoting and planning cost more than the work
itself; for large values (the relay's array of started workflow states, `cases.consumer`) quoting
is most of the client's share. Here the values travel apart from the text (binary where psycopg can) and PostgreSQL plans the
text once per connection. Placeholders are psycopg's `%s`, renumbered to PostgreSQL's `$n`.

Django turns psycopg's automatic preparation off (`prepare_threshold=None`, for transaction-
pooling proxies); this cursor asks for it per statement, which takes effect where the settings
give a threshold (config.settings; behind PgBouncer it needs 1.21+ with `max_prepared_statements`).
"""

import functools
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import CursorMixin
from django.db.backends.utils import CursorWrapper
from psycopg import RawCursor


class _PreparedCursor(CursorMixin, RawCursor):
    """Binds on the server and prepares every statement it runs; placeholders are PostgreSQL's own."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


def fetch_one(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> Any:
    """Run `sql` (PostgreSQL, `%s` placeholders) prepared and return its one row."""
    return _run(connection, sql, params, fetch=True)


def execute(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> None:
    """Run `sql` (PostgreSQL, `%s` placeholders, no result rows) prepared."""
    _run(connection, sql, params, fetch=False)


def _run(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], *, fetch: bool) -> Any:
    """Through a Django cursor all the same: its execute wrappers run and its errors are Django's.

    While queries are logged (DEBUG, assertNumQueries) the connection's own cursor runs it instead:
    psycopg keeps no text of a prepared execution for the log to show.
    """
    if connection.queries_logged:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if fetch else None
    connection.ensure_connection()
    with connection.wrap_database_errors:
        prepared: CursorWrapper = connection._prepare_cursor(_PreparedCursor(connection.connection))  # type: ignore[attr-defined]
    with prepared as cursor:
        cursor.execute(_numbered(sql), params)
        return cursor.fetchone() if fetch else None


@functools.lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    """`sql` with PostgreSQL's placeholders ($1, $2, …) for psycopg's %s (the text holds no other %)."""
    pieces = sql.split("%s")
    return pieces[0] + "".join(f"${number}{piece}" for number, piece in enumerate(pieces[1:], 1))
