# SPDX-License-Identifier: MPL-2.0
"""The 改善 page's figures as charts (a table view and a CSV each, like every dashboard chart):
the findings, the actions with their before and after, the drop-off funnel, a finding by month."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, add_months, day_label, month_label
from civicloop.analytics.improvement.effect import Effect, before_and_after
from civicloop.analytics.improvement.findings import Candidate, Labels, kind_label
from civicloop.analytics.improvement.measures import Key, Measure, load, measure, pct, stages
from civicloop.analytics.models import Finding, ImprovementAction
from civicloop.analytics.procedures import procedure_info


def finding_url(key: Key) -> str:
    return reverse("analytics:finding-detail", args=key.url_args())


def findings_chart(candidates: Iterable[Candidate], acted: dict[Key, int], labels: Labels) -> Chart:
    chart = Chart(
        "findings",
        _("Findings"),
        _(
            "Figures of the period that stand out, for the process owner of each procedure: the ones touching "
            "most residents or cases first."
        ),
        [
            Column("kind", _("Kind")),
            Column("procedure", _("Procedure")),
            Column("subject", _("About")),
            Column("measure", _("Measure")),
            Column("value", _("Value"), "num"),
            Column("count", _("Count"), "int"),
            Column("base", _("Out of"), "int"),
            Column("actions", _("Actions recorded"), "int"),
        ],
        "subject",
        [],
        empty_note=_("Nothing stands out in this period."),
    )
    for c in candidates:
        m = c.measure
        row = [kind_label(c.key.kind), labels.procedure(c.key.procedure), labels.subject(c.key), labels.measure(c.key)]
        chart.add([*row, m.value, m.count, m.base, acted.get(c.key, 0)], finding_url(c.key))
    return chart


def _side(m: Measure | None) -> list[object]:
    if m is None:
        return [None, None, None]
    return [m.value, m.count, m.base]


def sample_note(effect: Effect) -> str:
    if effect.after is None:
        return _("No complete month after the action yet: measured from %(day)s.") % {
            "day": day_label(effect.measured_from)
        }
    if effect.is_small_sample:
        return _("Small sample: read the change with care.")
    return ""


def actions_chart(actions: Iterable[ImprovementAction], scope: Q, today: date, labels: Labels) -> Chart:
    chart = Chart(
        "actions",
        _("Actions and their effect"),
        _(
            "What the process owners changed, and the finding's measure in the same number of whole months before "
            "and after the action's month (the action's own month is left out)."
        ),
        [
            Column("taken_on", _("Date of the action")),
            Column("procedure", _("Procedure")),
            Column("subject", _("Finding")),
            Column("action", _("Action")),
            Column("months", _("Months each side"), "int"),
            Column("before", _("Before the action"), "num"),
            Column("before_count", _("Count before"), "int"),
            Column("before_base", _("Out of, before"), "int"),
            Column("after", _("After the action"), "num"),
            Column("after_count", _("Count after"), "int"),
            Column("after_base", _("Out of, after"), "int"),
            Column("change", _("Change (after − before)"), "num"),
            Column("note", _("Note")),
        ],
        "subject",
        [],
        empty_note=_("No action has been recorded yet."),
    )
    for action in actions:
        key = Key.of(action.finding)
        effect = before_and_after(scope, key, action.taken_on, today)
        row = [day_label(action.taken_on), labels.procedure(key.procedure), labels.subject(key), action.description]
        chart.add(
            [*row, effect.months, *_side(effect.before), *_side(effect.after), effect.change, sample_note(effect)],
            finding_url(key),
        )
    return chart


def funnel_chart(scope: Q, filters: Filters, labels: Labels) -> Chart:
    """Per procedure and form step: drafts arriving, leaving there, and the share that left."""
    chart = Chart(
        "funnel",
        _("Form drop-off funnel"),
        _(
            "Online drafts started in the period, by procedure and form step: how many arrived at each step, how "
            "many left there without saving it, and that share of those arriving."
        ),
        [
            Column("stage", _("Procedure and step")),
            Column("arrived", _("Arrived at the step"), "int"),
            Column("left", _("Left here"), "int"),
            Column("left_rate", _("Left here (share of those arriving, %)"), "pct"),
        ],
        "stage",
        [Series("arrived"), Series("left")],
        horizontal=True,
        empty_note=_("No online drafts in this period."),
    )
    figures = load(scope, filters.start, filters.until, procedure=filters.procedure, department=filters.department)
    for code in sorted(figures.procedures(), key=lambda c: procedure_info(c).name):
        if not figures.n("draft_started", code):
            continue
        for stage in stages(code):
            key = Key(Finding.Kind.DROP_OFF, code, stage)
            m = measure(figures, key)
            name = f"{labels.stage(key)}（{labels.procedure(code)}）"  # the step first: long names are cut
            chart.add([name, m.base, m.count, pct(m.count, m.base)], finding_url(key))
    return chart


def monthly_chart(scope: Q, key: Key, start: date, until: date, labels: Labels) -> Chart:
    """The finding's measure month by month, with what it was counted from."""
    chart = Chart(
        "by-month",
        _("Month by month"),
        labels.measure(key),
        [
            Column("month", _("Month")),
            Column("value", labels.measure(key), "num"),
            Column("count", _("Count"), "int"),
            Column("base", _("Out of"), "int"),
        ],
        "month",
        [Series("value"), Series("base", "line", axis=1)],
        empty_note=_("No figures for this period."),
    )
    month = start
    while month < until:
        m = measure(load(scope, month, add_months(month, 1), procedure=key.procedure), key)
        chart.add([month_label(month), m.value, m.count, m.base])
        month = add_months(month, 1)
    return chart
