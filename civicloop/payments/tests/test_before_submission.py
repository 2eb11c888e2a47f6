# SPDX-License-Identifier: MPL-2.0
"""A fee paid before submission (課税証明, `fee_payment.timing: before_submission`): the application
is sent only once the provider captures the fee, by the webhook or the signed return, once."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.models import Event
from civicloop.integrations.payment.fake import FakeProvider
from civicloop.payments import actions
from civicloop.payments.models import Payment, WebhookEvent

KAZEI: dict[str, Any] = {
    "requester": "self",
    "subject": {
        "name": {"family": "渋谷", "given": "花子", "family_kana": "シブヤ", "given_kana": "ハナコ"},
        "birthdate": "1985-05-05",
        "address": {
            "postal_code": "150-0042",
            "prefecture": "東京都",
            "city": "渋谷区",
            "town": "宇田川町",
            "block": "1-1",
        },
        "address_on_jan1": "same",
    },
    "fiscal_year": 2025,
    "purpose": "childcare",
    "copies": 2,
}


@pytest.fixture
def draft(resident: User, catalog: None, payment_settings: Any) -> Application:
    """The resident's complete 課税証明 request (2 copies, 600円), not yet sent."""
    procedure = Procedure.objects.get(code="kazei-shomei")
    application = application_actions.start_application(procedure=procedure, user=resident)
    application.answers = KAZEI
    application.save(update_fields=["answers"])
    return application


def _capture(provider: FakeProvider, payment: Payment, **changes: Any) -> tuple[bytes, dict[str, str]]:
    return provider.webhook(
        payment_id=str(payment.provider_payment_id),
        order_ref=str(payment.public_id),
        amount_yen=changes.get("amount_yen", payment.amount_yen),
        method="card",
        at=timezone.now(),
        event_id=changes.get("event_id", ""),
    )


def _opened(draft: Application) -> Payment:
    payment = actions.request_prepayment(application=draft)
    return actions.start_checkout(payment=payment, return_url="http://testserver/back")


def test_the_procedure_cannot_be_sent_without_its_fee(draft: Application) -> None:
    with pytest.raises(application_actions.FeeUnpaid):
        application_actions.submit_application(application=draft, submission_key="web:x")
    assert Application.objects.get(pk=draft.pk).is_draft
    assert not Case.objects.exists()


def test_the_api_refuses_a_procedure_whose_fee_comes_first(draft: Application, resident: User) -> None:
    procedure = Procedure.objects.get(code="kazei-shomei")
    with pytest.raises(application_actions.FeeUnpaid):
        application_actions.submit_from_api(user=resident, procedure=procedure, answers=KAZEI, idempotency_key="k1")


def test_a_captured_fee_sends_the_application_and_opens_its_case_once(
    draft: Application, provider: FakeProvider
) -> None:
    # given
    payment = _opened(draft)
    assert (payment.amount_yen, payment.timing, payment.case) == (600, "before_submission", None)
    body, headers = _capture(provider, payment)
    # when the webhook comes, and then comes again
    first = actions.receive_webhook(body=body, headers=headers)
    again = actions.receive_webhook(body=body, headers=headers)
    # then
    assert (first.outcome, again.outcome) == (WebhookEvent.Outcome.APPLIED, WebhookEvent.Outcome.REPLAYED)
    application = Application.objects.get(pk=draft.pk)
    assert application.status == Application.Status.SUBMITTED and application.receipt_number
    case = Case.objects.get(application=application)
    payment = Payment.objects.get(pk=payment.pk)
    assert (payment.state, payment.case_id) == (Payment.State.CAPTURED, case.pk)
    assert Event.objects.filter(type__endswith="application.submitted").count() == 1
    fee_paid = Event.objects.get(type__endswith="case.fee_paid", subject=f"case/{case.public_id}")
    assert fee_paid.data["amount_yen"] == 600


def test_the_signed_return_sends_it_when_it_comes_before_the_webhook(
    draft: Application, provider: FakeProvider, resident: User
) -> None:
    # given a capture the provider has not yet sent by webhook
    payment = _opened(draft)
    body, headers = _capture(provider, payment)
    client = Client()
    client.force_login(resident)
    # when the browser comes back with the provider's signed return
    back = client.get(reverse("payments:payment-return", args=[draft.public_id]), provider.return_query(body, headers))
    # then it is sent, and the webhook arriving later changes nothing
    assert back.status_code == 302 and back["Location"] == reverse(
        "applications:receipt-detail", args=[draft.public_id]
    )
    assert not Application.objects.get(pk=draft.pk).is_draft
    assert actions.receive_webhook(body=body, headers=headers).outcome == WebhookEvent.Outcome.REPLAYED
    assert Case.objects.filter(application=draft).count() == 1


def test_a_forged_return_sends_nothing(draft: Application, provider: FakeProvider, resident: User) -> None:
    payment = _opened(draft)
    body, headers = _capture(provider, payment)
    query = provider.return_query(body, headers)
    query["fp_sig"] = "0" * 64
    client = Client()
    client.force_login(resident)
    back = client.get(reverse("payments:payment-return", args=[draft.public_id]), query)
    assert back["Location"] == reverse("payments:prepayment", args=[draft.public_id])
    assert Application.objects.get(pk=draft.pk).is_draft
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.BAD_SIGNATURE


def test_an_abandoned_payment_leaves_the_draft_as_it_was(draft: Application, resident: User) -> None:
    # given the resident went to the provider's page and came back without paying
    _opened(draft)
    client = Client()
    client.force_login(resident)
    back = client.get(reverse("payments:payment-return", args=[draft.public_id]))
    # then nothing was sent, the answers are kept, and the draft can still be changed
    assert back["Location"] == reverse("payments:prepayment", args=[draft.public_id])
    application = Application.objects.get(pk=draft.pk)
    assert application.is_draft and application.answers["copies"] == 2 and application.receipt_number is None
    step = client.get(reverse("applications:step-edit", args=[draft.public_id, "certificate"]))
    assert step.status_code == 200


def test_changed_answers_are_charged_anew_and_an_older_capture_does_not_cover_them(
    draft: Application, provider: FakeProvider
) -> None:
    # given a checkout for 2 copies, then the resident asks for 3
    old = _opened(draft)
    draft.answers = {**KAZEI, "copies": 3}
    draft.save(update_fields=["answers"])
    new = actions.request_prepayment(application=draft)
    assert (new.pk != old.pk, new.amount_yen) == (True, 900)
    # when the old checkout is paid after all
    body, headers = _capture(provider, old)
    assert actions.receive_webhook(body=body, headers=headers).outcome == WebhookEvent.Outcome.APPLIED
    # then the money is recorded but does not send a request for 900円
    assert Payment.objects.get(pk=old.pk).state == Payment.State.CAPTURED
    assert Application.objects.get(pk=draft.pk).is_draft
