# SPDX-License-Identifier: MPL-2.0
"""Findings: the figures of a period that a procedure's process owner should act on.

Found on every look from the rollups the viewer may see (analytics.scope), with the thresholds
below; nothing is stored until someone records an action (`analytics.actions.record_improvement_action`).
The thresholds are where a figure stands out of the ward's ordinary run, not a law: a step that
one draft in seven leaves, a 補正 that names the same answer in one case of twelve, one rating in
five of 1 or 2. A procedure's bottleneck is its one slowest step of the municipality's own (the
resident's 補正 and fee are theirs, not the office's; the 決裁 is read per approver level, where a
deputy can be named), when its slowest tenth takes more than half the standard period.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Filters
from civicloop.analytics.dashboards.operations import OFFICE_STEPS, level_label, task_label
from civicloop.analytics.improvement.measures import (
    SEND,
    TIME_METRICS,
    Figures,
    Key,
    Measure,
    load,
    measure,
    stages,
)
from civicloop.analytics.models import Finding
from civicloop.analytics.procedures import procedure_info
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs
from civicloop.catalog.models import Procedure
from civicloop.core.language import is_english

DROP_OFF_PCT = 15.0  # % of the drafts arriving at a step that never save it
CORRECTION_PCT = 8.0  # 補正 requests naming one answer per 100 cases opened
LOW_RATING_PCT = 20.0  # % of ratings that are 1 or 2
BOTTLENECK_SHARE = 1 / 2  # of the standard period, for the 90th percentile of the slowest step
BOTTLENECK_MIN_HOURS = 72.0  # three days on the clock: a weekend alone is not a bottleneck
CALENDAR_PER_BUSINESS_DAY = 7 / 5  # step times are on the clock; a standard period of business days is longer
MIN_BASE = {  # fewer than this in the period and a figure is too thin to be a finding
    Finding.Kind.DROP_OFF: 30,
    Finding.Kind.CORRECTION: 30,
    Finding.Kind.LOW_RATING: 20,
    Finding.Kind.BOTTLENECK: 20,
}
KIND_EN = {
    Finding.Kind.BOTTLENECK: "Bottleneck",
    Finding.Kind.DROP_OFF: "Form drop-off",
    Finding.Kind.CORRECTION: "補正 cause",
    Finding.Kind.LOW_RATING: "Low ratings",
}


@dataclass(frozen=True)
class Candidate:
    """A finding of the period: what, whose (the procedure's department), and its measure."""

    key: Key
    department: str
    measure: Measure


def kind_label(kind: str) -> str:
    if is_english():
        return KIND_EN.get(kind, kind)  # type: ignore[call-overload]
    return str(Finding.Kind(kind).label) if kind in Finding.Kind.values else kind


def bottleneck_limit_hours(procedure: str) -> float:
    """The slowest step is a bottleneck when its 90th percentile takes more than this (hours on the clock)."""
    info = procedure_info(procedure)
    days = info.standard_days * (CALENDAR_PER_BUSINESS_DAY if info.day_kind == "business" else 1.0)
    return max(BOTTLENECK_MIN_HOURS, days * 24.0 * BOTTLENECK_SHARE)


def _stands_out(key: Key, value: float) -> bool:
    if key.kind == Finding.Kind.DROP_OFF:
        return value >= DROP_OFF_PCT
    if key.kind == Finding.Kind.CORRECTION:
        return value >= CORRECTION_PCT
    if key.kind == Finding.Kind.LOW_RATING:
        return value >= LOW_RATING_PCT
    return value > bottleneck_limit_hours(key.procedure)


def _keys(figures: Figures, code: str) -> list[Key]:
    """Every finding the period's figures could hold for one procedure."""
    keys = [Key(Finding.Kind.DROP_OFF, code, stage) for stage in stages(code)] if procedure_info(code).steps else []
    keys += [
        Key(Finding.Kind.CORRECTION, code, f"{'document' if metric == 'correction_file' else 'answer'}:{dim}")
        for metric, procedure, dim in figures.counts
        if procedure == code and metric in ("correction_field", "correction_file")
    ]
    keys.append(Key(Finding.Kind.LOW_RATING, code))
    slowest = _slowest_step(figures, code)
    return keys + ([slowest] if slowest else [])


def _slowest_step(figures: Figures, code: str) -> Key | None:
    """The procedure's slowest step of the office's own, by its 90th percentile (the bottleneck candidate)."""
    parts = {metric: part for part, metric in TIME_METRICS.items()}
    steps = [
        Key(Finding.Kind.BOTTLENECK, code, f"{parts[metric]}:{dim}")
        for metric, procedure, dim in figures.buckets
        if procedure == code and (metric != TIME_METRICS["task"] or dim in OFFICE_STEPS - {"approval"})
    ]
    timed = [(m.value, key) for key in steps if (m := measure(figures, key)).value is not None]
    return max(timed, key=lambda pair: (pair[0], pair[1].subject))[1] if timed else None


def detect(scope: Q, filters: Filters) -> list[Candidate]:
    """The period's findings in what the viewer may see, the ones touching most residents or cases first."""
    figures = load(scope, filters.start, filters.until, procedure=filters.procedure, department=filters.department)
    found = []
    for code in sorted(figures.procedures()):
        info = procedure_info(code)
        if not info.department:
            continue  # a procedure no longer in the catalogue has no owner to tell
        for key in _keys(figures, code):
            m = measure(figures, key)
            if m.value is not None and m.base >= MIN_BASE[Finding.Kind(key.kind)] and _stands_out(key, m.value):
                found.append(Candidate(key, info.department, m))
    return sorted(found, key=lambda c: (-c.measure.count, c.key.kind, c.key.procedure, c.key.subject))


def finding_for(key: Key) -> Finding | None:
    """The stored finding of a key, or an unsaved one owned as its procedure is; None for no such procedure."""
    stored = Finding.objects.filter(kind=key.kind, procedure=key.procedure, subject=key.subject).first()
    if stored is not None:
        return stored
    info = procedure_info(key.procedure)
    if not info.department or key.kind not in Finding.Kind.values:
        return None
    return Finding(
        kind=key.kind,
        procedure=key.procedure,
        subject=key.subject,
        department=info.department,
        classification=info.classification,
    )


class Labels:
    """What a finding is about, in the viewer's language, read from each procedure's current form."""

    def __init__(self) -> None:
        self.english = is_english()
        self._forms: dict[str, dict[str, str]] = {}

    def procedure(self, code: str) -> str:
        return procedure_info(code).name

    def stage(self, key: Key) -> str:
        """A drop-off stage's bare name (the funnel's rows, where space is short)."""
        if key.subject == SEND:
            return _("Check and send")
        return self._names(key.procedure).get(key.subject, key.name)

    def subject(self, key: Key) -> str:
        if key.kind == Finding.Kind.DROP_OFF:
            if key.subject == SEND:
                return _("The check-and-send page")
            return _("Form step: %(step)s") % {"step": self._names(key.procedure).get(key.subject, key.name)}
        if key.kind == Finding.Kind.CORRECTION:
            name = self._names(key.procedure).get(key.subject, key.name)
            if key.part == "document":
                return _("Document: %(name)s") % {"name": name}
            return _("Answer: %(name)s") % {"name": name}
        if key.kind == Finding.Kind.BOTTLENECK:
            if key.part == "approval":
                return _("Approval (決裁) waiting at: %(level)s") % {"level": level_label(key.name)}
            return _("Workflow step: %(step)s") % {"step": task_label(key.name)}
        return _("Ratings of 1 or 2")

    def measure(self, key: Key) -> str:
        labels = {
            Finding.Kind.DROP_OFF: _("Left at this step (share of those arriving, %)"),
            Finding.Kind.CORRECTION: _("補正 naming it per 100 cases"),
            Finding.Kind.LOW_RATING: _("Ratings of 1 or 2 (%)"),
            Finding.Kind.BOTTLENECK: _("90th percentile (hours)"),
        }
        return str(labels.get(Finding.Kind(key.kind), ""))

    def _names(self, code: str) -> dict[str, str]:
        if code not in self._forms:
            self._forms[code] = self._read(code)
        return self._forms[code]

    def _read(self, code: str) -> dict[str, str]:
        procedure = Procedure.objects.select_related("current_version").filter(code=code).first()
        if procedure is None or procedure.current_version is None:
            return {}
        definition = Definition(procedure.current_version.definition)
        names: dict[str, str] = {}
        for step in definition.steps:
            names[f"step:{step.id}"] = step.title_in(self.english)
            for spec in field_specs(definition.schema, step.fields):
                names[f"answer:{spec.path}"] = spec.title_en if self.english else spec.title_ja
        for rule in definition.attachments:
            names[f"document:{rule.code}"] = rule.label_in(self.english)
        return names
