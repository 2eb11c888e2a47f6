# SPDX-License-Identifier: MPL-2.0
"""generate_history: deterministic for a seed, case rows for drill-down, --if-empty, clear errors."""

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.analytics.models import AppliedEvent, GeneratedHistory, MonthlyCount
from civicloop.applications.models import Application
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.core.models import Event
from civicloop.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db
SMALL = {"years": 0.15, "scale": 0.01, "end": "2026-04-30", "verbosity": 0}


def events() -> list[tuple[Any, ...]]:
    """The generated events (the catalogue's own, recorded today, are after the history's end)."""
    generated = Event.objects.filter(time__lt=datetime(2026, 5, 1, tzinfo=UTC))
    return sorted(generated.values_list("id", "type", "subject", "time", "data", "classification"))


def forget_history() -> None:
    CorrectionRequest.objects.all().delete()
    Case.objects.all().delete()
    Application.objects.all().delete()
    Event.objects.filter(time__lt=datetime(2026, 5, 1, tzinfo=UTC)).delete()
    AppliedEvent.objects.all().delete()
    MonthlyCount.objects.all().delete()
    GeneratedHistory.objects.all().delete()


def test_the_same_seed_writes_the_same_history(catalog: None) -> None:
    call_command("generate_history", seed=11, **SMALL)
    first = events()
    assert len(first) > 500
    forget_history()
    call_command("generate_history", seed=11, **SMALL)
    assert events() == first
    forget_history()
    call_command("generate_history", seed=12, **SMALL)
    assert events() != first


def test_a_small_history_has_cases_behind_its_figures_and_counts_them(catalog: None) -> None:
    call_command("generate_history", seed=3, **SMALL)
    opened = sum(MonthlyCount.objects.filter(metric="opened").values_list("count", flat=True))
    assert opened == Case.objects.count() > 0
    types = set(Event.objects.values_list("type", flat=True))
    for kind in ("case.task_completed", "case.approval_step", "document.issued", "application.step_saved"):
        assert "jp.lg.civicloop." + kind in types
    assert Case.objects.exclude(status="closed").exists()  # a backlog at the end of the history


def test_it_does_nothing_the_second_time_with_if_empty(catalog: None) -> None:
    call_command("generate_history", seed=3, **SMALL)
    count = Event.objects.count()
    out = io.StringIO()
    call_command("generate_history", seed=4, if_empty=True, stdout=out, **SMALL)
    assert Event.objects.count() == count and "nothing to do" in out.getvalue()


def test_an_events_target_sets_the_volume(catalog: None) -> None:
    call_command("generate_history", seed=5, years=0.1, events=3000, end="2026-04-30", verbosity=0)
    assert 2400 < Event.objects.count() < 3600


def test_it_says_what_is_wrong_with_its_arguments(no_catalogue: None) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("generate_history", years=1, end="yesterday", verbosity=0)
    with pytest.raises(CommandError, match="must be positive"):
        call_command("generate_history", years=-1, verbosity=0)
    with pytest.raises(CommandError, match="catalogue is empty"):
        call_command("generate_history", **SMALL)


def test_an_open_generated_case_can_be_worked_from_the_step_its_row_shows(catalog: None) -> None:
    from civicloop.cases import actions

    # given a history that ends with a backlog of open cases
    call_command("generate_history", seed=3, **SMALL)
    backlog = Case.objects.exclude(status=Case.Status.CLOSED)
    assert not backlog.filter(workflow="").exists()
    assert set(backlog.filter(status=Case.Status.CORRECTION).values_list("step", flat=True)) <= {"correction"}
    assert not backlog.filter(status__in=[Case.Status.IN_REVIEW, Case.Status.CORRECTION], workflow_state=None).exists()
    claimed = (
        # OFFICIAL: the generated clerks have OFFICIAL clearance, as most clerks do
        backlog.filter(step="review", application__procedure_version__kind="application", classification="OFFICIAL")
        .select_related("assignee")
        .first()
    )
    assert claimed is not None and claimed.assignee is not None
    # when its clerk drafts the decision (起案)
    actions.submit_review(case=claimed, clerk=claimed.assignee, outcome="approve")
    # then it goes on to 決裁, as a submitted case would (it was refused: no instance waited at 審査)
    claimed.refresh_from_db()
    assert claimed.step == "approval"


def _family_name(answers: Any) -> str | None:
    """The first family name in the answers (the applicant's, on most forms)."""
    if isinstance(answers, dict):
        if isinstance(answers.get("family"), str):
            return str(answers["family"])
        return next((name for value in answers.values() if (name := _family_name(value))), None)
    return None


def test_every_generated_application_has_answers_its_form_accepts_and_shows_them(catalog: None) -> None:
    # given a generated history with its case rows
    call_command("generate_history", seed=3, **SMALL)

    # then every application behind a case has answers, and its form accepts them
    applications = list(Application.objects.select_related("procedure_version"))
    assert applications
    for application in applications:
        schema = Definition(application.procedure_version.definition).schema
        assert application.answers, application.receipt_number
        assert not validate(schema, application.answers), application.receipt_number

    # and a clerk of the department reads them on the case page (the applicant's name, not 未入力)
    case = (
        Case.objects.filter(department__code="seiso", classification="OFFICIAL").select_related("application").first()
    )
    assert case is not None
    name = _family_name(case.application.answers)
    assert name
    clerk = sign_in_with_mfa(Client(), StaffFactory.create(username="reader", department="seiso"))
    page = clerk.get(reverse("cases:case-detail", args=[case.public_id]))
    assert name in page.content.decode().split('class="case-layout__main"', 1)[1]
