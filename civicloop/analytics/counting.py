# SPDX-License-Identifier: MPL-2.0
"""How each event changes the rollups: what is remembered of cases and drafts, one handler per type.

A `Tally` holds the counts of some events and the facts of the cases and drafts they touch; the
handlers change it event by event, in time order. The relay's batches (`consumer.apply`) and a
rebuild's remaining events (`consumer.count_all`) both go through these handlers, and the
set-based counts of a rebuild (`analytics.setbased`) are held to them by tests.

Facts come from the events, never from live tables: who took or was given a case (`assignee` of
`case.claimed` and `case.assigned`) and the due date (`case.opened`, and the moved one of
`application.corrected`). A rebuild after a reassignment therefore credits each clerk with what
they did then, not with what the case looks like now. (A corrected event from before the field
existed gets its due date moved by its own `paused_business_days`, as resubmit_correction did.)
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings

from civicloop.analytics import durations, store
from civicloop.analytics.procedures import procedure_info
from civicloop.core.calendar import add_business_days, business_days_between
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event

# The short types this consumer counts; every other event is ignored (and not remembered).
COUNTED = frozenset(
    {
        "application.started",
        "application.step_saved",
        "application.submitted",
        "application.corrected",
        "application.prefilled",
        "case.opened",
        "case.claimed",
        "case.assigned",
        "case.correction_requested",
        "case.decided",
        "case.withdrawn",
        "case.task_completed",
        "case.approval_step",
        "document.issued",
        "service.rated",
        "inquiry.received",
        "inquiry.rerouted",
        "inquiry.answered",
    }
)
_PREFIX_LEN = len(TYPE_PREFIX)


@dataclass(slots=True)
class Item:
    """One event as the consumer needs it (model instances and raw rows both become this)."""

    id: UUID
    type: str  # the short type, without the jp.lg.civicloop. prefix
    subject: str
    time: datetime
    data: dict[str, Any]
    classification: str


@dataclass(slots=True)
class CaseState:
    case_id: str  # public ids as text: parsing every subject into a UUID costs more than the rest
    application_id: str | None
    department: str
    procedure: str
    classification: str
    opened_at: datetime
    due_date: date
    assignee: str = ""
    closed_at: datetime | None = None
    paused_at: datetime | None = None
    paused_calendar_days: int = 0
    paused_business_days: int = 0

    def row(self) -> tuple[Any, ...]:
        return (
            self.case_id,
            self.application_id,
            self.department,
            self.procedure,
            self.classification,
            self.opened_at,
            self.due_date,
            self.assignee,
            self.closed_at,
            self.paused_at,
            self.paused_calendar_days,
            self.paused_business_days,
        )


@dataclass(slots=True)
class DraftState:
    application_id: str
    procedure: str
    department: str
    classification: str
    month: date
    steps: list[str] = field(default_factory=list)
    submitted: bool = False

    def row(self) -> tuple[Any, ...]:
        return (
            self.application_id,
            self.procedure,
            self.department,
            self.classification,
            self.month,
            " ".join(self.steps),
            self.submitted,
        )


def item_from_event(event: Event) -> Item:
    return Item(
        event.id,
        event.type[_PREFIX_LEN:] if event.type.startswith(TYPE_PREFIX) else event.type,
        event.subject,
        event.time,
        event.data if isinstance(event.data, dict) else {},
        event.classification,
    )


def subject_key(text: Any) -> str | None:
    """The public id at the end of a subject (`case/<uuid>`) or an id field, in canonical text form."""
    if not text:
        return None
    tail = str(text).rsplit("/", 1)[-1].lower()
    if len(tail) == 36 and tail[8] == tail[13] == tail[18] == tail[23] == "-":
        return tail
    try:
        return str(UUID(tail))
    except ValueError:
        return None


_TZ = ZoneInfo(settings.TIME_ZONE)


# Asia/Tokyo keeps one offset all year (no summer time): a UTC time plus the offset gives the date
# without a time-zone lookup per event. A zone with summer time takes the general path.
_FIXED_OFFSET = (
    _TZ.utcoffset(datetime(2024, 1, 1))
    if _TZ.utcoffset(datetime(2024, 1, 1)) == _TZ.utcoffset(datetime(2024, 7, 1))
    else None
)


def local_date(moment: datetime) -> date:
    if _FIXED_OFFSET is not None and moment.tzinfo is UTC:
        return (moment + _FIXED_OFFSET).date()
    return moment.astimezone(_TZ).date()


_MONTHS: dict[date, date] = {}  # a few thousand days at most


def month_of(day: date) -> date:
    """The first of `day`'s month (a lookup: date.replace cost more than the rest of a count)."""
    month = _MONTHS.get(day)
    if month is None:
        month = _MONTHS[day] = day.replace(day=1)
    return month


