# SPDX-License-Identifier: MPL-2.0
"""Process mining over the event store: time per workflow step and the directly-follows graph.

The log is the `case.task_completed` events (cases app: one per finished BPMN task, with `task`
and `duration_s`), one trace per case (the event subject). The directly-follows relation is the
usual one: within a case, ordered by time, each completed task is followed by the next; the
edge's duration is the time between the two completions — what pm4py's performance DFG measures
on a log with one timestamp per event. docs/process-mining.md explains it; bench/mining.py checks
it against pm4py on a million events.

Two ways in, same answers:
- `load_task_log()` reads the events once into numpy arrays (`TaskLog`), and `directly_follows()`
  / `step_times()` compute with a sort and a few bincounts (a million events in a fraction of a
  second);
- `directly_follows_sql()` leaves the work to the database (window function LAG per case), for
  when the log should not be pulled into the process.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction

from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Classification, Event

TASK_COMPLETED = TYPE_PREFIX + "case.task_completed"
OFFICIAL_ONLY = (Classification.OFFICIAL,)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    count: int
    mean_s: float


@dataclass(frozen=True)
class StepTime:
    task: str
    count: int
    mean_s: float
    p50_s: float
    p90_s: float


@dataclass(frozen=True)
class TaskLog:
    """A task log as columns: case and activity as small integer codes, times in microseconds."""

    case: np.ndarray  # int64 code per event
    activity: np.ndarray  # int64 index into `activities`
    time_us: np.ndarray  # int64 completion time, microseconds since the epoch
    duration_s: np.ndarray  # float64 the task's own duration (start to completion)
    activities: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.case)


def task_log_from_rows(rows: Iterable[tuple[str, str, int, float | None]]) -> TaskLog:
    """Build a TaskLog from (case id, task, completion time in µs since the epoch, duration s) rows."""
    cases: dict[str, int] = {}
    names: dict[str, int] = {}
    case_codes: list[int] = []
    activity_codes: list[int] = []
    times: list[int] = []
    durations: list[float] = []
    for case, task, time_us, duration in rows:
        case_codes.append(cases.setdefault(case, len(cases)))
        activity_codes.append(names.setdefault(task, len(names)))
        times.append(time_us)
        durations.append(np.nan if duration is None else float(duration))
    return TaskLog(
        case=np.asarray(case_codes, dtype=np.int64),
        activity=np.asarray(activity_codes, dtype=np.int64),
        time_us=np.asarray(times, dtype=np.int64),
        duration_s=np.asarray(durations, dtype=np.float64),
        activities=tuple(names),
    )


def _where(tiers: Sequence[str], since: datetime | None) -> tuple[str, list[str | datetime]]:
    where = f"type = %s AND classification IN ({', '.join(['%s'] * len(tiers))})"
    params: list[str | datetime] = [TASK_COMPLETED, *tiers]
    if since is not None:
        where += " AND time >= %s"
        params.append(since)
    return where, params


def load_task_log(*, tiers: Sequence[str] = OFFICIAL_ONLY, since: datetime | None = None) -> TaskLog:
    """Read the completed tasks of the allowed tiers (default OFFICIAL) into a TaskLog, streaming.

    On PostgreSQL the database extracts the JSON fields and turns times into integer
    microseconds, and rows arrive through a server-side cursor in chunks; elsewhere the ORM.
    """
    if connection.vendor != "postgresql":
        queryset = Event.objects.filter(type=TASK_COMPLETED, classification__in=list(tiers))
        if since is not None:
            queryset = queryset.filter(time__gte=since)
        rows = queryset.values_list("subject", "data__task", "time", "data__duration_s").iterator(chunk_size=10_000)
        return task_log_from_rows((c, t, (time - EPOCH) // ONE_MICROSECOND, d) for c, t, time, d in rows)
    where, params = _where(tiers, since)
    table = connection.ops.quote_name(Event._meta.db_table)
    sql = (
        "SELECT subject, data->>'task', (EXTRACT(EPOCH FROM time) * 1000000)::bigint, "  # noqa: S608 - see _where
        f"(data->>'duration_s')::float8 FROM {table} WHERE {where}"
    )
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        return task_log_from_rows(_chunks(cursor))


def _chunks(cursor: Any) -> Iterator[tuple[str, str, int, float | None]]:
    while rows := cursor.fetchmany(20_000):
        yield from rows


def _in_case_order(log: TaskLog) -> tuple[np.ndarray, np.ndarray]:
    """Indices that sort the log by case, then time (ties keep their input order), and the cases so sorted.

    A stable sort by time (close to free on a log already in time order, as logs are), then a
    stable sort by case code done as two 16-bit radix passes (NumPy radix-sorts 16-bit keys):
    several times faster than `np.lexsort` on a million rows.
    """
    order = np.argsort(log.time_us, kind="stable")
    case = log.case[order]
    if len(case) and case.max() >= 1 << 32:
        step = np.argsort(case, kind="stable")
        return order[step], case[step]
    for shift in (0, 16):
        step = np.argsort(((case >> shift) & 0xFFFF).astype(np.uint16), kind="stable")
        order, case = order[step], case[step]
    return order, case


def directly_follows(log: TaskLog) -> list[Edge]:
    """Edges (task → next task in the same case) with their count and mean seconds between them."""
    if len(log) < 2:
        return []
    order, case = _in_case_order(log)
    activity, time_us = log.activity[order], log.time_us[order]
    same_case = case[1:] == case[:-1]
    k = len(log.activities)
    edge = activity[:-1][same_case] * k + activity[1:][same_case]
    gap_s = (time_us[1:] - time_us[:-1])[same_case] / 1e6
    counts = np.bincount(edge, minlength=k * k)
    sums = np.bincount(edge, weights=gap_s, minlength=k * k)
    return sorted(
        (
            Edge(
                log.activities[code // k], log.activities[code % k], int(counts[code]), float(sums[code] / counts[code])
            )
            for code in np.flatnonzero(counts)
        ),
        key=lambda e: (e.source, e.target),
    )


def step_times(log: TaskLog) -> list[StepTime]:
    """Per workflow step: how many were completed and how long they took (mean, median, 90th)."""
    steps = []
    for code, task in enumerate(log.activities):
        values = log.duration_s[log.activity == code]
        count = len(values)
        values = values[~np.isnan(values)]
        if not len(values):
            continue
        p50, p90 = np.percentile(values, [50, 90])  # linear interpolation, as SQL's percentile_cont
        steps.append(StepTime(task, count, float(values.mean()), float(p50), float(p90)))
    return sorted(steps, key=lambda s: s.task)


def directly_follows_sql(*, tiers: Sequence[str] = OFFICIAL_ONLY, since: datetime | None = None) -> list[Edge]:
    """The same edges computed inside the database (PostgreSQL or SQLite), nothing loaded."""
    where, params = _where(tiers, since)
    table = connection.ops.quote_name(Event._meta.db_table)
    if connection.vendor == "postgresql":
        # "C" collation: cases are only grouped, never shown sorted; byte comparison is faster.
        task, case, seconds = "data->>'task'", 'subject COLLATE "C"', "EXTRACT(EPOCH FROM time - prev_time)"
        fence = "OFFSET 0"  # keeps the projection below the sort: narrow rows sorted, not JSON documents
    else:
        task, case = "json_extract(data, '$.task')", "subject"
        seconds = "(julianday(time) - julianday(prev_time)) * 86400"
        fence = ""
    sql = f"""
        SELECT prev, task, COUNT(*), AVG({seconds}) FROM (
            SELECT task, time, LAG(task) OVER w AS prev, LAG(time) OVER w AS prev_time FROM (
                SELECT {case} AS case_id, time, id, {task} AS task FROM {table} WHERE {where} {fence}
            ) log
            WINDOW w AS (PARTITION BY case_id ORDER BY time, id)
        ) steps
        WHERE prev IS NOT NULL
        GROUP BY prev, task
        ORDER BY prev, task
    """  # noqa: S608 - only our own column expressions and placeholders are interpolated
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")  # the window's sort in memory, this transaction only
        cursor.execute(sql, params)
        return [Edge(str(a), str(b), int(n), float(mean)) for a, b, n, mean in cursor.fetchall()]
