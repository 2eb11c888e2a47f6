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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from civicloop.analytics import durations, store
from civicloop.analytics.counting import COUNTED
from civicloop.analytics.procedures import all_procedures
from civicloop.core.events import TYPE_PREFIX

# Durations at or above this go through the handlers (no bucket list is that long).
_TOP_SECONDS = 1e12

# Shapes, as SQL over the event's `data`; {f} is the field. A missing field is SQL NULL, a JSON
# null is not: `data->'f' IS NULL` means "absent".
_NAMED = "(jsonb_typeof(data->'{f}') = 'string' AND data->>'{f}' <> '')"  # a non-empty string
_TEXT = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') = 'string')"  # str(data.get(f, ""))
_TEXT_OR_NULL = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') IN ('string', 'null'))"  # str(data.get(f) or …)
# A number float() reads as itself: 0, or between 1e-300 and a top (float8 would reject what is
# smaller; Python reads it as 0). CASE, not AND: SQL does not promise to test before it casts.
_NUMBER = (
    "(CASE WHEN data->'{f}' IS NULL THEN true WHEN jsonb_typeof(data->'{f}') <> 'number' THEN false "
    "WHEN (data->'{f}')::numeric = 0 THEN true "
    "ELSE abs((data->'{f}')::numeric) > 1e-300 AND abs((data->'{f}')::numeric) < {top} END)"
)
_FLAG = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') IN ('boolean', 'null'))"  # if data.get(f)
# `application/<uuid>` in canonical form (counting.subject_key is then its tail), tested once per
# application and without a regular expression: `~` cost 7 µs a row, more than all else a draft needs.
_APPLICATION_SUBJECT = (
    "(length(subject) = 48 AND left(subject, 12) = 'application/' "
    "AND translate(substr(subject, 13), '0123456789abcdef', '') = '----' AND substr(subject, 21, 1) = '-' "
    "AND substr(subject, 26, 1) = '-' AND substr(subject, 31, 1) = '-' AND substr(subject, 36, 1) = '-')"
)

# An empty string when absent or empty, as `str(data.get(f) or "")`.
_OR_EMPTY = "COALESCE(data->>'{f}', '')"
# The procedure's department from the catalogue when the event names none (procedure_info).
_DEPARTMENT = "COALESCE(NULLIF(data->>'department', ''), catalog.department, '')"


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
            _NAMED.format(f="procedure"),
            _NAMED.format(f="department"),
            _TEXT.format(f="task"),
            _NUMBER.format(f="duration_s", top=_TOP_SECONDS),
        ),
        seconds=_seconds("duration_s"),
    ),
    "case.approval_step": Count(
        "approval_wait_seconds",
        "data->>'department'",
        "data->>'procedure'",
        "left(COALESCE(data->>'level', ''), 60)",
        (
            _NAMED.format(f="procedure"),
            _NAMED.format(f="department"),
            _TEXT.format(f="level"),
            _NUMBER.format(f="waited_s", top=_TOP_SECONDS),
            _FLAG.format(f="proxy"),
        ),
        seconds=_seconds("waited_s"),
    ),
    "service.rated": Count(
        "rated",
        _DEPARTMENT,
        _OR_EMPTY.format(f="procedure"),
        "trunc((data->>'score')::numeric)::bigint::text",  # str(int(score)), below 1e15
        (_TEXT.format(f="procedure"), _TEXT_OR_NULL.format(f="department"), _NUMBER.format(f="score", top=1e15)),
        counts="COALESCE(trunc((data->>'score')::numeric) BETWEEN 1 AND 5, false)",
    ),
    "inquiry.received": Count(
        "inquiry",
        _OR_EMPTY.format(f="routed_to"),
        "''",
        _OR_EMPTY.format(f="channel"),
        (_TEXT_OR_NULL.format(f="routed_to"), _TEXT_OR_NULL.format(f="channel")),
    ),
    "inquiry.rerouted": Count(
        "inquiry_rerouted", _OR_EMPTY.format(f="to"), "''", "''", (_TEXT_OR_NULL.format(f="to"),)
    ),
    "inquiry.answered": Count(
        "inquiry_answered", _OR_EMPTY.format(f="department"), "''", "''", (_TEXT_OR_NULL.format(f="department"),)
    ),
}
# Counted here only with the drafts (count_drafts): its handler also marks the draft submitted.
SUBMITTED = Count(
    "submitted",
    _DEPARTMENT,
    _OR_EMPTY.format(f="procedure"),
    "COALESCE(NULLIF(data->>'channel', ''), 'online')",
    (_TEXT.format(f="procedure"), _TEXT_OR_NULL.format(f="department"), _TEXT_OR_NULL.format(f="channel")),
)
DRAFT_TYPES = ("application.started", "application.step_saved", "application.submitted")
# Besides the subject (`application/<uuid>`, checked apart).
_DRAFT_SHAPE = {
    "application.started": (_TEXT.format(f="procedure"),),
    "application.step_saved": (_TEXT.format(f="procedure"), _TEXT.format(f="step")),
    "application.submitted": SUBMITTED.shape,
}


