# SPDX-License-Identifier: MPL-2.0
"""Forecasts (業務を最適化, looking ahead): weekly arrivals for the next 12 weeks and the staff they need.

The figures come from the latest `insight.ForecastRun` (refitted weekly by civicloop.insight's
worker), scoped like every rollup: a viewer sees the series of the departments they may see.
Intervals of a sum of series (all departments) are combined as if the series varied
independently: a root sum of squares of their half-widths, which the note says.
"""

import math
from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, day_label, department_names
from civicloop.analytics.procedures import procedure_info
from civicloop.insight.models import ArrivalForecast, ForecastAccuracy, ForecastRun
from civicloop.insight.staffing import HOURS_PER_WEEK

SHOWN_WEEKS = 26
Z95, Z80 = 1.959964, 1.281552


def build(scope: Q, filters: Filters) -> list[Chart]:
    run = ForecastRun.objects.order_by("-created_at").first()
    rows = _rows(run, scope, filters) if run else []
    accuracy = _accuracy(run, scope, filters) if run else None
    return [arrivals(run, rows, accuracy, filters), procedures(run, scope, filters), staffing(rows)]


def _selection(filters: Filters) -> Q:
    if filters.procedure:
        return Q(procedure=filters.procedure)
    q = Q(procedure="")
    return q & Q(department=filters.department) if filters.department else q


def _rows(run: ForecastRun, scope: Q, filters: Filters) -> list[dict[str, Any]]:
    """One row per week of the selection: actual, or the forecast with intervals summed across series."""
    weeks: dict[tuple[date, bool], dict[str, Any]] = {}
    hours: dict[date, float] = defaultdict(float)
    for row in ArrivalForecast.objects.filter(scope, _selection(filters), run=run):
        entry = weeks.setdefault((row.week, row.is_forecast), {"week": row.week, "is_forecast": row.is_forecast,
                                                               "value": 0.0, "v80": 0.0, "v95": 0.0, "series": 0})  # fmt: skip
        entry["value"] += row.value
        entry["series"] += 1
        if row.is_forecast and row.hi95 is not None and row.hi80 is not None:
            entry["v95"] += ((row.hi95 - (row.lo95 or 0)) / 2) ** 2
            entry["v80"] += ((row.hi80 - (row.lo80 or 0)) / 2) ** 2
    procedure_q = Q(procedure=filters.procedure) if filters.procedure else ~Q(procedure="")
    if filters.department:
        procedure_q &= Q(department=filters.department)
    for row in ArrivalForecast.objects.filter(scope, procedure_q, run=run, is_forecast=True):
        hours[row.week] += row.clerk_hours or 0.0
    ordered = sorted(weeks.values(), key=lambda e: e["week"])
    history = [e for e in ordered if not e["is_forecast"]][-SHOWN_WEEKS:]
    ahead = [e | {"hours": hours.get(e["week"])} for e in ordered if e["is_forecast"]]
    return history + ahead


def _accuracy(run: ForecastRun, scope: Q, filters: Filters) -> float | None:
    rows = list(ForecastAccuracy.objects.filter(scope, _selection(filters), run=run))
    naive = sum(r.naive_mae * r.weeks for r in rows)
    return sum(r.model_mae * r.weeks for r in rows) / naive if naive else None


def arrivals(run: ForecastRun | None, rows: list[dict[str, Any]], mase: float | None, filters: Filters) -> Chart:
    chart = Chart(
        "arrivals-forecast",
        _("Arrivals: the last 26 weeks and the next 12"),
        _("Cases that arrived each week, and the forecast with its prediction intervals (80 and 95 percent)."),
        [
            Column("week", _("Week of")),
            Column("actual", _("Arrived"), "int"),
            Column("forecast", _("Forecast"), "num"),
            Column("lo80", _("80 percent interval, low"), "num"),
            Column("hi80", _("80 percent interval, high"), "num"),
            Column("lo95", _("95 percent interval, low"), "num"),
            Column("hi95", _("95 percent interval, high"), "num"),
        ],
        "week",
        [Series("actual"), Series("forecast", "line"), Series("lo95", "line"), Series("hi95", "line")],
        empty_note=_("No forecast yet: it is fitted weekly once there are 26 weeks of arrivals."),
    )
    for e in rows:
        if not e["is_forecast"]:
            chart.add([day_label(e["week"]), round(e["value"]), None, None, None, None, None])
            continue
        h80, h95 = math.sqrt(e["v80"]), math.sqrt(e["v95"])
        value = e["value"]
        chart.add([day_label(e["week"]), None, round(value, 1), round(max(value - h80, 0), 1), round(value + h80, 1),
                   round(max(value - h95, 0), 1), round(value + h95, 1)])  # fmt: skip
    if run is not None:
        chart.note = _note(run, mase, several=bool(rows) and rows[-1]["series"] > 1)
    return chart


