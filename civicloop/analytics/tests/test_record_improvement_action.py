# SPDX-License-Identifier: MPL-2.0
"""record_improvement_action: only the procedure's process owner records one; each is audited."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import Position, Role, User
from civicloop.analytics.actions import NotProcessOwner, record_improvement_action
from civicloop.analytics.improvement.findings import finding_for
from civicloop.analytics.improvement.measures import Key
from civicloop.analytics.models import Finding, ImprovementAction
from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry
from civicloop.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db
ITEMS = Key(Finding.Kind.CORRECTION, "sodai-gomi", "answer:items")


def owner(department: str = "seiso", **fields: object) -> User:
    return StaffFactory.create(department=department, position=Position.KACHO, **fields)


def record(
    actor: User, text: str = "設問「出す品目」に記入例を追加", day: date = date(2026, 4, 1)
) -> ImprovementAction:
    finding = finding_for(ITEMS)
    assert finding is not None
    return record_improvement_action(finding=finding, actor=actor, description=text, taken_on=day)


def test_the_head_of_the_procedures_department_records_an_action_and_it_is_audited(catalog: None) -> None:
    kacho = owner()
    action = record(kacho)
    assert action.finding.department == "seiso" and action.finding.subject == "answer:items"
    entry = AuditEntry.objects.get(action="improvement.action_recorded")
    assert entry.object_id == str(action.public_id)
    assert entry.actor == f"user/{kacho.public_id}"
    assert entry.data["taken_on"] == "2026-04-01" and entry.data["description"] == "設問「出す品目」に記入例を追加"


def test_a_second_action_on_the_same_finding_keeps_one_finding(catalog: None) -> None:
    kacho = owner()
    record(kacho)
    record(kacho, "係長の代理を追加", date(2026, 6, 1))
    assert Finding.objects.count() == 1 and ImprovementAction.objects.count() == 2


def test_a_clerk_of_the_department_is_not_the_process_owner(catalog: None) -> None:
    with pytest.raises(NotProcessOwner):
        record(StaffFactory.create(department="seiso", position=Position.KAKARICHO))
    assert not ImprovementAction.objects.exists() and not Finding.objects.exists()


def test_the_head_of_another_department_may_not_record_one_and_the_refusal_is_audited(catalog: None) -> None:
    with pytest.raises(NotPermitted):
        record(owner("koseki_juumin"))
    assert not ImprovementAction.objects.exists()
    assert AuditEntry.objects.filter(action="access.work", object_type="analytics.finding").exists()


def test_an_auditor_watches_and_does_not_act(catalog: None) -> None:
    auditor = owner()
    auditor.roles = [Role.AUDITOR]
    auditor.save()
    with pytest.raises(NotPermitted):
        record(auditor)


@pytest.mark.parametrize("text", ["", "   ", "あ" * 301])
def test_an_action_needs_a_description_of_at_most_300_characters(catalog: None, text: str) -> None:
    with pytest.raises(ValueError):
        record(owner(), text)


def test_an_action_is_not_dated_more_than_a_year_ahead(catalog: None) -> None:
    with pytest.raises(ValueError):
        record(owner(), day=timezone.localdate() + timedelta(days=400))
