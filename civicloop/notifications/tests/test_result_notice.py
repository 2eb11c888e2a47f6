# SPDX-License-Identifier: MPL-2.0
"""Deciding a case sends the resident one result e-mail, which links the signed PDF — whatever order
the apps' subscribers run in (the order of INSTALLED_APPS)."""

from collections import defaultdict

import pytest
from django.core import mail
from django.urls import reverse

from civicloop.accounts.models import Position, User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.core import events
from civicloop.documents.models import IssuedDocument
from civicloop.notifications.models import Channel, Message
from civicloop.notifications.tests.conftest import deliver_all
from civicloop.testing.factories import StaffFactory

# The demo signing key and a private file storage, as the documents tests use.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_signing")]


def _approver(username: str, position: str) -> User:
    return StaffFactory.create(username=username, position=position, department="seiso")


@pytest.fixture(params=["as-installed", "apps-reversed"])
def subscriber_order(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each event's subscribers in the order the apps register them, or the other way round (as if
    documents came before notifications in INSTALLED_APPS)."""
    if request.param == "apps-reversed":
        reversed_ = defaultdict(list, {kind: list(reversed(found)) for kind, found in events._subscribers.items()})
        monkeypatch.setattr(events, "_subscribers", reversed_)
    return str(request.param)


def test_a_decided_case_sends_one_result_email_linking_its_signed_pdf(
    case: Case, clerk: User, subscriber_order: str
) -> None:
    # given a case drafted for approval and approved along the whole route
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    for approver in (_approver("kakari", Position.KAKARICHO), _approver("ka", Position.KACHO)):
        actions.act_on_approval(case=case, approver=approver, decision="approve")
    Message.objects.all().delete()

    # when the fee is paid: the case is decided and the signed PDF issued, in one transaction
    actions.confirm_fee(case=case, clerk=clerk)
    deliver_all()

    # then the resident gets one result notice on each channel: the decision, with the PDF's link
    document = IssuedDocument.objects.get(case=case)
    resident = case.application.applicant
    assert resident is not None
    # (and the fee the clerk recorded as paid at the counter is acknowledged: payment.received)
    mails = Message.objects.filter(recipient=resident, channel=Channel.EMAIL).order_by("template_code")
    assert [m.template_code for m in mails] == ["case.decided", "payment.received"]
    assert Message.objects.filter(recipient=resident, channel=Channel.PORTAL, template_code="case.decided").count() == 1
    assert [m.to for m in mail.outbox] == [[resident.email], [resident.email]]
    results = [m.body for m in mail.outbox if "結果：承認" in m.body]
    assert len(results) == 1
    body = results[0]
    assert reverse("documents:document-download", args=[case.application.public_id, document.public_id]) in body
