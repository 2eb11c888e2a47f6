# SPDX-License-Identifier: MPL-2.0
"""Procurement indicators on the governance dashboard, read from the published OCDS record.

The UK measures G-Cloud by the share of spend won by small and medium-sized enterprises; beside it
the usual signs of competition and speed: bids per tender, single-bid tenders, days from the notice
to the award, and the award value against the estimate (予定価格). Every figure comes from the
compiled releases the public notices page and `export_ocds` publish (procurement/ocds.py), so the
dashboard, the page and the open data can't disagree — and, being public data, the figures are the
same for every viewer (the note on the chart says so).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean, median
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, department_names, pct
from civicloop.procurement.notices import cached_packages


@dataclass
class Tally:
    awards: int = 0
    sme_awards: int = 0
    value: int = 0
    sme_value: int = 0
    tenderers: list[int] = field(default_factory=list)
    days_to_award: list[float] = field(default_factory=list)
    value_against_estimate: list[float] = field(default_factory=list)

    def add(self, award: dict[str, Any], tender: dict[str, Any], scales: dict[str, str]) -> None:
        amount = int(award.get("value", {}).get("amount", 0))
        sme = any(scales.get(s["id"]) in ("micro", "sme") for s in award.get("suppliers", []))
        self.awards += 1
        self.value += amount
        self.sme_awards += sme
        self.sme_value += amount if sme else 0
        if tender.get("procurementMethod") != "open":
            return  # a direct award has no competition to count
        if "numberOfTenderers" in tender:
            self.tenderers.append(int(tender["numberOfTenderers"]))
        notice = tender.get("tenderPeriod", {}).get("startDate")
        if notice:
            delta = datetime.fromisoformat(award["date"]) - datetime.fromisoformat(notice)
            self.days_to_award.append(delta.total_seconds() / 86400)
        estimate = tender.get("value", {}).get("amount")
        if estimate:
            self.value_against_estimate.append(100.0 * amount / estimate)

    def row(self, label: str) -> list[Any]:
        return [
            label,
            self.awards,
            pct(self.sme_value, self.value),
            pct(self.sme_awards, self.awards),
            round(mean(self.tenderers), 1) if self.tenderers else None,
            sum(1 for n in self.tenderers if n == 1),
            round(median(self.days_to_award), 1) if self.days_to_award else None,
            round(median(self.value_against_estimate), 1) if self.value_against_estimate else None,
        ]


def department_of(compiled: dict[str, Any]) -> str:
    """The department code from the buyer's party id (`{LG_CODE}-{department}`, ocds.buyer_party)."""
    return str(compiled.get("buyer", {}).get("id", "")).removeprefix(f"{settings.LG_CODE}-")


def in_period(moment: str, filters: Filters) -> bool:
    day: date = timezone.localdate(datetime.fromisoformat(moment))
    return filters.start <= day < filters.until


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [indicators(filters)]


def indicators(filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "procurement",
        _("Procurement indicators"),
        _(
            "Tenders awarded in the period and direct awards from the catalogue, per department: the share won by "
            "small and medium-sized enterprises (by value and by count), competition and speed."
        ),
        [
            Column("department", _("Department")),
            Column("awards", _("Awards"), "int"),
            Column("sme_value", _("SME share by value (%)"), "pct"),
            Column("sme_count", _("SME share by count (%)"), "pct"),
            Column("bids_per_tender", _("Bids per tender"), "num"),
            Column("single_bid", _("Single-bid tenders"), "int"),
            Column("days_to_award", _("Days from notice to award (median)"), "days"),
            Column("against_estimate", _("Award value against the estimate (%)"), "pct"),
        ],
        "department",
        [Series("sme_value"), Series("sme_count")],
        horizontal=True,
        note=_("From the published procurement record (OFFICIAL, as in the OCDS packages): the same for every viewer."),
    )
    per_department: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    for record in cached_packages()[1]["records"]:
        compiled = record["compiledRelease"]
        department = department_of(compiled)
        if filters.department and department != filters.department:
            continue
        scales = {p["id"]: p.get("details", {}).get("scale", "") for p in compiled.get("parties", [])}
        tender = compiled.get("tender", {})
        for award in compiled.get("awards", []):
            if award.get("status") in ("pending", "active") and in_period(award["date"], filters):
                per_department[department].add(award, tender, scales)
                total.add(award, tender, scales)
    for code, tally in sorted(per_department.items(), key=lambda kv: -kv[1].value):
        chart.add(tally.row(names.get(code, code)))
    if len(per_department) > 1:
        chart.add(total.row(_("Whole municipality")))
    return chart
