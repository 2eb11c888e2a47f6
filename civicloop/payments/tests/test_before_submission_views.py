# SPDX-License-Identifier: MPL-2.0
"""The resident's path through a fee paid before submission: check → pay → sent."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.payments.models import Payment
from civicloop.payments.tests.test_before_submission import draft  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(
    not __import__("django.conf").conf.settings.DEMO_ENABLED, reason="the fake provider's page is part of the demo"
)


def test_check_your_answers_leads_to_the_fee_and_paying_sends_the_application(
    draft: Application,  # noqa: F811
    resident: User,
    settings: Any,
) -> None:
    # given
    settings.SITE_URL = "http://testserver"
    client = Client()
    client.force_login(resident)
    check = reverse("applications:application-check", args=[draft.public_id])
    body = client.get(check).content.decode()
    assert any(text in body for text in ("手数料の支払いへ進む", "Continue to pay the fee"))
    # when the resident confirms the declaration
    to_fee = client.post(check, {"declaration": "yes"})
    # then the fee page shows the amount, and nothing is sent yet
    assert to_fee["Location"] == reverse("payments:prepayment", args=[draft.public_id])
    page = client.get(to_fee["Location"])
    assert page.status_code == 200 and "600円" in page.content.decode()
    assert Application.objects.get(pk=draft.pk).is_draft
    # when the resident pays on the provider's page and comes back
    to_provider = client.post(to_fee["Location"])
    assert "/demo-pay/checkout/" in to_provider["Location"]
    back = client.post(to_provider["Location"], {"method": "card", "action": "pay"})
    done = client.get(back["Location"])
    # then the application is sent with its receipt number, and the receipt can be downloaded
    assert done["Location"] == reverse("applications:receipt-detail", args=[draft.public_id])
    application = Application.objects.get(pk=draft.pk)
    assert application.receipt_number and application.receipt_number in client.get(done["Location"]).content.decode()
    assert Case.objects.filter(application=application).count() == 1
    assert Payment.objects.get(application=application).state == Payment.State.CAPTURED
    pdf = client.get(reverse("payments:receipt-download", args=[draft.public_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_resident_cannot_open_the_fee_page(draft: Application, other_resident: User) -> None:  # noqa: F811
    client = Client()
    client.force_login(other_resident)
    assert client.get(reverse("payments:prepayment", args=[draft.public_id])).status_code == 404
    assert not Payment.objects.exists()


def test_the_fee_page_sends_an_incomplete_draft_back_to_check(draft: Application, resident: User) -> None:  # noqa: F811
    draft.answers = {"requester": "self"}
    draft.save(update_fields=["answers"])
    client = Client()
    client.force_login(resident)
    response = client.get(reverse("payments:prepayment", args=[draft.public_id]))
    assert response["Location"] == reverse("applications:application-check", args=[draft.public_id])
    assert not Payment.objects.exists()
