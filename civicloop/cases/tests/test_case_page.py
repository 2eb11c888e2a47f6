# SPDX-License-Identifier: MPL-2.0
"""The case page is laid out for the work: what the case is at and what to do next, beside the application."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases import actions
from civicloop.cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_side_panel_holds_the_status_the_due_date_and_the_next_step(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)

    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    side = page.split('class="case-layout__side"', 1)[1].split('class="case-layout__main"', 1)[0]
    assert "状況" in side and "期限（標準処理期間）" in side
    assert "次の作業" in side and reverse("cases:decision", args=[case.public_id]) in side
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
