# SPDX-License-Identifier: MPL-2.0
"""Rebuilding the rollups from the whole event table (`manage.py rebuild_rollups`).

The consumer counts a batch in Python because many figures need what earlier events said (a
closure needs its case's arrival, a draft step counts once per draft). A rebuild sees the whole
table at once, so it counts in SQL what SQL can count in a few passes (`analytics.setbased`: the
step times and approval waits, submissions, ratings, inquiries, and the drafts — about seven
events in ten) and hands the rest, the case life cycle, to the consumer's handlers with every
fact kept in memory. The ids of every counted event go into `AppliedEvent` in one statement, so
the relay's later redeliveries are still recognised. SQLite (development) counts everything
through the consumer.
"""

import time
from collections.abc import Callable

from django.apps import apps
from django.db import connection, transaction

from civicloop.analytics import consumer, reading, setbased, store
from civicloop.analytics.counting import COUNTED
from civicloop.core.events import TYPE_PREFIX

CONSUMER_NAME = "analytics"  # this consumer's name in settings.EVENT_CONSUMERS


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


def recount(
    progress: Callable[[int], None] | None = None, batch_size: int = 20_000, seconds: dict[str, float] | None = None
) -> int:
    """Count every event into rollups that were just emptied, in the caller's transaction.

    Returns how many events were counted (as the consumer's `apply` would have returned); the
    time each step took goes into `seconds` when given (the benchmark reports it).
    """
    if connection.vendor != "postgresql":
        total = 0
        for items in reading.iter_items(batch_size):
            total += consumer.apply_items(items)
            if progress is not None:
                progress(len(items))
        return total
    clock = _Clock(seconds)
    total = _claim_all()
    clock.lap("claim")
    setbased.tune()
    drafts = setbased.count_drafts()
    clock.lap("drafts_sql")
    with_drafts = drafts is not None
    in_sql = (drafts or 0) + setbased.count_events(with_submissions=with_drafts)
    clock.lap("events_sql")
    if progress is not None:
        progress(in_sql)
    left_over = setbased.left_over(in_sql, with_drafts=with_drafts)
    consumer.count_all(reading.iter_items(batch_size, where=left_over), progress)
    clock.lap("handlers")
    return total


class _Clock:
    """Seconds per step, into a dict if one is given."""

    def __init__(self, seconds: dict[str, float] | None) -> None:
        self.seconds = seconds
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.seconds is not None:
            self.seconds[name] = round(now - self.last, 1)
        self.last = now


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
