# SPDX-License-Identifier: MPL-2.0
"""The staff dashboard's "what changed" figures, counted from the records (analytics.dashboards.collaboration).

Analytics may not import the apps whose records these are, so they are registered from here, the
one app above all of them. Each counts per month (Asia/Tokyo) inside the viewer's rollup scope,
renamed to the record's own department and tier (`rescope`):

- messages: chat messages posted (a deleted one was still sent), by the author's departments;
- documents: co-edited documents that saved a version, and the versions;
- reviews: reviews decided, and the median time from request to decision;
- materials: meeting materials opened on screen, and the pages not printed (first openings × pages);
- answers: council answers finalised, and those before their question's deadline.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from civicloop.analytics.dashboards.base import Filters
from civicloop.analytics.dashboards.collaboration import Figures, month_of, period, register, rescope
from civicloop.authoring.models import Review, Version
from civicloop.collab.models import Message
from civicloop.council.models import Assignment
from civicloop.meetings.models import MaterialView

HOUR = 3600.0


def _tokyo_month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _by_month(rows: Iterable[Mapping[str, Any]], *keys: str) -> Figures:
    figures: Figures = {}
    for row in rows:
        month = row["month"]
        day: date = month.date() if isinstance(month, datetime) else month
        figures[day] = {key: row[key] for key in keys}
    return figures


@register("messages")
def messages(scope: Q, filters: Filters) -> Figures:
    q = rescope(scope, {"department": "author__departments__code", "classification": "classification"})
    rows = (
        Message.objects.filter(q, period(filters, "created_at"))
        .annotate(month=_tokyo_month("created_at"))
        .values("month")
        .annotate(messages=Count("pk", distinct=True), people=Count("author", distinct=True))
        .order_by()
    )
    return _by_month(rows, "messages", "people")


@register("documents")
def documents(scope: Q, filters: Filters) -> Figures:
    q = rescope(scope, {"department": "document__department__code", "classification": "document__classification"})
    rows = (
        Version.objects.filter(q, period(filters, "created_at"))
        .annotate(month=_tokyo_month("created_at"))
        .values("month")
        .annotate(documents=Count("document", distinct=True), versions=Count("pk"))
        .order_by()
    )
    return _by_month(rows, "documents", "versions")


@register("reviews")
def reviews(scope: Q, filters: Filters) -> Figures:
    q = rescope(
        scope,
        {"department": "version__document__department__code", "classification": "version__document__classification"},
    )
    waits: dict[date, list[float]] = defaultdict(list)
    rows = Review.objects.filter(q, period(filters, "decided_at")).values_list("requested_at", "decided_at")
    for requested_at, decided_at in rows:
        if decided_at is not None:
            waits[month_of(decided_at)].append((decided_at - requested_at).total_seconds() / HOUR)
    return {
        month: {"reviews": len(hours), "median_hours": round(statistics.median(hours), 1)}
        for month, hours in waits.items()
    }


@register("materials")
def materials(scope: Q, filters: Filters) -> Figures:
    q = rescope(scope, {"department": "material__meeting__department__code", "classification": "classification"})
    rows = (
        MaterialView.objects.filter(q, period(filters, "viewed_at"))
        .annotate(month=_tokyo_month("viewed_at"))
        .values("month")
        .annotate(views=Count("pk"), pages=Sum("page_count", filter=Q(is_first=True)))
        .order_by()
    )
    figures = _by_month(rows, "views", "pages")
    for values in figures.values():
        values["pages"] = values["pages"] or 0
    return figures


@register("answers")
def answers(scope: Q, filters: Filters) -> Figures:
    q = rescope(scope, {"department": "department__code", "classification": "question__classification"})
    rows = (
        Assignment.objects.filter(q, period(filters, "finalised_at"))
        .annotate(month=_tokyo_month("finalised_at"))
        .values("month")
        .annotate(finalised=Count("pk"), on_time=Count("pk", filter=Q(finalised_at__lte=F("question__answer_due_at"))))
        .order_by()
    )
    return _by_month(rows, "finalised", "on_time")