def _is(kind: str) -> str:
    return f"type = '{TYPE_PREFIX}{kind}'"


def _plain(counts: Mapping[str, Count]) -> str:
    """SQL: the event is of one of these types and has its plain shape. NULL reads as false."""
    each = [f"({_is(kind)} AND {' AND '.join(count.shape)})" for kind, count in counts.items()]
    return "COALESCE(" + " OR ".join(each) + ", false)"


def _counts(with_submissions: bool) -> dict[str, Count]:
    return {**COUNTS, "application.submitted": SUBMITTED} if with_submissions else dict(COUNTS)


def _taken(*, with_drafts: bool) -> str:
    """SQL: the events counted here (their plain shape, or all of the drafts' types)."""
    if not with_drafts:
        return _plain(COUNTS)
    return f"({_plain(COUNTS)} OR type IN ({_names(DRAFT_TYPES)}))"


def _names(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{TYPE_PREFIX}{kind}'" for kind in sorted(kinds))


def left_over(taken: int, *, with_drafts: bool) -> str:
    """SQL: the counted events SQL did not take, which the handlers count (`taken`: how many it took).

    When SQL took every event of its types (no odd shape anywhere: the usual case), the rest is a
    list of types; otherwise every event's shape is tested again.
    """
    kinds = set(COUNTS) | (set(DRAFT_TYPES) if with_drafts else set())
    cursor = store.pg_cursor()
    cursor.execute(f"SELECT count(*) FROM core_event WHERE type IN ({_names(kinds)})")  # noqa: S608 - constants
    row = cursor.fetchone()
    if row is not None and row[0] == taken:
        return f"type IN ({_names(COUNTED - kinds)})"
    return f"NOT {_taken(with_drafts=with_drafts)}"


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


def _catalog() -> dict[str, Any]:
    """The catalogue's departments by procedure code, as query parameters (procedure_info's)."""
    procedures = all_procedures()
    return {"codes": [p.code for p in procedures], "departments": [p.department for p in procedures]}


_CATALOG_JOIN = (
    "LEFT JOIN unnest(%(codes)s::text[], %(departments)s::text[]) AS catalog (code, department) "
    "ON catalog.code = core_event.data->>'procedure'"
)
_KEY = "metric, month, department, procedure, classification, dim"


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
            FROM core_event {_CATALOG_JOIN}
            WHERE {_plain(counts)}
        )
        SELECT {_KEY}, width_bucket(seconds, %(floors)s::float8[]) AS bucket, count(*) AS count,
               COALESCE(sum(seconds), 0) AS total, count(*) FILTER (WHERE proxy) AS proxies,
               count(*) FILTER (WHERE counts) AS counted
        FROM plain GROUP BY 1, 2, 3, 4, 5, 6, 7
        """,  # noqa: S608
        {"tz": settings.TIME_ZONE, "floors": list(bucket_floors()), **_catalog()},
    )
    cursor.execute("SET LOCAL enable_sort = on")
    update = store.HISTOGRAM.on_conflict.format(t=store.HISTOGRAM.name)
    cursor.execute(
        f"INSERT INTO {store.HISTOGRAM.name} ({_KEY}, bucket, count, total) "  # noqa: S608 - constant names
        f"SELECT {_KEY}, bucket, count, total FROM analytics_rebuild_count WHERE bucket IS NOT NULL "
        f"ON CONFLICT ({_KEY}, bucket) DO UPDATE SET {update}"
    )
    # counting._on_approval_step: `approval_proxy` counts 代決 per approver level.
    cursor.execute(
        f"INSERT INTO {store.MONTHLY.name} ({_KEY}, count) "  # noqa: S608 - constant names
        f"SELECT metric, {_KEY.removeprefix('metric, ')}, counted FROM analytics_rebuild_count "
        f"WHERE bucket IS NULL AND counted > 0 UNION ALL "
        f"SELECT 'approval_proxy', {_KEY.removeprefix('metric, ')}, sum(proxies) FROM analytics_rebuild_count "
        f"WHERE metric = 'approval_wait_seconds' AND proxies > 0 GROUP BY 2, 3, 4, 5, 6 "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET {store.MONTHLY.on_conflict.format(t=store.MONTHLY.name)}"
    )
    cursor.execute("SELECT COALESCE(sum(count), 0) FROM analytics_rebuild_count")
    row = cursor.fetchone()
    cursor.execute("DROP TABLE analytics_rebuild_count")
    return int(row[0]) if row else 0


def count_drafts() -> int | None:
    """Drafts, their steps and their submission, set-based; how many started and step_saved events it took.

    The submissions themselves are counted by `count_events(with_submissions=True)` then. None,
    having counted nothing, when some event of the drafts has an odd shape: then the handlers
    count them all (and the submissions), as they would have counted them live.
    """
    types = _names(DRAFT_TYPES)
    shape = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN {' AND '.join(s)}" for k, s in _DRAFT_SHAPE.items())
    submitted, step_saved = f"'{TYPE_PREFIX}application.submitted'", f"'{TYPE_PREFIX}application.step_saved'"
    cursor = store.pg_cursor()
    # Window functions that only number rows (a running count over 850,000 applications took
    # longer than the scan and the sorts together): the first started or step_saved event of an
    # application starts its draft; it was submitted if its last submission came after that
    # (row comparison: time, then id, the handlers' order); a step counts at its first save.
    # Grouped by the subject itself (sorting as "C" text, not by the database's collation), whose
    # shape is then tested once per application.
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE analytics_rebuild_draft ON COMMIT DROP AS
        WITH saved AS (
            SELECT subject COLLATE "C" AS subject, time, id, type = {submitted} AS is_submission,
                   COALESCE(data->>'procedure', '') AS procedure, classification,
                   CASE WHEN type = {step_saved} THEN left(COALESCE(data->>'step', ''), 60) ELSE '' END
                       COLLATE "C" AS step,
                   COALESCE(CASE type {shape} END, false) AS plain
            FROM core_event WHERE type IN ({types})
        ), marked AS (
            SELECT saved.*, NOT is_submission AND row_number() OVER by_kind = 1 AS starts,
                   is_submission AND lead(true) OVER by_kind IS NULL AS last_submission,
                   row_number() OVER (PARTITION BY subject, step ORDER BY time, id) AS nth_of_step
            FROM saved
            WINDOW by_kind AS (PARTITION BY subject, is_submission ORDER BY time, id)
        )
        SELECT subject, bool_and(plain) AND {_APPLICATION_SUBJECT} AS plain,
               min(procedure) FILTER (WHERE starts) AS procedure,
               min(classification) FILTER (WHERE starts) AS classification,
               min(time) FILTER (WHERE starts) AS started,
               COALESCE(array_agg(step ORDER BY time, id) FILTER (WHERE nth_of_step = 1 AND step <> ''), '{{}}')
                   AS steps,
               COALESCE(
                   ROW(min(time) FILTER (WHERE last_submission), (array_agg(id) FILTER (WHERE last_submission))[1])
                   > ROW(min(time) FILTER (WHERE starts), (array_agg(id) FILTER (WHERE starts))[1]),
                   false
               ) AS submitted,
               count(*) FILTER (WHERE NOT is_submission) AS events
        FROM marked GROUP BY subject
        """  # noqa: S608 - constant SQL
    )
    cursor.execute("SELECT bool_and(plain), COALESCE(sum(events), 0) FROM analytics_rebuild_draft")
    row = cursor.fetchone()
    if row is None or row[0] is False:
        cursor.execute("DROP TABLE analytics_rebuild_draft")
        return None
    _write_drafts()
    cursor.execute("DROP TABLE analytics_rebuild_draft")
    return int(row[1])


