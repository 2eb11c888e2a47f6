# SPDX-License-Identifier: MPL-2.0
"""Events become notices: who hears of what, once; in the transaction of the change, or (receipts) by the relay."""

from collections.abc import Callable, Sequence

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from civicloop.accounts.models import Department, User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.documents import issue
from civicloop.intelligence.actions import answer_inquiry, submit_inquiry
from civicloop.notifications import consumer
from civicloop.notifications.models import Message
from civicloop.relay.consumers import pending_for
from civicloop.relay.relay import run_pass

from .conftest import deliver_all, relay_all

ROAD_DAMAGE = {
    "location": {"address": "神宮前一丁目5番付近", "landmark": "公園の正門前"},
    "damage_type": "pothole",
    "danger": "soon",
    "description": "直径30cmほどの穴",
}


def test_the_relay_queues_the_receipt_notice_after_the_submission_and_the_worker_emails_it(
    resident: User, sodai_gomi: Procedure
) -> None:
    # given a submission, committed: its receipt notice is not part of the submission's transaction
    application, _ = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="receipt-0001"
    )
    notices = Message.objects.filter(subject=f"application/{application.public_id}")
    assert not notices.exists()
    # when the relay hands the event on, the notice is queued on each of the resident's channels
    relay_all()
    assert {m.channel for m in notices} == {"portal", "email"}
    assert not mail.outbox  # nothing leaves before the worker runs
    deliver_all()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [resident.email]
    assert str(application.receipt_number) in mail.outbox[0].subject
    assert str(application.receipt_number) in mail.outbox[0].body
    assert "粗大ごみ" in mail.outbox[0].body


def test_the_notice_carries_no_answers_of_the_application(resident: User, submit: Callable[..., Application]) -> None:
    application = submit(resident)

    for message in Message.objects.filter(subject=f"application/{application.public_id}"):
        assert "𠮷田" not in message.body and "宇田川町" not in message.body and "03-1234-5678" not in message.body


def test_the_same_event_delivered_twice_makes_one_notice(resident: User, submit: Callable[..., Application]) -> None:
    application = submit(resident)
    event = Event.objects.get(type="jp.lg.civicloop.application.submitted")

    with transaction.atomic():
        consumer.apply([event])  # a redelivery of the stored event (the relay is at least once)

    assert Message.objects.filter(subject=f"application/{application.public_id}").count() == 2  # portal + email


def test_a_receipt_notice_is_not_lost_when_the_relay_fails_before_its_checkpoint(
    resident: User, sodai_gomi: Procedure, settings: Settings
) -> None:
    # given the receipt consumer failing once, after it queued the notice, before the checkpoint moved
    _crashed.clear()
    application, _ = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="receipt-0002"
    )
    settings.EVENT_CONSUMERS = {"notifications": f"{__name__}.{_queue_then_crash.__name__}"}
    settings.RELAY_BACKOFF_BASE_SECONDS = 0
    run_pass()
    notices = Message.objects.filter(subject=f"application/{application.public_id}")
    assert not notices.exists()  # rolled back with the failed batch
    # when the relay runs again
    relay_all()
    # then the notice is there, once
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "portal"]
    assert pending_for("notifications") == 0


_crashed: list[bool] = []


def _queue_then_crash(batch: Sequence[Event]) -> None:
    consumer.apply(batch)
    if not _crashed:
        _crashed.append(True)
        raise RuntimeError("the worker died before the checkpoint")


def test_a_guest_who_gave_an_email_address_gets_the_receipt_by_email(client: Client, catalog: None) -> None:
    # given a guest's road-damage report, answered
    procedure = Procedure.objects.get(code="doro-sonsho")
    start = client.post(reverse("applications:application-start", args=[procedure.code]), {"as_guest": "1"})
    assert start.status_code == 302
    draft = Application.objects.get()
    Application.objects.filter(pk=draft.pk).update(answers=ROAD_DAMAGE)
    # when they submit it with an email address
    response = client.post(
        reverse("applications:application-check", args=[draft.public_id]),
        {"declaration": "yes", "guest_email": "guest@example.jp"},
    )
    assert response.status_code == 302
    deliver_all()
    # then the receipt number reaches that address, and no portal notice exists (no account)
    draft.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["guest@example.jp"]]
    assert draft.receipt_number and draft.receipt_number in mail.outbox[0].body
    assert not Message.objects.filter(channel="portal").exists()


def test_a_guest_who_used_the_english_pages_gets_the_receipt_in_english(
    client: Client, catalog: None, settings: Settings
) -> None:
    # given a guest who switched the site to English, with a road-damage report answered
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    procedure = Procedure.objects.get(code="doro-sonsho")
    client.post(reverse("applications:application-start", args=[procedure.code]), {"as_guest": "1"})
    draft = Application.objects.get()
    Application.objects.filter(pk=draft.pk).update(answers=ROAD_DAMAGE)
    # when they submit it and the relay queues the receipt later, outside their request
    client.post(
        reverse("applications:application-check", args=[draft.public_id]),
        {"declaration": "yes", "guest_email": "guest@example.jp"},
    )
    deliver_all()
    # then the notice is in the language they used
    notice = Message.objects.get(channel="email")
    assert notice.language == "en"
    assert mail.outbox[0].subject.startswith("[Shibuya City] We received your")


