# SPDX-License-Identifier: MPL-2.0
"""Citizens (区民と繋がる): how residents reach the ward, where they give up, what they think."""

from collections import defaultdict
from dataclasses import replace

from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import (
    Chart,
    Column,
    Filters,
    Series,
    department_names,
    drill_link,
    month_label,
    monthly_sums,
    pct,
)
from civicloop.analytics.procedures import procedure_info
from civicloop.applications.models import is_online_channel
from civicloop.core.language import is_english


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [
        channels(scope, filters),
        online_rate(scope, filters),
        abandonment(scope, filters),
        satisfaction(scope, filters),
        inquiries(scope, filters),
    ]


def channels(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "channels",
        _("Applications by channel"),
        _("Applications received each month, online and at the counter."),
        [
            Column("month", _("Month")),
            Column("online", _("Online"), "int"),
            Column("counter", _("Counter"), "int"),
            Column("rate", _("Online rate (%)"), "pct"),
        ],
        "month",
        [Series("online", stack="all"), Series("counter", stack="all"), Series("rate", "line", axis=1)],
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["submitted"], ["month", "dim"]):
        counts[month_label(row["month"])]["online" if is_online_channel(row["dim"]) else "counter"] += row["n"]
    for month in filters.months():
        label = month_label(month)
        online, counter = counts[label]["online"], counts[label]["counter"]
        chart.add([label, online, counter, pct(online, online + counter)], drill_link(filters, month=label))
    return chart


def online_rate(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "online-rate",
        _("Online rate by procedure"),
        _("Share of each procedure's applications made online in the period."),
        [
            Column("procedure", _("Procedure")),
            Column("online", _("Online"), "int"),
            Column("counter", _("Counter"), "int"),
            Column("rate", _("Online rate (%)"), "pct"),
        ],
        "procedure",
        [Series("rate")],
        horizontal=True,
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["submitted"], ["procedure", "dim"]):
        counts[row["procedure"]]["online" if is_online_channel(row["dim"]) else "counter"] += row["n"]
    ranked = sorted(counts.items(), key=lambda kv: (pct(kv[1]["online"], sum(kv[1].values())) or 0, kv[0]))
    for code, c in ranked:
        total = c["online"] + c["counter"]
        chart.add(
            [procedure_info(code).name, c["online"], c["counter"], pct(c["online"], total)],
            drill_link(filters, procedure=code, state="opened"),
        )
    return chart


def _funnel_procedure(scope: Q, filters: Filters) -> str:
    if filters.procedure:
        return filters.procedure
    started = monthly_sums(scope, filters, ["draft_started"], ["procedure"])
    return max(started, key=lambda r: r["n"])["procedure"] if started else ""


def abandonment(scope: Q, filters: Filters) -> Chart:
    code = _funnel_procedure(scope, filters)
    info = procedure_info(code)
    chart = Chart(
        "abandonment",
        _("Where residents leave the online form"),
        _("Drafts started in the period that reached each step, and how many went no further.")
        + (" " + _("Procedure: %(name)s.") % {"name": info.name} if code else ""),
        [
            Column("step", _("Step")),
            Column("reached", _("Reached"), "int"),
            Column("left", _("Left at this step"), "int"),
            Column("left_rate", _("Left here (share of those who started)"), "pct"),
        ],
        "step",
        [Series("reached"), Series("left")],
        horizontal=True,
        empty_note=_("No online drafts in this period."),
    )
    if not code:
        return chart
    reached: dict[str, int] = defaultdict(int)
    metrics = ["draft_started", "step_reached", "draft_submitted"]
    rows = monthly_sums(scope, replace(filters, procedure=code), metrics, ["dim"])
    for row in rows:
        reached[row["metric"] if row["metric"] != "step_reached" else row["dim"]] += row["n"]
    started = reached["draft_started"]
    english = is_english()
    stages = [("draft_started", _("Started the form"))]
    stages += [(step_id, en if english else ja) for step_id, ja, en in info.steps]
    stages.append(("draft_submitted", _("Sent the application")))
    for (key, label), following in zip(stages, [*stages[1:], ("", "")], strict=True):
        here = reached[key]
        left = max(0, here - reached[following[0]]) if following[0] else 0
        chart.add([label, here, left, pct(left, started)])
    return chart


def satisfaction(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "satisfaction",
        _("Satisfaction"),
        _("Residents' ratings (1 = very poor, 5 = very good) after the result, by procedure."),
        [Column("procedure", _("Procedure"))]
        + [Column(f"s{n}", str(n), "int") for n in range(1, 6)]
        + [Column("average", _("Average"), "num"), Column("ratings", _("Ratings"), "int")],
        "procedure",
        [Series(f"s{n}", stack="scores") for n in range(1, 6)],
        horizontal=True,
        empty_note=_("No ratings in this period."),
    )
    scores: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["rated"], ["procedure", "dim"]):
        scores[row["procedure"]][int(row["dim"])] += row["n"]
    for code, by_score in sorted(scores.items()):
        n = sum(by_score.values())
        average = round(sum(s * c for s, c in by_score.items()) / n, 2) if n else None
        chart.add([procedure_info(code).name] + [by_score[s] for s in range(1, 6)] + [average, n])
    return chart


def inquiries(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "inquiries",
        _("Inquiries by topic"),
        _("Residents' questions by the department they were routed to, and how many were answered."),
        [
            Column("department", _("Department")),
            Column("received", _("Received"), "int"),
            Column("rerouted", _("Moved here from another department"), "int"),
            Column("answered", _("Answered"), "int"),
        ],
        "department",
        [Series("received", stack="in"), Series("rerouted", stack="in"), Series("answered")],
        horizontal=True,
        empty_note=_("No inquiries in this period."),
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Inquiries belong to no procedure: a procedure filter does not apply to them.
    unfiltered = replace(filters, procedure="")
    for row in monthly_sums(scope, unfiltered, ["inquiry", "inquiry_rerouted", "inquiry_answered"], ["department"]):
        counts[row["department"]][row["metric"]] += row["n"]
    for code, c in sorted(counts.items(), key=lambda kv: -kv[1]["inquiry"]):
        chart.add([names.get(code, code), c["inquiry"], c["inquiry_rerouted"], c["inquiry_answered"]])
    return chart