class Tally:
    """Counts and facts in memory; `write` puts them into the rollup tables, each table once."""

    def __init__(self) -> None:
        self.monthly: Counter[tuple[str, date, str, str, str, str]] = Counter()
        self.daily: Counter[tuple[str, date, str, str, str]] = Counter()
        self.hist_count: Counter[tuple[str, date, str, str, str, str, int]] = Counter()
        self.hist_total: defaultdict[tuple[str, date, str, str, str, str, int], float] = defaultdict(float)
        self.cases: dict[str, CaseState] = {}
        self.case_by_application: dict[str, str] = {}
        self.drafts: dict[str, DraftState] = {}
        self.dirty_cases: set[str] = set()
        self.dirty_drafts: set[str] = set()

    def count_items(self, items: Iterable[Item]) -> None:
        """Apply each event's handler, in the order given (time order)."""
        handlers = _HANDLERS
        for item in items:
            handler = handlers.get(item.type)
            if handler is not None:
                handler(self, item)

    def count(
        self, metric: str, day: date, department: str, procedure: str, cls: str, dim: str = "", n: int = 1
    ) -> None:
        self.monthly[(metric, month_of(day), department, procedure, cls, dim)] += n

    def observe(
        self, metric: str, day: date, department: str, procedure: str, cls: str, dim: str, bucket: int, value: float
    ) -> None:
        key = (metric, month_of(day), department, procedure, cls, dim, bucket)
        self.hist_count[key] += 1
        self.hist_total[key] += value

    def case_for(self, item: Item) -> CaseState | None:
        case_id = subject_key(item.subject)
        return self.cases.get(case_id) if case_id else None

    def remember_case(self, state: CaseState) -> None:
        self.cases[state.case_id] = state
        if state.application_id is not None:
            self.case_by_application[state.application_id] = state.case_id

    def write(self, *, rebuild: bool = False) -> None:
        """Write each table once; in a `rebuild`, the facts into their emptied tables (COPY)."""
        # No ordering against deadlocks is needed: the rollup lock lets one writer in at a time.
        for table, rows in (
            (store.MONTHLY, [(*key, n) for key, n in self.monthly.items()]),
            (store.DAILY, [(*key, n) for key, n in self.daily.items()]),
            (store.HISTOGRAM, [(*key, n, self.hist_total[key]) for key, n in self.hist_count.items()]),
        ):
            step = 50_000 if rebuild else max(len(rows), 1)  # a rebuild's whole tally: several statements
            for start in range(0, len(rows), step):
                table.upsert(rows[start : start + step])
        cases = (self.cases[c].row() for c in self.dirty_cases)
        drafts = (self.drafts[a].row() for a in self.dirty_drafts)
        if rebuild:  # nothing else writes facts during a rebuild, and each is in the tally once
            store.CASE_FACTS.insert_new(cases)
            store.DRAFT_FACTS.insert_new(drafts)
        else:
            store.CASE_FACTS.upsert(list(cases))
            store.DRAFT_FACTS.upsert(list(drafts))


# -- one handler per event type ----------------------------------------------------------------


def _draft(batch: Tally, item: Item) -> DraftState | None:
    application_id = subject_key(item.subject)
    if application_id is None:
        return None
    draft = batch.drafts.get(application_id)
    if draft is None:
        info = procedure_info(str(item.data.get("procedure", "")))
        draft = DraftState(
            application_id, info.code, info.department, item.classification, local_date(item.time).replace(day=1)
        )
        batch.drafts[application_id] = draft
        if item.type != "application.submitted":
            batch.count("draft_started", draft.month, draft.department, draft.procedure, draft.classification)
    batch.dirty_drafts.add(application_id)
    return draft


def _on_started(batch: Tally, item: Item) -> None:
    _draft(batch, item)


def _on_step_saved(batch: Tally, item: Item) -> None:
    draft = _draft(batch, item)
    step = str(item.data.get("step", ""))[:60]
    if draft is not None and step and step not in draft.steps:
        draft.steps.append(step)
        batch.count("step_reached", draft.month, draft.department, draft.procedure, draft.classification, step)


def _on_submitted(batch: Tally, item: Item) -> None:
    info = procedure_info(str(item.data.get("procedure", "")))
    department = str(item.data.get("department") or info.department)
    channel = str(item.data.get("channel") or "online")
    batch.count("submitted", local_date(item.time), department, info.code, item.classification, channel)
    application_id = subject_key(item.subject)
    draft = batch.drafts.get(application_id) if application_id else None
    if draft is not None and not draft.submitted:
        draft.submitted = True
        batch.dirty_drafts.add(draft.application_id)
        batch.count("draft_submitted", draft.month, draft.department, draft.procedure, draft.classification)


