# SPDX-License-Identifier: MPL-2.0
"""Give committed events their place in the relay's log (`Event.position`).

Positions are handed out here, by one sequencer at a time, and only to events that are already
committed (a reader sees nothing else). Consumers then read `position > checkpoint`. Numbering
at insert instead (an autoincrement) would be wrong: a transaction that drew number 7 may commit
after one that drew 8, and a consumer that had moved its checkpoint to 8 would never see 7.
"""

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from civicloop.core.models import Event

_LOCK_KEY = 0x72656C79  # "rely": one advisory lock for the sequencer

# One statement for the whole batch: the window numbers the oldest unsequenced events by time.
# UPDATE … FROM works on PostgreSQL and on SQLite ≥ 3.33.
_ASSIGN_SQL = """
UPDATE {table} SET position = %s + batch.n, relayed_at = %s
FROM (
    SELECT id, ROW_NUMBER() OVER (ORDER BY time, id) AS n
    FROM {table} WHERE position IS NULL ORDER BY time, id LIMIT %s
) AS batch
WHERE {table}.id = batch.id
"""


def _lock_and_read_head(cursor: Any, table: str) -> int:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    cursor.execute(f"SELECT COALESCE(MAX(position), 0) FROM {table}")  # noqa: S608 - table name from the model
    return int(cursor.fetchone()[0])


def reserve_positions(count: int) -> int:
    """For bulk loaders that write events with SQL (history generators): the first of `count`
    consecutive positions, reserved until the caller's transaction ends.

    Call it inside the loader's transaction and write the rows with positions first … first+count-1
    in the same transaction. The sequencer lock is held until commit, so nothing else is numbered
    meanwhile, and consumers see the rows only once they are committed, positions and all. This
    spares the relay numbering millions of rows one UPDATE at a time afterwards.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_positions() must run inside the loader's transaction.atomic")
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        return _lock_and_read_head(cursor, table) + 1 if count > 0 else 0


def assign_positions(limit: int = 5000) -> int:
    """Number up to `limit` committed events that have no position yet; return how many.

    The head is read after taking the lock, in its own statement, so that under READ COMMITTED
    it sees whatever the previous holder committed.
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        head = _lock_and_read_head(cursor, table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_ASSIGN_SQL.format(table=table), [head, now, limit])
        return int(cursor.rowcount)


def head_position() -> int:
    """The highest position handed out so far (0 for an empty log)."""
    last = Event.objects.filter(position__isnull=False).order_by("-position").values_list("position", flat=True)
    return int(last.first() or 0)
