# SPDX-License-Identifier: MPL-2.0
"""The facts forecasts and risk scores learn from, read from the event log (never the live tables).

Consumers take facts from events (STYLE.md): the department, procedure and due date of a case come
from `case.opened`, its assignee from `case.claimed`, its steps from `case.task_completed`, its 補正
from `case.correction_requested` and `application.corrected` (which moves the due date), its end
from `case.decided` (which says whether it was late) or `case.withdrawn`. So a retrain on a copy of
the events gives the same model as on the live site.

TOP SECRET cases are left out of everything here: no figure a department sees is derived from them.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Classification, Event
from civicloop.insight.staffing import office_hours

TOKYO = ZoneInfo("Asia/Tokyo")
CASE_TYPES = [
    "case.opened",
    "case.claimed",
    "case.task_completed",
    "case.correction_requested",
    "application.corrected",
    "case.decided",
    "case.withdrawn",
]


def week_of(moment: datetime) -> date:
    """The Monday (Asia/Tokyo) of the week `moment` falls in."""
    day = moment.astimezone(TOKYO).date()
    return day - timedelta(days=day.weekday())


def _events(
    types: list[str], since: datetime | None = None
) -> Iterator[tuple[str, str, datetime, dict[str, Any], str]]:
    events = Event.objects.filter(type__in=[TYPE_PREFIX + t for t in types]).exclude(
        classification=Classification.TOP_SECRET
    )
    if since is not None:
        events = events.filter(time__gte=since)
    rows = events.order_by("time").values_list("type", "subject", "time", "data", "classification")
    for kind, subject, at, data, cls in rows.iterator(chunk_size=5000):
        yield kind[len(TYPE_PREFIX) :], subject, at, data, cls


@dataclass
class Arrivals:
    """Cases opened per week, per (department, procedure), and the classification of each series."""

    counts: dict[tuple[str, str], dict[date, int]]
    classification: dict[tuple[str, str], str]
    first_week: date | None
    last_week: date | None  # the last whole week (the current, partial one is left out)


def weekly_arrivals(now: datetime) -> Arrivals:
    """Cases opened in each whole week before the week of `now`."""
    current = week_of(now)
    counts: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    tiers: dict[tuple[str, str], str] = {}
    first: date | None = None
    for _kind, _subject, at, data, cls in _events(["case.opened"]):
        week = week_of(at)
        if week >= current:
            continue
        key = (str(data.get("department", "")), str(data.get("procedure", "")))
        counts[key][week] += 1
        tiers[key] = max(tiers.get(key, cls), cls, key=_rank)
        first = week if first is None or week < first else first
    last = current - timedelta(days=7) if counts else None
    return Arrivals({k: dict(v) for k, v in counts.items()}, tiers, first, last)


def _rank(tier: str) -> int:
    order = [str(Classification.OFFICIAL), str(Classification.SECRET), str(Classification.TOP_SECRET)]
    return order.index(tier) if tier in order else 0


def step_hours() -> dict[tuple[str, str], list[float]]:
    """Office hours each completed step took, per (procedure, step)."""
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _kind, _subject, at, data, _cls in _events(["case.task_completed"]):
        seconds = data.get("duration_s")
        if isinstance(seconds, int | float):
            durations[(str(data.get("procedure", "")), str(data.get("task", "")))].append(
                office_hours(at - timedelta(seconds=float(seconds)), at)
            )
    return durations


@dataclass
class Timeline:
    """One case as its events tell it."""

    case_id: str
    department: str
    procedure: str
    classification: str
    opened: datetime
    due: list[tuple[datetime, date]]  # the due date from each moment on (補正 moves it)
    claimed: tuple[datetime, str] | None = None
    steps: list[tuple[datetime, str]] = field(default_factory=list)
    corrections: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    closed: datetime | None = None
    late: bool | None = None  # from case.decided; None while open or when withdrawn
    withdrawn: bool = False

    def due_at(self, moment: datetime) -> date:
        current = self.due[0][1]
        for since, day in self.due:
            if since <= moment:
                current = day
        return current

    def is_open_at(self, moment: datetime) -> bool:
        return self.opened <= moment and (self.closed is None or self.closed > moment)


def timelines(since: datetime | None = None) -> dict[str, Timeline]:
    """Every case opened since `since` (all when None), keyed by its public id."""
    cases: dict[str, Timeline] = {}
    by_application: dict[str, str] = {}
    for kind, subject, at, data, cls in _events(CASE_TYPES, since):
        if kind == "application.corrected":
            case = cases.get(by_application.get(subject.removeprefix("application/"), ""))
            if case is not None and case.corrections:
                requested, _ = case.corrections[-1]
                case.corrections[-1] = (requested, at)
                if data.get("due_date"):
                    case.due.append((at, date.fromisoformat(str(data["due_date"]))))
            continue
        case_id = subject.removeprefix("case/")
        if kind == "case.opened":
            cases[case_id] = Timeline(
                case_id,
                str(data.get("department", "")),
                str(data.get("procedure", "")),
                cls,
                at,
                [(at, date.fromisoformat(str(data["due_date"])))],
            )
            by_application[str(data.get("application", ""))] = case_id
            continue
        case = cases.get(case_id)
        if case is None:
            continue
        _apply(case, kind, at, data)
    return cases


def _apply(case: Timeline, kind: str, at: datetime, data: dict[str, Any]) -> None:
    if kind == "case.claimed":
        case.claimed = (at, str(data.get("assignee", "")))
    elif kind == "case.task_completed" and data.get("task") != "correction":
        case.steps.append((at, str(data.get("task", ""))))
    elif kind == "case.correction_requested":
        case.corrections.append((at, None))
    elif kind == "case.decided":
        case.closed, case.late = at, bool(data.get("overdue"))
    elif kind == "case.withdrawn":
        case.closed, case.withdrawn = at, True