# One draft's prefilled inputs count at most this many: a malformed event can't swamp the month.
MAX_PREFILLED_FIELDS = 1000


def _on_prefilled(batch: Tally, item: Item) -> None:
    """A life-event bundle's draft started prefilled (ワンスオンリー): one draft, and its inputs given."""
    info = procedure_info(str(item.data.get("procedure", "")))
    life_event = str(item.data.get("life_event") or "")[:60]
    try:
        fields = min(max(int(item.data.get("fields") or 0), 0), MAX_PREFILLED_FIELDS)
    except (TypeError, ValueError, OverflowError):
        fields = 0
    day = local_date(item.time)
    batch.count("prefilled_drafts", day, info.department, info.code, item.classification, life_event)
    batch.count("prefilled_fields", day, info.department, info.code, item.classification, life_event, fields)


def _on_opened(batch: Tally, item: Item) -> None:
    case_id = subject_key(item.subject)
    if case_id is None:
        return
    info = procedure_info(str(item.data.get("procedure", "")))
    department = str(item.data.get("department") or info.department)
    due = _event_date(item, "due_date") or local_date(item.time)
    state = CaseState(
        case_id, subject_key(item.data.get("application")), department, info.code, item.classification, item.time, due
    )
    batch.remember_case(state)
    batch.dirty_cases.add(case_id)
    day = local_date(item.time)
    batch.count("opened", day, department, info.code, item.classification)
    batch.daily[("opened", day, department, info.code, item.classification)] += 1


def _on_claimed(batch: Tally, item: Item) -> None:
    """The clerk named in the event took the case (never the case's assignee now: see STYLE.md)."""
    case = batch.case_for(item)
    if case is None:
        return
    assignee = str(item.data.get("assignee") or "")[:40]
    case.assignee = assignee
    batch.dirty_cases.add(case.case_id)
    batch.count("claimed", local_date(item.time), case.department, case.procedure, case.classification, assignee)


def _on_assigned(batch: Tally, item: Item) -> None:
    """A chief (re)assigned the case: what follows is credited to the new assignee, what went before is not."""
    case = batch.case_for(item)
    assignee = str(item.data.get("assignee") or "")[:40]
    if case is None or case.closed_at is not None or not assignee:
        return
    case.assignee = assignee
    batch.dirty_cases.add(case.case_id)
    batch.count("assigned", local_date(item.time), case.department, case.procedure, case.classification, assignee)


def _on_correction_requested(batch: Tally, item: Item) -> None:
    case = batch.case_for(item)
    if case is None:
        return
    case.paused_at = item.time
    batch.dirty_cases.add(case.case_id)
    day = local_date(item.time)
    batch.count("correction", day, case.department, case.procedure, case.classification)
    # Which answers and documents the 補正 names: the causes the 改善 page ranks (analytics.improvement).
    for metric, key in (("correction_field", "fields"), ("correction_file", "attachments")):
        for name in _names(item.data.get(key)):
            batch.count(metric, day, case.department, case.procedure, case.classification, name)


def _names(value: Any) -> list[str]:
    """The distinct names in a list the event states (answers or documents), each counted once."""
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(name)[:60] for name in value if name))


def _on_corrected(batch: Tally, item: Item) -> None:
    application_id = subject_key(item.subject)
    case_id = batch.case_by_application.get(application_id) if application_id else None
    case = batch.cases.get(case_id) if case_id else None
    if case is None:
        return
    if case.paused_at is not None:
        case.paused_calendar_days += max(0, (local_date(item.time) - local_date(case.paused_at)).days)
        case.paused_at = None
    paused = max(0, int(item.data.get("paused_business_days") or 0))
    case.paused_business_days += paused
    case.due_date = _event_date(item, "due_date") or add_business_days(case.due_date, paused)
    batch.dirty_cases.add(case.case_id)
    batch.count("corrected", local_date(item.time), case.department, case.procedure, case.classification)


def _event_date(item: Item, name: str) -> date | None:
    """A date the event states (`due_date`); None when it states none (events older than the field)."""
    try:
        return date.fromisoformat(str(item.data.get(name)))
    except ValueError:
        return None


def processing_days(case: CaseState, closed: datetime) -> int:
    """Days from arrival to decision in the procedure's own kind of days, less the 補正 pauses."""
    opened, done = local_date(case.opened_at), local_date(closed)
    if procedure_info(case.procedure).day_kind == "business":
        return max(0, business_days_between(opened, done) - case.paused_business_days)
    paused = case.paused_calendar_days
    if case.paused_at is not None:  # closed while a 補正 request was still open
        paused += max(0, (done - local_date(case.paused_at)).days)
    return max(0, (done - opened).days - paused)


