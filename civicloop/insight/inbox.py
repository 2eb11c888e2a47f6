# SPDX-License-Identifier: MPL-2.0
"""The SLA risk in the staff inbox, through cases' score hook (civicloop/cases/inbox_scores.py)."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from civicloop.cases.inbox_scores import InboxScore, ScoreCell
from civicloop.cases.inbox_scores import register as register_score
from civicloop.catalog.models import Procedure
from civicloop.catalog.process import TASKS
from civicloop.core.language import is_english
from civicloop.insight.models import CaseRisk
from civicloop.insight.risk import DAYS_LEFT_FLOOR

HIGH, MEDIUM = 0.5, 0.2


def register() -> None:
    register_score(InboxScore(order_by_score=order_by_score, cells=cells))


def order_by_score(cases: QuerySet[Any]) -> QuerySet[Any]:
    """Highest risk first; cases without a score (new since the last scoring) last, by due date."""
    score = Subquery(CaseRisk.objects.filter(case_id=OuterRef("pk")).values("score")[:1])
    ordered: QuerySet[Any] = cases.annotate(sla_risk=score).order_by(
        F("sla_risk").desc(nulls_last=True), "due_date", "pk"
    )
    return ordered


def level(score: float) -> str:
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


def cells(cases: Sequence[Any]) -> dict[int, ScoreCell]:
    risks = list(CaseRisk.objects.filter(case_id__in=[c.pk for c in cases]))
    names = procedure_names(r.procedure for r in risks)
    return {
        r.case_id: ScoreCell(
            percent=round(100 * r.score),
            level=level(r.score),
            reasons=[reason_text(feature, value, names) for feature, value in r.reasons],
        )
        for r in risks
    }


def procedure_names(codes: Iterable[str]) -> dict[str, str]:
    english = is_english()
    rows = Procedure.objects.filter(code__in=set(codes)).values_list(
        "code", "current_version__name_ja", "current_version__name_en"
    )
    return {code: (name_en if english else name_ja) or code for code, name_ja, name_en in rows}


def stage_label(stage: str) -> str:
    if stage == "new":
        return _("not started")
    if stage == "correction":
        return _("waiting for the resident's 補正")
    labels = TASKS.get(stage)
    return labels[1 if is_english() else 0] if labels else stage


def reason_text(feature: str, value: Any, names: dict[str, str]) -> str:
    """One reason in the viewer's language: the feature and its value for this case."""
    if feature == "procedure":
        return _("Procedure: %(value)s") % {"value": names.get(str(value), value)}
    if feature == "stage":
        return _("Last step done: %(value)s") % {"value": stage_label(str(value))}
    if feature == "days_left" and isinstance(value, int | float) and value <= 0:  # a stored JSON number
        if value == 0:
            return _("Due today")
        if value <= DAYS_LEFT_FLOOR:  # held there by the model: at least this late
            return _("%(value)s or more business days past the due date") % {"value": -DAYS_LEFT_FLOOR}
        return _("%(value)s business days past the due date") % {"value": int(-value)}
    texts = {
        "month": _("Time of year: month %(value)s"),
        "age": _("Open for %(value)s business days"),
        "days_left": _("%(value)s business days to the due date"),
        "corrections": _("補正 requests: %(value)s"),
        "workload": _("The assignee holds %(value)s open cases"),
    }
    return texts.get(feature, feature) % {"value": value}
