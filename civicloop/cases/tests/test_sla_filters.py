# SPDX-License-Identifier: MPL-2.0
"""The processing-period filters of the Case QuerySet agree with `Case.sla_state`, case by case."""

from datetime import date, timedelta

import pytest

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.cases.models import DUE_SOON_DAYS, Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
# Due dates around today and the edge of "due soon", in every status.
OFFSETS = [-30, -1, 0, 1, DUE_SOON_DAYS, DUE_SOON_DAYS + 1, 30]


@pytest.fixture
def cases(resident: User, sodai_gomi: Procedure) -> list[Case]:
    made = []
    for n, (status, offset) in enumerate((s, o) for s in Case.Status.values for o in OFFSETS):
        application, _created = application_actions.submit_from_api(
            user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key=f"key-{n:08d}"
        )
        case = Case.objects.get(application=application)
        Case.objects.filter(pk=case.pk).update(status=status, due_date=TODAY + timedelta(days=offset))
        made.append(Case.objects.get(pk=case.pk))
    return made


@pytest.mark.parametrize("state", Case.Sla.values)
def test_each_state_filter_finds_exactly_the_cases_in_that_state(cases: list[Case], state: str) -> None:
    expected = {case.pk for case in cases if case.sla_state(TODAY) == state}
    assert expected, "every state should occur among the cases"
    assert set(Case.objects.in_sla_state(state, TODAY).values_list("pk", flat=True)) == expected


def test_reminders_cover_the_overdue_and_the_due_soon_but_not_the_paused(cases: list[Case]) -> None:
    expected = {case.pk for case in cases if case.sla_state(TODAY) in {Case.Sla.OVERDUE, Case.Sla.DUE_SOON}}
    assert set(Case.objects.overdue_or_due_soon(TODAY).values_list("pk", flat=True)) == expected


def test_an_unknown_state_is_refused(cases: list[Case]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        Case.objects.in_sla_state("late", TODAY)
