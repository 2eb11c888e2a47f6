# SPDX-License-Identifier: MPL-2.0
"""Rebuilding the rollups from the whole event table (`manage.py rebuild_rollups`).

The consumer counts a batch in Python because most figures need what earlier events said (a
closure needs its case's arrival, a draft step counts once per draft). Two distributions need
nothing of the kind — the time per workflow step (`case.task_completed`) and the approval waits
(`case.approval_step`), four events in ten — so a rebuild counts them with one `GROUP BY` over
the event table, and the consumer counts the rest as it would have counted them live. The ids of
every counted event go into `AppliedEvent` in one statement, so the relay's later redeliveries
are still recognised.

Two ways to one result: the SQL takes only events whose fields have the plain shape the
consumer's handlers expect (named procedure and department, numeric durations); any other event
of those types goes through the consumer. Buckets come from `durations.seconds_bucket` itself
(its lower bounds, found once per process, and `width_bucket` in SQL), so the bucket rule stays
in one place. `test_rebuild` holds the two ways to the same rollups on random histories.
SQLite (development) counts everything through the consumer.
"""

from collections.abc import Callable
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from civicloop.analytics import consumer, durations, reading, store
from civicloop.analytics.counting import COUNTED
from civicloop.core.events import TYPE_PREFIX

CONSUMER_NAME = "analytics"  # this consumer's name in settings.EVENT_CONSUMERS

# Durations at or above this go through the consumer (no bucket list is that long).
_TOP_SECONDS = 1e12

_PLAIN_STRING = "(jsonb_typeof(data->'{f}') = 'string' AND data->>'{f}' <> '')"
_OPTIONAL_STRING = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') = 'string')"
# CASE, not AND: SQL does not promise to test the type before it casts.
_OPTIONAL_NUMBER = (
    "(CASE WHEN jsonb_typeof(data->'{f}') = 'number' THEN (data->>'{f}')::float8 < {top} ELSE data->'{f}' IS NULL END)"
)

# type → (histogram metric, dim field, seconds field): what counting._on_task_completed and
# counting._on_approval_step count, for events that name their procedure and department.
SET_BASED = {
    "case.task_completed": ("task_seconds", "task", "duration_s"),
    "case.approval_step": ("approval_wait_seconds", "level", "waited_s"),
}


def _plain(kind: str) -> str:
    """SQL: an event of `kind` the set-based count takes (same shape as the handler expects)."""
    _metric, dim, seconds = SET_BASED[kind]
    checks = [
        f"type = '{TYPE_PREFIX}{kind}'",
        _PLAIN_STRING.format(f="procedure"),
        _PLAIN_STRING.format(f="department"),
        _OPTIONAL_STRING.format(f=dim),
        _OPTIONAL_NUMBER.format(f=seconds, top=_TOP_SECONDS),
    ]
    if kind == "case.approval_step":  # `if data.get("proxy")`: absent, null or a boolean only
        checks.append("(data->'proxy' IS NULL OR jsonb_typeof(data->'proxy') IN ('boolean', 'null'))")
    return "(" + " AND ".join(checks) + ")"


# NULL (a missing field) must read as "not plain", or NOT PLAIN_SQL would lose the event too.
PLAIN_SQL = "COALESCE(" + " OR ".join(_plain(kind) for kind in SET_BASED) + ", false)"


@lru_cache(maxsize=1)
def bucket_floors() -> tuple[float, ...]:
    """floors[k - 1] = the smallest float whose `seconds_bucket` is k or more, for k = 1…bucket(top).

    `width_bucket(seconds, floors)` in SQL is then `seconds_bucket(seconds)` for any value below
    the top, to the last bit: found by bisection on the Python function, not re-derived.
    """
    floors = []
    for k in range(1, durations.seconds_bucket(_TOP_SECONDS) + 1):
        low, high = 0.0, _TOP_SECONDS  # bucket(low) < k <= bucket(high)
        while True:
            middle = (low + high) / 2
            if middle in (low, high):
                break
            if durations.seconds_bucket(middle) >= k:
                high = middle
            else:
                low = middle
        floors.append(high)
    return tuple(floors)


