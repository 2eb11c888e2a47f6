# SPDX-License-Identifier: MPL-2.0
"""The staff dashboards of the four quadrants (and governance), each a list of charts."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.analytics.dashboards import citizens, forecast, governance, operations, risk, services, staff
from civicloop.analytics.dashboards.base import Chart, Filters


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: "str | Promise"
    summary: "str | Promise"
    build: Callable[[Q, Filters], list[Chart]]


DASHBOARDS = {
    d.slug: d
    for d in [
        Dashboard(
            "citizens",
            _("Citizens"),
            _("Channels, online rate, form abandonment, satisfaction, inquiries"),
            citizens.build,
        ),
        Dashboard(
            "operations",
            _("Operations"),
            _("Arrivals, backlog, processing time, overdue cases, 補正, bottlenecks"),
            operations.build,
        ),
        Dashboard(
            "forecast",
            _("Forecasts"),
            _("Arrivals for the next 12 weeks with intervals, backtest, staffing hint"),
            forecast.build,
        ),
        Dashboard(
            "risk",
            _("SLA risk"),
            _("Open cases likely to miss their due date; accuracy on held-back history"),
            risk.build,
        ),
        Dashboard("staff", _("Staff"), _("Workload per department and clerk, paper avoided"), staff.build),
        Dashboard("services", _("Services"), _("Trends, life events, uptake of new online procedures"), services.build),
        Dashboard("governance", _("Governance"), _("Classification against 80/15/5, procurement"), governance.build),
    ]
}
