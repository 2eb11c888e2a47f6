# SPDX-License-Identifier: MPL-2.0
"""What the inbox page shows: the columns a row loads, the rows as plain values, the filter boxes' choices."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import POSITION_RANK, Department, Position, User
from civicloop.cases import inbox_scores
from civicloop.cases.forms import InboxFilterForm
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.catalog.process import TASKS
from civicloop.core.compiled import Param, compiled
from civicloop.core.language import is_english
from civicloop.core.text import without_unusable_characters

# What an inbox row reads: no process state, answers or ~13 KB form definition.
COLUMNS = (
    "public_id", "status", "arrived_at", "due_date", "classification", "step",
    "assignee__full_name", "assignee__username",
    "application__receipt_number", "application__channel",
    "application__procedure_version__name_ja", "application__procedure_version__name_en",
)  # fmt: skip


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox as plain values: the template walks no model relations, 50 times over."""

    public_id: uuid.UUID
    url: str
    receipt_number: str
    procedure: str
    arrived: str  # the dates as the page writes them (DATE_FORMAT, local time)
    due: str
    step: str
    sla: str
    sla_label: str
    assignee: str  # "—" for nobody
    risk: inbox_scores.ScoreCell | None = None
    # Where the application came in, when not on this site (窓口, 電話, ぴったりサービス…): "" online.
    channel: str = ""


def rows(cases: list[Case], today: date) -> list[InboxRow]:
    english = is_english()
    steps = {name: labels[1 if english else 0] for name, labels in TASKS.items()}
    sla_labels = {state: str(label) for state, label in Case.Sla.choices}
    # One reverse() for the page rather than one per row: the case page's URL with a stand-in id.
    stand_in = uuid.UUID(int=0)
    url = reverse("cases:case-detail", args=[stand_in]).replace(str(stand_in), "{}")
    score = inbox_scores.registered()
    risks = score.cells(cases) if score is not None else {}
    on = _date_labels()
    rows = []
    for case in cases:
        application, sla = case.application, case.sla_state(today)
        rows.append(
            InboxRow(
                public_id=case.public_id,
                url=url.format(case.public_id),
                receipt_number=application.receipt_number or "",
                procedure=application.procedure_version.name,
                arrived=on(timezone.localdate(case.arrived_at)),
                due=on(case.due_date),
                step=steps.get(case.step, "—"),
                sla=sla,
                sla_label=sla_labels[sla],
                assignee=case.assignee.display_name if case.assignee else "—",
                risk=risks.get(case.pk),
                channel="" if application.channel == "online" else application.channel_label,
            )
        )
    return rows


def _date_labels() -> Callable[[date], str]:
    """A date as the `date:"DATE_FORMAT"` filter writes it, each date formatted once a page (a page
    of fifty cases holds a few dozen dates, and formatting one is most of a row's rendering)."""
    return cache(partial(formats.date_format, format="DATE_FORMAT"))


def _departments_of_reader() -> QuerySet[Department, Any]:
    """The reader's departments, as a subquery of the two lists below (not a query of its own)."""
    return Department.objects.filter(staff=Param("user", User, "id")).values("pk")


# The filter boxes' people and procedures: the same statements for every reader, compiled once (core.compiled).
_colleagues_of = compiled(
    lambda: (
        colleagues()
        .filter(departments__in=_departments_of_reader())
        .distinct()
        .order_by("username")
        .values_list("pk", "full_name", "username")
    )
)
_procedures_of = compiled(
    lambda: (
        Procedure.objects.filter(department__in=_departments_of_reader())
        .order_by("code")
        .values_list("code", "current_version__name_ja", "current_version__name_en")
    )
)

# Where each filter's box is on the inbox page, for the error summary's links.
FILTER_IDS = {"due_before": "fl-due", "approvals": "filters"}


def _options(pairs: Iterable[tuple[str, object]], chosen: str | None) -> list[tuple[str, object, bool]]:
    return [(value, label, value == chosen) for value, label in pairs]


def choices(request: HttpRequest, user: Any, form: InboxFilterForm) -> dict[str, Any]:
    """The filter boxes' choices and the bad values named, for the inbox page."""
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    people = _colleagues_of(user=user.pk)
    english = is_english()
    # The boxes filled in again; a character no search can use is left out, as the error says.
    chosen = {name: without_unusable_characters(str(value)) for name, value in request.GET.items()}
    return {
        "filters": chosen,
        "query": query_without_page.urlencode(),
        "error_links": [
            (
                FILTER_IDS.get(name, f"fl-{name}"),
                _("%(label)s: %(problem)s")
                % {"label": form.fields[name].label, "problem": " ".join(str(e) for e in errors)},
            )
            for name, errors in form.errors.items()
        ],
        # Each box's options as (value, label, chosen now).
        "statuses": _options(Case.Status.choices, chosen.get("status")),
        "steps": _options(((name, labels[1 if english else 0]) for name, labels in TASKS.items()), chosen.get("step")),
        "procedures": _options(
            (
                (code, (name_en if english else name_ja) or code)  # no version yet: its code
                for code, name_ja, name_en in _procedures_of(user=user.pk)
            ),
            chosen.get("procedure"),
        ),
        # (id as the filter's value, display name): listed twice, in the filter and the bulk-assign box
        "colleagues": _options(
            ((str(pk), full_name or username) for pk, full_name, username in people), chosen.get("assignee")
        ),
        "has_score": inbox_scores.registered() is not None,
        "can_assign": POSITION_RANK[user.position] >= POSITION_RANK[Position.KAKARICHO],
    }
