# SPDX-License-Identifier: MPL-2.0
"""The decided case's signed result, issued by the documents subscriber of `case.decided`."""

import pytest

from civicloop.accounts.models import Department, Position, User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry, Event
from civicloop.documents import issue
from civicloop.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_cashier(catalog: None) -> User:
    return _member("cashier", Position.CLERK)


def _member(username: str, position: str) -> User:
    user = User.objects.create(username=username, kind=User.Kind.STAFF, full_name=username, position=position)
    user.departments.add(Department.objects.get(code="seiso"))
    return user


def _approved_awaiting_the_fee(case: Case, clerk: User) -> None:
    """粗大ごみ: drafted, approved by the 係長 and the 課長; the decision comes once the fee is paid."""
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    for chief in (_member("kakari", Position.KAKARICHO), _member("ka", Position.KACHO)):
        actions.act_on_approval(case=case, approver=chief, decision="approve")


def test_the_decision_issues_its_signed_result_by_the_person_who_decided(
    case: Case, clerk: User, staff_cashier: User
) -> None:
    # given an approved draft waiting for its fee
    _approved_awaiting_the_fee(case, clerk)
    assert not IssuedDocument.objects.exists()
    # when another clerk confirms the fee: the process reaches 結果通知 and the case is decided
    actions.confirm_fee(case=case, clerk=staff_cashier)
    # then one decision notice, issued by that clerk, stating the approval
    document = IssuedDocument.objects.get(case=case)
    assert (document.kind, document.outcome, document.issued_by) == ("decision_notice", "approve", staff_cashier)
    # after the decision's own event and audit entry, in the same order as before the subscriber
    types = list(
        Event.objects.filter(subject__in=[f"case/{case.public_id}", f"document/{document.public_id}"])
        .order_by("time", "pk")
        .values_list("type", flat=True)
    )
    assert types[-2:] == ["jp.lg.civicloop.case.decided", "jp.lg.civicloop.document.issued"]
    actions_logged = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions_logged[-2:] == ["case.decided", "document.issue"]


def test_a_result_that_cannot_be_issued_leaves_the_case_undecided(
    case: Case, clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an approved draft waiting for its fee, and issuing the result fails (no signing key, say)
    _approved_awaiting_the_fee(case, clerk)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the signing key is missing")

    monkeypatch.setattr(issue, "issue_document", fail)
    # when the fee is confirmed
    with pytest.raises(RuntimeError):
        actions.confirm_fee(case=case, clerk=clerk)
    # then nothing of the decision remains: the fee step, the close and its event roll back with it
    case.refresh_from_db()
    assert case.status != Case.Status.CLOSED and case.step == "fee"
    assert not Event.objects.filter(type="jp.lg.civicloop.case.decided").exists()
    assert not IssuedDocument.objects.exists()
