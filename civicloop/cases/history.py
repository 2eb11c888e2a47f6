# SPDX-License-Identifier: MPL-2.0
"""The case page's 経過 (history): recorded events told in words, the drafting noise folded, and
each 補正 shown as the answers before → after.

Events are facts for machines (`application.step_saved`, `case.task_completed`); a clerk reads
what happened. A resident saving a form step by step leaves a run of saves: one line says how
many, from when to when. A completed process step that another event of the same moment already
tells (a claim, a 補正 request, a resubmission …) is not said twice.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicloop.accounts.models import Position
from civicloop.cases import page_reads
from civicloop.cases.models import CorrectionRequest, task_outcome_label
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs, summarize
from civicloop.catalog.process import TASKS
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event

# What each event says, in words. `%(rank)s` and `%(step)s` are filled from the event's data.
SENTENCES = {
    "application.started": gettext_lazy("The applicant started the application"),
    "application.step_saved": gettext_lazy("The applicant saved their answers"),
    "application.attachment_added": gettext_lazy("The applicant attached a file"),
    "application.submitted": gettext_lazy("The application was submitted"),
    "application.my_number_sealed": gettext_lazy("The My Number was stored encrypted"),
    "application.corrected": gettext_lazy("The applicant sent the corrected application"),
    "case.opened": gettext_lazy("The case arrived in the department's inbox"),
    "case.claimed": gettext_lazy("A clerk claimed the case (受付)"),
    "case.assigned": gettext_lazy("The case was assigned to a clerk"),
    "case.commented": gettext_lazy("An internal comment was added"),
    "case.correction_requested": gettext_lazy("A correction (補正) was requested from the applicant"),
    "case.consultation_requested": gettext_lazy("Other departments were asked for their opinion (合議)"),
    "case.consultation_answered": gettext_lazy("A consulted department gave its opinion"),
    "case.approval_pending": gettext_lazy("Waiting for approval (決裁) by the %(rank)s"),
    "case.post_reviewed": gettext_lazy("The %(rank)s reviewed the decision taken in their place (後閲)"),
    "case.reminder_sent": gettext_lazy("A due-date reminder was sent to the staff"),
    "case.withdrawn": gettext_lazy("The applicant withdrew the application"),
    "case.task_completed": gettext_lazy("Step finished: %(step)s (%(outcome)s)"),
    "service.rated": gettext_lazy("The applicant rated the service"),
}
APPROVAL_SENTENCES = {
    "approved": gettext_lazy("The %(rank)s approved the draft (決裁)"),
    "returned": gettext_lazy("The %(rank)s returned the draft for rework (差戻し)"),
}
DECISIONS = {
    "approve": gettext_lazy("Decided: approved"),
    "reject": gettext_lazy("Decided: refused"),
    "accept": gettext_lazy("Decided: the notification was accepted (受理)"),
}
# A run of these, one after another, is one line with a count.
FOLDED = {"application.step_saved", "application.attachment_added"}
# Step outcomes another event of the same moment tells already (case.claimed, case.correction_requested …).
TOLD_ELSEWHERE = {"claimed", "correction", "resubmitted", "answered", "withdrawn", "returned"}


@dataclass
class Change:
    label: str
    before: str
    after: str

    @property
    def is_changed(self) -> bool:
        return self.before != self.after


@dataclass
class Correction:
    """One 補正: what was asked, when, and — once the resident answered — what changed."""

    request: CorrectionRequest
    changes: list[Change] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"correction-{self.request.public_id}"

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.is_changed]

    @property
    def unchanged(self) -> list[Change]:
        return [c for c in self.changes if not c.is_changed]


@dataclass
class Entry:
    time: datetime
    text: str
    until: datetime | None = None
    count: int = 1
    correction: Correction | None = None

    @property
    def folded(self) -> str:
        """For a run of saves: how many, and until when (empty for a single event)."""
        if self.count < 2 or self.until is None:
            return ""
        start, end = timezone.localtime(self.time), timezone.localtime(self.until)
        until = formats.time_format(end) if start.date() == end.date() else formats.date_format(end, "DATETIME_FORMAT")
        return _(" (%(count)s times, until %(until)s)") % {"count": self.count, "until": until}


def _short(event: Event) -> str:
    return event.type.removeprefix(TYPE_PREFIX)


def _rank(code: Any) -> str:
    return str(dict(Position.choices).get(str(code), _("approver")))


def _step(code: Any, english: bool) -> str:
    labels = TASKS.get(str(code))
    return labels[1 if english else 0] if labels else _("a step")


def sentence(event: Event, *, english: bool) -> str | None:
    """The event in words, or None when it is not worth a line of its own."""
    kind, data = _short(event), event.data or {}
    if kind == "case.task_completed":
        if data.get("outcome") in TOLD_ELSEWHERE or data.get("task") == "notify":
            return None
        outcome = task_outcome_label(str(data.get("task", "")), str(data.get("outcome", "")), default=_("done"))
        return str(SENTENCES[kind]) % {"step": _step(data.get("task"), english), "outcome": outcome}
    if kind == "case.approval_step":
        text = str(APPROVAL_SENTENCES.get(str(data.get("outcome")), APPROVAL_SENTENCES["approved"]))
        text %= {"rank": _rank(data.get("level"))}
        return text + (_(" — in the approver's absence (代決)") if data.get("proxy") else "")
    if kind == "case.decided":
        return str(DECISIONS.get(str(data.get("outcome")), DECISIONS["approve"]))
    if kind == "application.prefilled":
        return _("Started from the applicant's earlier %(procedure)s: %(n)s answers filled in (ワンスオンリー)") % {
            "procedure": data.get("follows_name_en" if english else "follows_name_ja") or data.get("follows", ""),
            "n": data.get("fields", 0),
        }
    if kind == "case.fee_paid":
        amount = data.get("amount_yen")
        if isinstance(amount, int):
            return _("The fee of %(amount)s yen was paid") % {"amount": f"{amount:,}"}
        return _("The fee was recorded as paid")
    if kind in SENTENCES:
        return str(SENTENCES[kind]) % {"rank": _rank(data.get("level"))}
    return _("Recorded: %(what)s") % {"what": kind.replace("_", " ").replace(".", " · ")}


def corrections_of(case: Any, definition: Definition, *, english: bool) -> list[Correction]:
    """Each 補正 of the case, oldest first, with the named answers before → after once answered."""
    found = []
    for request in page_reads.corrections(case=case):  # oldest first
        changes: list[Change] = []
        if request.resolved_at is not None:
            for spec in field_specs(
                definition.schema, [f for f in request.fields if f in definition.schema["properties"]]
            ):
                before = summarize(spec, request.answers_before.get(spec.path), english=english)
                after = summarize(spec, request.answers_after.get(spec.path), english=english)
                changes += _pair(before, after)
        found.append(Correction(request=request, changes=changes))
    return found


def _pair(before: Sequence[Any], after: Sequence[Any]) -> list[Change]:
    """Rows of one answer before and after, matched by label (a list may have grown or shrunk)."""
    old = {row.label: row.value for row in before}
    new = {row.label: row.value for row in after}
    labels = [row.label for row in before] + [row.label for row in after if row.label not in old]
    return [Change(label, old.get(label, "—"), new.get(label, "—")) for label in labels]


def build(events: Iterable[Event], corrections: Sequence[Correction], *, english: bool) -> list[Entry]:
    """The history lines, oldest first: folded runs, sentences, and each resubmission's changes."""
    by_id = {str(c.request.public_id): c for c in corrections}
    answered = [c for c in corrections if c.request.resolved_at is not None]
    entries: list[Entry] = []
    last_kind = ""
    for event in events:
        kind = _short(event)
        if kind in FOLDED and kind == last_kind and entries:
            entries[-1].count += 1
            entries[-1].until = event.time
            continue
        last_kind = kind
        text = sentence(event, english=english)
        if text is None:
            continue
        entry = Entry(time=event.time, text=text)
        if kind == "application.corrected":
            entry.correction = by_id.get(str((event.data or {}).get("correction", ""))) or _nearest(answered, event)
        entries.append(entry)
    return entries


def _nearest(corrections: Sequence[Correction], event: Event) -> Correction | None:
    """For events recorded before they named their correction: the one resolved at that moment."""
    for correction in corrections:
        resolved = correction.request.resolved_at
        if resolved is not None and abs((resolved - event.time).total_seconds()) < 5:
            return correction
    return None
