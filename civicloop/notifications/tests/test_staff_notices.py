# SPDX-License-Identifier: MPL-2.0
"""Staff hear of work that waits for them: a 決裁 step now pending, a 補正 sent back by the resident."""

import pytest
from django.core import mail

from civicloop.accounts.models import Department, Position, User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.cases.queries import ASSIGNEE_CONTEXT
from civicloop.classification.family import relabel_family
from civicloop.notifications.models import Channel, ChannelPreference, Message
from civicloop.notifications.tests.conftest import deliver_all, in_transaction

pytestmark = pytest.mark.django_db


def _staff(username: str, position: str = Position.CLERK, department: str = "seiso", **fields: object) -> User:
    user = User.objects.create(
        username=username,
        kind=User.Kind.STAFF,
        full_name=username,
        position=position,
        email=f"{username}@city.example",
        **fields,
    )
    user.departments.add(Department.objects.get(code=department))
    return user


def _notices(code: str, channel: str = Channel.PORTAL) -> list[str]:
    return sorted(
        str(m.recipient and m.recipient.username) for m in Message.objects.filter(template_code=code, channel=channel)
    )


def test_the_approver_whose_step_is_pending_is_told_in_the_app_and_by_email(case: Case, clerk: User) -> None:
    # given a route of 係長 then 課長, and a 係長 of another department
    kakari = _staff("kakari", Position.KAKARICHO)
    _staff("ka", Position.KACHO)
    _staff("other-kakari", Position.KAKARICHO, department="zeimu")
    actions.claim_case(case=case, clerk=clerk)

    # when the clerk sends the draft for approval
    actions.submit_review(case=case, clerk=clerk, outcome="approve")

    # then only the 係長 of the department hears, on the site and by e-mail, with a link to the case
    assert _notices("case.approval_pending") == ["kakari"]
    assert _notices("case.approval_pending", Channel.EMAIL) == ["kakari"]
    deliver_all()
    applicant = case.application.applicant
    assert applicant is not None
    to_staff = [m for m in mail.outbox if m.to != [applicant.email]]
    assert [m.to for m in to_staff] == [[kakari.email]]
    assert str(case.application.receipt_number) in to_staff[0].subject
    assert f"/staff/cases/{case.public_id}/" in to_staff[0].body

    # and when the 係長 approves, the 課長 is next
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    assert _notices("case.approval_pending") == ["ka", "kakari"]


def test_a_staff_member_who_turned_email_off_gets_the_notice_only_in_the_app(case: Case, clerk: User) -> None:
    kakari = _staff("kakari", Position.KAKARICHO)
    ChannelPreference.objects.create(user=kakari, email_enabled=False)
    actions.claim_case(case=case, clerk=clerk)

    actions.submit_review(case=case, clerk=clerk, outcome="approve")

    assert _notices("case.approval_pending") == ["kakari"]
    assert _notices("case.approval_pending", Channel.EMAIL) == []


def test_a_resubmitted_correction_is_told_to_the_assignee(case: Case, clerk: User) -> None:
    # given a 補正 requested by the assigned clerk, and a colleague in the same department
    _staff("colleague")
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    answers = {**case.application.answers, "contact": {"phone": "03-9999-0000"}}

    # when the resident sends it back
    assert case.application.applicant is not None
    actions.resubmit_correction(application=case.application, resident=case.application.applicant, answers=answers)

    # then the assignee hears of it, the colleague does not, and the notice carries no answers
    assert _notices("case.correction_resubmitted") == [clerk.username]
    notice = Message.objects.get(template_code="case.correction_resubmitted", channel=Channel.PORTAL)
    assert "03-9999-0000" not in notice.body and str(case.application.receipt_number) in notice.title


def test_an_unassigned_resubmission_is_told_to_the_clerks_of_the_department(case: Case, clerk: User) -> None:
    _staff("colleague")
    _staff("chief", Position.KACHO)
    _staff("elsewhere", department="zeimu")
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    Case.objects.filter(pk=case.pk).update(assignee=None)
    answers = {**case.application.answers, "contact": {"phone": "03-9999-0000"}}

    assert case.application.applicant is not None
    actions.resubmit_correction(application=case.application, resident=case.application.applicant, answers=answers)

    assert _notices("case.correction_resubmitted") == sorted([clerk.username, "colleague"])


def test_staff_who_may_not_work_a_secret_case_hear_nothing_and_email_says_only_that_there_is_a_notice(
    case: Case, clerk: User
) -> None:
    # given a SECRET case, a 係長 cleared for SECRET and one who is not
    cleared = _staff("cleared", Position.KAKARICHO, clearance="SECRET")
    _staff("uncleared", Position.KAKARICHO)
    User.objects.filter(pk=clerk.pk).update(clearance="SECRET")
    clerk.refresh_from_db()
    actions.claim_case(case=case, clerk=clerk, context=ASSIGNEE_CONTEXT)
    in_transaction(lambda: relabel_family(Case.objects.get(pk=case.pk), new="SECRET"))

    # when the draft goes for approval
    actions.submit_review(case=Case.objects.get(pk=case.pk), clerk=clerk, outcome="approve", context=ASSIGNEE_CONTEXT)

    # then only the cleared 係長 hears, and the e-mail names neither the procedure nor the number
    assert _notices("case.approval_pending") == ["cleared"]
    email = Message.objects.get(template_code="case.approval_pending", channel=Channel.EMAIL, recipient=cleared)
    assert str(case.application.receipt_number) not in email.title + email.body
    assert "粗大ごみ" not in email.title + email.body
