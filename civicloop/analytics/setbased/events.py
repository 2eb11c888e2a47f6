# SPDX-License-Identifier: MPL-2.0
"""One event, one count: step times, approval waits, 代決, submissions, ratings, inquiries in one GROUP BY."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from civicloop.analytics import durations, store
from civicloop.analytics.setbased.shapes import (
    CATALOG_JOIN,
    DEPARTMENT,
    FLAG,
    KEY,
    NAMED,
    NUMBER,
    OR_EMPTY,
    TEXT,
    TEXT_OR_NULL,
    TOP_SECONDS,
    catalog_parameters,
)
from civicloop.core.events import TYPE_PREFIX


def _seconds(field: str) -> str:
    return f"greatest(COALESCE((data->>'{field}')::float8, 0), 0)"  # counting._seconds


@dataclass(frozen=True)
class Count:
    """What one handler counts for a plain event of its type, as SQL expressions."""

    metric: str
    department: str
    procedure: str
    dim: str
    shape: tuple[str, ...]  # the plain shape: checks on the event's data
    counts: str = "true"  # which plain events count at all (the rest count nothing)
    seconds: str = "NULL"  # a histogram's value; NULL for a count


# counting.py's handlers, type by type (the short type, without the prefix).
COUNTS: Mapping[str, Count] = {
    "case.task_completed": Count(
        "task_seconds",
        "data->>'department'",
        "data->>'procedure'",
        "left(COALESCE(data->>'task', ''), 60)",
        (
            NAMED.format(f="procedure"),
            NAMED.format(f="department"),
            TEXT.format(f="task"),
            NUMBER.format(f="duration_s", top=TOP_SECONDS),
        ),
        seconds=_seconds("duration_s"),
    ),
    "case.approval_step": Count(
        "approval_wait_seconds",
        "data->>'department'",
        "data->>'procedure'",
        "left(COALESCE(data->>'level', ''), 60)",
        (
            NAMED.format(f="procedure"),
            NAMED.format(f="department"),
            TEXT.format(f="level"),
            NUMBER.format(f="waited_s", top=TOP_SECONDS),
            FLAG.format(f="proxy"),
        ),
        seconds=_seconds("waited_s"),
    ),
    "service.rated": Count(
        "rated",
        DEPARTMENT,
        OR_EMPTY.format(f="procedure"),
        "trunc((data->>'score')::numeric)::bigint::text",  # str(int(score)), below 1e15
        (TEXT.format(f="procedure"), TEXT_OR_NULL.format(f="department"), NUMBER.format(f="score", top=1e15)),
        counts="COALESCE(trunc((data->>'score')::numeric) BETWEEN 1 AND 5, false)",
    ),
    "inquiry.received": Count(
        "inquiry",
        OR_EMPTY.format(f="routed_to"),
        "''",
        OR_EMPTY.format(f="channel"),
        (TEXT_OR_NULL.format(f="routed_to"), TEXT_OR_NULL.format(f="channel")),
    ),
    "inquiry.rerouted": Count("inquiry_rerouted", OR_EMPTY.format(f="to"), "''", "''", (TEXT_OR_NULL.format(f="to"),)),
    "inquiry.answered": Count(
        "inquiry_answered", OR_EMPTY.format(f="department"), "''", "''", (TEXT_OR_NULL.format(f="department"),)
    ),
}
# Counted here only with the drafts (count_drafts): its handler also marks the draft submitted.
SUBMITTED = Count(
    "submitted",
    DEPARTMENT,
    OR_EMPTY.format(f="procedure"),
    "COALESCE(NULLIF(data->>'channel', ''), 'online')",
    (TEXT.format(f="procedure"), TEXT_OR_NULL.format(f="department"), TEXT_OR_NULL.format(f="channel")),
)


def _is(kind: str) -> str:
    return f"type = '{TYPE_PREFIX}{kind}'"


def plain(counts: Mapping[str, Count]) -> str:
    """SQL: the event is of one of these types and has its plain shape. NULL reads as false."""
    each = [f"({_is(kind)} AND {' AND '.join(count.shape)})" for kind, count in counts.items()]
    return "COALESCE(" + " OR ".join(each) + ", false)"


def _counts(with_submissions: bool) -> dict[str, Count]:
    return {**COUNTS, "application.submitted": SUBMITTED} if with_submissions else dict(COUNTS)


@lru_cache(maxsize=1)
def bucket_floors() -> tuple[float, ...]:
    """floors[k - 1] = the smallest float whose `seconds_bucket` is k or more, for k = 1…bucket(top).

    `width_bucket(seconds, floors)` in SQL is then `seconds_bucket(seconds)` for any value below
    the top, to the last bit: found by bisection on the Python function, not re-derived.
    """
    floors = []
    for k in range(1, durations.seconds_bucket(TOP_SECONDS) + 1):
        low, high = 0.0, TOP_SECONDS  # bucket(low) < k <= bucket(high)
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


def count_events(*, with_submissions: bool) -> int:
    """One GROUP BY over the event table for the one-event-one-count types; how many it took."""
    counts = _counts(with_submissions)

    def case(attribute: str) -> str:
        sql = {k: getattr(c, attribute) for k, c in counts.items()}
        if attribute == "metric":  # a name, not an expression
            sql = {k: f"'{metric}'" for k, metric in sql.items()}
        whens = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN {expression}" for k, expression in sql.items())
        return f"CASE type {whens} END"

    cursor = store.pg_cursor()
    # enable_sort off: a hash aggregate whatever the estimate (tune). Constant SQL, values as parameters.
    cursor.execute("SET LOCAL enable_sort = off")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE analytics_rebuild_count ON COMMIT DROP AS
        WITH plain AS (
            SELECT {case("metric")} AS metric, date_trunc('month', time AT TIME ZONE %(tz)s)::date AS month,
                   {case("department")} AS department, {case("procedure")} AS procedure, classification,
                   {case("dim")} AS dim, {case("seconds")} AS seconds, data->'proxy' = 'true'::jsonb AS proxy,
                   {case("counts")} AS counts
            FROM core_event {CATALOG_JOIN}
            WHERE {plain(counts)}
        )
        SELECT {KEY}, width_bucket(seconds, %(floors)s::float8[]) AS bucket, count(*) AS count,
               COALESCE(sum(seconds), 0) AS total, count(*) FILTER (WHERE proxy) AS proxies,
               count(*) FILTER (WHERE counts) AS counted
        FROM plain GROUP BY 1, 2, 3, 4, 5, 6, 7
        """,  # noqa: S608
        {"tz": settings.TIME_ZONE, "floors": list(bucket_floors()), **catalog_parameters()},
    )
    cursor.execute("SET LOCAL enable_sort = on")
    update = store.HISTOGRAM.on_conflict.format(t=store.HISTOGRAM.name)
    cursor.execute(
        f"INSERT INTO {store.HISTOGRAM.name} ({KEY}, bucket, count, total) "  # noqa: S608 - constant names
        f"SELECT {KEY}, bucket, count, total FROM analytics_rebuild_count WHERE bucket IS NOT NULL "
        f"ON CONFLICT ({KEY}, bucket) DO UPDATE SET {update}"
    )
    # counting._on_approval_step: `approval_proxy` counts 代決 per approver level.
    cursor.execute(
        f"INSERT INTO {store.MONTHLY.name} ({KEY}, count) "  # noqa: S608 - constant names
        f"SELECT metric, {KEY.removeprefix('metric, ')}, counted FROM analytics_rebuild_count "
        f"WHERE bucket IS NULL AND counted > 0 UNION ALL "
        f"SELECT 'approval_proxy', {KEY.removeprefix('metric, ')}, sum(proxies) FROM analytics_rebuild_count "
        f"WHERE metric = 'approval_wait_seconds' AND proxies > 0 GROUP BY 2, 3, 4, 5, 6 "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {store.MONTHLY.on_conflict.format(t=store.MONTHLY.name)}"
    )
    cursor.execute("SELECT COALESCE(sum(count), 0) FROM analytics_rebuild_count")
    row = cursor.fetchone()
    cursor.execute("DROP TABLE analytics_rebuild_count")
    return int(row[0]) if row else 0
