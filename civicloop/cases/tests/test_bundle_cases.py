# SPDX-License-Identifier: MPL-2.0
"""関連する申請: staff see a life-event bundle as linked cases, each link only where the policy lets them read."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.applications.tests.test_follow_ups import VALID_TENNYU
from civicloop.cases.actions import open_case
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification.family import family_of

pytestmark = pytest.mark.django_db

HEADING = "関連する申請（同じライフイベント）"


@pytest.fixture
def bundle(resident: User, catalog: None) -> tuple[Case, Case]:
    """A submitted 転入届 and the 国民健康保険 notification the resident submitted from its bundle."""
    answers = {**copy.deepcopy(VALID_TENNYU), "moved_in_on": timezone.localdate().isoformat()}
    tennyu, _created = actions.submit_from_api(
        user=resident, procedure=Procedure.objects.get(code="tennyu"), answers=answers, idempotency_key="t-1"
    )
    [draft] = actions.start_follow_ups(trigger=tennyu, codes=["kokuho-ido"], user=resident)
    kokuho = actions.submit_application(application=draft, submission_key="k-1")
    return Case.objects.get(application=tennyu), Case.objects.get(application=kokuho)


def _block(client: Client, case: Case) -> str:
    page = client.get(reverse("cases:case-detail", args=[case.public_id])).content.decode()
    return page.split(HEADING, 1)[1].split("</section>", 1)[0] if HEADING in page else ""


def test_a_clerk_of_both_departments_sees_each_case_linked_to_the_other(
    bundle: tuple[Case, Case], make_clerk: Callable[..., Any], login: Callable[[User], Client]
) -> None:
    tennyu, kokuho = bundle
    client = login(make_clerk(["koseki_juumin", "hoken_nenkin"]))
    on_tennyu = _block(client, tennyu)
    assert reverse("cases:case-detail", args=[kokuho.public_id]) in on_tennyu
    assert kokuho.application.receipt_number in on_tennyu and "国民健康保険" in on_tennyu
    assert reverse("cases:case-detail", args=[tennyu.public_id]) in _block(client, kokuho)


def test_a_clerk_sees_no_link_to_a_case_of_a_department_they_may_not_read(
    bundle: tuple[Case, Case], make_clerk: Callable[..., Any], login: Callable[[User], Client]
) -> None:
    tennyu, kokuho = bundle
    client = login(make_clerk("koseki_juumin"))
    page = client.get(reverse("cases:case-detail", args=[tennyu.public_id])).content.decode()
    assert HEADING not in page
    assert str(kokuho.public_id) not in page and kokuho.application.receipt_number not in page


def test_the_follow_up_case_says_how_many_answers_it_started_with(
    bundle: tuple[Case, Case], make_clerk: Callable[..., Any], login: Callable[[User], Client]
) -> None:
    _tennyu, kokuho = bundle
    page = login(make_clerk("hoken_nenkin")).get(reverse("cases:case-detail", args=[kokuho.public_id])).content.decode()
    assert "申請者の転入届から" in page and "項目を入力済みで開始（ワンスオンリー）" in page


def test_a_case_outside_any_bundle_shows_no_block(case: Case, clerk: User, login: Callable[[User], Client]) -> None:
    assert HEADING not in login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()


def test_the_block_costs_no_query_per_linked_case(
    bundle: tuple[Case, Case],
    resident: User,
    make_clerk: Callable[..., Any],
    login: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    # given the bundle's first case, measured with one linked case and then with three
    tennyu, _kokuho = bundle
    client = login(make_clerk(["koseki_juumin", "hoken_nenkin", "kosodate_kyufu"]))
    url = reverse("cases:case-detail", args=[tennyu.public_id])
    client.get(url)
    with django_assert_max_num_queries(200) as one:
        client.get(url)
    for code in ("inkan-toroku", "inu-toroku"):
        [draft] = actions.start_follow_ups(trigger=tennyu.application, codes=[code], user=resident)
        # submitted as they were (answers are not what this test is about), and so opened as cases
        draft.status, draft.submitted_at, draft.receipt_number = Application.Status.SUBMITTED, timezone.now(), code
        draft.save()
        with transaction.atomic():
            open_case(application=draft)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_a_label_on_the_first_case_does_not_spread_to_the_applications_it_prefilled(
    bundle: tuple[Case, Case],
) -> None:
    # Each application of a bundle is a file of its own: the link is a reference, not contents.
    tennyu, kokuho = bundle
    members = family_of(tennyu)
    assert tennyu.application in members
    assert kokuho.application not in members and kokuho not in members
