# SPDX-License-Identifier: MPL-2.0
"""The inbox's filters as a form: what the query string may say, and the clerk's words when it is wrong."""

import re
import unicodedata
from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import User
from civicloop.cases import inbox_scores
from civicloop.cases.models import ApprovalStep, Case, CaseQuerySet
from civicloop.catalog.models import ProcedureVersion
from civicloop.catalog.process import TASKS
from civicloop.core.text import UNUSABLE_TEXT

OPEN, ALL = "open", "all"
# Each sort ends on the primary key, so a page boundary never splits rows of the same date.
SORTS = {
    "due": ("due_date", "pk"),
    "arrived": ("arrived_at", "pk"),
    "-arrived": ("-arrived_at", "-pk"),
    "receipt": ("application__receipt_number",),
}
# A 受付番号 as civicloop.applications.models.new_receipt_number writes it: 2026-7KQ4-M9XD.
RECEIPT_NUMBER = re.compile(r"\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
QUERY_MAX = 60
BIGINT_MAX = 2**63 - 1  # the largest primary key PostgreSQL and SQLite hold


def _choice(label: Any, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the listed values.")},
    )


class InboxFilterForm(forms.Form):
    """The query string of /staff/inbox/. Unknown values are errors shown to the clerk, never ignored.

    Ignoring a value the inbox does not understand would show a longer list than the clerk asked
    for, and look like an answer.
    """

    status = _choice(_("Status"), [(OPEN, _("Open")), *Case.Status.choices, (ALL, _("All"))])
    sla = _choice(
        _("Processing period"),
        [
            ("", _("Any")),
            (Case.Sla.DUE_SOON, _("Due soon")),
            (Case.Sla.OVERDUE, _("Overdue")),
            (Case.Sla.PAUSED, _("Paused")),
        ],
    )
    step = _choice(_("Step"), [("", _("Any")), *((name, labels[1]) for name, labels in TASKS.items())])
    procedure = forms.SlugField(
        label=_("Procedure"),
        required=False,
        max_length=100,
        error_messages={"invalid": _("Choose one of the listed procedures.")},
    )
    assignee = forms.CharField(
        label=_("Assignee"),
        required=False,
        max_length=20,
        error_messages={"null_characters_not_allowed": _("Choose one of the listed people.")},
    )
    due_before = forms.DateField(
        label=_("Due on or before"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )
    approvals = _choice(_("Waiting for my approval"), [("", _("Any")), ("mine", _("Mine"))])
    q = forms.CharField(
        label=_("Receipt number or name"),
        required=False,
        max_length=QUERY_MAX,
        error_messages={"max_length": _("Enter at most 60 characters."), "null_characters_not_allowed": UNUSABLE_TEXT},
    )
    sort = _choice(
        _("Sort by"),
        [("due", _("Due date")), ("arrived", _("Oldest first")), ("-arrived", _("Newest first")), ("receipt", _("Receipt number")), ("risk", _("SLA risk"))],
    )  # fmt: skip

    def clean_assignee(self) -> str | int:
        value = str(self.cleaned_data.get("assignee") or "")
        if value in {"", "me", "none"}:
            return value
        # An id no member of staff has (a stale link, a typo) would list nothing under "Any" in the
        # box, and one past the database's integer range would fail in the database: both are named.
        if (
            value.isdigit()
            and value.isascii()
            and int(value) <= BIGINT_MAX
            and User.objects.filter(pk=int(value), kind=User.Kind.STAFF).exists()
        ):
            return int(value)
        raise forms.ValidationError(_("Choose one of the listed people."))

    def clean_procedure(self) -> list[int]:
        """The procedure's version ids; a code no procedure has is named, as for the assignee."""
        code = str(self.cleaned_data.get("procedure") or "")
        if not code:
            return []
        # Its versions' ids as a list of numbers, not a join on the code: the planner then knows
        # how common the procedure is (a quarter of a million 住民票 requests) and starts from
        # the department's few open cases instead of from every application of the procedure.
        versions = list(ProcedureVersion.objects.filter(procedure__code=code).values_list("pk", flat=True))
        if not versions:
            raise forms.ValidationError(_("Choose one of the listed procedures."))
        return versions

    def clean_q(self) -> str:
        return unicodedata.normalize("NFKC", str(self.cleaned_data.get("q") or "")).strip()

    def apply(self, cases: CaseQuerySet, *, user: User, today: date) -> CaseQuerySet:
        """The valid form's filters and sort on `cases` (already scoped by the policy)."""
        data = self.cleaned_data
        status = data["status"] or OPEN
        if status == OPEN:
            cases = cases.open()
        elif status != ALL:
            cases = cases.filter(status=status)
        if data["sla"]:
            cases = cases.in_sla_state(data["sla"], today)
        if data["step"]:
            cases = cases.filter(step=data["step"])
        if data["procedure"]:
            cases = cases.filter(application__procedure_version_id__in=data["procedure"])
        cases = _by_assignee(cases, data["assignee"], user)
        if data["due_before"]:
            cases = cases.filter(due_date__lte=data["due_before"])
        if data["approvals"] == "mine":
            cases = cases.filter(
                step="approval",
                approval_steps__status=ApprovalStep.Status.PENDING,
                approval_steps__level=user.position,
            )
        if data["q"]:
            cases = cases.filter(_search(data["q"]))
        if data["sort"] == "risk" and (score := inbox_scores.registered()) is not None:
            return score.order_by_score(cases)  # type: ignore[return-value]
        return cases.order_by(*SORTS.get(data["sort"], SORTS["due"]))


def _by_assignee(cases: CaseQuerySet, assignee: str | int, user: User) -> CaseQuerySet:
    if assignee == "me":
        return cases.filter(assignee=user)
    if assignee == "none":
        return cases.filter(assignee__isnull=True)
    if isinstance(assignee, int):
        return cases.filter(assignee_id=assignee)
    return cases


def _search(query: str) -> Q:
    """A receipt number finds its case through the unique index; anything else searches names."""
    if RECEIPT_NUMBER.fullmatch(query.upper()):
        return Q(application__receipt_number=query.upper())
    return Q(application__applicant__full_name__contains=query)
