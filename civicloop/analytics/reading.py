# SPDX-License-Identifier: MPL-2.0
"""Reading the event table back in time order, for a rebuild and for the event-by-event comparison.

One generator for both: `iter_items` reads one time window at a time (the time index finds it; the
sort stays in memory) and hands the counted events over in lists of about `batch_size`. One ORDER
BY over the whole table would sort gigabytes before the first row, and LIMIT pages would sort what
is left again for every page.

PostgreSQL rows come through a cursor of their own with psycopg's C loaders for timestamps and
JSON (Django's time-zone loader is pure Python and cost more than the JSON), each row's JSON
decoded once. SQLite (development) goes through the ORM.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Max, Min
from psycopg.types.datetime import TimestamptzLoader
from psycopg.types.json import JsonbLoader, set_json_loads

from civicloop.analytics import store
from civicloop.analytics.counting import COUNTED, Item
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event

_DECODER = json.JSONDecoder()

Window = Callable[[datetime, datetime], Sequence[tuple[Any, ...]]]


def _loads(data: bytes | str) -> Any:
    """JSON from text the server sent as UTF-8 (json.loads would sniff the encoding of every row)."""
    return _DECODER.decode(data if isinstance(data, str) else bytes(data).decode())


def iter_items(
    batch_size: int = 20_000, *, where: str = "", window: timedelta = timedelta(days=1)
) -> Iterator[list[Item]]:
    """Every counted event in time order, in lists of about `batch_size`, read a window at a time.

    `where` is an extra SQL condition on `core_event` (constant text, PostgreSQL only): a rebuild
    leaves out what it counted in SQL. Types are filtered here, not in SQL: a type condition
    tempts the planner into scanning the type index for the whole table on every window.
    """
    bounds, rows = _postgresql(where) if connection.vendor == "postgresql" else _orm(where)
    if bounds is None:
        return
    start, last = bounds
    prefix, counted = len(TYPE_PREFIX), COUNTED
    batch: list[Item] = []
    while start <= last:
        for r in rows(start, start + window):
            kind = r[1][prefix:]
            if kind in counted:
                at = r[3] if r[3].tzinfo is UTC else r[3].astimezone(UTC)  # counting.local_date's fast path
                batch.append(Item(r[0], kind, r[2], at, r[4] if type(r[4]) is dict else {}, r[5]))
        if len(batch) >= batch_size:
            yield batch
            batch = []
        start += window
    if batch:
        yield batch


_COLUMNS = "id, type, subject, time, data, classification"


def _postgresql(where: str) -> tuple[tuple[datetime, datetime] | None, Window]:
    cursor = store.pg_cursor()
    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
    cursor.adapters.register_loader("jsonb", JsonbLoader)
    set_json_loads(_loads, cursor)
    condition = f" AND ({where})" if where else ""
    cursor.execute("SELECT min(time), max(time) FROM core_event")  # the time index's ends, not a scan
    first = cursor.fetchone()
    sql = f"SELECT {_COLUMNS} FROM core_event WHERE time >= %s AND time < %s{condition} ORDER BY time, id"  # noqa: S608

    def rows(start: datetime, end: datetime) -> list[tuple[Any, ...]]:
        cursor.execute(sql, [start, end])
        return cursor.fetchall()

    return (first if first is not None and first[0] is not None else None), rows


def _orm(where: str) -> tuple[tuple[datetime, datetime] | None, Window]:
    if where:
        raise ValueError("an SQL condition is PostgreSQL's only")
    base = Event.objects.all()
    found = base.aggregate(first=Min("time"), last=Max("time"))

    def rows(start: datetime, end: datetime) -> Sequence[tuple[Any, ...]]:
        return list(
            base.filter(time__gte=start, time__lt=end)
            .order_by("time", "id")
            .values_list("id", "type", "subject", "time", "data", "classification")
        )

    return (None if found["first"] is None else (found["first"], found["last"])), rows
