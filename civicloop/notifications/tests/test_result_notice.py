# SPDX-License-Identifier: MPL-2.0
"""Deciding a case sends the resident one result e-mail, not one for the decision and one for the PDF."""

import pytest
from django.core import mail

from civicloop.accounts.models import Position, User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.documents.models import IssuedDocument
from civicloop.notifications.models import Channel, Message
from civicloop.notifications.tests.conftest import deliver_all
from civicloop.testing.factories import StaffFactory

# The demo signing key and a private file storage, as the documents tests use.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_signing")]


def _approver(username: str, position: str) -> User:
    return StaffFactory.create(username=username, position=position, department="seiso")


def test_a_decided_case_with_its_signed_pdf_sends_the_resident_one_result_email(case: Case, clerk: User) -> None:
    # given a case drafted for approval along the whole route
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    Message.objects.all().delete()

    for approver in (_approver("kakari", Position.KAKARICHO), _approver("ka", Position.KACHO)):
        actions.act_on_approval(case=case, approver=approver, decision="approve")

    # when the fee is paid: the case is decided and the signed PDF issued, in one transaction
    actions.confirm_fee(case=case, clerk=clerk)
    deliver_all()

    # then the resident gets one result notice on each channel, and one e-mail
    assert IssuedDocument.objects.filter(case=case).count() == 1
    resident = case.application.applicant
    assert resident is not None
    mails = Message.objects.filter(recipient=resident, channel=Channel.EMAIL)
    assert mails.count() == 1, [m.template_code for m in mails]
    # the decision's notice, queued first (notifications is ready before documents, config/settings.py)
    assert mails.get().template_code == "case.decided"
    assert Message.objects.filter(recipient=resident, channel=Channel.PORTAL).count() == 1
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "承認" in mail.outbox[0].body
