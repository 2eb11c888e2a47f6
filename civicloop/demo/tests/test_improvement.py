# SPDX-License-Identifier: MPL-2.0
"""The demo's 改善 action: recorded once, where the generated history's fix begins."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from civicloop.accounts.models import Position
from civicloop.analytics.models import GeneratedHistory, ImprovementAction
from civicloop.demo.improvement import OWNER, seed_improvement
from civicloop.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_demo_records_the_bank_account_action_once_on_the_day_the_history_improves(catalog: None) -> None:
    StaffFactory.create(username=OWNER, department="kosodate_kyufu", position=Position.KACHO)
    assert seed_improvement() == 0  # no history yet: nothing to act on
    call_command("generate_history", years=0.2, scale=0.01, seed=2, end="2026-06-30", rows=False, verbosity=0)
    history = GeneratedHistory.objects.get()

    assert seed_improvement() == 1
    assert seed_improvement() == 0
    action = ImprovementAction.objects.get()
    assert action.finding.procedure == "jido-teate" and action.finding.subject == "answer:bank_account"
    assert action.recorded_by.username == OWNER
    span = (history.end - history.start).days
    assert abs(action.taken_on - (history.start + timedelta(days=span * 0.7))) <= timedelta(days=1)
