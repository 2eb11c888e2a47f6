# SPDX-License-Identifier: MPL-2.0
"""Who may approve, as the case page reads it from the rows it shows and as the action reads it fresh."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Position, User
from civicloop.cases import actions, queries
from civicloop.cases.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_results")]


def _route(case: Case) -> queries.Route:
    return queries.Route(steps=list(case.approval_steps.all()), tasks=list(case.tasks.all()))


def test_the_page_and_the_action_agree_on_who_may_approve(case: Case, clerk: User, staff: Callable[..., User]) -> None:
    # given a route whose 係長 step was approved and whose 課長 is away: a 係長 may decide in their place
    kakari = staff("kakari", Position.KAKARICHO)
    deputy = staff("kakari-2", Position.KAKARICHO)
    ka = staff("ka", Position.KACHO, absent_until=timezone.localdate() + timedelta(days=3))
    outsider = staff("other-kakari", Position.KAKARICHO, department="kosodate_kyufu")
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    case = Case.objects.get(pk=case.pk)
    expected = {
        clerk: (False, False),
        kakari: (False, False),
        deputy: (True, True),
        ka: (True, False),
        outsider: (False, False),
    }
    for person, answer in expected.items():
        # then the page's reading of its own rows and the fresh reading give the same answer
        assert queries.can_approve(person, case, _route(case)) == answer, person.username
        assert queries.can_approve(person, case) == answer, person.username


def test_the_page_shows_the_approval_form_to_whom_the_action_would_let_approve(
    case: Case, staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    # given a 係長 who drafted the decision, two other 係長 and an absent 課長
    drafter = staff("kakari-drafter", Position.KAKARICHO)
    second = staff("kakari-2", Position.KAKARICHO)
    third = staff("kakari-3", Position.KAKARICHO)
    staff("ka", Position.KACHO, absent_until=timezone.localdate() + timedelta(days=3))
    actions.claim_case(case=case, clerk=drafter)
    actions.submit_review(case=case, clerk=drafter, outcome="approve")
    url = reverse("cases:case-detail", args=[case.public_id])
    approve = reverse("cases:case-approve", args=[case.public_id])
    # then at the 係長 step the drafter sees no form, another 係長 does (in their own right)
    assert approve not in login(drafter).get(url).content.decode()
    page = login(second).get(url).content.decode()
    assert approve in page and "代決" not in page
    # and at the 課長 step, with the 課長 away, a 係長 who has not acted decides in their place
    actions.act_on_approval(case=case, approver=second, decision="approve")
    assert approve not in login(second).get(url).content.decode()
    page = login(third).get(url).content.decode()
    assert approve in page and "代決" in page


def test_the_procedure_code_comes_from_the_loaded_rows_when_the_case_has_them(
    case: Case, django_assert_num_queries: Callable[..., object]
) -> None:
    loaded = Case.objects.select_related("application__procedure_version__procedure").get(pk=case.pk)
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert queries.procedure_code(loaded) == "sodai-gomi"
    bare = Case.objects.get(pk=case.pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert queries.procedure_code(bare) == "sodai-gomi"


def test_the_approvers_told_are_those_the_action_would_let_approve(
    case: Case, clerk: User, staff: Callable[..., User], django_assert_max_num_queries: Callable[..., object]
) -> None:
    # given the 課長 step after the 係長 approved, the 課長 away, a second 係長, and staff of another department
    kakari = staff("kakari", Position.KAKARICHO)
    deputy = staff("kakari-2", Position.KAKARICHO)
    staff("ka", Position.KACHO, absent_until=timezone.localdate() + timedelta(days=3))
    staff("other-kakari", Position.KAKARICHO, department="kosodate_kyufu")
    for n in range(10):
        staff(f"clerk-{n}", Position.CLERK)
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    case = Case.objects.get(pk=case.pk)
    step = queries.pending_step(case)
    assert step is not None
    # when the notice's subscriber asks who may act now
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        told = queries.approvers_for(case, step)
    # then exactly those the action's own rule allows, however many the department holds
    allowed = [u for u in User.objects.order_by("pk") if queries.may_approve(u, step, case, timezone.localdate())[0]]
    assert told == allowed
    assert {u.username for u in told} == {"ka", deputy.username}
