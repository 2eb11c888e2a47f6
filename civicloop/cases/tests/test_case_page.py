# SPDX-License-Identifier: MPL-2.0
"""The case page is laid out for the work: what the case is at and what to do next, beside the application."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db


def test_the_side_panel_holds_the_status_the_due_date_and_the_next_step(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)

    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    side = page.split('class="case-layout__side"', 1)[1].split('class="case-layout__main"', 1)[0]
    assert "状況" in side and "期限（標準処理期間）" in side
    assert "次の作業" in side and reverse("cases:case-decide", args=[case.public_id]) in side
    main = page.split('class="case-layout__main"', 1)[1]
    assert "申請" in main and "経過" in main


def test_every_cell_of_the_case_tables_names_its_column_for_the_phone_layout(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)

    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    tables = re.findall(r'<table class="table table--stack".*?</table>', page, flags=re.S)
    assert tables, "the steps table stacks on a phone"
    cells = [cell for table in tables for cell in re.findall(r"<td[^>]*>", table)]
    assert cells and all("data-label=" in cell for cell in cells)
    assert "table-wrap" not in page  # no sideways-scrolling boxes of squeezed columns


def test_each_row_of_the_steps_table_names_its_own_step_and_how_it_ended(
    case: Case, clerk: User, chiefs: tuple[User, User], login: Callable[[User], Client], fake_results: object
) -> None:
    # given a case taken from intake to its result notice (結果通知)
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    for approver in chiefs:
        actions.act_on_approval(case=case, approver=approver, decision="approve")
    actions.confirm_fee(case=case, clerk=clerk)

    # when the clerk opens the case
    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    # then each step says how it ended: the draft at 審査, the decision at 結果通知
    table = page.split('id="h-steps"', 1)[1].split("</table>", 1)[0]
    rows = [
        (re.sub(r"<[^>]+>", "", step).strip(), re.sub(r"<[^>]+>", "", result).strip())
        for step, result in re.findall(
            r'<td data-label="工程">(.*?)</td>.*?<td data-label="結果">(.*?)</td>', table, flags=re.S
        )
    ]
    assert rows == [
        ("受付", "担当決定"),
        ("審査", "起案：承認"),
        ("決裁", "承認"),
        ("手数料納付", "納付済み"),
        ("結果通知", "決定：承認"),
    ]


def test_the_case_page_costs_the_same_queries_however_many_rows_it_lists(
    case: Case,
    clerk: User,
    resident: User,
    sodai_gomi: Procedure,
    login: Callable[[User], Client],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    # given a claimed case with one comment, the resident's only one
    actions.claim_case(case=case, clerk=clerk)
    actions.add_comment(case=case, author=clerk, body="最初のメモ")
    client = login(clerk)
    url = reverse("cases:case-detail", args=[case.public_id])
    client.get(url)
    with django_assert_max_num_queries(40) as one:  # type: ignore[operator]
        client.get(url)
    # when the resident sends eight more applications and the case gathers more comments and history
    for i in range(8):
        application_actions.submit_from_api(
            user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key=f"more-{i:08d}"
        )
    for i in range(5):
        actions.add_comment(case=case, author=clerk, body=f"メモ {i}")
    # then the page lists them all (related cases, comments) with no more queries than before
    with django_assert_max_num_queries(len(one.captured_queries)):  # type: ignore[attr-defined]
        page = client.get(url).content.decode()
    related = Case.objects.filter(application__applicant=resident).exclude(pk=case.pk)
    assert related.count() == 8
    assert all(other.application.receipt_number in page for other in related)
    assert "メモ 4" in page
