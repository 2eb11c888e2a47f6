# SPDX-License-Identifier: MPL-2.0
"""The classification report: how much is OFFICIAL, SECRET and TOP SECRET, against 80/15/5.

The source article reports the UK government's distribution after its reform as about 80% OFFICIAL,
15% SECRET and 5% TOP SECRET (DOMAIN.md); the point is to keep most data usable. The report counts
the records of each kind below by tier, per department and per month (Asia/Tokyo), in a few
grouped queries per kind. A new kind of classified record is one more `Source` line.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from civicloop.accounts.models import Department
from civicloop.classification.policy import TIERS
from civicloop.core.models import Classification

REFERENCE = {Classification.OFFICIAL: 80.0, Classification.SECRET: 15.0, Classification.TOP_SECRET: 5.0}


@dataclass(frozen=True)
class Source:
    model: str  # "app_label.Model"
    kind_ja: str
    kind_en: str
    department: str  # path to the owning department's code
    date: str  # when the record came to be (its month in the report)
    where: Q = field(default_factory=Q)


SOURCES = (
    Source(
        "applications.Application",
        "申請",
        "Applications",
        "procedure_version__procedure__department__code",
        "submitted_at",
        ~Q(status="draft"),
    ),
    Source("cases.Case", "案件", "Cases", "department__code", "arrived_at"),
    Source(
        "applications.Attachment",
        "添付書類",
        "Attachments",
        "application__procedure_version__procedure__department__code",
        "uploaded_at",
        ~Q(application__status="draft"),
    ),
    Source("documents.IssuedDocument", "発行文書", "Issued documents", "case__department__code", "issued_at"),
)


@dataclass
class TierCounts:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))

    def add(self, tier: str, n: int) -> None:
        self.counts[tier] = self.counts.get(tier, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, tier: str) -> float:
        """Percent of the total, one decimal."""
        return round(100.0 * self.counts[tier] / self.total, 1) if self.total else 0.0

    def delta(self, tier: str) -> float:
        """Percentage points above (+) or below (−) the reference."""
        return round(self.share(tier) - REFERENCE[Classification(tier)], 1) if self.total else 0.0

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "tier": tier,
                "count": self.counts[tier],
                "share": self.share(tier),
                "reference": REFERENCE[tier],
                "delta": self.delta(tier),
            }
            for tier in TIERS
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            **{tier: {"count": self.counts[tier], "share_pct": self.share(tier)} for tier in TIERS},
        }


@dataclass
class Report:
    total: TierCounts
    by_kind: list[tuple[Source, TierCounts]]
    by_department: list[tuple[str, str, TierCounts]]  # code, name, counts
    by_month: list[tuple[date, TierCounts]]

    def as_json(self) -> dict[str, Any]:
        return {
            "reference_pct": {str(k): v for k, v in REFERENCE.items()},
            "total": self.total.as_json(),
            "by_kind": {s.model: c.as_json() for s, c in self.by_kind},
            "by_department": {code: c.as_json() for code, _name, c in self.by_department},
            "by_month": {m.strftime("%Y-%m"): c.as_json() for m, c in self.by_month},
        }


def _available(sources: Iterable[Source]) -> list[tuple[Source, Any]]:
    tables = set(connection.introspection.table_names())
    found = []
    for source in sources:
        try:
            model = apps.get_model(source.model)
        except LookupError:
            continue
        if model._meta.db_table in tables:
            found.append((source, model))
    return found


def build_report(*, since: date | None = None, sources: Iterable[Source] = SOURCES) -> Report:
    """Counts per tier: overall, per kind, per department and per month (from `since`, if given)."""
    total = TierCounts()
    by_kind = []
    departments: dict[str, TierCounts] = defaultdict(TierCounts)
    months: dict[date, TierCounts] = defaultdict(TierCounts)
    for source, model in _available(sources):
        rows = model._default_manager.filter(source.where)
        if since is not None:
            rows = rows.filter(**{f"{source.date}__date__gte": since})
        kind = TierCounts()
        for code, tier, n in rows.values_list(source.department, "classification").annotate(n=Count("pk")).order_by():
            kind.add(tier, n)
            departments[code or "-"].add(tier, n)
        by_kind.append((source, kind))
        for tier, n in kind.counts.items():
            total.add(tier, n)
        monthly = (
            rows.exclude(**{f"{source.date}__isnull": True})
            .annotate(month=TruncMonth(source.date))
            .values_list("month", "classification")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for month, tier, n in monthly:
            months[month.date() if hasattr(month, "date") else month].add(tier, n)
    names = dict(Department.objects.values_list("code", "name_ja"))
    return Report(
        total=total,
        by_kind=by_kind,
        by_department=sorted(((c, names.get(c, c), t) for c, t in departments.items()), key=lambda r: -r[2].total),
        by_month=sorted(months.items()),
    )
