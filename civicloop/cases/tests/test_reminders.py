# SPDX-License-Identifier: MPL-2.0
"""SLA reminders to the assignee and the section chief."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from civicloop.accounts.models import Position, User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.cases.worker import send_reminders
from civicloop.notifications.models import Message

MONDAY = date(2026, 12, 7)


def test_due_soon_and_overdue_cases_remind_the_assignee_and_the_section_chief(
    case: Case, clerk: User, staff: Callable[..., User]
) -> None:
    chief = staff("kakari", Position.KAKARICHO)
    staff("kakari-away", Position.KAKARICHO, absent_until=MONDAY + timedelta(days=5))
    actions.claim_case(case=case, clerk=clerk)
    Case.objects.filter(pk=case.pk).update(due_date=MONDAY + timedelta(days=1))
    assert send_reminders(MONDAY) == 1
    recipients = set(Message.objects.filter(template_code="case.reminder").values_list("recipient_id", flat=True))
    assert recipients == {clerk.pk, chief.pk}
    assert send_reminders(MONDAY) == 0  # once a day
    assert send_reminders(MONDAY + timedelta(days=1)) == 1


def test_no_reminders_on_closed_days_or_for_paused_or_distant_cases(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    Case.objects.filter(pk=case.pk).update(due_date=MONDAY + timedelta(days=30))
    assert send_reminders(MONDAY) == 0
    Case.objects.filter(pk=case.pk).update(due_date=MONDAY)
    assert send_reminders(date(2026, 12, 29)) == 0  # year-end closure
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="確認")
    assert send_reminders(MONDAY) == 0  # 補正: the clock is stopped


pytestmark = pytest.mark.django_db