def test_a_guest_without_an_email_address_gets_no_notice(client: Client, catalog: None) -> None:
    procedure = Procedure.objects.get(code="doro-sonsho")
    client.post(reverse("applications:application-start", args=[procedure.code]), {"as_guest": "1"})
    draft = Application.objects.get()
    Application.objects.filter(pk=draft.pk).update(answers=ROAD_DAMAGE)

    client.post(
        reverse("applications:application-check", args=[draft.public_id]), {"declaration": "yes", "guest_email": ""}
    )

    assert Application.objects.get().status == Application.Status.SUBMITTED
    assert not Message.objects.exists()


def _record(event_type: str, case: Case, data: dict[str, object]) -> Event:
    with transaction.atomic():
        return events.record(
            event_type, subject=f"case/{case.public_id}", data=data, classification=case.classification
        )


def test_a_correction_request_names_the_items_and_the_reason(case: Case, clerk: User) -> None:
    CorrectionRequest.objects.create(
        case=case, fields=["collection"], attachments=[], reason="番地が見つかりません。", requested_by=clerk
    )

    _record("case.correction_requested", case, {"fields": ["collection"], "attachments": [], "department": "seiso"})

    portal = Message.objects.get(template_code="case.correction_requested", channel="portal")
    assert "番地が見つかりません。" in portal.body
    assert "収集" in portal.body  # the title of the `collection` answers
    assert reverse("cases:correction-resubmit", args=[case.application.public_id]) in portal.body
    assert portal.department_code == "seiso" and portal.recipient == case.application.applicant


def _issued(case: Case, kind: str, outcome: str) -> None:
    with transaction.atomic():
        events.record(
            "document.issued",
            subject="document/7f1e3c1a-0000-4000-8000-000000000001",
            data={"case": str(case.public_id), "kind": kind, "outcome": outcome, "sha256": "0" * 64},
            classification=case.classification,
        )


def test_the_decisions_document_is_the_result_notice_with_the_outcome_and_the_download(case: Case) -> None:
    _issued(case, "refusal_notice", "reject")

    email = Message.objects.get(template_code="case.decided", channel="email")
    assert "不承認" in email.body
    assert "documents/7f1e3c1a-0000-4000-8000-000000000001/" in email.body
    assert not Message.objects.filter(template_code="document.issued").exists()


def test_an_accepted_notification_is_told_as_accepted_not_refused(case: Case) -> None:
    _issued(case, "acceptance_notice", "accept")

    email = Message.objects.get(template_code="case.decided", channel="email")
    assert "結果：受理" in email.body and "不承認" not in email.body


def test_the_decision_alone_sends_nothing_until_its_document_is_issued(
    case: Case, clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issue, "issue_document", lambda *args, **kwargs: None)  # no PDF, so no document.issued
    decided = {"outcome": "approve", "department": "seiso", "overdue": False, "decided_by": str(clerk.public_id)}
    _record("case.decided", case, decided)

    assert not Message.objects.filter(template_code="case.decided").exists()


def test_a_withdrawal_is_confirmed_to_the_resident(case: Case) -> None:
    _record("case.withdrawn", case, {"outcome": "withdrawn", "department": "seiso", "overdue": False})

    assert Message.objects.filter(template_code="case.withdrawn", recipient=case.application.applicant).count() == 2


def test_an_issued_document_other_than_the_result_links_to_its_download(case: Case) -> None:
    _issued(case, "certificate", "approve")

    portal = Message.objects.get(template_code="document.issued", channel="portal")
    assert str(case.application.public_id) in portal.body
    assert str(case.application.receipt_number) in portal.title


def test_an_answered_inquiry_notifies_its_resident(resident: User, clerk: User, catalog: None) -> None:
    inquiry = submit_inquiry(text="粗大ごみの出し方を教えてください", resident=resident)
    clerk.departments.add(Department.objects.get(code=inquiry.department_code))  # it answers what it has

    answer_inquiry(inquiry=inquiry, answer="申込ページからお申し込みください。", by=clerk)

    portal = Message.objects.get(template_code="inquiry.answered", channel="portal")
    assert portal.recipient == resident and inquiry.reference_number in portal.title
    assert "申込ページから" not in portal.body  # the answer itself stays on the inquiry page


def test_an_answered_guest_inquiry_goes_to_its_contact_address(clerk: User, catalog: None) -> None:
    inquiry = submit_inquiry(text="道路の穴について", guest_key="g" * 43, contact_email="asker@example.jp")
    clerk.departments.add(Department.objects.get(code=inquiry.department_code))

    answer_inquiry(inquiry=inquiry, answer="確認します。", by=clerk)
    deliver_all()

    assert [m.to for m in mail.outbox] == [["asker@example.jp"]]