def _write_drafts() -> None:
    """DraftFact rows and the funnel's counts (draft_started, step_reached, draft_submitted)."""
    cursor = store.pg_cursor()
    cursor.execute(
        """
        CREATE TEMPORARY TABLE analytics_rebuild_funnel ON COMMIT DROP AS
        SELECT substr(subject, 13)::uuid AS application, draft.procedure, COALESCE(catalog.department, '') AS department,
               classification,
               date_trunc('month', started AT TIME ZONE %(tz)s)::date AS month, steps, submitted
        FROM analytics_rebuild_draft AS draft
        LEFT JOIN unnest(%(codes)s::text[], %(departments)s::text[]) AS catalog (code, department)
            ON catalog.code = draft.procedure
        WHERE started IS NOT NULL
        """,
        {"tz": settings.TIME_ZONE, **_catalog()},
    )
    # The rebuild emptied the table and nothing else writes drafts in it: no conflict to resolve.
    cursor.execute(
        f"INSERT INTO {store.DRAFT_FACTS.name} (application_id, procedure, department, classification, month, "  # noqa: S608
        "steps, submitted) SELECT application, procedure, department, classification, month, "
        "array_to_string(steps, ' '), submitted FROM analytics_rebuild_funnel"
    )
    group = "month, department, procedure, classification"
    cursor.execute(
        f"INSERT INTO {store.MONTHLY.name} ({_KEY}, count) "  # noqa: S608 - constant names
        f"SELECT 'draft_started', {group}, '', count(*) FROM analytics_rebuild_funnel GROUP BY {group} UNION ALL "
        f"SELECT 'draft_submitted', {group}, '', count(*) FROM analytics_rebuild_funnel WHERE submitted "
        f"GROUP BY {group} UNION ALL "
        f"SELECT 'step_reached', {group}, step, count(*) FROM analytics_rebuild_funnel, unnest(steps) AS step "
        f"GROUP BY {group}, step "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET {store.MONTHLY.on_conflict.format(t=store.MONTHLY.name)}"
    )
    cursor.execute("DROP TABLE analytics_rebuild_funnel")
