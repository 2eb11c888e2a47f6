# SPDX-License-Identifier: MPL-2.0
"""What changed for staff (issue 14): messages, co-edited documents, reviews, pages not printed, answers on time.

These figures live in the records of apps above analytics in the layers (collab, authoring,
council, meetings), which analytics may not import. Each figure is therefore a *source* those apps
register here (`register`; civicloop/meetings/facts.py registers them all): a function that counts
its own records in the period, per month, inside the viewer's rollup scope. The scope is the one
policy's filter on `department` (code) and `classification` (analytics.scope); `rescope` renames
those two fields to the source's own paths, so a clerk sees the figures of their departments up to
their clearance, exactly as for the case rollups. A figure without a registered source shows as zero.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, month_label, pct
from civicloop.analytics.models import InternalMailCount

Figures = dict[date, dict[str, float | None]]  # month (first day) → figure name → value
Source = Callable[[Q, Filters], Figures]
SOURCES: dict[str, Source] = {}


def register(name: str) -> Callable[[Source], Source]:
    """Name a source of figures (one of the charts' `messages`, `documents`, `reviews`, `materials`, `answers`)."""

    def add(source: Source) -> Source:
        SOURCES[name] = source
        return source

    return add


def rescope(scope: Q, fields: Mapping[str, str]) -> Q:
    """The same filter with each lookup on a field of `fields` renamed (`department__in` → `dept__code__in`)."""
    copy = Q()
    copy.connector, copy.negated = scope.connector, scope.negated
    for child in scope.children:
        if isinstance(child, Q):
            copy.children.append(rescope(child, fields))
        else:
            lookup, value = child  # type: ignore[misc]
            head, _sep, rest = lookup.partition("__")
            renamed = fields.get(head)
            copy.children.append(((renamed + ("__" + rest if rest else "")) if renamed else lookup, value))
    return copy


def period(filters: Filters, field: str) -> Q:
    """`field` (a moment) within the filters' whole months, in Asia/Tokyo."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(filters.start, time.min, tzinfo=zone)
    until = datetime.combine(filters.until, time.min, tzinfo=zone)
    return Q(**{f"{field}__gte": start, f"{field}__lt": until})


def month_of(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date().replace(day=1)


def _figures(name: str, scope: Q, filters: Filters) -> Figures:
    source = SOURCES.get(name)
    if source is None:
        return {}
    if filters.department:
        scope = scope & Q(department=filters.department)
    return source(scope, filters)


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [
        messages(scope, filters),
        documents(scope, filters),
        reviews(scope, filters),
        materials(scope, filters),
        answers(scope, filters),
    ]


def _monthly(
    chart: Chart,
    filters: Filters,
    figures: Figures,
    keys: list[str],
    *,
    derive: Callable[[dict[str, float | None]], Any] | None = None,
) -> Chart:
    for month in filters.months():
        values = figures.get(month, {})
        row: list[Any] = [month_label(month), *(values.get(key, 0) for key in keys)]
        if derive is not None:
            row.append(derive(values))
        chart.add(row)
    return chart


def internal_mail(scope: Q, filters: Filters) -> dict[date, int]:
    """Internal e-mails per month from the mail server's imported counts, inside the viewer's scope."""
    rows = InternalMailCount.objects.filter(scope, month__gte=filters.start, month__lt=filters.until)
    if filters.department:
        rows = rows.filter(department=filters.department)
    per: dict[date, int] = {}
    for month, n in rows.values_list("month", "messages"):
        per[month] = per.get(month, 0) + n
    return per


def messages(scope: Q, filters: Filters) -> Chart:
    mail = internal_mail(scope, filters)
    chart = Chart(
        "messages",
        _("Chat messages instead of internal e-mail"),
        _(
            "Messages staff posted in civicloop's channels each month, how many people posted, and the internal "
            "e-mails the mail server counted (where its figures are imported)."
        ),
        [
            Column("month", _("Month")),
            Column("messages", _("Messages"), "int"),
            Column("people", _("People posting"), "int"),
            Column("email", _("Internal e-mails"), "int"),
        ],
        "month",
        [Series("messages"), Series("email"), Series("people", "line", axis=1)],
        note=""
        if mail
        else _(
            "No internal e-mail figures imported for this period: the mail server's monthly counts per "
            "department go in with `manage.py import_mail_counts`."
        ),
    )
    figures = _figures("messages", scope, filters)
    for month in filters.months():
        values = figures.get(month, {})
        chart.add([month_label(month), values.get("messages", 0), values.get("people", 0), mail.get(month)])
    return chart


def documents(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "coedited",
        _("Documents co-edited"),
        _("Documents edited together in civicloop that saved a version in the month, and the versions saved."),
        [
            Column("month", _("Month")),
            Column("documents", _("Co-edited documents"), "int"),
            Column("versions", _("Versions saved"), "int"),
        ],
        "month",
        [Series("documents"), Series("versions", "line")],
    )
    return _monthly(chart, filters, _figures("documents", scope, filters), ["documents", "versions"])


def reviews(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "reviews",
        _("Reviews turned round"),
        _("Reviews of a document version decided in the month, and the median time from request to decision."),
        [
            Column("month", _("Month")),
            Column("reviews", _("Reviews decided"), "int"),
            Column("median_hours", _("Median time to decide (hours)"), "hours"),
        ],
        "month",
        [Series("reviews"), Series("median_hours", "line", axis=1)],
    )
    figures = _figures("reviews", scope, filters)
    for month in filters.months():
        values = figures.get(month, {})
        chart.add([month_label(month), values.get("reviews", 0), values.get("median_hours")])
    return chart


def materials(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "paperless",
        _("Pages not printed"),
        _("Meeting materials read on screen: openings, and the pages each reader would have been handed on paper."),
        [
            Column("month", _("Month")),
            Column("views", _("Materials opened on screen"), "int"),
            Column("pages", _("Pages not printed"), "int"),
        ],
        "month",
        [Series("views"), Series("pages", "line", axis=1)],
        note=_(
            "Pages not printed: each reader's first opening of a material × its page count (one paper copy per reader)."
        ),
    )
    return _monthly(chart, filters, _figures("materials", scope, filters), ["views", "pages"])


def answers(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "answers-on-time",
        _("Council answers finished before their deadline"),
        _("Council answers (答弁) finalised in the month, and how many before the question's deadline."),
        [
            Column("month", _("Month")),
            Column("finalised", _("Answers finalised"), "int"),
            Column("on_time", _("Before the deadline"), "int"),
            Column("rate", _("Before the deadline (%)"), "pct"),
        ],
        "month",
        [Series("finalised"), Series("on_time"), Series("rate", "line", axis=1)],
    )
    return _monthly(
        chart,
        filters,
        _figures("answers", scope, filters),
        ["finalised", "on_time"],
        derive=lambda values: pct(values.get("on_time") or 0, values.get("finalised") or 0),
    )
