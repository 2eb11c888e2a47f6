# SPDX-License-Identifier: MPL-2.0
"""A rebuild's counts in SQL: what needs no memory of earlier events, and the drafts (PostgreSQL).

Two ways to one result. `analytics.counting` counts event by event; a rebuild counts here what
SQL can count in a few passes over the event table, and hands the rest to the same handlers
(`rebuild.recount`). `test_rebuild` holds the two ways to the same rollups on a generated history
and on hypothesis-generated events of every shape.

- **One event, one count** (`count_events`): step times and approval waits (histograms, bucketed
  with `width_bucket` over floors found from `durations.seconds_bucket` itself, so the bucket rule
  stays in one place), 代決 per approver level, submissions, ratings and inquiries — one `GROUP
  BY` pass. SQL takes only the events whose fields have the plain shape the handler expects (a
  string where the handler calls `str()`, a number where it calls `float()`); an event of another
  shape goes through the handler, alone.
- **Drafts** (`count_drafts`): a draft starts with its first `application.started` or
  `step_saved`, counts each step once and is submitted by a later `application.submitted` — one
  pass with window functions. A draft's events depend on each other, so it is all or nothing: if
  any started, step_saved or submitted event has an odd shape, every one of them goes through
  the handlers.

Each statement runs with enough memory to aggregate in a hash table (`tune`): the planner
estimates millions of groups where there are a few hundred thousand, and would otherwise sort
gigabytes on disk.
"""

from civicloop.analytics import store
from civicloop.analytics.counting import COUNTED
from civicloop.analytics.setbased.drafts import DRAFT_TYPES, count_drafts
from civicloop.analytics.setbased.events import COUNTS, bucket_floors, count_events, plain
from civicloop.analytics.setbased.shapes import names

__all__ = ["bucket_floors", "count_drafts", "count_events", "left_over", "tune"]


def tune() -> None:
    """Memory for the rebuild's aggregates and sorts, for the rest of the transaction.

    Without it the planner, expecting millions of groups, sorts on disk (measured: 41 s for the
    step times of 10 M events, 17 s with a hash table); JIT compiling these one-off statements
    took 3 s more than it saved.
    """
    cursor = store.pg_cursor()
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL hash_mem_multiplier = 4")
    cursor.execute("SET LOCAL jit = off")


def _taken(*, with_drafts: bool) -> str:
    """SQL: the events counted here (their plain shape, or all of the drafts' types)."""
    if not with_drafts:
        return plain(COUNTS)
    return f"({plain(COUNTS)} OR type IN ({names(DRAFT_TYPES)}))"


def left_over(taken: int, *, with_drafts: bool) -> str:
    """SQL: the counted events SQL did not take, which the handlers count (`taken`: how many it took).

    When SQL took every event of its types (no odd shape anywhere: the usual case), the rest is a
    list of types; otherwise every event's shape is tested again.
    """
    kinds = set(COUNTS) | (set(DRAFT_TYPES) if with_drafts else set())
    cursor = store.pg_cursor()
    cursor.execute(f"SELECT count(*) FROM core_event WHERE type IN ({names(kinds)})")  # noqa: S608 - constants
    row = cursor.fetchone()
    if row is not None and row[0] == taken:
        return f"type IN ({names(COUNTED - kinds)})"
    return f"NOT {_taken(with_drafts=with_drafts)}"
