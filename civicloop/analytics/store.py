# SPDX-License-Identifier: MPL-2.0
"""Set-based writes for the rollups: one statement per table per batch, never one per event.

PostgreSQL gets `INSERT … SELECT FROM unnest(arrays) ON CONFLICT … DO UPDATE` (one round trip
whatever the batch size), with the arrays sent in binary through a server-side-binding cursor:
Django's client-side binding would quote every element into the SQL text, which costs more than
the statement itself. SQLite gets the same upsert through executemany.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from django.db import connection

# Column kinds and their PostgreSQL array types.
PG_TYPES = {
    "uuid": "uuid",
    "date": "date",
    "ts": "timestamptz",
    "text": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind)
    conflict: tuple[str, ...]
    # SET clause; {t} is the table name, EXCLUDED the proposed row.
    on_conflict: str

    def upsert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(c for c, _ in self.columns)
        target = ", ".join(self.conflict)
        update = self.on_conflict.format(t=self.name)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                arrays = ", ".join(f"%b::{PG_TYPES[kind]}[]" for _, kind in self.columns)
                # Table and column names are constants of this module; values go as parameters.
                sql = f"INSERT INTO {self.name} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
                sql += f"ON CONFLICT ({target}) DO UPDATE SET {update}"
                pg_cursor().execute(sql, [list(column) for column in zip(*rows, strict=True)])
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = (
                    f"INSERT INTO {self.name} ({names}) VALUES ({marks}) ON CONFLICT ({target}) DO UPDATE SET {update}"  # noqa: S608 - constant names
                )
                kinds = [kind for _, kind in self.columns]
                cursor.executemany(sql, [[_adapt(kind, v) for kind, v in zip(kinds, row, strict=True)] for row in rows])

    def insert_new(self, rows: Iterable[Sequence[Any]]) -> None:
        """Add rows none of which is in the table yet (a rebuild's facts): COPY on PostgreSQL.

        Measured on 780,000 case facts: the chunked upsert took about 50 s, COPY a fraction of it.
        """
        if connection.vendor != "postgresql":
            self.upsert(list(rows))
            return
        names = ", ".join(c for c, _ in self.columns)
        with pg_cursor().copy(f"COPY {self.name} ({names}) FROM STDIN") as copy:  # constant names
            for row in rows:
                copy.write_row(row)


def _adapt(kind: str, value: Any) -> Any:
    """SQLite stores UUIDs as 32 hex digits and datetimes as text, the way Django's fields do."""
    if value is None:
        return None
    if kind == "uuid":
        return value.hex if isinstance(value, UUID) else str(value).replace("-", "")
    if kind == "ts":
        return connection.ops.adapt_datetimefield_value(value)
    if kind == "date":
        return value.isoformat()
    return value


def _counter_update(columns: Iterable[str]) -> str:
    return ", ".join(f"{c} = {{t}}.{c} + EXCLUDED.{c}" for c in columns)


MONTHLY = Table(
    "analytics_monthlycount",
    (
        ("metric", "text"),
        ("month", "date"),
        ("department", "text"),
        ("procedure", "text"),
        ("classification", "text"),
        ("dim", "text"),
        ("count", "int"),
    ),
    ("metric", "month", "department", "procedure", "classification", "dim"),
    _counter_update(["count"]),
)
DAILY = Table(
    "analytics_dailycount",
    (
        ("metric", "text"),
        ("day", "date"),
        ("department", "text"),
        ("procedure", "text"),
        ("classification", "text"),
        ("count", "int"),
    ),
    ("metric", "day", "department", "procedure", "classification"),
    _counter_update(["count"]),
)
HISTOGRAM = Table(
    "analytics_monthlyhistogram",
    (
        ("metric", "text"),
        ("month", "date"),
        ("department", "text"),
        ("procedure", "text"),
        ("classification", "text"),
        ("dim", "text"),
        ("bucket", "int"),
        ("count", "int"),
        ("total", "float"),
    ),
    ("metric", "month", "department", "procedure", "classification", "dim", "bucket"),
    _counter_update(["count", "total"]),
)
CASE_FACT_COLUMNS = (
    ("case_id", "uuid"),
    ("application_id", "uuid"),
    ("department", "text"),
    ("procedure", "text"),
    ("classification", "text"),
    ("opened_at", "ts"),
    ("due_date", "date"),
    ("assignee", "text"),
    ("closed_at", "ts"),
    ("paused_at", "ts"),
    ("paused_calendar_days", "int"),
    ("paused_business_days", "int"),
)
CASE_FACTS = Table(
    "analytics_casefact",
    CASE_FACT_COLUMNS,
    ("case_id",),
    ", ".join(f"{c} = EXCLUDED.{c}" for c, _ in CASE_FACT_COLUMNS[1:]),
)
DRAFT_FACT_COLUMNS = (
    ("application_id", "uuid"),
    ("procedure", "text"),
    ("department", "text"),
    ("classification", "text"),
    ("month", "date"),
    ("steps", "text"),
    ("submitted", "bool"),
)
DRAFT_FACTS = Table(
    "analytics_draftfact",
    DRAFT_FACT_COLUMNS,
    ("application_id",),
    ", ".join(f"{c} = EXCLUDED.{c}" for c, _ in DRAFT_FACT_COLUMNS[1:]),
)


def pg_cursor() -> psycopg.Cursor[Any]:
    """A server-side-binding cursor on Django's connection (same transaction), for %b parameters."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def select_rows(sql: str, ids: Sequence[str], cast: str = "uuid") -> list[tuple[Any, ...]]:
    """Rows of `sql`, whose one parameter is an array of ids (PostgreSQL only)."""
    cursor = pg_cursor()
    cursor.execute(sql.replace("%ids", f"%b::{cast}[]"), [list(ids)])
    return cursor.fetchall()


def claim_event_ids(ids: Sequence[UUID]) -> set[UUID]:
    """Record these event ids as applied; return the ones not applied before (the rest are redeliveries)."""
    if not ids:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = select_rows(
                "INSERT INTO analytics_appliedevent (event_id) SELECT unnest(%ids) "
                "ON CONFLICT DO NOTHING RETURNING event_id",
                [str(i) for i in ids],
            )
            return {row[0] if isinstance(row[0], UUID) else UUID(str(row[0])) for row in rows}
        fresh: set[UUID] = set(ids)
        unique = list(fresh)
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT event_id FROM analytics_appliedevent WHERE event_id IN ({marks})",  # noqa: S608 - only %s marks
                [u.hex for u in chunk],
            )
            fresh -= {UUID(row[0]) for row in cursor.fetchall()}
        # A concurrent applier that inserted the same id first makes this fail with IntegrityError:
        # the whole batch rolls back and the relay delivers it again, never counting it twice.
        cursor.executemany("INSERT INTO analytics_appliedevent (event_id) VALUES (%s)", [[u.hex] for u in fresh])
        return fresh


ROLLUP_TABLES = (
    "analytics_monthlycount",
    "analytics_dailycount",
    "analytics_monthlyhistogram",
    "analytics_casefact",
    "analytics_draftfact",
    "analytics_appliedevent",
)


def truncate_rollups() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(ROLLUP_TABLES)}")
        else:
            for table in ROLLUP_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def vacuum_rollups() -> None:
    """VACUUM ANALYZE the rollups after a rebuild (PostgreSQL; outside any transaction).

    A rebuild updates each fact row many times: until vacuum, the open-case index holds the dead
    versions too and the statistics are those of empty tables, and the dashboard's open-case
    query takes a hundred times longer. Autovacuum gets there eventually; a rebuild should not wait.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(ROLLUP_TABLES)}")


LOCK_KEY = 0x616E616C  # "anal": one advisory lock for all rollup writers


def lock_rollups() -> None:
    """Serialize rollup writers (relay workers, rebuild) for the rest of the transaction.

    Two writers upserting overlapping rows in different orders could deadlock, and a rebuild must
    not interleave with an incremental batch. SQLite has a single writer already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
