# SPDX-License-Identifier: MPL-2.0
"""What each kind of finding measures, read from the rollups for a period: one definition, used to
find findings, to draw the drop-off funnel and to compare before and after an action.

- **Drop-off** at a form step: of the drafts that arrived at the step (saved the one before it, or
  started the form), the share that never saved it. The last stage is the check-and-send page:
  saved the last step, never sent.
- **補正 cause**: the 補正 requests naming an answer (or a document) per 100 cases opened.
- **Low ratings**: the share of ratings of 1 or 2.
- **Bottleneck**: the 90th percentile of a workflow step's time (or of the wait at an approver
  level), in hours.

Every measure carries its counts (`count` of `base`), so a rate over twelve drafts is seen as such.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum

from civicloop.analytics import durations
from civicloop.analytics.models import Finding, MonthlyCount, MonthlyHistogram
from civicloop.analytics.procedures import procedure_info

# Fewer observations than this on either side of a comparison and the page says the sample is small.
SMALL_SAMPLE = 30
SEND = "send"  # the drop-off stage after the last step: the check-and-send page
COUNT_METRICS = (
    "draft_started",
    "step_reached",
    "draft_submitted",
    "opened",
    "correction_field",
    "correction_file",
    "rated",
)
TIME_METRICS = {"task": "task_seconds", "approval": "approval_wait_seconds"}
HOUR = 3600.0


@dataclass(frozen=True)
class Key:
    """Which finding: its kind, procedure, and subject (`step:<id>`, `answer:<name>`, `task:review` …)."""

    kind: str
    procedure: str
    subject: str = ""

    @property
    def part(self) -> str:
        return self.subject.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.subject.split(":", 1)[-1]

    def url_args(self) -> tuple[str, str, str]:
        return (self.kind, self.procedure, self.subject or "-")

    @classmethod
    def of(cls, finding: Finding) -> "Key":
        return cls(finding.kind, finding.procedure, finding.subject)


@dataclass(frozen=True)
class Measure:
    """A rate (%) or hours, and what it was counted from: `count` events out of `base`."""

    value: float | None
    count: int
    base: int
    unit: str  # pct | hours

    @property
    def is_small(self) -> bool:
        return self.base < SMALL_SAMPLE


@dataclass
class Figures:
    """The rollups of a period summed per (metric, procedure, dim), and the step-time histograms."""

    counts: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    buckets: dict[tuple[str, str, str], list[tuple[int, int, float]]] = field(default_factory=lambda: defaultdict(list))

    def n(self, metric: str, procedure: str, dim: str = "") -> int:
        return self.counts.get((metric, procedure, dim), 0)

    def procedures(self) -> set[str]:
        return {procedure for _metric, procedure, _dim in self.counts} | {p for _m, p, _d in self.buckets}


def load(scope: Q, start: date, until: date, *, procedure: str = "", department: str = "") -> Figures:
    """Sum the period's rollup rows the viewer may see (`scope`), months `start` ≤ m < `until`."""
    rows = Q(month__gte=start, month__lt=until)
    if procedure:
        rows &= Q(procedure=procedure)
    if department:
        rows &= Q(department=department)
    figures = Figures()
    counted = (
        MonthlyCount.objects.filter(scope, rows, metric__in=COUNT_METRICS)
        .values_list("metric", "procedure", "dim")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for metric, code, dim, n in counted:
        figures.counts[(metric, code, dim)] += n
    timed = (
        MonthlyHistogram.objects.filter(scope, rows, metric__in=TIME_METRICS.values())
        .values_list("metric", "procedure", "dim", "bucket")
        .annotate(n=Sum("count"), t=Sum("total"))
        .order_by()
    )
    for metric, code, dim, bucket, n, total in timed:
        figures.buckets[(metric, code, dim)].append((bucket, n, total))
    return figures


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def stages(procedure: str) -> list[str]:
    """The funnel's stages after starting: `step:<id>` for each form step, then the send page."""
    return [f"step:{step_id}" for step_id, _ja, _en in procedure_info(procedure).steps] + [SEND]


def arrived_and_left(figures: Figures, procedure: str, stage: str) -> tuple[int, int]:
    """Drafts that arrived at a stage, and how many of them went no further."""
    order = stages(procedure)
    if stage not in order:
        return 0, 0
    index = order.index(stage)
    if index == 0:
        arrived = figures.n("draft_started", procedure)
    else:
        arrived = figures.n("step_reached", procedure, order[index - 1].removeprefix("step:"))
    if stage == SEND:
        passed = figures.n("draft_submitted", procedure)
    else:
        passed = figures.n("step_reached", procedure, stage.removeprefix("step:"))
    return arrived, max(0, arrived - passed)


def measure(figures: Figures, key: Key) -> Measure:
    """The finding's measure over the period `figures` was loaded for."""
    code = key.procedure
    if key.kind == Finding.Kind.DROP_OFF:
        arrived, left = arrived_and_left(figures, code, key.subject)
        return Measure(pct(left, arrived), left, arrived, "pct")
    if key.kind == Finding.Kind.CORRECTION:
        metric = "correction_file" if key.part == "document" else "correction_field"
        named, opened = figures.n(metric, code, key.name), figures.n("opened", code)
        return Measure(pct(named, opened), named, opened, "pct")
    if key.kind == Finding.Kind.LOW_RATING:
        low = figures.n("rated", code, "1") + figures.n("rated", code, "2")
        rated = sum(figures.n("rated", code, str(score)) for score in range(1, 6))
        return Measure(pct(low, rated), low, rated, "pct")
    summary = durations.summarize(
        figures.buckets.get((TIME_METRICS.get(key.part, ""), code, key.name), []), log_scale=True
    )
    if summary is None:
        return Measure(None, 0, 0, "hours")
    return Measure(round(summary.p90 / HOUR, 1), summary.count, summary.count, "hours")
