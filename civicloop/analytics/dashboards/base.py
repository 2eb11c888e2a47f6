# SPDX-License-Identifier: MPL-2.0
"""What every dashboard is made of: filters, charts (with their table), and rollup queries.

A chart is data, not a drawing: columns and rows (the table view and the CSV download), which
columns are plotted and how (dashboards/svg.py draws them on the server), and a
drill-down link per row to the cases behind the figure.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.accounts.models import Department, User
from civicloop.analytics import durations
from civicloop.analytics.models import MonthlyCount, MonthlyHistogram
from civicloop.core.text import has_unusable_character

MAX_MONTHS = 120


class FilterError(ValueError):
    """A filter value that cannot be read; the message says which and why."""


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end_exclusive(month: date) -> date:
    return add_months(month, 1)


def parse_month(text: str, name: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise FilterError(_("%(name)s must be a month written as YYYY-MM.") % {"name": name}) from None


@dataclass(frozen=True)
class Filters:
    """Period (whole months, both ends included), department and procedure codes ('' = all)."""

    start: date
    end: date
    department: str = ""
    procedure: str = ""

    @classmethod
    def from_query(cls, query: Any, today: date | None = None) -> "Filters":
        today = today or timezone.localdate()
        end = parse_month(query["to"], _("The end of the period")) if query.get("to") else month_start(today)
        start = parse_month(query["from"], _("The start of the period")) if query.get("from") else add_months(end, -11)
        if start > end:
            raise FilterError(_("The period starts after it ends."))
        if (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            raise FilterError(_("Choose a period of at most ten years."))
        department = str(query.get("department", ""))[:40]
        procedure = str(query.get("procedure", ""))[:60]
        if has_unusable_character(department, procedure):  # a code no list offers, which the database refuses
            raise FilterError(_("Choose the department and the procedure from the lists."))
        return cls(start, end, department, procedure)

    @property
    def until(self) -> date:
        """The first day after the period."""
        return month_end_exclusive(self.end)

    def months(self) -> list[date]:
        months, current = [], self.start
        while current <= self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def query(self, **extra: str) -> dict[str, str]:
        params = {"from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m")}
        if self.department:
            params["department"] = self.department
        if self.procedure:
            params["procedure"] = self.procedure
        params.update({k: v for k, v in extra.items() if v})
        return params

    def querystring(self, **extra: str) -> str:
        return urlencode(self.query(**extra))

    def rows_q(self, *, month_field: str = "month") -> Q:
        q = Q(**{f"{month_field}__gte": self.start, f"{month_field}__lt": self.until})
        if self.department:
            q &= Q(department=self.department)
        if self.procedure:
            q &= Q(procedure=self.procedure)
        return q


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | pct | num | days | hours


@dataclass(frozen=True)
class Series:
    key: str  # a column key
    type: str = "bar"  # bar | line | marker (a symbol per category, e.g. a target)
    stack: str = ""
    axis: int = 0  # 1: the right-hand axis (rates beside counts)


@dataclass
class Chart:
    id: str
    title: str
    description: str
    columns: list[Column]
    category: str  # the column along the axis
    series: list[Series]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # drill-down per row ('' for none)
    horizontal: bool = False
    empty_note: str = ""
    note: str = ""
    reference: dict[str, float] = field(default_factory=dict)  # e.g. the 80/15/5 target

    def add(self, row: Sequence[Any], link: str = "") -> None:
        self.rows.append(list(row))
        self.links.append(link)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "category": self.category,
            "series": [{"key": s.key, "type": s.type, "stack": s.stack, "axis": s.axis} for s in self.series],
            "rows": self.rows,
            "links": self.links,
            "horizontal": self.horizontal,
            "note": self.note,
            "reference": self.reference,
        }

    def table(self) -> dict[str, Any]:
        """Rows with their columns' kinds, as the template's table view reads them."""
        return {
            "columns": self.columns,
            "rows": [
                {"cells": list(zip(self.columns, row, strict=True)), "link": link}
                for row, link in zip(self.rows, self.links, strict=True)
            ],
        }


def drill_link(filters: Filters, **extra: str) -> str:
    """The list of cases behind a figure (analytics:case-list), with the dashboard's filters."""
    return f"{reverse('analytics:case-list')}?{filters.querystring(**extra)}"


def monthly_sums(scope: Q, filters: Filters, metrics: Iterable[str], group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Sum of counts for these metrics in the period, grouped by the given columns."""
    rows = (
        MonthlyCount.objects.filter(scope, filters.rows_q(), metric__in=list(metrics))
        .values("metric", *group_by)
        .annotate(n=Sum("count"))
        .order_by()
    )
    return list(rows)


def histogram_summaries(
    scope: Q, filters: Filters, metric: str, group_by: Sequence[str], *, log_scale: bool
) -> dict[tuple[Any, ...], durations.Summary]:
    """Count, mean, median and p90 per group, read from the histogram buckets."""
    rows = (
        MonthlyHistogram.objects.filter(scope, filters.rows_q(), metric=metric)
        .values(*group_by, "bucket")
        .annotate(n=Sum("count"), t=Sum("total"))
        .order_by()
    )
    grouped: dict[tuple[Any, ...], list[tuple[int, int, float]]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[g] for g in group_by), []).append((row["bucket"], row["n"], row["t"]))
    result = {}
    for key, buckets in grouped.items():
        summary = durations.summarize(buckets, log_scale=log_scale)
        if summary is not None:
            result[key] = summary
    return result


def department_names() -> dict[str, str]:
    return {d.code: d.name for d in Department.objects.all()}


def clerk_names(public_ids: Iterable[str]) -> dict[str, str]:
    ids = [p for p in public_ids if p]
    return {
        str(public_id): full_name or username
        for public_id, full_name, username in User.objects.filter(public_id__in=ids, kind=User.Kind.STAFF).values_list(
            "public_id", "full_name", "username"
        )
    }


def pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def month_label(month: date) -> str:
    """2026年1月 / January 2026: the month as the viewer's language writes it (config/formats)."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def day_label(day: date) -> str:
    """2026年1月5日 / 5 January 2026: one date style on every page, charts and tables included."""
    return date_format(day, "DATE_FORMAT")


def scoped(queryset: QuerySet[Any], scope: Q) -> QuerySet[Any]:
    return queryset.filter(scope)