def _on_closed(batch: Tally, item: Item) -> None:
    day = local_date(item.time)
    outcome = str(item.data.get("outcome") or ("withdrawn" if item.type == "case.withdrawn" else "approve"))
    case = batch.case_for(item)
    if case is None:
        # Opened before the rollups began: count the closure, without a duration.
        department = str(item.data.get("department", ""))
        batch.count("closed", day, department, "", item.classification, outcome)
        batch.daily[("closed", day, department, "", item.classification)] += 1
        return
    if case.closed_at is not None:
        return  # a case closes once; a second closing event changes nothing
    dept, proc, cls = case.department, case.procedure, case.classification
    batch.count("closed", day, dept, proc, cls, outcome)
    batch.daily[("closed", day, dept, proc, cls)] += 1
    if item.data.get("overdue"):
        batch.count("closed_overdue", day, dept, proc, cls)
    if case.assignee:
        batch.count("closed_by", day, dept, proc, cls, case.assignee)
    if outcome != "withdrawn":
        days = processing_days(case, item.time)
        batch.observe("processing_days", day, dept, proc, cls, "", durations.days_bucket(days), float(days))
    case.closed_at = item.time
    case.paused_at = None
    batch.dirty_cases.add(case.case_id)


def _seconds(value: Any) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def _on_task_completed(batch: Tally, item: Item) -> None:
    case = batch.case_for(item)
    info = procedure_info(str(item.data.get("procedure") or (case.procedure if case else "")))
    department = str(item.data.get("department") or (case.department if case else info.department))
    seconds = _seconds(item.data.get("duration_s"))
    task = str(item.data.get("task", ""))[:60]
    bucket = durations.seconds_bucket(seconds)
    batch.observe(
        "task_seconds", local_date(item.time), department, info.code, item.classification, task, bucket, seconds
    )


def _on_approval_step(batch: Tally, item: Item) -> None:
    case = batch.case_for(item)
    info = procedure_info(str(item.data.get("procedure") or (case.procedure if case else "")))
    department = str(item.data.get("department") or (case.department if case else info.department))
    day = local_date(item.time)
    level = str(item.data.get("level", ""))[:60]
    seconds = _seconds(item.data.get("waited_s"))
    bucket = durations.seconds_bucket(seconds)
    batch.observe("approval_wait_seconds", day, department, info.code, item.classification, level, bucket, seconds)
    if item.data.get("proxy"):
        batch.count("approval_proxy", day, department, info.code, item.classification, level)


def _on_document_issued(batch: Tally, item: Item) -> None:
    case_id = subject_key(item.data.get("case"))
    case = batch.cases.get(case_id) if case_id else None
    kind = str(item.data.get("kind", ""))[:60]
    day = local_date(item.time)
    if case is None:
        batch.count("document", day, str(item.data.get("department", "")), "", item.classification, kind)
        return
    batch.count("document", day, case.department, case.procedure, case.classification, kind)


def _on_rated(batch: Tally, item: Item) -> None:
    info = procedure_info(str(item.data.get("procedure", "")))
    department = str(item.data.get("department") or info.department)
    score = int(item.data.get("score") or 0)
    if 1 <= score <= 5:
        batch.count("rated", local_date(item.time), department, info.code, item.classification, str(score))


def _on_inquiry(batch: Tally, item: Item) -> None:
    day = local_date(item.time)
    if item.type == "inquiry.received":
        department = str(item.data.get("routed_to") or "")
        batch.count("inquiry", day, department, "", item.classification, str(item.data.get("channel") or ""))
    elif item.type == "inquiry.rerouted":
        batch.count("inquiry_rerouted", day, str(item.data.get("to") or ""), "", item.classification)
    else:
        batch.count("inquiry_answered", day, str(item.data.get("department") or ""), "", item.classification)


_HANDLERS: dict[str, Callable[[Tally, Item], None]] = {
    "application.started": _on_started,
    "application.step_saved": _on_step_saved,
    "application.submitted": _on_submitted,
    "application.corrected": _on_corrected,
    "application.prefilled": _on_prefilled,
    "case.opened": _on_opened,
    "case.claimed": _on_claimed,
    "case.assigned": _on_assigned,
    "case.correction_requested": _on_correction_requested,
    "case.decided": _on_closed,
    "case.withdrawn": _on_closed,
    "case.task_completed": _on_task_completed,
    "case.approval_step": _on_approval_step,
    "document.issued": _on_document_issued,
    "service.rated": _on_rated,
    "inquiry.received": _on_inquiry,
    "inquiry.rerouted": _on_inquiry,
    "inquiry.answered": _on_inquiry,
}