def _note(run: ForecastRun, mase: float | None, *, several: bool) -> str:
    parts = [
        _("Model: %(model)s (%(library)s), fitted on %(weeks)s weeks up to %(day)s.")
        % {
            "model": run.model_name,
            "library": run.library,
            "weeks": run.history_weeks,
            "day": date_format(run.trained_until, "DATE_FORMAT"),
        }
    ]
    if mase is not None and run.season_weeks:
        parts.append(
            _("Backtest (%(origins)s origins × %(horizon)s weeks): MASE %(mase).2f against seasonal naive (the same "
              "week a year before) = 1.00; below 1 is better.")
            % {"origins": run.backtest_origins, "horizon": run.horizon_weeks, "mase": mase}
        )  # fmt: skip
    elif mase is not None:
        parts.append(
            _("Under two years of history: no yearly season is modelled, and the backtest compares with plain "
              "naive (last week's count): MASE %(mase).2f against naive = 1.00.") % {"mase": mase}
        )  # fmt: skip
    if several:
        parts.append(_("Intervals of several series are combined as if they varied independently."))
    return " ".join(parts)


def procedures(run: ForecastRun | None, scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "forecast-procedures",
        _("Next 12 weeks by procedure, with the backtest and the staffing hint"),
        _(
            "Forecast arrivals per week, the backtest's MASE against seasonal naive, and the clerk-hours a week "
            "the forecast brings at the measured step times."
        ),
        [
            Column("procedure", _("Procedure")),
            Column("department", _("Department")),
            Column("weekly", _("Forecast per week"), "num"),
            Column("peak", _("Busiest week")),
            Column("mase", _("MASE (seasonal naive = 1)"), "num"),
            Column("hours_per_case", _("Clerk-hours per case"), "hours"),
            Column("hours", _("Clerk-hours per week"), "hours"),
            Column("staff", _("Staff needed (full-time)"), "num"),
        ],
        "procedure",
        [Series("weekly")],
        horizontal=True,
        empty_note=_("No forecast yet: it is fitted weekly once there are 26 weeks of arrivals."),
    )
    if run is None:
        return chart
    q = ~Q(procedure="") & (Q(department=filters.department) if filters.department else Q())
    q &= Q(procedure=filters.procedure) if filters.procedure else Q()
    series: dict[tuple[str, str], list[ArrivalForecast]] = defaultdict(list)
    for row in ArrivalForecast.objects.filter(scope, q, run=run, is_forecast=True).order_by("week"):
        series[(row.department, row.procedure)].append(row)
    accuracy = {(a.department, a.procedure): a for a in ForecastAccuracy.objects.filter(scope, q, run=run)}
    for (department, code), weeks in sorted(series.items(), key=lambda kv: -sum(r.value for r in kv[1])):
        weekly = sum(r.value for r in weeks) / len(weeks)
        peak = max(weeks, key=lambda r: r.value)
        hours = sum(r.clerk_hours or 0.0 for r in weeks) / len(weeks)
        a = accuracy.get((department, code))
        chart.add(
            [procedure_info(code).name, names.get(department, department), round(weekly, 1), day_label(peak.week),
             round(a.mase, 2) if a and a.mase is not None else None,
             a.hours_per_case if a else None, round(hours, 1), round(hours / HOURS_PER_WEEK, 1)],
            f"?{filters.querystring(procedure=code, department=department)}",
        )  # fmt: skip
    chart.note = _(
        "Clerk-hours come from the measured time of the clerk's own steps (受付, 審査, 合議, 現地調査, 結果通知) as "
        "office hours from start to end, so they include waiting inside the office: an upper bound of effort. "
        "A full-time week is %(hours)s hours."
    ) % {"hours": HOURS_PER_WEEK}
    return chart


def staffing(rows: list[dict[str, Any]]) -> Chart:
    chart = Chart(
        "forecast-staffing",
        _("Staffing hint for the next 12 weeks"),
        _("Clerk-hours the forecast arrivals bring each week, and the full-time staff that is."),
        [
            Column("week", _("Week of")),
            Column("hours", _("Clerk-hours"), "hours"),
            Column("staff", _("Staff needed (full-time)"), "num"),
        ],
        "week",
        [Series("hours"), Series("staff", "line", axis=1)],
        empty_note=_("No forecast yet: it is fitted weekly once there are 26 weeks of arrivals."),
    )
    for e in rows:
        if e["is_forecast"] and e.get("hours") is not None:
            chart.add([day_label(e["week"]), round(e["hours"], 1), round(e["hours"] / HOURS_PER_WEEK, 1)])
    return chart