def _histograms_in_sql() -> int:
    """Count the plain task and approval events with GROUP BY; returns how many it counted."""
    metric = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN '{m}'" for k, (m, _d, _s) in SET_BASED.items())
    dim = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN data->>'{d}'" for k, (_m, d, _s) in SET_BASED.items())
    seconds = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN data->>'{s}'" for k, (_m, _d, s) in SET_BASED.items())
    # Constant names only; the time zone and the bucket floors are parameters.
    cursor = store.pg_cursor()
    cursor.execute(
        "CREATE TEMPORARY TABLE analytics_rebuild_histogram (metric text, month date, department text, "
        "procedure text, classification text, dim text, bucket integer, count bigint, total float8, "
        "proxies bigint) ON COMMIT DROP"
    )
    cursor.execute(
        f"""
        INSERT INTO analytics_rebuild_histogram
        WITH plain AS (
            SELECT CASE type {metric} END AS metric,
                   date_trunc('month', time AT TIME ZONE %(tz)s)::date AS month,
                   data->>'department' AS department, data->>'procedure' AS procedure, classification,
                   left(COALESCE(CASE type {dim} END, ''), 60) AS dim,
                   greatest(COALESCE((CASE type {seconds} END)::float8, 0), 0) AS seconds,
                   data->'proxy' = 'true'::jsonb AS proxy
            FROM core_event WHERE {PLAIN_SQL}
        )
        SELECT metric, month, department, procedure, classification, dim,
               width_bucket(seconds, %(floors)s::float8[]) AS bucket,
               count(*) AS count, sum(seconds) AS total, count(*) FILTER (WHERE proxy) AS proxies
        FROM plain GROUP BY 1, 2, 3, 4, 5, 6, 7
        """,  # noqa: S608
        {"tz": settings.TIME_ZONE, "floors": list(bucket_floors())},
    )
    key = "metric, month, department, procedure, classification, dim"
    cursor.execute(
        f"INSERT INTO {store.HISTOGRAM.name} ({key}, bucket, count, total) "  # noqa: S608 - constant names
        f"SELECT {key}, bucket, count, total FROM analytics_rebuild_histogram "
        f"ON CONFLICT ({key}, bucket) DO UPDATE SET {store.HISTOGRAM.on_conflict.format(t=store.HISTOGRAM.name)}"
    )
    # counting._on_approval_step: `approval_proxy` counts 代決 per approver level.
    cursor.execute(
        f"INSERT INTO {store.MONTHLY.name} ({key}, count) "  # noqa: S608 - constant names
        f"SELECT 'approval_proxy', month, department, procedure, classification, dim, sum(proxies) "
        f"FROM analytics_rebuild_histogram WHERE metric = 'approval_wait_seconds' AND proxies > 0 "
        f"GROUP BY 2, 3, 4, 5, 6 "
        f"ON CONFLICT ({key}) DO UPDATE SET {store.MONTHLY.on_conflict.format(t=store.MONTHLY.name)}"
    )
    cursor.execute("SELECT COALESCE(sum(count), 0) FROM analytics_rebuild_histogram")
    row = cursor.fetchone()
    cursor.execute("DROP TABLE analytics_rebuild_histogram")
    return int(row[0]) if row else 0


def _claim_all() -> int:
    """Record every counted event as applied (the table is empty); how many there are.

    Millions of random UUIDs inserted into a primary-key index cost minutes (measured: 117–175 s
    for 10 M); loaded without the key and indexed once after, about 30 s. The table is already
    locked exclusively by the rebuild's TRUNCATE, and a rollback restores the key.
    """
    cursor = store.pg_cursor()
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'analytics_appliedevent'::regclass AND contype = 'p'"
    )
    row = cursor.fetchone()
    key = str(row[0]) if row else "analytics_appliedevent_pkey"
    cursor.execute(f'ALTER TABLE analytics_appliedevent DROP CONSTRAINT IF EXISTS "{key}"')
    cursor.execute(
        "INSERT INTO analytics_appliedevent (event_id) SELECT id FROM core_event WHERE type = ANY(%s)",
        [[TYPE_PREFIX + kind for kind in sorted(COUNTED)]],
    )
    claimed = cursor.rowcount
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute(f'ALTER TABLE analytics_appliedevent ADD CONSTRAINT "{key}" PRIMARY KEY (event_id)')
    return claimed


def recount(progress: Callable[[int], None] | None = None, batch_size: int = 20_000) -> int:
    """Count every event into rollups that were just emptied, in the caller's transaction.

    Returns how many events were counted (as the consumer's `apply` would have returned).
    """
    if connection.vendor != "postgresql":
        total = 0
        for items in reading.iter_items(batch_size):
            total += consumer.apply_items(items)
            if progress is not None:
                progress(len(items))
        return total
    total = _claim_all()
    in_sql = _histograms_in_sql()
    if progress is not None:
        progress(in_sql)
    consumer.count_all(reading.iter_items(batch_size, where=f"NOT {PLAIN_SQL}"), progress)
    return total


def rebuild(progress: Callable[[int], None] | None = None, batch_size: int = 20_000) -> int:
    """Truncate every rollup and count the whole event table again, in one transaction.

    Holding the rollup lock for the whole run keeps the relay's batches waiting instead of
    interleaving. With the relay installed, the events are given their positions first and the
    analytics checkpoint is moved to the last one, in this same transaction (docs/relay.md); an
    event that commits while the rebuild runs is counted here or by the relay later, and if both,
    `AppliedEvent` makes the second a no-op.
    """
    with transaction.atomic():
        store.lock_rollups()
        head = _sequence_events()
        store.truncate_rollups()
        total = recount(progress, batch_size)
        if head is not None:
            from civicloop.relay.models import ConsumerCursor

            ConsumerCursor.objects.update_or_create(name=CONSUMER_NAME, defaults={"position": head})
    return total


def _sequence_events() -> int | None:
    """Give every committed event its relay position; the highest one, or None without a relay."""
    if not apps.is_installed("civicloop.relay"):
        return None
    from civicloop.relay.sequence import assign_positions, head_position

    while assign_positions(limit=50_000):
        pass
    return head_position()
